"""Message boards (领导留言板, 12345): JSON APIs or HTML list + detail pages.

Every post keeps author, time, region, status, counts and the official reply (text, department, time). Posts whose
status can still change (未回复/办理中) are remembered in crawl state and re-fetched on every pass, so an answer given
between passes updates the stored post (same id) instead of being missed.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import scrapy

from yuqing.crawlers.items import DocumentItem
from yuqing.crawlers.spiders.base import CLOSED_STATUSES
from yuqing.crawlers.spiders.news import NewsSpider

ALIASES = {
    "title": ("title", "subject", "name"),
    "content": ("content", "body", "text", "message", "detail"),
    "author": ("author", "nickname", "username", "user", "poster", "userName"),
    "published_at": ("time", "published_at", "created_at", "create_time", "createTime", "pubtime", "date"),
    "region": ("region", "area", "district"),
    "status": ("status", "state", "reply_status", "statusName"),
    "category": ("category", "type", "topic", "typeName"),
    "views": ("views", "view_count", "hits", "clicks", "readCount"),
    "likes": ("likes", "like_count", "support", "praise"),
    "dislikes": ("dislikes", "dislike_count", "oppose"),
    "replies": ("replies", "reply_count", "comments", "comment_count"),
}
REPLY_ALIASES = {
    "text": ("text", "content", "reply_text", "reply_content", "answer"),
    "department": ("department", "dept", "org", "organization", "reply_department", "reply_org"),
    "time": ("time", "reply_time", "replied_at", "date", "reply_at"),
}
LIST_KEYS = ("items", "data", "list", "records", "rows", "posts", "result", "results")
PAGES_KEYS = ("pages", "total_pages", "totalPage", "pageCount", "page_count")


def _first(record: dict, names: tuple[str, ...]) -> Any:
    for name in names:
        if name in record and record[name] not in (None, ""):
            return record[name]
    return None


def find_records(data: Any, key: str | None = None) -> list[dict]:
    """The list of post records in a board's list API response."""
    if key:
        for part in key.split("."):
            data = data.get(part) if isinstance(data, dict) else None
        return [r for r in data or [] if isinstance(r, dict)]
    if isinstance(data, list):
        return [r for r in data if isinstance(r, dict)]
    if isinstance(data, dict):
        for name in LIST_KEYS:
            value = data.get(name)
            if isinstance(value, list):
                return [r for r in value if isinstance(r, dict)]
            if isinstance(value, dict):
                nested = find_records(value)
                if nested:
                    return nested
    return []


def post_fields(record: dict) -> dict[str, Any]:
    """Map a board's JSON record onto DocumentItem fields."""
    out = {field: _first(record, names) for field, names in ALIASES.items()}
    reply = record.get("reply") or record.get("answer")
    if isinstance(reply, str):
        reply = {"text": reply}
    if not isinstance(reply, dict):
        reply = {k: _first(record, tuple(n for n in names if n.startswith("reply"))) for k, names in REPLY_ALIASES.items()}
    if reply:
        out["reply_text"] = _first(reply, REPLY_ALIASES["text"])
        out["reply_department"] = _first(reply, REPLY_ALIASES["department"])
        out["reply_time"] = _first(reply, REPLY_ALIASES["time"])
    return {k: v for k, v in out.items() if v is not None}


_LABELS = {
    "status": r"(?:状态|办理状态|处理状态|回复状态)[:：]\s*(\S{2,6})",
    "author": r"(?:留言人|网友|留言者|作者|发帖人)(?:[:：]\s*|\s*[“\"「])([^\s”\"」]{1,30})",
    "published_at": r"(?:留言时间|发帖时间|提问时间|来信时间|发布时间)[:：]\s*(\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?)",
    "region": r"(?:地区|区域|所属地区)[:：]\s*(\S{2,20})",
    "category": r"(?:类别|分类|类型|领域)[:：]\s*(\S{2,20})",
    "views": r"(?:浏览|阅读|查看)(?:次数|量|数)?[:：]?\s*(\d+)",
    "likes": r"(?:点赞|赞同|支持)(?:数)?[:：]?\s*(\d+)",
    "dislikes": r"(?:反对|踩)(?:数)?[:：]?\s*(\d+)",
    "replies": r"(?:回复|评论|跟帖)(?:数|次数)?[:：]?\s*(\d+)(?!\d*[-年/.:])",
    "reply_department": r"(?:答复单位|回复单位|办理单位|回复部门|答复部门)[:：]\s*(\S{2,40})",
    "reply_time": r"(?:答复时间|回复时间|办结时间)[:：]\s*(\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?)",
}
_REPLY_SPLIT = re.compile(r"(?:官方回复|部门回复|答复内容|回复内容|办理结果|答复意见)[:：]?")


