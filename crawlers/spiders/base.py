"""Shared machinery of every source spider: politeness from the source, error reporting into source health,
decoding with charset sniffing, the store for incremental decisions, and crawl state that survives restarts."""

from __future__ import annotations

import gc
import json
import logging
import re
from typing import Any, Callable, Iterable, TypeVar

import scrapy
from scrapy import signals
from scrapy.http import Response, TextResponse

import yuqing.crawlers.extract  # noqa: F401 - loaded with the spider, not on the first page inside the crawl
from yuqing.crawlers.context import crawler_store
from yuqing.crawlers.extensions import CrawlHealth, classify_failure
from yuqing.model import Source, canonical_url, document_id

log = logging.getLogger(__name__)

# Board statuses after which a post no longer changes; anything else may still get an answer.
CLOSED_STATUSES = ("已回复", "已答复", "已办结", "已处理", "办结", "已完成", "已解决", "已回应")
_BINARY_TYPES = re.compile(rb"^(image|audio|video|font)/|application/(octet-stream|pdf|zip|x-|vnd\.|msword)", re.I)
Extracted = TypeVar("Extracted")


def source_settings(source: Source) -> dict[str, Any]:
    """Scrapy settings for one source's politeness."""
    s = source.settings
    return {
        "DOWNLOAD_DELAY": float(s.get("delay", 0.0)),
        "CONCURRENT_REQUESTS_PER_DOMAIN": int(s.get("concurrency", 4)),
        # Scrapy 2.19's downloader lets queued requests past the per-domain slot limit (measured: 9 at once with a
        # limit of 2); a source is one site, so the global limit is the politeness limit that actually holds.
        "CONCURRENT_REQUESTS": int(s.get("concurrency", 4)),
        "ROBOTSTXT_OBEY": bool(s.get("obey_robots", True)),
        "DOWNLOAD_TIMEOUT": float(s.get("timeout", 20.0)),
        "RETRY_TIMES": int(s.get("retries", 2)),
    }


def _filter_scrapy_debug(settings) -> None:
    """Drop Scrapy's per-page and per-item messages below LOG_LEVEL at the logger, not at the handler.

    Scrapy's root handler filters by LOG_LEVEL but leaves the loggers at NOTSET, so every "Crawled (200)" and
    "Scraped from" DEBUG record is still built, then thrown away: measurable CPU per page on a fast crawl.
    Nothing that would have been written is lost.
    """
    level = settings.get("LOG_LEVEL")
    scrapy_log = logging.getLogger("scrapy")
    if level and scrapy_log.level == logging.NOTSET:
        try:
            scrapy_log.setLevel(level)
        except (TypeError, ValueError):
            pass  # an unknown level name is Scrapy's to report


def _freeze_startup_heap(spider=None) -> None:
    """Move everything built at start-up (Scrapy, Twisted, the store, our modules: ~90k objects) out of the
    cyclic garbage collector's reach when the crawl opens.

    Parsing pages allocates many short-lived containers, which trigger full collections; each one walked the whole
    start-up heap (50-120 ms, several per source on a fast crawl). Frozen objects are not freed, which suits
    objects that live as long as the crawl process anyway.
    """
    gc.freeze()


