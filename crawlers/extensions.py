"""Source health for one crawl pass: pages fetched, items stored, errors by kind with the failing URLs.

At the end of the pass the figures go to ``store.workflow.record_crawl`` (the kernel keeps the running totals and the
consecutive failure/empty counters) and are printed as one machine-readable line for :mod:`yuqing.crawlers.run`.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from twisted.internet import defer, error as tx_error
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from yuqing.crawlers.crawl_extension import CrawlExtension
from yuqing.clock import now as clock_now

log = logging.getLogger(__name__)

MAX_ERROR_URLS = 200
PROGRESS_PREFIX = "@@yuqing "

# Chinese labels for the error kinds, shown by `yuqing sources` and `yuqing crawl`.
ERROR_LABELS = {
    "timeout": "超时", "dns": "域名解析失败", "connection": "连接失败", "redirect_loop": "重定向循环",
    "truncated": "页面被截断", "too_large": "页面过大", "not_html": "非网页内容", "decode_error": "解码失败",
    "parse_error": "解析失败", "charset_mismatch": "字符集声明错误（已按实际编码保存）", "robots": "robots.txt 禁止", "item_invalid": "条目无效", "store_error": "写入失败",
    "ignored": "请求被忽略", "other": "其他错误",
    # JSON API sources (type = "api"):
    "rate_limited": "被限流（429，按 Retry-After 等待）", "login_wall": "需要登录（登录墙）", "empty_page": "接口返回空页",
    "bad_json": "接口返回的不是有效 JSON", "mapping_error": "字段映射失败",
    "auth_missing": "缺少接口密钥（环境变量未设置）", "auth_failed": "接口密钥被拒绝（401/403）",
    "render_timeout": "渲染超时", "render_error": "渲染失败",
    # RSSHub feeds (type = "feed", feed.format = "rsshub-…"):
    "empty_feed": "订阅源为空（RSSHub 未取到内容）",
}


def error_label(kind: str) -> str:
    if kind.startswith("http_"):
        return f"HTTP {kind[5:]}"
    return ERROR_LABELS.get(kind, kind)


def classify_failure(failure: Failure) -> tuple[str, str]:
    """(kind, detail) for a failed request, e.g. ("http_404", "…"), ("timeout", "…")."""
    from scrapy.spidermiddlewares.httperror import HttpError

    exc = failure.value
    detail = f"{type(exc).__name__}: {exc}"[:300]
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}", f"HTTP {exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "redirect" in text:
            return "redirect_loop", text
        if "robots" in text.lower():
            return "robots", text
        return "ignored", text
    name = type(exc).__name__
    # Scrapy ≥ 2.14 wraps download failures in its own exceptions; older versions raise Twisted's.
    scrapy_kinds = {"DownloadTimeoutError": "timeout", "ResponseDataLossError": "truncated",
                    "CannotResolveHostError": "dns", "DownloadConnectionRefusedError": "connection",
                    "DownloadFailedError": "connection", "UnsupportedURLSchemeError": "ignored"}
    if name in scrapy_kinds:
        return scrapy_kinds[name], detail
    if type(exc).__module__.startswith("playwright."):  # a rendered page (yuqing.crawlers.rendering)
        return ("render_timeout" if name == "TimeoutError" else "render_error"), detail
    if name == "DownloadCancelledError":
        return ("too_large" if "size" in str(exc).lower() else "other"), detail
    if isinstance(exc, (tx_error.TimeoutError, tx_error.TCPTimedOutError, defer.TimeoutError)):
        return "timeout", detail
    if isinstance(exc, tx_error.DNSLookupError):
        return "dns", detail
    if isinstance(exc, defer.CancelledError):
        # Scrapy cancels a download that exceeds DOWNLOAD_MAXSIZE.
        return ("too_large" if "size" in str(exc).lower() else "other"), detail
    if isinstance(exc, (tx_error.ConnectionRefusedError, tx_error.ConnectError, tx_error.ConnectionLost)):
        return "connection", detail
    if name in ("ResponseFailed", "_DataLoss", "ResponseNeverReceived", "PotentialDataLoss"):
        reasons = " ".join(str(r) for r in getattr(exc, "reasons", []) or [exc])
        return ("truncated" if "DataLoss" in reasons or "DataLoss" in name else "connection"), detail
    if "size" in str(exc).lower() and "max" in str(exc).lower():
        return "too_large", detail
    return "other", detail


class CrawlHealth(CrawlExtension):
    """One per crawler (i.e. per source per pass)."""

    SIGNALS = ("spider_opened", "response_received", "spider_error", "item_scraped", "spider_closed")

    def __init__(self, crawler):
        self.crawler = crawler
        self.pages = 0
        self.errors: Counter[str] = Counter()
        self.error_urls: list[dict[str, str]] = []
        self.fetched: list[str] = []
        self.listed = 0  # article/post links seen on list pages (known or new)
        self.start_failures = 0
        self.start_total = 0
        self.helper = False  # distributed mode: a worker that did not seed the pass (yuqing.crawlers.distributed)
        self.result: dict[str, Any] | None = None
        self.progress = crawler.settings.getbool("YUQING_PROGRESS", False)
        self._loop: LoopingCall | None = None
        crawler._yuqing_health = self

    @classmethod
    def enabled(cls, settings) -> bool:
        return settings.getbool("YUQING_HEALTH_ENABLED", True)

    @staticmethod
    def of(crawler) -> "CrawlHealth | None":
        return getattr(crawler, "_yuqing_health", None)

    # -- what spiders and the pipeline report ------------------------------------------------------------------
    def error(self, kind: str, url: str, detail: str = "", *, start: bool = False) -> None:
        self.errors[kind] += 1
        if start:
            self.start_failures += 1
        if len(self.error_urls) < MAX_ERROR_URLS:
            self.error_urls.append({"url": url, "kind": kind, "detail": detail[:300]})
        log.warning("抓取错误 [%s] %s %s", kind, url, detail)

    # -- signals -----------------------------------------------------------------------------------------------
    def spider_opened(self, spider):
        self._opened = time.perf_counter()
        if self.progress:
            self._loop = LoopingCall(self._emit_progress, spider)
            self._loop.start(2.0, now=False)

    def response_received(self, response, request, spider):
        if urlsplit(response.url).path == "/robots.txt":
            return
        self.pages += 1
        self.fetched.append(response.url)
        self._last = time.perf_counter()

    def item_scraped(self, item, response, spider):
        self._last = time.perf_counter()

    def spider_error(self, failure, response, spider):
        self.error("parse_error", response.url, f"{type(failure.value).__name__}: {failure.value}")

    def _stored(self) -> dict[str, int]:
        stats = self.crawler.stats
        return {k: int(stats.get_value(f"yuqing/{k}", 0)) for k in ("inserted", "updated", "unchanged")}

    def _emit_progress(self, spider) -> None:
        stored = self._stored()
        emit({"event": "progress", "source": spider.name, "pages": self.pages, "errors": sum(self.errors.values()),
              **stored})

    def spider_closed(self, spider, reason):
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        stored = self._stored()
        failed = reason != "finished" or (self.pages == 0 and not self.helper) or (
            self.start_total > 0 and self.start_failures >= self.start_total)
        run = {
            "finished_at": clock_now(),
            "pages": self.pages,
            "items": stored["inserted"] + stored["updated"],
            "inserted": stored["inserted"],
            "updated": stored["updated"],
            "unchanged": stored["unchanged"],
            "listed": self.listed,
            "errors": dict(self.errors),
            "error_urls": self.error_urls,
            "failed": failed,
            "reason": reason,
            "elapsed_seconds": round(time.perf_counter() - getattr(self, "_opened", time.perf_counter()), 3),
            # From open to the last page or item handled (excludes Scrapy's idle wait before closing).
            "active_seconds": round(getattr(self, "_last", time.perf_counter()) - getattr(self, "_opened", 0.0), 3),
        }
        self.result = {**run, "finished_at": run["finished_at"].isoformat(), "source": spider.name,
                       "fetched_urls": self.fetched}
        try:
            from yuqing.crawlers.context import crawler_store

            store = crawler_store(self.crawler.settings)
            pass_run = getattr(spider, "pass_run", None)
            if pass_run is not None:
                # Distributed pass: the last worker to finish records the merged figures of all workers.
                merged = pass_run.finish({**run, "helper": self.helper})
                run = {**merged, "finished_at": run["finished_at"]} if merged else None
                self.result["pass_id"] = pass_run.pass_id
                self.result["helper"] = self.helper
            if run is not None:
                # The store counts a pass that lists no links at all (known or new) as empty: a quiet site still
                # lists its pages, a broken layout lists none.
                health = store.workflow.record_crawl(spider.name, run)
                self.result["consecutive_failures"] = health.get("consecutive_failures", 0)
                self.result["blind_passes"] = health.get("consecutive_empty", 0)
        except Exception as exc:  # noqa: BLE001 - the crawl's result must still be reported
            log.error("记录来源健康状况失败：%s", exc)
            self.result["health_error"] = str(exc)
        if self.progress:
            emit({"event": "done", **self.result})


def emit(payload: dict[str, Any]) -> None:
    """One line on stdout for the parent process (logs go to files, so stdout carries only these)."""
    sys.stdout.write(PROGRESS_PREFIX + json.dumps(payload, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()