def html_post_fields(lines: list[str]) -> dict[str, Any]:
    """Board fields from the visible lines of an HTML post page (labels like 状态：, 答复单位：)."""
    text = "\n".join(lines)
    out: dict[str, Any] = {}
    for field, pattern in _LABELS.items():
        m = re.search(pattern, text)
        if m:
            out[field] = m.group(1)
    parts = _REPLY_SPLIT.split(text, maxsplit=1)
    if len(parts) == 2:
        reply_lines = []
        for ln in parts[1].split("\n"):
            ln = ln.strip()
            if _BOILERPLATE_LINE.search(ln):
                break  # the page's footer, not the reply
            if ln and not re.match(r"^(?:答复单位|回复单位|办理单位|回复部门|答复部门|答复时间|回复时间|办结时间)[:：]", ln):
                reply_lines.append(ln)
        if reply_lines:
            out["reply_text"] = "\n".join(reply_lines[:40]).strip()
    for key in ("reply_time", "published_at"):
        if out.get(key):
            t = re.sub(r"[年月/.]", "-", out[key]).replace("日", "")
            t = re.sub(r"-(\d)(?=\D|$)", r"-0\1", t)
            t = re.sub(r"\s+", "T", t.strip(), count=1)
            out[key] = re.sub(r"T(\d)(?=:)", r"T0\1", t)
    return out


_COUNTS_LINE = re.compile(r"^(?:(?:浏览|阅读|点赞|支持|踩|反对|回复|评论)\s*[:：]?\s*\d+\s*)+$")


def _cut_reply(content: str) -> str:
    """The post's own text: the extractor may start at the metadata lines (状态：…, 浏览 12 点赞 3) or run on
    into the reply block or its placeholder; both are cut."""
    lines = content.split("\n")
    while lines and (_COUNTS_LINE.match(lines[0].strip()) or _META_LINE.search(lines[0])
                     and len(lines[0]) < 120 and re.search(r"[:：“]", lines[0])):
        lines.pop(0)
    content = "\n".join(lines)
    m = re.search(r"\n\s*(?:官方回复|部门回复|答复内容|回复内容|暂无回复|该留言已转交)", "\n" + content)
    return content[: max(0, m.start() - 1)].strip() if m else content


def is_open(fields: dict[str, Any]) -> bool:
    """Can this post still change? (no official reply yet and not in a closed status)"""
    if fields.get("reply_text"):
        return False
    status = str(fields.get("status") or "")
    return not any(s in status for s in CLOSED_STATUSES)


