"""``yuqing extract FILE_OR_URL [--url URL] [--json]``: extract one article and print it."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from .article import extract_article

FETCH_TIMEOUT = 20
USER_AGENT = "Mozilla/5.0 (compatible; YuqingBot/0.1; +https://example.invalid/yuqing)"


def _fetch(url: str) -> tuple[bytes, str | None]:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(req, timeout=FETCH_TIMEOUT) as resp:  # noqa: S310 - user-supplied http(s) only
        return resp.read(), resp.headers.get_content_charset()


def extract_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yuqing extract", description="从本地 HTML 文件或网址抽取文章标题、时间、来源、作者和正文")
    parser.add_argument("target", metavar="FILE_OR_URL", help="本地 HTML 文件路径，或 http(s) 网址")
    parser.add_argument("--url", help="页面的原始网址（本地文件时用于解析相对链接和网址中的日期）")
    parser.add_argument("--json", action="store_true", help="输出 JSON（默认输出易读文本）")
    parser.add_argument("--links", action="store_true",
                        help="同时列出采集时会跟随的链接：文章链接与下一页（列表页试采用，看板「试采」调用）")
    args = parser.parse_args(argv)

    target = args.target
    url = args.url
    declared = None
    if target.startswith(("http://", "https://")):
        url = url or target
        try:
            body, declared = _fetch(target)
        except urllib.error.HTTPError as exc:
            print(f"抓取失败：{target} 返回 HTTP {exc.code}。请确认网址正确，或先保存网页再对本地文件运行。", file=sys.stderr)
            return 2
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            print(f"抓取失败：无法连接 {target}（{reason}）。请检查网络，或先保存网页再对本地文件运行。", file=sys.stderr)
            return 2
    else:
        path = Path(target)
        if not path.is_file():
            print(f"找不到文件：{target}。请给出已保存的 HTML 文件路径，或以 http(s):// 开头的网址。", file=sys.stderr)
            return 2
        try:
            body = path.read_bytes()
        except OSError as exc:
            print(f"无法读取文件 {target}：{exc}", file=sys.stderr)
            return 2

    try:
        if declared:
            from .charset import decode_html

            html, _ = decode_html(body, declared)
            result = extract_article(html, url)
        else:
            result = extract_article(body, url)
    except Exception as exc:  # noqa: BLE001 - a page the extractor cannot handle gets a message, not a traceback
        print(f"抽取失败：抽取器无法处理这个页面（{type(exc).__name__}: {exc}）。请把这个网页文件附在问题报告里。",
              file=sys.stderr)
        return 1

    links: tuple[list[str], list[str]] = ([], [])
    if args.links and url:
        from .links import list_page_links

        links = list_page_links(html if declared else body, url)
        result["links"] = {"articles": links[0], "next": links[1]}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"标题：{result['title'] or '（未找到）'}")
        print(f"发布时间：{result['published_at'] or '（未找到）'}")
        print(f"来源：{result['source'] or '（未找到）'}")
        print(f"作者：{result['author'] or '（未找到）'}")
        print("正文：")
        print(result["content"] or "（未找到正文）")
        if args.links:
            print(f"文章链接 {len(links[0])} 个：" + "；".join(links[0][:20]))
            print(f"下一页链接 {len(links[1])} 个：" + "；".join(links[1]))
    if not result["content"] and not result["title"] and not any(links):
        print("提示：这个页面没有可识别的文章内容（可能是空页、二进制文件或列表页）。", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(extract_main())
