"""The jobs the scheduler and the command line run: ingest, process, and one tick of everything but crawling.

Each job is restartable: documents stay marked for processing until their analysis is committed, events are
persisted with their clustering state, and alerts are unique per open event, so a job killed at any point and run
again loses nothing and duplicates nothing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, TextIO

from yuqing.app import App
from yuqing.clock import parse_time, TimeFormatError
from yuqing.jsonlines import read_json_lines
from yuqing.model import Document, DocumentKind, Reply

log = logging.getLogger(__name__)

INGEST_BATCH = 200
PROCESS_BATCH = 200


class RecordError(ValueError):
    """One input record is unusable; the message says which field and why."""


@dataclass
class IngestReport:
    lines: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def _int_field(record: dict[str, Any], key: str) -> int:
    value = record.get(key, 0)
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RecordError(f"字段 {key} 应为整数，实际为 {value!r}")
    try:
        number = int(value)
    except ValueError as exc:
        raise RecordError(f"字段 {key} 应为整数，实际为 {value!r}") from exc
    if number < 0:
        raise RecordError(f"字段 {key} 不能为负数")
    return number


def _text_field(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"字段 {key} 应为字符串，实际为 {type(value).__name__}")
    return value


def document_from_record(record: Any) -> Document:
    """Turn one ``yuqing ingest`` JSON object into a Document, or raise RecordError naming the bad field."""
    if not isinstance(record, dict):
        raise RecordError("每一行应为一个 JSON 对象")
    url = _text_field(record, "url")
    doc_id = _text_field(record, "id")
    if not url and not doc_id:
        raise RecordError("缺少 url 或 id（至少需要其一）")
    source = _text_field(record, "source")
    if not source:
        raise RecordError("缺少 source（来源名称）")
    title = _text_field(record, "title") or ""
    content = _text_field(record, "content")
    html = _text_field(record, "html")
    if not (content or html or title):
        raise RecordError("title、content、html 至少需要一个非空")
    try:
        published = parse_time(record.get("published_at"), field="published_at")
    except TimeFormatError as exc:
        raise RecordError(str(exc)) from exc
    reply = None
    raw_reply = record.get("reply")
    if raw_reply:
        if isinstance(raw_reply, str):
            raw_reply = {"text": raw_reply}
        if not isinstance(raw_reply, dict) or not isinstance(raw_reply.get("text"), str) or not raw_reply["text"].strip():
            raise RecordError("reply 应为 {\"text\", \"department\", \"time\"} 对象，且 text 非空")
        try:
            reply_time = parse_time(raw_reply.get("time"), field="reply.time")
        except TimeFormatError as exc:
            raise RecordError(str(exc)) from exc
        reply = Reply(text=raw_reply["text"], department=raw_reply.get("department"), time=reply_time)
    # Board posts carry a reply, a status or a board category; anything else is an article.
    kind = record.get("kind") or ("post" if reply or record.get("status") or record.get("category") else "article")
    try:
        kind = DocumentKind(kind)
    except ValueError as exc:
        raise RecordError(f"kind 应为 article 或 post，实际为 {kind!r}") from exc
    # Without a URL the given id is the identity; a synthetic URL keeps the sha256(url) rule for everything else.
    return Document(
        url=url or f"urn:yuqing:{source}:{doc_id}", id=doc_id or "", source=source, title=title,
        content=content if content is not None else "", html=html, kind=kind, published_at=published,
        author=_text_field(record, "author"), region=_text_field(record, "region"),
        category=_text_field(record, "category"), status=_text_field(record, "status"),
        views=_int_field(record, "views"), likes=_int_field(record, "likes"),
        dislikes=_int_field(record, "dislikes"), replies=_int_field(record, "replies"), reply=reply,
    )


def ingest(app: App, stream: TextIO, now: datetime, *, on_bad: Callable[[int, str], None] | None = None) -> IngestReport:
    """Store documents given as JSON lines. Idempotent; a bad line is reported and skipped, the rest are stored."""
    report = IngestReport()
    batch: list[Document] = []

    def flush() -> None:
        if batch:
            result = app.store.documents.upsert_documents(batch, now)
            report.inserted += result.inserted
            report.updated += result.updated
            report.unchanged += result.unchanged
            batch.clear()

    for number, record, error in read_json_lines(stream):
        report.lines += 1
        if error is None:
            try:
                batch.append(document_from_record(record))
            except RecordError as exc:
                error = str(exc)
        if error is not None:
            report.bad.append((number, error))
            if on_bad:
                on_bad(number, error)
            continue
        if len(batch) >= INGEST_BATCH:
            flush()
    flush()
    return report


def analyzer_input(doc: Document) -> dict[str, Any]:
    """A stored document in the ``yuqing analyze`` input format."""
    record: dict[str, Any] = {
        "id": doc.id, "title": doc.title, "url": doc.url, "source": doc.source,
        "published_at": doc.published_at.isoformat() if doc.published_at else None,
        "likes": doc.likes, "dislikes": doc.dislikes, "replies": doc.replies, "region": doc.region,
    }
    if doc.content:
        record["content"] = doc.content
    elif doc.html:
        record["html"] = doc.html
    else:
        record["content"] = ""
    if doc.reply:
        record["reply"] = {"text": doc.reply.text, "department": doc.reply.department,
                           "time": doc.reply.time.isoformat() if doc.reply.time else None}
    return record


def process(app: App, now: datetime, *, limit: int | None = None, progress: Callable[[str], None] | None = None
            ) -> dict[str, Any]:
    """Analyse every pending document (batch by batch, each committed atomically), then group into events."""
    store = app.store.documents
    # Built before touching any document: if the analyzer itself cannot load (a missing model file, say), the job
    # fails loudly and every document stays pending, instead of each being marked as failed one by one.
    analyzer = app.analyzer
    analysed = failed = 0
    started = time.monotonic()
    while limit is None or analysed + failed < limit:
        docs = store.pending_documents(PROCESS_BATCH if limit is None else min(PROCESS_BATCH, limit - analysed - failed))
        if not docs:
            break
        results = []
        for doc in docs:
            try:
                record = analyzer_input(doc)
                out = analyzer.analyze(record)
                # Keep only what the stages added: the input (raw html included) is already stored.
                analysis = {k: v for k, v in out.items() if k not in record}
                analysis["title_tokens"] = app.query_tokenizer(doc.title) if doc.title else []
                results.append((doc.id, analysis))
            except Exception as exc:  # one bad document must not stop the batch
                failed += 1
                log.exception("分析文档 %s 失败", doc.id)
                results.append((doc.id, {"text": doc.content, "analysis_error": f"{type(exc).__name__}: {exc}"}))
        store.save_analyses(results, now)
        analysed += len(results) - sum(1 for _, r in results if "analysis_error" in r)
        if progress:
            progress(f"已分析 {analysed} 篇（失败 {failed}），用时 {time.monotonic() - started:.1f} 秒")
    events = app.events.run(now) if analysed or failed or store.unclustered_documents(limit=1) else {}
    return {"analysed": analysed, "failed": failed, "events": events}


def tick(app: App, now: datetime, *, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """One cycle of everything but crawling, as of ``now``."""
    report: dict[str, Any] = {"now": now.isoformat()}
    report["process"] = process(app, now, progress=progress)
    report["alerts"] = [a.id for a in app.alerts.evaluate(now)]
    report["deadlines"] = app.alerts.check_deadlines(now)
    report["audit"] = app.alerts.check_audit(now)  # a broken audit chain becomes an operator alert, sent below
    report["notifications"] = app.alerts.deliver(now)
    retained = retention(app, now)
    if retained is not None:
        report["retention"] = retained
        if progress:
            progress(f"保留期 {retained['days']} 天：本轮已将 {retained['purged']} 篇较早文档的原文替换为脱敏文本")
    return report


def retention(app: App, now: datetime) -> dict[str, int] | None:
    """[privacy] retention_days: raw text older than that becomes its masked form, once per document (None: off).

    Run by every ``tick`` and by the scheduler's own retention job, so a deployment that only runs ``yuqing run``
    purges too.
    """
    days = app.config.privacy["retention_days"]
    if days <= 0:
        return None
    purged = app.store.documents.purge_raw(now - timedelta(days=days), now=now)
    return {"days": days, "purged": purged}
