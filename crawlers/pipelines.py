"""Items → Documents → the store, in small batches (one transaction each).

A bad item (unparseable time, missing URL …) is logged and counted in source health; it never stops the crawl. If a
whole batch fails to write, it is retried item by item so only the offending item is lost, and reported.
"""

from __future__ import annotations

import logging
from typing import Any

from yuqing.crawlers.context import crawler_config, crawler_store
from yuqing.clock import now as clock_now, parse_time
from yuqing.model import Document, DocumentKind, Reply, document_kind
from yuqing.social import social_fields

log = logging.getLogger(__name__)


def _int(value: Any) -> int:
    if value in (None, ""):
        return 0
    try:
        return max(0, int(float(str(value).replace(",", "").strip())))
    except ValueError:
        return 0


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def item_to_document(item: Any, fetched_at=None, *, board_sources: frozenset[str] | set[str] = frozenset()
                     ) -> Document:
    """Validate an item and build the Document; raises ValueError naming the bad field. An item from a board source
    (``board_sources``: configured sources of type board) is a post even when its spider did not say so."""
    data = dict(item)
    url = _text(data.get("url"))
    if not url or not url.startswith(("http://", "https://")):
        raise ValueError(f"网址无效：{data.get('url')!r}")
    title = _text(data.get("title")) or ""
    content = data.get("content") or ""
    if not title and not content.strip():
        raise ValueError("标题和正文都为空")
    published = parse_time(data.get("published_at"), field="发布时间") if data.get("published_at") else None
    reply = None
    if _text(data.get("reply_text")):
        reply = Reply(text=str(data["reply_text"]).strip(), department=_text(data.get("reply_department")),
                      time=parse_time(data.get("reply_time"), field="答复时间") if data.get("reply_time") else None)
    return Document(
        url=url, source=str(data.get("source") or ""), title=title, content=content, html=data.get("html"),
        kind=DocumentKind(document_kind(data.get("kind"), board_source=str(data.get("source") or "") in board_sources,
                                        reply=reply is not None, status=_text(data.get("status")),
                                        category=_text(data.get("category")))),
        published_at=published, fetched_at=fetched_at,
        author=_text(data.get("author")), region=_text(data.get("region")), category=_text(data.get("category")),
        status=_text(data.get("status")), views=_int(data.get("views")), likes=_int(data.get("likes")),
        dislikes=_int(data.get("dislikes")), replies=_int(data.get("replies")), reply=reply,
        **social_fields(data),
    )


class StorePipeline:
    """Writes documents to the configured store in batches of ``YUQING_BATCH_SIZE``."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.batch_size = max(1, crawler.settings.getint("YUQING_BATCH_SIZE", 20))
        self.store = crawler_store(crawler.settings)
        self.boards = frozenset(s.name for s in crawler_config(crawler.settings).sources if s.type == "board")
        self.pending: list[Document] = []

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _health(self):
        from yuqing.crawlers.extensions import CrawlHealth

        return CrawlHealth.of(self.crawler)

    def _bad(self, url: str, kind: str, detail: str) -> None:
        log.warning("跳过无效条目 %s：%s", url, detail)
        health = self._health()
        if health is not None:
            health.error(kind, url, detail)
        self.crawler.stats.inc_value("yuqing/item_errors")

    def process_item(self, item):
        try:
            doc = item_to_document(item, clock_now(), board_sources=self.boards)
        except Exception as exc:  # noqa: BLE001 - one bad item must not stop the crawl
            self._bad(str(dict(item).get("url")), "item_invalid", str(exc))
            return item
        self.pending.append(doc)
        if len(self.pending) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        stats = self.crawler.stats
        try:
            result = self.store.documents.upsert_documents(batch, clock_now())
        except Exception as exc:  # noqa: BLE001 - isolate the bad document, keep the rest
            log.warning("批量写入失败（%s），改为逐条写入", exc)
            for doc in batch:
                try:
                    self._count(self.store.documents.upsert_documents([doc], clock_now()))
                except Exception as one:  # noqa: BLE001
                    self._bad(doc.url, "store_error", str(one))
            return
        self._count(result)
        stats.inc_value("yuqing/batches")

    def _count(self, result) -> None:
        stats = self.crawler.stats
        stats.inc_value("yuqing/inserted", result.inserted)
        stats.inc_value("yuqing/updated", result.updated)
        stats.inc_value("yuqing/unchanged", result.unchanged)

    def close_spider(self):
        self.flush()
