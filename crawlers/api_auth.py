"""The open API key of a JSON API source (``[sources.api.auth] param``) put into the query string only while the
request is on the wire.

Everything else — the spider's requests, Scrapy's log lines (「Crawled (200) <GET …>」, retries), the pass's fetched
URLs, source health — sees the URL without the key: this middleware sits next to the downloader (after every other
middleware on the way out, before every other on the way back), adds the parameter to the URL just before the
download and puts the plain URL back on the request and the response as soon as it returns or fails. A key sent as a
header needs none of this (the spider sets the header; Scrapy never logs headers).
"""

from __future__ import annotations

from yuqing.config_auth import redact
from yuqing.crawlers.spiders.board import with_page

_PLAIN = "api_auth_plain_url"


class ApiKeyParamMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _key(self) -> tuple[str, str] | None:
        spider = self.crawler.spider
        param, key = getattr(spider, "api_key_param", ""), getattr(spider, "api_key", "")
        return (param, key) if param and key else None

    async def process_request(self, request, spider=None):
        found = self._key()
        if found is None or not request.meta.get("api_auth"):
            return None
        request.meta[_PLAIN] = request.url
        request._set_url(with_page(request.url, found[0], found[1]))
        return None

    def _restore(self, request) -> None:
        plain = request.meta.pop(_PLAIN, None)
        if plain is not None:
            request._set_url(plain)

    async def process_response(self, request, response, spider=None):
        keyed = request.url
        self._restore(request)
        if keyed == request.url:
            return response
        found = self._key()
        url = request.url if response.url == keyed else redact(response.url, found[1] if found else None)
        return response.replace(url=url, request=request)

    async def process_exception(self, request, exception, spider=None):
        """The plain URL back on the request; a message that quotes the keyed URL (a timeout's 「Getting … took longer
        than …」, logged by the retry middleware and reported in source health) is redacted in place."""
        self._restore(request)
        found = self._key()
        if found and found[1] in str(exception):
            exception.args = tuple(redact(a, found[1]) if isinstance(a, str) else a for a in exception.args)
        return None
