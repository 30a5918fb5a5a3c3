"""Generic news/government site spider: list pages → article pages, extracted automatically unless the source
gives selectors. Incremental: pagination stops at the first list page whose article links are all stored."""

from __future__ import annotations

from typing import Any, Iterable

import scrapy
from parsel import Selector

from yuqing.crawlers.items import DocumentItem
from yuqing.crawlers.spiders.base import SourceSpider

SELECTOR_KEYS = ("links", "next", "title", "content", "published_at", "author", "source")


def _select(sel: Selector, query: str) -> list[str]:
    """CSS by default; XPath when the query starts with '/' or '('."""
    result = sel.xpath(query) if query.lstrip().startswith(("/", "(")) else sel.css(query)
    return [v.strip() for v in result.getall() if v and v.strip()]


class NewsSpider(SourceSpider):
    kind = "article"

    async def start(self):
        if not self.seeds():
            return
        for req in self.requests(self.first_requests()):
            yield req

    def first_requests(self) -> Iterable[scrapy.Request | None]:
        """What a pass fetches first (in distributed mode, the seeding worker): each start URL's first list page."""
        for url in self.source.start_urls:
            yield self.request(url, self.parse_list, start=True, page=1)

    # -- list pages --------------------------------------------------------------------------------------------
    def list_links(self, html: str, url: str) -> tuple[list[str], list[str]]:
        from yuqing.crawlers.extract import list_page_links, next_page_links

        selectors = self.source.settings.get("selectors") or {}
        if selectors.get("links"):
            from urllib.parse import urljoin

            sel = Selector(text=html, base_url=url)
            links = [urljoin(url, h) for h in _select(sel, selectors["links"])]
            nxt = [urljoin(url, h) for h in _select(sel, selectors["next"])] if selectors.get("next") else \
                next_page_links(html, url)
            return list(dict.fromkeys(links)), nxt
        return list_page_links(html, url)  # one parse for both

    def parse_list(self, response):
        html = self.decode(response)
        if html is None:
            return
        url = response.url
        links, nxt = self.list_links(html, url)
        if not links and response.meta.get("start"):
            from yuqing.crawlers.extract import is_list_page

            if not is_list_page(html, url):  # a start URL that is itself an article
                yield from self.parse_article(response, html=html)
                return
        self.listed(len(links))
        known = self.known(links)
        new = [u for u in links if u not in known]
        for link in new:
            req = self.request(link, self.parse_article)
            if req is not None:
                yield req
        page = response.meta.get("page", 1)
        # Stop paginating once a page holds nothing new: everything older has been seen on earlier passes.
        if new and page < self.max_pages:
            for link in nxt:
                req = self.request(link, self.parse_list, page=page + 1)
                if req is not None:
                    yield req
                    break

    # -- article pages -----------------------------------------------------------------------------------------
    def extract(self, html: str, url: str) -> dict[str, Any]:
        from yuqing.crawlers.extract import extract_article

        data = extract_article(html, url)
        selectors = self.source.settings.get("selectors") or {}
        if any(selectors.get(k) for k in SELECTOR_KEYS[2:]):
            sel = Selector(text=html, base_url=url)
            for key in SELECTOR_KEYS[2:]:
                if selectors.get(key):
                    values = _select(sel, selectors[key])
                    if values:
                        data[key] = "\n".join(values) if key == "content" else values[0]
        return data

    def parse_article(self, response, html: str | None = None):
        page = self.read_page(response, html, self.extract)
        if page is None:
            return
        url, html, data = page
        fallback = response.meta.get("feed") or {}
        for key in ("title", "content"):
            if not (data.get(key) or "").strip() and fallback.get(key):
                data[key] = fallback[key]
        if not (data.get("title") or "").strip() or not (data.get("content") or "").strip():
            self.report("parse_error", url, "未能提取标题或正文")
            return
        yield self.article_item(url, html, data, fallback)

    def article_item(self, url: str, html: str, data: dict[str, Any], fallback: dict[str, Any]) -> DocumentItem:
        from yuqing.clock import parse_time

        published = data.get("published_at") or fallback.get("published_at")
        try:
            published = parse_time(published) if published else None
        except ValueError:
            published = fallback.get("published_at")
        return DocumentItem(
            url=url, source=self.name, kind="article",
            # A feed entry's own title is authoritative; the page's is a guess by the extractor.
            title=(fallback.get("title") or data.get("title") or "").strip(),
            content=data.get("content") or fallback.get("content") or "",
            html=html, published_at=published,
            author=data.get("author") or data.get("source") or fallback.get("author"),
            region=self.source.region,
        )
