"""List-page heuristics: is this a list of articles, which links are articles, where is the next page."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from .charset import decode_html
from .dom import parse_html, strip_invisible, text_content

_WS = re.compile(r"\s+")
NEXT_TEXT_RE = re.compile(r"^(下一页|下页|后一页|下一頁|next\s*page|next|›|»|>|>>|＞)$", re.I)
# second-level suffixes under which the registered domain has three labels
_SLD = {"com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn", "com.hk", "co.uk", "com.tw"}
ARTICLE_PATH_RE = re.compile(
    r"(/(19|20)\d{2}[-/_]?\d{2}([-/_]?\d{2})?/)|(\d{5,})|(/(t|content_|art_|detail|article|news|doc)[\w-]*\d+)", re.I
)
NON_ARTICLE_RE = re.compile(
    r"(^|/)(index|list|default)(_\d+)?\.(s?html?|php|aspx?|jsp)$|/(tag|tags|search|login|register|user|author|channel|about)/",
    re.I,
)


def _text(html: str | bytes) -> str:
    if isinstance(html, (bytes, bytearray)):
        html, _ = decode_html(bytes(html))
    return html or ""


def site_of(host: str) -> str:
    """Registered domain of a host: news.sina.com.cn -> sina.com.cn."""
    host = (host or "").lower().split(":")[0]
    parts = host.split(".")
    if len(parts) >= 3 and ".".join(parts[-2:]) in _SLD:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def _anchors(html: str | bytes, base_url: str | None):
    root = parse_html(_text(html))
    if root is None:
        return None, []
    strip_invisible(root)
    out = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        text = " ".join(text_content(a).split())
        if not href or href.startswith(("javascript:", "mailto:", "#", "tel:")):
            out.append((None, text, a))
            continue
        url = urljoin(base_url, href) if base_url else href
        parts = urlsplit(url)
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
        out.append((url, text, a))
    return root, out


def _is_title_text(text: str) -> bool:
    n = len(_WS.sub("", text))
    return 8 <= n <= 60


def _looks_like_article(url: str, text: str, base_url: str | None) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    if base_url:
        base = urlsplit(base_url)
        if site_of(parts.netloc) != site_of(base.netloc):
            return False
        if parts.path.rstrip("/") == base.path.rstrip("/") and parts.query == base.query:
            return False
    if not _is_title_text(text):
        return False
    path = parts.path or "/"
    if NON_ARTICLE_RE.search(path):
        return False
    depth = len([p for p in path.split("/") if p])
    return bool(ARTICLE_PATH_RE.search(path + ("?" + parts.query if parts.query else ""))) or (
        depth >= 2 and re.search(r"\.(s?html?|php|aspx?|jsp)$", path, re.I) is not None
    )


def list_page_links(html: str | bytes, base_url: str) -> tuple[list[str], list[str]]:
    """``(article_links(html, base_url), next_page_links(html, base_url))`` from one parse of the page."""
    try:
        root, anchors = _anchors(html, base_url)
    except Exception:  # noqa: BLE001 - a broken page yields no links, never a crash
        return [], []
    try:
        articles = _article_links(anchors, base_url)
    except Exception:  # noqa: BLE001
        articles = []
    try:
        nxt = _next_links(root, anchors, base_url)
    except Exception:  # noqa: BLE001
        nxt = []
    return articles, nxt


def article_links(html: str | bytes, base_url: str) -> list[str]:
    """Links on a list page that look like articles (same site, article-like path, title-length anchor text)."""
    try:
        _, anchors = _anchors(html, base_url)
    except Exception:  # noqa: BLE001 - a broken page yields no links, never a crash
        return []
    return _article_links(anchors, base_url)


def _article_links(anchors, base_url: str) -> list[str]:
    seen, out = set(), []
    for url, text, _ in anchors:
        if url and url not in seen and _looks_like_article(url, text, base_url):
            seen.add(url)
            out.append(url)
    return out


def next_page_links(html: str | bytes, base_url: str) -> list[str]:
    """Pagination links to the following page (下一页/下页/›/rel=next/page=N+1)."""
    try:
        root, anchors = _anchors(html, base_url)
    except Exception:  # noqa: BLE001
        return []
    return _next_links(root, anchors, base_url)


def _next_links(root, anchors, base_url: str) -> list[str]:
    if root is None:
        return []
    out: list[str] = []

    def add(url):
        if url and url not in out and url.rstrip("/") != (base_url or "").rstrip("/"):
            out.append(url)

    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "next" and link.get("href"):
            add(urljoin(base_url, link.get("href")))
    for url, text, a in anchors:
        if not url:
            continue
        label = text or (a.get("title") or "")
        if NEXT_TEXT_RE.match(label.strip()) or "下一页" in label or (a.get("rel") or "").lower() == "next":
            add(url)
    if not out and base_url:
        # no labelled link: accept page=2 / index_1.html / _2.html style successors of this URL
        current = _page_number(base_url)
        for url, _text, _a in anchors:
            if url and _page_number(url) == current + 1 and site_of(urlsplit(url).netloc) == site_of(urlsplit(base_url).netloc):
                add(url)
    return out


def _page_number(url: str) -> int:
    m = re.search(r"[?&](?:page|p|pn|pageno|pageindex)=(\d+)", url, re.I)
    if m:
        return int(m.group(1))
    m = re.search(r"(?:index|list)?_(\d+)\.s?html?$", url)
    if m:
        return int(m.group(1))
    return 1


def is_list_page(html: str | bytes, url: str | None = None) -> bool:
    """True for index/list pages: many title-like article links and little running prose."""
    try:
        text = _text(html)
        root, anchors = _anchors(text, url)
    except Exception:  # noqa: BLE001
        return False
    if root is None:
        return False
    titled = [u for u, t, _ in anchors if u and _is_title_text(t)]
    if url:
        titled = [u for u in titled if site_of(urlsplit(u).netloc) == site_of(urlsplit(url).netloc)]
    from .article import extract_article  # local import: article imports nothing from here

    art = extract_article(text, url)
    body_chars = len(_WS.sub("", art.get("content", "")))
    links = len(set(titled))
    if body_chars >= 300 or links < 15:
        return False
    if body_chars < 80:
        return True
    # short body beside many links: a brief news flash or a list with a teaser
    if url and ARTICLE_PATH_RE.search(urlsplit(url).path) and not NON_ARTICLE_RE.search(urlsplit(url).path):
        return False
    return not (art.get("published_at") and art.get("title") and body_chars >= 100 and "。" in art.get("content", ""))
