"""Items of RSSHub's routes for social platforms and government sites (issue 19), read into document fields.

RSSHub (https://github.com/DIYgod/RSSHub) renders every route through one RSS template (lib/views/rss.tsx):
``<title>``, ``<description>`` (HTML), ``<link>``, ``<guid>``, ``<pubDate>``, ``<author>``, ``<category>`` and, in
the versions that have it, ``<stats>`` with ``reposts_count``/``comments_count``/``attitudes_count``. What each route
puts into those fields differs; the readers below follow the route code (files and commits are listed in
docs/design.md, section "RSSHub 路由"):

- ``rsshub-weibo`` (weibo/user, weibo/keyword; weibo/utils.ts ``formatExtended``): link ``https://weibo.com/{uid}/{bid}``
  gives the author's id; a repost ends in ``<blockquote> - 转发 <a href="https://weibo.com/{uid}">@name</a>:&ensp;…``
  and, with ``readable=1``, ``原博：<a href="https://weibo.com/{uid}/{bid}">`` (the reposted original); the keyword
  route puts ``<a href="https://weibo.com/{uid}">name</a>:&ensp;`` before the text and ``name: `` before the title.
- ``rsshub-weibo-hot`` (weibo/search/hot.tsx): one item per 热搜 topic, link = the topic's search page.
- ``rsshub-douyin`` (douyin/user.ts): items carry no author; the channel title is the account's nickname.
- ``rsshub-gov`` (gov/zhengce/index.ts): author ``发文机关/来源/author``; a government site's own publication.
- ``rsshub-wechat``, ``rsshub-zhihu``, ``rsshub-toutiao``, ``rsshub-bilibili``: author in ``<author>``, text in the
  description (video players, images and iframes dropped).

No route writes a verified flag or follower count into its feed; those come from the source's ``feed`` options
(an office subscribes to a known account) or stay unknown. Counts the feed does not give stay unknown (0).
Crawled text is text: HTML is reduced to its words, never kept as markup.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree, html as lxml_html

from yuqing.crawlers.spiders.feedtext import _date, _text

DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
#: format name → (Chinese label, platform hosts that identify it in a feed's channel link).
FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "rsshub-weibo-hot": ("微博热搜", ()),  # detected by its link (s.weibo.com/top/summary)
    "rsshub-weibo": ("微博", ("weibo.com", "weibo.cn")),
    "rsshub-wechat": ("微信公众号", ("mp.weixin.qq.com", "weixin.qq.com")),
    "rsshub-zhihu": ("知乎", ("zhihu.com",)),
    "rsshub-toutiao": ("今日头条", ("toutiao.com",)),
    "rsshub-bilibili": ("B站", ("bilibili.com",)),
    "rsshub-douyin": ("抖音", ("douyin.com",)),
    "rsshub-gov": ("政府网站", ("gov.cn",)),
    "rsshub": ("RSSHub（通用）", ()),
}
_DROP = ("img", "video", "audio", "iframe", "script", "style", "source", "picture", "svg", "object", "embed")
_BLOCK = ("p", "div", "br", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "hr", "section")
_WEIBO_POST = re.compile(r"^https?://(?:www\.)?weibo\.com/(\d+)/([A-Za-z0-9]+)/?$")
_WEIBO_USER = re.compile(r"^https?://(?:www\.)?weibo\.com/(?:u/)?(\d+)/?$")
STATS = {"reposts_count": "reposts", "comments_count": "replies", "attitudes_count": "likes"}


def detect_format(channel: dict[str, str]) -> str:
    """The RSSHub format of a feed from its ``<generator>`` and channel ``<link>``; ``plain`` for other feeds."""
    if (channel.get("generator") or "").strip().lower() != "rsshub":
        return "plain"
    link = channel.get("link") or ""
    host = (urlsplit(link).hostname or "").lower()
    if host.endswith("weibo.com") and "/top/summary" in link:
        return "rsshub-weibo-hot"
    for name, (_label, hosts) in FORMATS.items():
        if any(host == h or host.endswith("." + h) for h in hosts):
            return name
    return "rsshub"


def html_text(fragment: str) -> str:
    """The words of an HTML fragment: images, players and scripts dropped, blocks and ``<br>`` as line breaks."""
    fragment = (fragment or "").strip()
    if not fragment:
        return ""
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return re.sub(r"\s+", " ", fragment).strip()
    for el in list(root.iter(*_DROP)):
        _remove(el)
    for el in root.iter(*_BLOCK):
        el.tail = "\n" + (el.tail or "")
    text = root.text_content().replace("\u2002", " ").replace("\xa0", " ")
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _remove(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail or ""
    prev = el.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)


def _count(text: str) -> int | None:
    """A count as RSSHub writes it: digits, maybe with commas or a 万/亿 suffix; None if it is not one."""
    m = re.fullmatch(r"\s*([\d,]+(?:\.\d+)?)\s*(万|亿)?\s*", text or "")
    if not m:
        return None
    value = float(m.group(1).replace(",", ""))
    value *= {"万": 10_000, "亿": 100_000_000}.get(m.group(2) or "", 1)
    return int(value)


def read_channel(body: bytes) -> tuple[dict[str, str], list[Any]]:
    """An RSS 2.0 document's channel fields (title, link, generator) and its ``<item>`` elements."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(body, parser)
    if root is None:
        raise ValueError("不是 XML 文档")
    channel = root.find("channel")
    if channel is None:
        return {}, []
    meta = {k: _text(channel.find(k)) for k in ("title", "link", "generator")}
    return meta, list(channel.iter("item"))