class SourceSpider(scrapy.Spider):
    """Base class; the loader makes one subclass per configured source with ``name`` and ``source`` set."""

    source: Source
    pass_run = None  # yuqing.crawlers.distributed.PassRun when crawl.queue = "redis"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._seen: set[str] = set()
        self.max_pages = int(self.source.settings.get("max_pages", 200))

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.store = crawler_store(crawler.settings)
        if crawler.settings.get("YUQING_QUEUE") == "redis":
            from yuqing.crawlers.distributed import PassRun

            spider.pass_run = PassRun(crawler.settings, spider.name)
        _filter_scrapy_debug(crawler.settings)
        crawler.signals.connect(_freeze_startup_heap, signal=signals.spider_opened)
        return spider

    # -- helpers -----------------------------------------------------------------------------------------------
    @property
    def health(self) -> CrawlHealth | None:
        return CrawlHealth.of(self.crawler)

    @property
    def state_scope(self) -> str:
        return f"crawl:{self.name}"

    def get_state(self, key: str, default: Any) -> Any:
        raw = self.store.workflow.get_state(self.state_scope, key)
        if raw is None:
            return default
        try:
            return json.loads(raw)
        except ValueError:
            log.warning("来源 %s 的抓取状态 %s 已损坏，忽略", self.name, key)
            return default

    def set_state(self, key: str, value: Any) -> None:
        self.store.workflow.set_state(self.state_scope, key, json.dumps(value, ensure_ascii=False))

    def save_open_posts(self) -> None:
        """Keep ``open_posts`` (posts without an answer yet, re-checked next pass) for the next pass. Several workers
        share the state (crawl.queue = "redis"): each applies only its own changes (``_open_changes``), one at a time."""
        if not hasattr(self, "open_posts"):
            return
        if self.pass_run is None:
            self.set_state("open_posts", self.open_posts)
            return
        with self.pass_run.redis.lock(self.pass_run.k("state-lock"), timeout=60, blocking_timeout=60):
            current = self.get_state("open_posts", {})
            for doc_url, fetch_url in self._open_changes.items():
                if fetch_url is None:
                    current.pop(doc_url, None)
                else:
                    current[doc_url] = fetch_url
            self.set_state("open_posts", current)

    def seeds(self) -> bool:
        """Should this process yield the start requests? Always in local mode; in distributed mode only the
        first worker of the pass (the others take their work from the shared queue)."""
        if self.pass_run is None:
            return True
        seeder = self.pass_run.join()
        if not seeder and self.health is not None:
            self.health.helper = True
        return seeder

    def request(self, url: str, callback, *, start: bool = False, **meta: Any) -> scrapy.Request | None:
        """A request fetched at most once per pass.

        Local mode: ``dont_filter`` because our own per-pass set de-duplicates: Scrapy's filter would silently
        swallow the second hop of a redirect loop, which must be reported instead. Distributed mode: the shared
        per-pass filter in Redis must see every request (other workers fetch too); it reports redirect loops
        itself (yuqing.crawlers.distributed.PassDupeFilter).
        """
        key = canonical_url(url)
        if key in self._seen:
            return None
        self._seen.add(key)
        if start and self.health is not None:
            self.health.start_total += 1
        meta = {**meta, "start": start, "doc_url": meta.get("doc_url", url)}
        if self.source.settings.get("render"):
            from yuqing.crawlers.rendering import render_meta

            meta.update(render_meta(self.source, self.crawler.settings))
        return scrapy.Request(url, callback=self._bound(callback), errback=self._bound(self.on_error), meta=meta,
                              dont_filter=self.pass_run is None)

    def _bound(self, method):
        """One bound-method object per callback for the whole crawl.

        Scrapy checks every callback for "generator with return value" by reading and parsing its source, and
        caches the answer under a weak reference to the bound method: a fresh ``self.parse_article`` per request
        dies with its request, and the source is parsed again (milliseconds, many times per crawl).
        """
        cache = self.__dict__.setdefault("_bound_callbacks", {})
        return cache.setdefault(getattr(method, "__func__", method), method)

    def requests(self, reqs: Iterable[scrapy.Request | None]) -> Iterable[scrapy.Request]:
        return (r for r in reqs if r is not None)

    def on_error(self, failure) -> None:
        kind, detail = classify_failure(failure)
        request = failure.request
        url = request.meta.get("redirect_urls", [request.url])[0] if request.meta.get("redirect_urls") else request.url
        self.report(kind, url, detail, start=request.meta.get("start", False))

    def report(self, kind: str, url: str, detail: str = "", *, start: bool = False) -> None:
        if self.health is not None:
            self.health.error(kind, url, detail, start=start)
        else:
            log.warning("抓取错误 [%s] %s %s", kind, url, detail)

    def listed(self, n: int) -> None:
        if self.health is not None:
            self.health.listed += n

    def known(self, urls: list[str]) -> set[str]:
        """The subset of ``urls`` whose documents are already stored."""
        ids = {document_id(u): u for u in urls}
        stored = self.store.documents.known_document_ids(list(ids))
        return {ids[i] for i in stored}

    def read_page(self, response: Response, html: str | None,
                  extract: Callable[[str, str], Extracted]) -> tuple[str, str, Extracted] | None:
        """An article or post page decoded (unless ``html`` is given) and extracted: ``(doc_url, html,
        extract(html, doc_url))``, or None once the page has been reported (a page the extractor cannot handle is
        reported as parse_error, never fatal to the crawl)."""
        html = html if html is not None else self.decode(response)
        if html is None:
            return None
        doc_url = response.meta.get("doc_url", response.url)
        try:
            return doc_url, html, extract(html, doc_url)
        except Exception as exc:  # noqa: BLE001
            self.report("parse_error", doc_url, f"{type(exc).__name__}: {exc}")
            return None

    def decode(self, response: Response) -> str | None:
        """The page as text, charset sniffed from the bytes; reports not_html/decode_error and returns None."""
        from yuqing.crawlers.extract import decode_html

        url = response.meta.get("doc_url", response.url)
        start = response.meta.get("start", False)
        ctype = response.headers.get(b"Content-Type") or b""
        body = response.body or b""
        if _BINARY_TYPES.search(ctype) or b"\x00" in body[:2048]:
            self.report("not_html", url, f"Content-Type: {ctype.decode('latin-1', 'replace')}", start=start)
            return None
        if not body.strip():
            self.report("parse_error", url, "空页面", start=start)
            return None
        declared = None
        m = re.search(rb"charset=([\w-]+)", ctype, re.I)
        if m:
            declared = m.group(1).decode("ascii", "replace")
        elif isinstance(response, TextResponse) and not response.headers.get(b"Content-Type"):
            declared = None
        try:
            text, _encoding = decode_html(body, declared)
        except Exception as exc:  # noqa: BLE001
            self.report("decode_error", url, str(exc), start=start)
            return None
        if text.count("\ufffd") > max(20, len(text) // 50):
            self.report("decode_error", url, "大量无法解码的字符", start=start)
            return None
        self.check_charset(url, declared, body, _encoding)
        return text

    def check_charset(self, url: str, header: str | None, body: bytes, used: str) -> None:
        """A page whose declared charset lies is kept (decoded by its bytes) and reported, so the site can be told."""
        from yuqing.crawlers.extract.charset import normalise_charset, sniff_declared

        declared = header or sniff_declared(body)
        codec = normalise_charset(declared)
        if not codec or used in ("unicode", "utf-16") or codec == used:
            return
        if codec != "utf-8" and used != "utf-8":
            return  # GBK vs GB18030 and similar supersets are not lies
        if body.isascii():
            return
        self.report("charset_mismatch", url, f"声明编码 {declared}，实际为 {used}（已按实际编码保存）")
