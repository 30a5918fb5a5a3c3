"""RSS 2.0 / Atom feeds: each new entry's page is fetched and extracted (the feed's own title, date and summary
fill in what the page lacks). Entries already stored are not fetched again.

Feeds of RSSHub's routes (``feed = { format = "rsshub-weibo" }`` …, or recognised by ``format = "auto"``) are read
differently: the platform's pages sit behind login walls and scripts, and RSSHub has already fetched them, so each
item becomes a document by itself (``yuqing.crawlers.spiders.rsshub``), author, account and counts included. Every
pass yields every item: the store inserts new ones, refreshes the counts of known ones and leaves the rest alone."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from lxml import etree

from yuqing.crawlers.items import DocumentItem
from yuqing.crawlers.spiders.feedtext import _date, _text
from yuqing.crawlers.spiders.news import NewsSpider
from yuqing.crawlers.spiders.rsshub import FORMATS, detect_format, read_channel, read_item

ATOM = "{http://www.w3.org/2005/Atom}"


def parse_feed(body: bytes, base_url: str) -> list[dict[str, Any]]:
    """Entries of an RSS or Atom document: [{url, title, published_at, content}]; raises ValueError if not a feed."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(body, parser)
    if root is None:
        raise ValueError("不是 XML 文档")
    entries = []
    if root.tag in ("rss", "rdf", "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF") or root.find("channel") is not None:
        for item in root.iter("item", "{http://purl.org/rss/1.0/}item"):
            link = _text(item.find("link")) or _text(item.find("{http://purl.org/rss/1.0/}link")) or _text(item.find("guid"))
            entries.append({"url": link, "title": _text(item.find("title")),
                            "published_at": _date(_text(item.find("pubDate")) or
                                                  _text(item.find("{http://purl.org/dc/elements/1.1/}date"))),
                            "content": _text(item.find("description")),
                            "author": _text(item.find("author")) or None})
    elif root.tag == f"{ATOM}feed":
        for entry in root.iter(f"{ATOM}entry"):
            link = ""
            for el in entry.findall(f"{ATOM}link"):
                if el.get("rel", "alternate") == "alternate" and el.get("href"):
                    link = el.get("href")
                    break
            entries.append({"url": link, "title": _text(entry.find(f"{ATOM}title")),
                            "published_at": _date(_text(entry.find(f"{ATOM}published")) or
                                                  _text(entry.find(f"{ATOM}updated"))),
                            "content": _text(entry.find(f"{ATOM}content")) or _text(entry.find(f"{ATOM}summary")),
                            "author": _text(entry.find(f"{ATOM}author/{ATOM}name")) or None})
    else:
        raise ValueError(f"根元素 <{etree.QName(root).localname}> 不是 RSS 或 Atom")
    for e in entries:
        e["url"] = urljoin(base_url, e["url"].strip()) if e["url"] else ""
    return [e for e in entries if e["url"].startswith(("http://", "https://"))]


class FeedSpider(NewsSpider):
    def parse_list(self, response):
        url = response.meta.get("doc_url", response.url)
        options = self.source.settings.get("feed") or {}
        fmt = options.get("format", "auto")
        if fmt != "plain":
            try:
                channel, items = read_channel(response.body)
            except Exception as exc:  # noqa: BLE001
                channel, items = {}, []
                if fmt != "auto":
                    self.report("parse_error", url, f"订阅源无法解析：{exc}", start=response.meta.get("start", False))
                    return
            if fmt == "auto":
                fmt = detect_format(channel) if channel else "plain"
            if fmt in FORMATS:
                yield from self.rsshub_items(response, fmt, channel, items, options)
                return
        try:
            entries = parse_feed(response.body, response.url)
        except Exception as exc:  # noqa: BLE001
            self.report("parse_error", url, f"订阅源无法解析：{exc}", start=response.meta.get("start", False))
            return
        self.listed(len(entries))
        known = self.known([e["url"] for e in entries])
        for entry in entries:
            if entry["url"] in known:
                continue
            req = self.request(entry["url"], self.parse_article, feed=entry)
            if req is not None:
                yield req

    def rsshub_items(self, response, fmt: str, channel: dict, items: list, options: dict):
        """One document per item of an RSSHub route's feed; an empty feed is reported (RSSHub answers an empty
        list when the platform refused it, e.g. cookies expired)."""
        url = response.meta.get("doc_url", response.url)
        if not items:
            self.report("empty_feed", url, f"{FORMATS[fmt][0]}订阅源没有任何条目", start=response.meta.get("start", False))
            return
        self.listed(len(items))
        seen: set[str] = set()
        for element in items:
            try:
                fields = read_item(element, channel, fmt, response.url)
            except ValueError as exc:
                self.report("parse_error", url, f"订阅源条目无法读取：{exc}")
                continue
            if fields["url"] in seen:
                continue  # RSSHub repeats a pinned post
            seen.add(fields["url"])
            if options.get("verified"):
                fields["author_verified"] = True
            if options.get("official"):
                fields["author_official"] = True
            yield DocumentItem(source=self.name, kind="article", html=_text(element.find("description")),
                               region=self.source.region, **fields)