def read_item(item, channel: dict[str, str], fmt: str, base_url: str) -> dict[str, Any]:
    """One RSSHub ``<item>`` as DocumentItem fields (url, title, content, published_at, author, author_id,
    reposts, replies, likes, repost_of, category). Raises ValueError for an item without a link."""
    link = (_text(item.find("link")) or _text(item.find("guid"))).strip()
    if not link:
        raise ValueError("条目缺少 <link>")
    url = urljoin(base_url, link)
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"条目链接不是 http(s) 网址：{link[:80]}")
    title = html_text(_text(item.find("title")))
    description = item.find("description")
    desc_html = "".join(description.itertext()) if description is not None else ""
    author = _text(item.find("author")) or _text(item.find(DC_CREATOR)) or None
    out: dict[str, Any] = {"url": url, "title": title, "published_at": _date(_text(item.find("pubDate"))),
                           "author": author, "content": ""}
    categories = [c for c in (_text(el) for el in item.findall("category")) if c]
    if categories:
        out["category"] = categories[0][:100]
    stats = item.find("stats")
    if stats is not None:
        for tag, field in STATS.items():
            value = _count(_text(stats.find(tag)))
            if value is not None:
                out[field] = value
    reader = _READERS.get(fmt, _generic)
    reader(out, desc_html, channel)
    if not out["content"]:
        out["content"] = out["title"]
    if not out["title"]:
        out["title"] = out["content"].split("\n", 1)[0][:80]
    return out


def _generic(out: dict[str, Any], desc_html: str, channel: dict[str, str]) -> None:
    out["content"] = html_text(desc_html)


def _douyin(out: dict[str, Any], desc_html: str, channel: dict[str, str]) -> None:
    out["content"] = html_text(desc_html)
    out["author"] = out["author"] or (channel.get("title") or "").strip() or None  # the route's items carry none


def _gov(out: dict[str, Any], desc_html: str, channel: dict[str, str]) -> None:
    out["content"] = html_text(desc_html)
    out["author_official"] = True  # gov/zhengce lists the government site's own publications


def _weibo_hot(out: dict[str, Any], desc_html: str, channel: dict[str, str]) -> None:
    text = html_text(desc_html)
    out["content"] = text if text and text != out["title"] else f"微博热搜：{out['title']}"


def _weibo(out: dict[str, Any], desc_html: str, channel: dict[str, str]) -> None:
    m = _WEIBO_POST.match(out["url"])
    if m:
        out["author_id"] = m.group(1)
    try:
        root = lxml_html.fragment_fromstring(desc_html or "<p></p>", create_parent="div")
    except (etree.ParserError, ValueError):
        out["content"] = html_text(desc_html)
        return
    quote = next((q for q in root.iterchildren("blockquote")), None)  # the 转发 quote block (comments nest deeper)
    quoted = ""
    if quote is not None:
        links = [a.get("href") or "" for a in quote.iter("a")]
        original = next((h for h in links if _WEIBO_POST.match(h)), None)
        if original:
            out["repost_of"] = original
        quoted = _strip_repost_marker(html_text(etree.tostring(quote, encoding="unicode", with_tail=False)))
        quoted = re.sub(r"\n?原博：\s*\S+$", "", quoted).strip()
        tail = quote.tail
        _remove(quote)
        if tail:
            root.text = (root.text or "") + tail
    own = _strip_author_prefix(root, out)
    text = html_text(etree.tostring(own, encoding="unicode"))
    out["content"] = text + (f"\n转发 {quoted}" if quoted else "")
    title = out["title"]
    if out.get("author") and title.startswith(f"{out['author']}: "):
        title = title[len(out["author"]) + 2:]  # showAuthorInTitle (the keyword route's default)
    title = title.split(" - 转发 ", 1)[0].strip() or ("转发微博" if quoted else title)
    out["title"] = title[:120]


def _strip_repost_marker(text: str) -> str:
    return re.sub(r"^\s*-\s*转发\s*", "", text).strip()


def _strip_author_prefix(root, out: dict[str, Any]):
    """The keyword route's ``<a href="https://weibo.com/{uid}">name</a>:&ensp;`` before the text: removed, and the
    author and id taken from it when the item has none."""
    first = root[0] if len(root) else None
    if first is not None and first.tag == "a" and not (root.text or "").strip():
        m = _WEIBO_USER.match(first.get("href") or "")
        if m and (first.tail or "").lstrip().startswith(":"):
            out["author_id"] = out.get("author_id") or m.group(1)
            out["author"] = out["author"] or first.text_content().strip().lstrip("@") or None
            root.text = (first.tail or "").lstrip()[1:]
            first.tail = None
            root.remove(first)
    return root


_READERS = {"rsshub-weibo": _weibo, "rsshub-weibo-hot": _weibo_hot, "rsshub-douyin": _douyin, "rsshub-gov": _gov}
