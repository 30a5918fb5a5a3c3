"""JSON API sources (``type = "api"``), described in the configuration (:mod:`yuqing.config_api`), not in code.

A pass reads the list endpoint page by page (page number, offset or cursor), turns each new record into a document
through the JMESPath field mapping (fetching its detail endpoint first when one is configured), and stops at the
first page that holds nothing new. Records whose status can still change (no reply, not closed) are remembered and
their detail fetched again on the next pass, so a reply given between passes updates the same document.

Faults are reported in source health like any other: ``login_wall`` (HTTP 401/403, a redirect to a login page, or
the source's ``login_wall`` expression true), ``empty_page`` (a first page with no records), ``bad_json``,
``mapping_error`` (a record the mapping cannot use), ``rate_limited`` (429 with Retry-After, waited and retried by
:mod:`yuqing.crawlers.retry_after`). A source with an open API key (``[sources.api.auth]``,
:mod:`yuqing.config_auth`) reports ``auth_missing`` when its environment variable is not set (nothing is fetched) and
``auth_failed`` for a 401/403 answered to the key; the key itself is redacted from everything reported.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable

import scrapy

from yuqing.config_api import ApiSpec, api_spec
from yuqing.config_auth import AuthMissing, auth_headers, redact, resolve_key
from yuqing.crawlers import settings as project_settings
from yuqing.crawlers.items import DocumentItem
from yuqing.crawlers.spiders.apimap import MappingError, fill, map_record, search
from yuqing.crawlers.spiders.base import SourceSpider
from yuqing.crawlers.spiders.board import is_open, with_page

_LOGIN_URL = re.compile(r"login|passport|signin|sso", re.I)
LOGIN_STATUSES = [401, 403]


class ApiSpider(SourceSpider):
    # A spider's DOWNLOADER_MIDDLEWARES replaces the project's: keep those and add Retry-After, placed to see a 429
    # before Scrapy's RetryMiddleware (550) would retry it at once.
    custom_settings = {"DOWNLOADER_MIDDLEWARES": {
        **project_settings.DOWNLOADER_MIDDLEWARES, "yuqing.crawlers.retry_after.RetryAfterMiddleware": 560,
        "yuqing.crawlers.api_auth.ApiKeyParamMiddleware": 990}}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.spec: ApiSpec = api_spec(self.source.settings.get("api") or {})
        self.retry_after_cap = self.spec.max_retry_after
        self.api_key = ""  # the open API key, once resolved in start(); never logged (see report)
        self.api_key_param = self.spec.auth.get("param", "")

    async def start(self):
        self.open_posts: dict[str, str] = self.get_state("open_posts", {})
        self._open_changes: dict[str, str | None] = {}
        if not self.seeds():
            return
        if self.spec.auth:
            try:
                self.api_key = resolve_key(self.spec.auth)
            except AuthMissing as exc:
                self.report("auth_missing", self.source.start_urls[0], str(exc), start=True)
                return
        for req in self.requests(self.first_requests()):
            yield req

    def first_requests(self) -> Iterable[scrapy.Request | None]:
        for url in self.source.start_urls:
            if self.spec.size_param:  # the page size the API is asked for (offset paging steps by what it returns)
                url = with_page(url, self.spec.size_param, self.spec.page_size)
            yield self.api_request(url, self.parse_list, start=True, page=self.spec.first_page, offset=None)
        for doc_url, detail in list(self.open_posts.items()):  # may have been answered since the last pass
            yield self.api_request(detail, self.parse_detail, doc_url=doc_url, record={}, recheck=True)

    def api_request(self, url: str, callback, **meta: Any) -> scrapy.Request | None:
        req = self.request(url, callback, **meta)
        if req is not None:
            req.meta["handle_httpstatus_list"] = LOGIN_STATUSES
            req.headers.setdefault(b"Accept", b"application/json")
            if self.api_key:
                req.meta["api_auth"] = True  # a query-parameter key is added on the wire (yuqing.crawlers.api_auth)
                for name, value in auth_headers(self.spec.auth, self.api_key).items():
                    req.headers[name] = value
        return req

    def report(self, kind: str, url: str, detail: str = "", *, start: bool = False) -> None:
        super().report(kind, redact(url, self.api_key), redact(detail, self.api_key), start=start)

    def closed(self, reason):
        self.save_open_posts()

    # -- responses ---------------------------------------------------------------------------------------------
    def read_json(self, response) -> Any:
        """The response's JSON, or None once a login wall or bad JSON has been reported."""
        url = response.meta.get("doc_url", response.url)
        start = response.meta.get("start", False)
        redirected = response.meta.get("redirect_urls")
        if response.status in LOGIN_STATUSES and self.api_key:  # the platform refused our key, not a login wall
            self.report("auth_failed", url, f"HTTP {response.status}：接口拒绝了配置的密钥（过期、无效或无权限），"
                        f"请检查 [sources.api.auth]", start=start)
            return None
        if response.status in LOGIN_STATUSES or (redirected and _LOGIN_URL.search(response.url)):
            self.report("login_wall", url, f"HTTP {response.status}，{response.url}", start=start)
            return None
        try:
            data = json.loads(response.body.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError) as exc:
            self.report("bad_json", url, f"{type(exc).__name__}: {exc}"[:200], start=start)
            return None
        if self.spec.login_wall and search(self.spec.login_wall, data):
            self.report("login_wall", url, f"接口要求登录（login_wall = {self.spec.login_wall}）", start=start)
            return None
        return data

    def parse_list(self, response):
        data = self.read_json(response)
        if data is None:
            return
        url = response.meta.get("doc_url", response.url)
        records = search(self.spec.records, data)
        if records is None:
            records = []
        if not isinstance(records, list):
            self.report("mapping_error", url, f"records（{self.spec.records}）得到的不是数组", start=True)
            return
        if not records:
            if response.meta.get("start"):
                self.report("empty_page", url, f"接口第一页没有任何记录（records = {self.spec.records}）")
            return
        self.listed(len(records))
        urls = [fill(self.spec.item_url, r, response.url) for r in records]
        known = self.known([u for u in urls if u])
        new = 0
        for record, doc_url in zip(records, urls):
            if doc_url is None:
                self.report("mapping_error", url, f"记录缺少 item_url（{self.spec.item_url}）所需的字段")
                continue
            if doc_url in known:
                continue
            new += 1
            detail = fill(self.spec.detail_url, record, response.url) if self.spec.detail_url else None
            if detail:
                req = self.api_request(detail, self.parse_detail, doc_url=doc_url, record=record)
                if req is not None:
                    yield req
            else:
                item = self.item(doc_url, record, record, response.url)
                if item is not None:
                    yield item
        if new:  # a page of known records only: everything older is known too
            nxt = self.next_page(response, data, len(records))
            if nxt is not None:
                yield nxt

    def next_page(self, response, data: Any, count: int) -> scrapy.Request | None:
        s = self.spec
        page = response.meta.get("page", s.first_page)
        if s.paging == "none" or (s.has_more and not search(s.has_more, data)):
            return None
        if s.size_param and count < s.page_size:  # a short page of the size we asked for is the last one
            return None
        if page - s.first_page + 1 >= self.max_pages:
            return None
        if s.paging == "page":
            url = with_page(response.url, s.page_param, page + 1)
        elif s.paging == "offset":
            offset = response.meta.get("offset") or 0
            url = with_page(response.url, s.offset_param, offset + count)
            return self.api_request(url, self.parse_list, page=page + 1, offset=offset + count)
        else:
            cursor = search(s.next_cursor, data)
            if cursor in (None, "", False) or isinstance(cursor, (dict, list)):
                return None
            url = with_page(response.url, s.cursor_param, cursor)
        return self.api_request(url, self.parse_list, page=page + 1)

    def parse_detail(self, response):
        data = self.read_json(response)
        if data is None:
            return
        detail = search(self.spec.detail_root, data)
        if not isinstance(detail, dict):
            self.report("mapping_error", response.meta["doc_url"], f"detail_root（{self.spec.detail_root}）得到的不是对象")
            return
        record = {**(response.meta.get("record") or {}), **detail}
        item = self.item(response.meta["doc_url"], record, data, response.url, detail_url=response.url)
        if item is not None:
            yield item

    def item(self, doc_url: str, record: dict, raw: Any, base_url: str, detail_url: str | None = None
             ) -> DocumentItem | None:
        try:
            f = map_record(self.spec, record, base_url)
        except MappingError as exc:
            self.report("mapping_error", doc_url, str(exc))
            return None
        if detail_url:  # a record that may still change (no reply, not closed) is fetched again next pass
            if is_open(f):
                self.open_posts[doc_url] = self._open_changes[doc_url] = detail_url
            else:
                self.open_posts.pop(doc_url, None)
                self._open_changes[doc_url] = None
        region = f.pop("region", None) or self.source.region
        return DocumentItem(url=doc_url, source=self.name, kind=self.spec.kind, html=json.dumps(raw, ensure_ascii=False),
                            region=region, **f)
