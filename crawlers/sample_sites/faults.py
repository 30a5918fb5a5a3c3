"""The faults site under /faults/: every way a real page fetch goes wrong, among normal pages.

A crawler pointed at /faults/index.html must finish, store every page whose ``expect`` is ``store`` and
report each one whose ``expect`` is ``report`` (see ``FaultSite.expected``).
"""

from __future__ import annotations

import random
import socket
import struct
import zlib
from datetime import datetime, timedelta
from html import escape
from typing import TYPE_CHECKING

from yuqing.samples.articles import make_article

if TYPE_CHECKING:  # pragma: no cover
    from .server import Handler

GOOD_PAGES = 6

# path, kind, expect, what a user is told
FAULTS = [
    ("/faults/slow.html", "slow", "store", "慢响应（数秒后返回正常页面）"),
    ("/faults/missing.html", "not_found", "report", "404 页面不存在"),
    ("/faults/error.html", "server_error", "report", "500 服务器内部错误"),
    ("/faults/timeout.html", "timeout", "report", "长时间无响应（超过客户端超时）"),
    ("/faults/loop/a.html", "redirect_loop", "report", "重定向循环"),
    ("/faults/truncated.html", "truncated", "report", "内容被截断（Content-Length 大于实际长度后断开连接）"),
    ("/faults/huge.html", "huge", "report", "超大页面（约 5 MB）"),
    ("/faults/binary.html", "binary", "report", "二进制文件（PNG）冒充 text/html"),
    ("/faults/wrong-charset.html", "wrong_charset", "report", "声明 UTF-8 实为 GBK 编码"),
]


def _png(seed: int, size: int = 96) -> bytes:
    """A small noisy PNG, built here so no binary file ships in the repository."""
    rng = random.Random(f"{seed}:png")
    raw = b"".join(b"\x00" + bytes(rng.getrandbits(8) for _ in range(size * 3)) for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _page(title: str, paragraphs: list[str], charset: str = "utf-8") -> str:
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="{charset}"><title>{escape(title)}</title></head>\n'
            f'<body><div class="article"><h1>{escape(title)}</h1>\n<div class="info">发布时间：2024-11-21 10:30　'
            f'来源：故障测试站</div>\n<div class="content">\n{body}\n</div></div></body></html>\n')


class FaultSite:
    def __init__(self, seed: int = 42, *, timeout_seconds: float = 30.0, slow_seconds: float = 3.0,
                 huge_bytes: int = 5 * 1024 * 1024):
        self.seed = seed
        self.timeout_seconds = timeout_seconds
        self.slow_seconds = slow_seconds
        self.huge_bytes = huge_bytes
        rng = random.Random(f"{seed}:faults")
        base = datetime(2024, 11, 21, 10, 30).astimezone()
        self.good = [make_article(rng, "city", 500000 + i, base - timedelta(days=i)) for i in range(GOOD_PAGES)]
        self._huge: bytes | None = None
        self._png = _png(seed)

    # -- ground truth
    def good_path(self, i: int) -> str:
        return f"/faults/good/{i + 1}.html"

    def expected(self, base_url: str) -> list[dict]:
        out = [{"url": base_url + self.good_path(i), "kind": "good", "expect": "store", "title": a.title,
                "description": "正常页面"} for i, a in enumerate(self.good)]
        out += [{"url": base_url + path, "kind": kind, "expect": expect, "description": desc,
                 "title": self._slow_title if kind == "slow" else
                 (self._charset_title if kind == "wrong_charset" else None)}
                for path, kind, expect, desc in FAULTS]
        return out

    _slow_title = "慢响应页面：A市政务服务事项清单"
    _charset_title = "编码错误页面：A市12345热线月度通报"

    def index(self) -> str:
        links = [f'<li><a href="{self.good_path(i)}">{escape(a.title)}</a></li>' for i, a in enumerate(self.good)]
        links += [f'<li><a href="{path}">{desc}</a></li>' for path, _, _, desc in FAULTS]
        # Good and bad links mixed, as a real list page would not sort them for us.
        mixed = links[:]
        random.Random(f"{self.seed}:faults-order").shuffle(mixed)
        return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>故障测试站</title></head>\n<body>'
                f"<h1>故障测试站</h1>\n<ul>\n{chr(10).join(mixed)}\n</ul>\n</body></html>\n")

    def huge(self) -> bytes:
        if self._huge is None:
            para = "".join(self.good[0].paragraphs)
            chunk = f"<p>{escape(para)}</p>\n".encode()
            repeat = self.huge_bytes // len(chunk) + 1
            head = '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>超大页面</title></head><body>\n'
            self._huge = head.encode() + chunk * repeat + b"</body></html>\n"
        return self._huge

    # -- serving
    def handle(self, h: Handler, path: str) -> None:
        html = "text/html; charset=utf-8"
        if path in ("/faults/", "/faults/index.html"):
            return h.send_body(200, self.index().encode(), html)
        if path.startswith("/faults/good/"):
            try:
                i = int(path.rsplit("/", 1)[1].removesuffix(".html")) - 1
                article = self.good[i] if 0 <= i < len(self.good) else None
            except ValueError:
                article = None
            if article is None:
                return h.send_error_page(404)
            return h.send_body(200, _page(article.title, article.paragraphs).encode(), html)
        if path == "/faults/slow.html":
            if h.stop_event.wait(self.slow_seconds):
                return h.drop()
            return h.send_body(200, _page(self._slow_title, ["本页面故意延迟返回，用于测试采集器对慢响应的处理。",
                                                             "慢响应不是错误：页面应被正常保存。"]).encode(), html)
        if path == "/faults/missing.html":
            return h.send_error_page(404)
        if path == "/faults/error.html":
            return h.send_error_page(500)
        if path == "/faults/timeout.html":
            # Bounded and interruptible: stop() sets the event, so shutting down never waits for this sleep.
            if h.stop_event.wait(self.timeout_seconds):
                return h.drop()
            return h.send_body(200, _page("超时页面", ["客户端早已超时。"]).encode(), html)
        if path == "/faults/loop/a.html":
            return h.send_redirect("/faults/loop/b.html")
        if path == "/faults/loop/b.html":
            return h.send_redirect("/faults/loop/a.html")
        if path == "/faults/truncated.html":
            body = _page("截断页面", ["这一页只发送了一部分内容。"] * 50).encode()
            return h.send_truncated(body[: len(body) // 3], declared=len(body))
        if path == "/faults/huge.html":
            return h.send_body(200, self.huge(), html)
        if path == "/faults/binary.html":
            return h.send_body(200, self._png, html)
        if path == "/faults/wrong-charset.html":
            page = _page(self._charset_title, ["本月热线共受理群众诉求一万余件，按时办结率百分之九十八。",
                                               "页面声明为 UTF-8，实际字节为 GBK 编码。"])
            return h.send_body(200, page.encode("gbk"), html)
        return h.send_error_page(404)


def close_quietly(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