def with_page(url: str, param: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != param] + [(param, str(page))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


_POST_PATH = re.compile(r"/(?:post|posts|detail|view|show|content|message|msg|thread|letter|liuyan|tid)[/_=-]?\D{0,12}\d{3,}"
                        r"|[?&](?:id|tid|mid|msgid|postid|threadid)=\d{3,}", re.I)
_BOILERPLATE_LINE = re.compile(r"^(?:分享到|扫一扫|版权所有|上一篇|下一篇|返回顶部|打印本页|关闭窗口|【字体)|版权所有|ICP备")


def post_links(html: str, base_url: str) -> list[str]:
    """Links to board posts: board titles are often short (「景区内商家宰客」), shorter than article heuristics allow,
    so any same-host link whose path carries a post id counts."""
    from parsel import Selector

    host = urlsplit(base_url).netloc
    out = []
    for a in Selector(text=html).css("a"):
        href = (a.attrib.get("href") or "").strip()
        text = "".join(a.css("::text").getall()).strip()
        if not href or len(text) < 2:
            continue
        url = urljoin(base_url, href).split("#", 1)[0]
        parts = urlsplit(url)
        if parts.netloc == host and _POST_PATH.search(parts.path + ("?" + parts.query if parts.query else "")):
            out.append(url)
    return out


_META_LINE = re.compile(r"(?:留言时间|发帖时间|状态|地区|类别|浏览|点赞|网友|留言人)[:：“\"\s]")
_REPLY_START = re.compile(r"^(?:官方回复|部门回复|答复内容|回复内容|暂无回复|该留言已转交|回复单位|答复单位)")


def body_after_title(lines: list[str], title: str) -> str:
    """Fallback for very short posts the article extractor passes over: the lines after the title and its
    metadata, up to the reply block or the footer."""
    try:
        start = next(i for i, ln in enumerate(lines) if ln.strip() == title.strip()) + 1
    except StopIteration:
        return ""
    out = []
    for ln in lines[start:]:
        ln = ln.strip()
        if _REPLY_START.match(ln) or _BOILERPLATE_LINE.search(ln):
            break
        if ln and not (not out and (_META_LINE.search(ln) or _COUNTS_LINE.match(ln))):
            out.append(ln)
    return "\n".join(out)


def extract_post_page(html: str, url: str, record: dict | None):
    """(page, board fields) of an HTML post page; ``record`` is the post's list-API record, if it came from one."""
    from yuqing.crawlers.extract import extract_article_page

    # One parse gives the page's visible lines and <h1>; the generic article extraction runs on the same parse
    # only when the board's own labels leave a field missing (page.article is computed lazily).
    page = extract_article_page(html, url)
    return page, {**post_fields(record or {}), **html_post_fields(page.lines)}


class BoardSpider(NewsSpider):
    kind = "post"

    def list_links(self, html: str, url: str) -> tuple[list[str], list[str]]:
        links, nxt = super().list_links(html, url)
        if not (self.source.settings.get("selectors") or {}).get("links"):
            links = list(dict.fromkeys(links + post_links(html, url)))
        return links, nxt

    async def start(self):
        self.open_posts: dict[str, str] = self.get_state("open_posts", {})
        self._open_changes: dict[str, str | None] = {}
        async for req in super().start():
            yield req

    def first_requests(self) -> Iterable[scrapy.Request | None]:
        yield from super().first_requests()
        # Posts that may have been answered since the last pass: re-fetch their records (cheap, one each).
        for doc_url, detail_url in list(self.open_posts.items()):
            callback = self.parse_post_json if detail_url != doc_url else self.parse_article
            yield self.request(detail_url, callback, doc_url=doc_url, recheck=True)

    def closed(self, reason):
        self.save_open_posts()

    @property
    def api(self) -> dict[str, Any]:
        return self.source.settings.get("api") or {}

    def parse_list(self, response):
        body = response.body.lstrip()[:1]
        ctype = (response.headers.get(b"Content-Type") or b"").lower()
        if b"json" in ctype or body in (b"{", b"["):
            yield from self.parse_list_json(response)
        else:
            yield from super().parse_list(response)  # HTML list → HTML post pages (parse_article below)

    def parse_list_json(self, response):
        url = response.meta.get("doc_url", response.url)
        try:
            data = json.loads(response.text if hasattr(response, "text") else response.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, AttributeError) as exc:
            self.report("parse_error", url, f"列表接口不是有效的 JSON：{exc}", start=response.meta.get("start", False))
            return
        records = find_records(data, self.api.get("items"))
        page_urls = []
        for record in records:
            page_urls.append(self.record_url(record, response.url))
        self.listed(len(records))
        known = self.known([u for u in page_urls if u])
        new = 0
        for record, doc_url in zip(records, page_urls):
            if not doc_url or doc_url in known:
                continue
            new += 1
            detail = self.detail_url(record, response.url)
            if detail:
                req = self.request(detail, self.parse_post_json, doc_url=doc_url, record=record)
            elif _first(record, ALIASES["content"]):
                yield self.post_item(doc_url, json.dumps(record, ensure_ascii=False), post_fields(record))
                continue
            else:
                req = self.request(doc_url, self.parse_article, record=record)
            if req is not None:
                yield req
        page = response.meta.get("page", 1)
        pages = _first(data, PAGES_KEYS) if isinstance(data, dict) else None
        more = records and (not isinstance(pages, int) or page < pages)
        if new and more and page < self.max_pages:
            param = self.api.get("page_param", "page")
            req = self.request(with_page(response.url, param, page + 1), self.parse_list, page=page + 1)
            if req is not None:
                yield req

    def record_url(self, record: dict, base: str) -> str | None:
        template = self.api.get("page_url")
        if template:
            return urljoin(base, template.format(**record))
        url = _first(record, ("url", "link", "href", "page_url"))
        return urljoin(base, str(url)) if url else self.detail_url(record, base)

    def detail_url(self, record: dict, base: str) -> str | None:
        template = self.api.get("detail")
        if template:
            try:
                return urljoin(base, template.format(**record))
            except (KeyError, IndexError):
                return None
        url = _first(record, ("api_url", "detail_url", "detail"))
        return urljoin(base, str(url)) if isinstance(url, str) else None

    def parse_post_json(self, response):
        doc_url = response.meta["doc_url"]
        try:
            record = json.loads(response.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            self.report("parse_error", doc_url, f"留言详情接口不是有效的 JSON：{exc}")
            return
        if isinstance(record, dict) and isinstance(record.get("data"), dict):
            record = record["data"]
        if not isinstance(record, dict):
            self.report("parse_error", doc_url, "留言详情接口返回的不是对象")
            return
        fields = {**post_fields(response.meta.get("record") or {}), **post_fields(record)}
        self.track(doc_url, response.url, fields)
        yield self.post_item(doc_url, response.body.decode("utf-8"), fields)

    def parse_article(self, response, html: str | None = None):
        """An HTML post page: the generic extractor gives title/time/text, labels give the board fields."""
        record = response.meta.get("record")
        read = self.read_page(response, html, lambda text, url: extract_post_page(text, url, record))
        if read is None:
            return
        doc_url, html, (page, fields) = read
        if "title" not in fields:
            fields["title"] = page.h1 or page.article.get("title")
        # The board's own layout (title, labelled metadata, text, reply block) locates the post's text more
        # reliably than the article extractor, which may pick the (longer) official reply instead.
        fields["content"] = (body_after_title(page.lines, fields.get("title") or "")
                             or _cut_reply(page.article.get("content") or "") or fields.get("content"))
        for key in ("published_at", "author"):
            if key not in fields:
                fields[key] = page.article.get(key)
        if not fields.get("title") or not fields.get("content"):
            self.report("parse_error", doc_url, "未能提取留言标题或正文")
            return
        self.track(doc_url, doc_url, fields)
        yield self.post_item(doc_url, html, fields)

    def track(self, doc_url: str, fetch_url: str, fields: dict[str, Any]) -> None:
        if is_open(fields):
            self.open_posts[doc_url] = fetch_url
            self._open_changes[doc_url] = fetch_url
        else:
            self.open_posts.pop(doc_url, None)
            self._open_changes[doc_url] = None

    def post_item(self, doc_url: str, raw: str, f: dict[str, Any]) -> DocumentItem:
        return DocumentItem(
            url=doc_url, source=self.name, kind="post", title=str(f.get("title") or "").strip(),
            content=str(f.get("content") or ""), html=raw, published_at=f.get("published_at"),
            author=f.get("author"), region=f.get("region") or self.source.region, category=f.get("category"),
            status=f.get("status"), views=f.get("views"), likes=f.get("likes"), dislikes=f.get("dislikes"),
            replies=f.get("replies"), reply_text=f.get("reply_text"), reply_department=f.get("reply_department"),
            reply_time=f.get("reply_time"),
        )
