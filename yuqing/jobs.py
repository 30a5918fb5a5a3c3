"""The jobs the scheduler and the command line run: ingest, process, and one tick of everything but crawling.

Each job is restartable: documents stay marked for processing until their analysis is committed, events are
persisted with their clustering state, and alerts are unique per open event, so a job killed at any point and run
again loses nothing and duplicates nothing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

from yuqing.app import App
from yuqing.clock import parse_time, TimeFormatError
from yuqing.jsonlines import read_json_lines
from yuqing.model import Document, DocumentKind, Reply, canonical_url, document_kind
from yuqing.scheme_matching import backfill_pending, matcher_for as scheme_matcher
from yuqing.social import social_fields

log = logging.getLogger(__name__)

INGEST_BATCH = 200
PROCESS_BATCH = 200

# Limits on one ingested record. Counts stay within what every document backend stores (Elasticsearch maps them
# as 32-bit integers); content is capped, not refused, and the cap is noted on the record (Document.truncated).
MAX_COUNT = 2**31 - 1
MAX_CONTENT = 200_000
MAX_HTML = 1_000_000  # a raw page (html only when no content is given); real pages are far smaller
MAX_TITLE = 1_000
MAX_SHORT = 2_000  # url, id, source, author, region, category, status, reply.department
MAX_REPLY = 200_000
EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)
FUTURE_SLACK = timedelta(days=1)  # published_at: a post is never published in the future
# reply.time: only absurd values are refused. Boards give a reply's date as written, and the sample sites' generator
# (demo, tests) gives posts of the last days replies dated up to weeks ahead.
REPLY_FUTURE_SLACK = timedelta(days=366)


class RecordError(ValueError):
    """One input record is unusable; the message says which field and why."""


@dataclass
class IngestReport:
    lines: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    capped: list[tuple[int, str]] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def _int_field(record: dict[str, Any], key: str) -> int:
    value = record.get(key, 0)
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RecordError(f"字段 {key} 应为整数，实际为 {_show(value)}")
    if isinstance(value, float):
        if not value.is_integer():
            raise RecordError(f"字段 {key} 应为整数，实际为 {value!r}")
        if not -1 < value <= MAX_COUNT:
            raise RecordError(f"字段 {key} 超出范围（{value!r}，应在 0 到 {MAX_COUNT} 之间）")
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > 18 or not text.lstrip("-").isdecimal() or not text.isascii():
            raise RecordError(f"字段 {key} 应为整数，实际为 {_show(value)}")
        number = int(text)
    else:
        number = value
    if number < 0:
        raise RecordError(f"字段 {key} 不能为负数（实际为 {number}）")
    if number > MAX_COUNT:
        raise RecordError(f"字段 {key} 超出范围（{number} 大于上限 {MAX_COUNT}）")
    return number


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _text_field(record: dict[str, Any], key: str, limit: int = MAX_SHORT, *, label: str | None = None) -> str | None:
    value = record.get(key)
    label = label or key
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"字段 {label} 应为字符串，实际为 {_TYPE_NAMES.get(type(value), type(value).__name__)}")
    if len(value) > limit:
        raise RecordError(f"字段 {label} 过长（{len(value)} 个字符，上限 {limit}）")
    return value


_TYPE_NAMES = {int: "整数", float: "数字", bool: "布尔值", list: "数组", dict: "对象", str: "字符串"}


def _time_field(value: Any, label: str, now: datetime, slack: timedelta = FUTURE_SLACK) -> datetime | None:
    if value is not None and not isinstance(value, str):
        raise RecordError(f"字段 {label} 应为 ISO 8601 时间字符串，实际为 {_TYPE_NAMES.get(type(value), type(value).__name__)}")
    try:
        return parse_time(value, field=label, earliest=EARLIEST, latest=now + slack)
    except TimeFormatError as exc:
        raise RecordError(str(exc)) from exc


def document_from_record(record: Any, now: datetime | None = None, *,
                         board_sources: frozenset[str] | set[str] = frozenset()) -> Document:
    """Turn one ``yuqing ingest`` JSON object into a Document, or raise RecordError naming the bad field.

    Times must fall between 1990 and a day after the present (a reply's: a year); content longer than MAX_CONTENT
    characters (html: MAX_HTML) is cut and the original length recorded in ``Document.truncated``."""
    # Times up to a day after the present are accepted; the present is the later of the job's clock and the real
    # one, so replaying old input with an earlier --now keeps replies that came after that --now.
    wall = datetime.now(timezone.utc)
    now = max(now, wall) if now else wall
    if not isinstance(record, dict):
        raise RecordError(f"每一行应为一个 JSON 对象，实际为{_TYPE_NAMES.get(type(record), type(record).__name__)}")
    url = (_text_field(record, "url") or "").strip() or None
    doc_id = _text_field(record, "id", 256)
    if not url and not (doc_id and doc_id.strip()):
        raise RecordError("缺少 url 或 id（至少需要其一）")
    if url is not None:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 — raises ValueError for a port out of range or not a number
            canonical_url(url)
        except ValueError as exc:
            raise RecordError(f"url「{_show(url)[1:-1]}」不是有效的网址（主机名或端口无效）") from exc
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise RecordError(f"url「{_show(url)[1:-1]}」不是 http(s) 网址")
    source = _text_field(record, "source", 200)
    if not source or not source.strip():
        raise RecordError("缺少 source（来源名称）")
    title = _text_field(record, "title", MAX_TITLE) or ""
    truncated: dict[str, int] = {}
    content = _text_field(record, "content", 10**9)
    if content is not None and len(content) > MAX_CONTENT:
        truncated["content"] = len(content)
        content = content[:MAX_CONTENT]
    html = _text_field(record, "html", 10**9)
    if html is not None and len(html) > MAX_HTML:
        truncated["html"] = len(html)
        html = html[:MAX_HTML]
    if not ((content and content.strip()) or (html and html.strip()) or title.strip()):
        raise RecordError("title、content、html 至少需要一个非空")
    published = _time_field(record.get("published_at"), "published_at", now)
    reply = None
    raw_reply = record.get("reply")
    if raw_reply is not None and raw_reply != "" and raw_reply != {}:
        if isinstance(raw_reply, str):
            raw_reply = {"text": raw_reply}
        if not isinstance(raw_reply, dict) or not isinstance(raw_reply.get("text"), str) or not raw_reply["text"].strip():
            raise RecordError("reply 应为字符串或 {\"text\", \"department\", \"time\"} 对象，且 text 非空")
        reply = Reply(text=_text_field(raw_reply, "text", MAX_REPLY, label="reply.text") or "",
                      department=_text_field(raw_reply, "department", label="reply.department"),
                      time=_time_field(raw_reply.get("time"), "reply.time", now, REPLY_FUTURE_SLACK))
    for key in ("status", "category"):
        _text_field(record, key)
    # A record from a board source (``board_sources``: the configured sources of type board) is a post whatever
    # fields it lacks; from elsewhere, one carrying a reply, a status or a board category is; else an article.
    kind = document_kind(record.get("kind"), board_source=source in board_sources, reply=reply is not None,
                         status=record.get("status"), category=record.get("category"))
    if not isinstance(kind, str) or kind not in {k.value for k in DocumentKind}:
        raise RecordError(f"kind 应为 article 或 post，实际为 {_show(kind)}")
    # Without a URL the given id is the identity; a synthetic URL keeps the sha256(url) rule for everything else.
    return Document(
        url=url or f"urn:yuqing:{source}:{doc_id}", id=doc_id or "", source=source, title=title,
        content=content if content is not None else "", html=html, kind=DocumentKind(kind), published_at=published,
        author=_text_field(record, "author"), region=_text_field(record, "region"),
        category=_text_field(record, "category"), status=_text_field(record, "status"),
        views=_int_field(record, "views"), likes=_int_field(record, "likes"),
        dislikes=_int_field(record, "dislikes"), replies=_int_field(record, "replies"), reply=reply,
        truncated=truncated, **_social(record),
    )


def _social(record: dict[str, Any]) -> dict[str, Any]:
    try:
        return social_fields(record)
    except ValueError as exc:
        raise RecordError(str(exc)) from None


def ingest(app: App, stream: Any, now: datetime, *, on_bad: Callable[[int, str], None] | None = None,
           on_capped: Callable[[int, str], None] | None = None) -> IngestReport:
    """Store documents given as JSON lines (a binary or text stream, or an iterable of lines). Idempotent.

    Every line is parsed, validated and stored on its own account: a bad line is reported with its number and
    skipped, and when a batch write fails, its records are written one by one, so only the record the store refuses
    is reported and every other is kept."""
    report = IngestReport()
    batch: list[tuple[int, Document]] = []
    boards = frozenset(s.name for s in app.config.sources if s.type == "board")

    def bad(number: int, error: str) -> None:
        report.bad.append((number, error))
        if on_bad:
            on_bad(number, error)

    def store(docs: list[Document]) -> None:
        result = app.store.documents.upsert_documents(docs, now)
        report.inserted += result.inserted
        report.updated += result.updated
        report.unchanged += result.unchanged

    def flush() -> None:
        if not batch:
            return
        try:
            store([doc for _, doc in batch])
        except Exception as exc:  # one record the store refuses must not cost the others: retry one by one
            log.debug("批量写入失败，逐条重试：%s", exc, exc_info=True)
            for number, doc in batch:
                try:
                    store([doc])
                except Exception as one:  # this record alone: report it by line and keep going
                    log.debug("第 %s 行写入失败", number, exc_info=True)
                    bad(number, f"无法存储：{type(one).__name__}: {str(one)[:200]}")
        batch.clear()

    for number, record, error in read_json_lines(stream):
        report.lines += 1
        if error is None:
            try:
                doc = document_from_record(record, now, board_sources=boards)
            except RecordError as exc:
                error = str(exc)
        if error is not None:
            bad(number, error)
            continue
        if doc.truncated:
            note = "，".join(f"{key} 原有 {length} 个字符，已截断为 {MAX_CONTENT if key == 'content' else MAX_HTML}"
                            for key, length in doc.truncated.items())
            report.capped.append((number, note))
            if on_capped:
                on_capped(number, note)
        batch.append((number, doc))
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
        "reposts": doc.reposts,
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
    app.refresh()  # departments changed in the dashboard route the next batch
    store = app.store.documents
    # Built before touching any document: if the analyzer itself cannot load (a missing model file, say), the job
    # fails loudly and every document stays pending, instead of each being marked as failed one by one.
    analyzer = app.analyzer
    titles = {s.name: s.title for s in app.config.sources if s.title}
    schemes = scheme_matcher(store, titles)  # 监测方案: matched in the write that stores each batch's analyses
    analysed = failed = 0
    standing: dict[str, dict[str, str]] | None = None  # officers' corrections, read once if anything is pending
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
        if standing is None:
            from yuqing.correction_effects import standing_labels

            standing = standing_labels(app.store)
        if standing:  # a post analysed again (its text changed) keeps what an officer corrected
            from yuqing.correction_effects import keep_corrections

            keep_corrections(results, standing)
        store.save_analyses(results, now, scheme_matches=schemes.source_for(docs))
        analysed += len(results) - sum(1 for _, r in results if "analysis_error" in r)
        if progress:
            progress(f"已分析 {analysed} 篇（失败 {failed}），用时 {time.monotonic() - started:.1f} 秒")
    if analysed or failed or store.unclustered_documents(limit=1):
        events = app.events.run(now)  # clusters, then recomputes the heat of recent events as of ``now``
    else:
        # Nothing new: heat is still a function of ``now`` (it decays, and growth fades), so every tick recomputes
        # it for the events active in the decay window; the heat board and the heat rule then agree with the clock.
        refresh = getattr(app.events, "refresh_heat_if_due", None) or getattr(app.events, "refresh_heat", None)
        events = {"heat_refreshed": refresh(now)} if refresh else {}
    backfilled = backfill_pending(store, source_titles=titles)  # schemes made in the dashboard: filled in here
    store.backfill_grams(max_seconds=5.0)  # exact search's index over documents stored before it (search scans meanwhile)
    return {"analysed": analysed, "failed": failed, "events": events, **({"schemes": backfilled} if backfilled else {})}


def tick(app: App, now: datetime, *, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """One cycle of everything but crawling, as of ``now``."""
    app.refresh()  # a configuration changed in the dashboard since the last cycle is used from this one on
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
