"""The local HTTP server for the sample web (``yuqing sample-sites``).

A keep-alive threaded server: HTTP/1.1, Content-Length on every response, a deep accept queue and daemon
handler threads, because ``python -m http.server``-style servers stall under Scrapy's concurrency.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from yuqing.clock import TZ
from yuqing.samples.posts import BOARD_NAME, REPOST_NAME, SITE_NAMES
from yuqing.samples.timeline import Snapshot, Timeline

from . import rendered, templates as T
from .clocks import Clock, real_clock
from .faults import FaultSite, close_quietly
from .params import BadRequest, _page_param
from .rsshub import RsshubFeeds
from .social import SocialSites


_ARTICLE_RE = re.compile(r"^/news/(\d{4})/(\d{2})/t(\d{8})_(\d+)\.html$")
_LIST_RE = re.compile(r"^/news/index(?:_(\d+))?\.html$")
_REPOST_LIST_RE = re.compile(r"^/repost/index(?:_(\d+))?\.html$")

ROBOTS = "User-agent: *\nDisallow: /admin/\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "YuqingSampleSites/1.0"
    timeout = 60  # idle keep-alive connections are closed after a minute
    disable_nagle_algorithm = True  # headers and body go out as separate writes; Nagle would delay the second
    server: "_Server"

    # -- plumbing
    def setup(self) -> None:
        super().setup()
        with self.server.conn_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.conn_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    @property
    def stop_event(self) -> threading.Event:
        return self.server.stop_event

    def send_body(self, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error_page(self, code: int, message: str | None = None) -> None:
        phrase = HTTPStatus(code).phrase
        text = message or {404: "您访问的页面不存在或已被删除。", 500: "服务器内部错误，请稍后再试。",
                           403: "禁止访问。", 400: "请求有误。"}.get(code, phrase)
        body = (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{code} {phrase}</title></head>'
                f"<body><h1>{code}</h1><p>{text}</p></body></html>\n").encode()
        self.send_body(code, body, "text/html; charset=utf-8")

    def send_json(self, data: Any, status: int = 200) -> None:
        self.send_body(status, json.dumps(data, ensure_ascii=False).encode(), "application/json; charset=utf-8")

    def send_redirect(self, location: str, status: int = 302) -> None:
        self.send_body(status, b"", "text/html; charset=utf-8", {"Location": location})

    def send_truncated(self, partial: bytes, declared: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        self.wfile.write(partial)
        self.wfile.flush()
        self.drop()

    def drop(self) -> None:
        self.close_connection = True
        close_quietly(self.connection)

    # -- routing
    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            self.server.app.route(self)
        except BadRequest as exc:
            if "/api/" in self.path:
                self.send_json({"error": str(exc)}, 400)
            else:
                self.send_error_page(400, str(exc))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # one bad request never takes the server down
            sys.stderr.write(f"示例站点处理 {self.path} 时出错：{exc!r}\n")
            try:
                self.send_error_page(500)
            except OSError:
                self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive clients may hold connections open; stop() closes them itself
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: "SampleSites", verbose: bool = False):
        self.app = app
        self.verbose = verbose
        self.stop_event = app.stop_event
        self.connections: set = set()
        self.conn_lock = threading.Lock()
        super().__init__(address, Handler)


class SampleSites:
    """The sample web: ``start()`` serves it in a background thread; ``expected()`` gives the ground truth."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8600, seed: int = 42, faults: bool = False,
                 live: bool = True, clock: Clock | None = None, *, start: datetime | None = None,
                 fault_timeout: float = 30.0, fault_slow: float = 3.0, verbose: bool = False, **timeline_options: Any):
        self.host, self.port, self.seed = host, port, seed
        self.clock: Clock = clock or real_clock
        self.live = live
        self.timeline = Timeline(seed, start or self.clock(), live=live, **timeline_options)
        self.fault_site = FaultSite(seed, timeout_seconds=fault_timeout, slow_seconds=fault_slow) if faults else None
        self.verbose = verbose
        self.stop_event = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._snap: Snapshot | None = None
        self._snap_lock = threading.Lock()
        self._article_index = {a.path: a for items in self.timeline.articles.values() for a in items}
        if self.timeline._response is not None:
            self._article_index[self.timeline._response.path] = self.timeline._response
        self.social = SocialSites(self)  # the JSON APIs: 12345 portal and 微博-like (issue 19)
        self.rsshub = RsshubFeeds(self)  # RSSHub-style feeds, one per route (issue 19)

    # -- lifecycle
    def start(self) -> "SampleSites":
        self.stop_event.clear()
        self._server = _Server((self.host, self.port), self, self.verbose)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="sample-sites", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()  # wakes handlers sleeping in the timeout/slow fault pages
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        with server.conn_lock:
            conns = list(server.connections)
        for conn in conns:
            close_quietly(conn)
        server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "SampleSites":
        return self.start() if self._server is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- state
    def now(self) -> datetime:
        """Current site time, to the second; a site started with live=False stays at its start."""
        if not self.live:
            return self.timeline.start
        return self.clock().astimezone(TZ).replace(microsecond=0)

    def snapshot(self) -> Snapshot:
        now = self.now()
        with self._snap_lock:
            if self._snap is None or self._snap.now != now:
                self._snap = self.timeline.snapshot(now)
            return self._snap

    def urls(self) -> dict[str, list[str]]:
        b = self.base_url
        out = {"city_news": [f"{b}/news/index.html"], "district_news": [f"{b}/a3/news/index.html"],
               "board": [f"{b}/board/list?page=1"], "board_api": [f"{b}/board/api/list?page=1&size=20"],
               "city_rss": [f"{b}/news/rss.xml"], "board_atom": [f"{b}/board/atom.xml"],
               "repost": [f"{b}/repost/index.html"]}
        if self.fault_site:
            out["faults"] = [f"{b}/faults/index.html"]
        return out

    def sources(self) -> list[dict]:
        """Source entries (name, type, title, start_urls, region) ready for the crawl configuration."""
        meta = {"city_news": ("news", SITE_NAMES["city"], "A市"), "district_news": ("news", SITE_NAMES["a3"], "A3区"),
                "board": ("board", BOARD_NAME, "A市"), "board_api": ("board", BOARD_NAME + "（接口）", "A市"),
                "city_rss": ("feed", SITE_NAMES["city"] + "RSS", "A市"), "board_atom": ("feed", BOARD_NAME + "Atom", "A市"),
                "repost": ("news", REPOST_NAME, None), "faults": ("news", "故障测试站", None)}
        return [{"name": name, "type": meta[name][0], "title": meta[name][1], "start_urls": urls,
                 "region": meta[name][2]} for name, urls in self.urls().items()]

    def api_urls(self) -> dict[str, list[str]]:
        """Start URLs of the JSON APIs (``type = "api"`` sources; their mappings are in the configuration)."""
        b = self.base_url
        out = {"hotline_api": [f"{b}/hotline/api/cases?limit=20"], "weibo_api": [f"{b}/weibo/api/statuses?page=1"],
               "weibo_open": [f"{b}/open/weibo/api/statuses?count=20&page=1"]}  # needs the key (social.OPEN_API_TOKEN)
        if self.fault_site:
            out.update(weibo_faults=[f"{b}/faults/weibo/api/statuses?page=1"],
                       weibo_empty=[f"{b}/faults/weibo/api/empty?page=1"],
                       hotline_faults=[f"{b}/faults/hotline/api/cases?limit=20"])
        return out

    def expected(self, labels: bool = True) -> dict:
        """Ground truth of what is published now: records in the ingest format with labels, plus faults."""
        snap = self.snapshot()
        return {"now": snap.now.isoformat(), "base_url": self.base_url, "burst_issue_key": snap.burst_issue_key,
                "records": snap.records(self.base_url, labels),
                "faults": self.fault_site.expected(self.base_url) if self.fault_site else []}

    # -- routing
    def route(self, h: Handler) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, parse_qs(parts.query)
        if path in ("/", "/index.html"):
            return h.send_body(200, T.portal(self.base_url, self.urls(), bool(self.fault_site)).encode(),
                               "text/html; charset=utf-8")
        if path == "/robots.txt":
            return h.send_body(200, ROBOTS.encode(), "text/plain; charset=utf-8")
        if path == "/static/style.css":
            return h.send_body(200, T.STYLE.encode(), "text/css; charset=utf-8")
        if path.startswith("/admin/") or path == "/admin":
            return h.send_error_page(403)
        if path.startswith(("/faults/weibo/", "/faults/hotline/")) and self.fault_site:
            return self.social.handle_fault(h, path, query)
        if path.startswith("/rsshub/"):
            return self.rsshub.handle(h, path)
        if path.startswith(("/weibo/", "/hotline/", "/open/weibo/")):
            return self.social.handle(h, path, query)
        if path.startswith("/faults/") and self.fault_site:
            return self.fault_site.handle(h, path)
        if path.startswith("/a3/news/"):
            return self._gov(h, "a3", path[len("/a3"):])
        if path.startswith("/news/"):
            return self._gov(h, "city", path)
        if path.startswith("/board/"):
            return self._board(h, path, query)
        if path.startswith("/repost/"):
            return self._repost(h, path)
        if path.startswith(rendered.PREFIX):  # the script-rendered board (needs a browser to see anything)
            return rendered.handle(self, h, path, _page_param(query))
        return h.send_error_page(404)

    def _html(self, h: Handler, site: str, html: str, trap: bool = False) -> None:
        if trap:  # meta says gb2312, header says nothing, bytes are UTF-8
            return h.send_body(200, html.encode("utf-8"), "text/html")
        charset = T.SITES[site]["charset"]
        return h.send_body(200, html.encode(charset, errors="xmlcharrefreplace"), f"text/html; charset={charset.upper()}")

    def _gov(self, h: Handler, site: str, path: str) -> None:
        snap = self.snapshot()
        articles = snap.articles[site]
        if site == "city" and path == "/news/rss.xml":
            return h.send_body(200, T.rss(articles, self.base_url, snap.now).encode(),
                               "application/rss+xml; charset=utf-8")
        if path == "/news/":
            path = "/news/index.html"
        m = _LIST_RE.match(path)
        if m:
            page = int(m.group(1) or 1)
            if not 1 <= page <= T.pages_for(len(articles)):
                return h.send_error_page(404)
            return self._html(h, site, T.gov_list(site, articles, page))
        if _ARTICLE_RE.match(path):
            full = T.SITES[site]["prefix"] + path
            article = self._article_index.get(full)
            if article is None or article.published_at > snap.now:
                return h.send_error_page(404)
            i = articles.index(article)
            newer = articles[i - 1] if i > 0 else None
            older = articles[i + 1] if i + 1 < len(articles) else None
            related = [a for a in articles[i + 1:i + 6]]
            return self._html(h, site, T.gov_article(site, article, older, newer, related), trap=article.charset_trap)
        return h.send_error_page(404)

    def _board(self, h: Handler, path: str, query: dict) -> None:
        snap = self.snapshot()
        if path in ("/board/", "/board/list", "/board/index.html"):
            page = _page_param(query)
            if page > T.pages_for(len(snap.posts)):
                return h.send_error_page(404)
            return h.send_body(200, T.board_list(snap.posts, page, snap.now).encode(), "text/html; charset=utf-8")
        if path == "/board/atom.xml":
            return h.send_body(200, T.atom(snap.posts, self.base_url, snap.now).encode(),
                               "application/atom+xml; charset=utf-8")
        if path == "/board/api/list":
            page = _page_param(query)
            size = _page_param(query, "size", 20, 1, 100)
            items = snap.posts[(page - 1) * size: page * size]
            return h.send_json({"total": len(snap.posts), "page": page, "size": size,
                                "items": [p.summary(self.base_url, snap.now) for p in items]})
        for prefix, api in (("/board/post/", False), ("/board/api/post/", True)):
            if path.startswith(prefix):
                raw = path[len(prefix):]
                post = self.timeline.post(int(raw), snap.now) if raw.isdigit() else None
                if post is None:
                    if api:
                        return h.send_json({"error": f"留言 {raw} 不存在"}, 404)
                    return h.send_error_page(404)
                if api:
                    return h.send_json(post.detail(self.base_url, snap.now))
                return h.send_body(200, T.board_post(post, snap.now).encode(), "text/html; charset=utf-8")
        return h.send_error_page(404)

    def _repost(self, h: Handler, path: str) -> None:
        snap = self.snapshot()
        m = _REPOST_LIST_RE.match(path)
        if m:
            page = int(m.group(1) or 1)
            if not 1 <= page <= T.pages_for(len(snap.reposts)):
                return h.send_error_page(404)
            return h.send_body(200, T.repost_list(snap.reposts, page).encode(), "text/html; charset=utf-8")
        for r in snap.reposts:
            if r.path == path:
                return h.send_body(200, T.repost_page(r).encode(), "text/html; charset=utf-8")
        return h.send_error_page(404)


def serve(host: str = "127.0.0.1", port: int = 8600, seed: int = 42, faults: bool = False, live: bool = True,
          clock: Clock | None = None, **options: Any) -> SampleSites:
    """Build the sample web (not yet started: call ``.start()``, or use it as a context manager)."""
    return SampleSites(host, port, seed, faults, live, clock, **options)
