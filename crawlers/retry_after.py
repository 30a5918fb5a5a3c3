"""Honour ``429 Too Many Requests`` (and 503) with ``Retry-After`` for the spiders that ask for it (JSON API
sources: ``retry_after_cap`` on the spider, from ``[sources.api] max_retry_after``).

The request is sent again after the wait the server names (seconds or an HTTP date), at most ``MAX_TIMES`` times
and never longer than the cap; without the header the wait doubles from one second. Each wait is reported in
source health as ``rate_limited`` (the page is still fetched). A wait above the cap is not taken: the response goes
on to Scrapy's own retry and, failing that, is reported as ``http_429``. Other spiders pass straight through.
"""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

MAX_TIMES = 5
STATUSES = (429, 503)


def retry_after_seconds(header: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None when absent or unreadable."""
    if not header:
        return None
    text = header.decode("latin-1") if isinstance(header, bytes) else header
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class RetryAfterMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request, response, spider=None):
        spider = self.crawler.spider
        cap = getattr(spider, "retry_after_cap", None)
        if cap is None or response.status not in STATUSES:
            return response
        times = int(request.meta.get("retry_after_times", 0))
        named = retry_after_seconds(response.headers.get(b"Retry-After"))
        delay = named if named is not None else float(2 ** times)
        if times >= MAX_TIMES or delay > cap:
            spider.report("rate_limited", request.url, f"HTTP {response.status}：需等待 {delay:g} 秒，超过上限 "
                          f"{cap:g} 秒或已重试 {times} 次，放弃")
            return response
        spider.report("rate_limited", request.url, f"HTTP {response.status}：按 Retry-After 等待 {delay:g} 秒后重试")
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor, task

        await maybe_deferred_to_future(task.deferLater(reactor, delay))
        return request.replace(dont_filter=True, meta={**request.meta, "retry_after_times": times + 1})
