"""The storage interface every backend implements.

Two halves, so a deployment can put them on different systems (documents/events in SQLite or Elasticsearch,
workflow tables in SQLite or PostgreSQL). Stages see only these methods and the domain model.
"""

from __future__ import annotations

import abc
import hashlib
import json
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Sequence

from yuqing.clock import local_day, to_utc_text
from yuqing.model import (
    Alert, Assignment, AuditEntry, Department, Document, DocumentKind, Event, Response, User,
)
from yuqing.privacy import mask_name, mask_pii


class StoreError(RuntimeError):
    """A storage problem with a message a user can act on."""


class ConcurrentUpdateError(StoreError):
    """Someone else changed the record since it was read (optimistic version check)."""


class DuplicateError(StoreError):
    """The record would break a uniqueness rule (an existing user, a second open alert for one event)."""


@dataclass
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    inserted_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)


@dataclass
class SearchHit:
    id: str
    title: str
    snippet: str
    source: str
    published_at: datetime | None
    sentiment: str | None
    topic: str | None
    department: str | None
    region: str | None
    url: str
    terms: list[str] = field(default_factory=list)  # the query terms, for highlighting


@dataclass
class DocumentFilter:
    """Filters shared by search, listing and aggregation."""

    source: str | None = None
    topic: str | None = None
    department: str | None = None
    region: str | None = None
    sentiment: str | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def delivery_message_key(delivery_ids: Iterable[int]) -> str:
    """The idempotency key of the message that carries these deliveries: the same ids give the same key, so a message
    sent again after its sender died (or after a failed attempt) can be recognised by the receiver as a repeat."""
    ids = ",".join(str(int(i)) for i in sorted(delivery_ids))
    return "yuqing-" + hashlib.sha256(f"deliveries:{ids}".encode("ascii")).hexdigest()[:32]


def _json(value: Any) -> str:
    """A value as the JSON text every backend stores (Chinese kept readable)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _loads(text: str | None, default: Any = None) -> Any:
    if text is None or text == "":
        return default
    return json.loads(text)


# Counts a re-crawl may change without changing the content: a new value is written, no new analysis needed.
COUNT_FIELDS = ("likes", "dislikes", "replies", "views")


def engagement_fields(fields: Sequence[str]) -> tuple[str, ...]:
    """The counts whose sum is a document's engagement (``engagement_histogram``/``engaged_documents``), checked."""
    out = tuple(dict.fromkeys(fields))
    bad = [f for f in out if f not in COUNT_FIELDS]
    if not out or bad:
        raise StoreError(f"互动指标只能取 {', '.join(COUNT_FIELDS)} 中的一个或多个（实际为 {list(fields)!r}）")
    return out


def document_values(doc: Document, now: datetime) -> dict[str, Any]:
    """The stored fields a crawl sets on every upsert of ``doc``, as every document backend stores them (times as
    fixed-width UTC text). One mapping, so the backends cannot drift apart."""
    reply = doc.reply
    return {
        "url": doc.url, "source": doc.source, "kind": DocumentKind(doc.kind).value, "title": doc.title or "",
        "content": doc.content or "", "published_at": to_utc_text(doc.published_at),
        "fetched_at": to_utc_text(doc.fetched_at or now), "author": doc.author, "region": doc.region,
        "category": doc.category, "status": doc.status, "views": doc.views, "likes": doc.likes,
        "dislikes": doc.dislikes, "replies": doc.replies,
        "reply_text": reply.text if reply else None,
        "reply_department": reply.department if reply else None,
        "reply_at": to_utc_text(reply.time) if reply else None,
        "truncated": _json(doc.truncated) if doc.truncated else None,
    }


def new_document_values(doc: Document, now: datetime) -> dict[str, Any]:
    """``document_values`` plus what only the first write of a document sets (it then needs processing)."""
    now_text = to_utc_text(now)
    at = doc.published_at or doc.fetched_at or now
    return {
        **document_values(doc, now),
        "id": doc.id, "first_seen": now_text, "updated_at": now_text, "at": to_utc_text(at), "day": local_day(at),
        "fingerprint": doc.content_fingerprint(), "needs_processing": 1,
        "reply_first_seen": now_text if doc.reply else None,
    }


def changed_document_values(doc: Document, old: Mapping[str, Any], now: datetime
                            ) -> tuple[dict[str, Any] | None, bool]:
    """For a document already stored (``old``: its stored ``fingerprint``, ``reply_text`` and ``COUNT_FIELDS``):
    the fields this re-crawl writes, or None when nothing changed, and whether the content changed (then it needs
    processing again). ``reply_first_seen`` is set when an answer appears for the first time."""
    values = document_values(doc, now)
    fingerprint = doc.content_fingerprint()
    if "purged_at" in old.keys() and old["purged_at"]:
        return _purged_document_values(doc, old, values, fingerprint, now)
    content_changed = old["fingerprint"] != fingerprint
    # A board post once stored as an article (before board records were always posts) becomes a post when seen again.
    promoted = "kind" in old.keys() and old["kind"] == DocumentKind.ARTICLE.value and values["kind"] == DocumentKind.POST.value
    if not content_changed and not promoted and all(old[k] == values[k] for k in COUNT_FIELDS):
        return None, False
    now_text = to_utc_text(now)
    values.update({"updated_at": now_text, "fingerprint": fingerprint})
    if content_changed:
        values["needs_processing"] = 1
    if doc.reply and not old["reply_text"]:
        values["reply_first_seen"] = now_text  # when we first saw the answer
    return values, content_changed


# -- retention (``[privacy] retention_days``): raw text older than the cut-off is replaced by its masked form ---

# Text fields of a document row that hold what a citizen wrote; the author is a name (mask_name), the rest text.
PURGED_TEXT_FIELDS = ("title", "content", "reply_text", "text", "title_tokens", "search_tokens", "content_words")


def purged_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """The masked replacements of a stored document's raw text fields (``PURGED_TEXT_FIELDS`` and ``author``); the
    token fields are space-separated words, masked as text so a phone number or labelled name in them goes too."""
    values = {k: mask_pii(row[k]) if isinstance(row[k], str) else row[k] for k in PURGED_TEXT_FIELDS}
    values["author"] = mask_name(row["author"]) if row["author"] else row["author"]
    return values


def _purged_document_values(doc: Document, old: Mapping[str, Any], values: dict[str, Any], fingerprint: str,
                            now: datetime) -> tuple[dict[str, Any] | None, bool]:
    """A re-crawl of a document the retention job masked: counts update, a first answer is stored masked (and sent
    to analysis), raw text is never written back. The fingerprint stays that of the raw crawl, so the same page
    crawled again is recognised as unchanged."""
    first_reply = bool(doc.reply) and not old["reply_text"]
    if not first_reply and all(old[k] == values[k] for k in COUNT_FIELDS):
        return None, False
    raw = {"title", "content", "author", "reply_text", "reply_department", "reply_at"}
    changed = {k: v for k, v in values.items() if k not in raw}
    changed["updated_at"] = to_utc_text(now)
    if first_reply:
        changed.update(reply_text=mask_pii(values["reply_text"]), reply_department=values["reply_department"],
                       reply_at=values["reply_at"], reply_first_seen=to_utc_text(now), fingerprint=fingerprint,
                       needs_processing=1)
    return changed, first_reply


def search_terms(tokens: Iterable[str]) -> list[str]:
    """Index terms for full-text search: each token plus, for long tokens, its two-character pieces (like
    search-mode jieba), so a query segmented slightly differently from the document still matches."""
    terms: list[str] = []
    for token in tokens:
        token = token.strip().lower()
        if not token or not any(ch.isalnum() for ch in token):
            continue
        terms.append(token)
        if len(token) >= 3 and all("\u4e00" <= ch <= "\u9fff" for ch in token):
            terms.extend(token[i:i + 2] for i in range(len(token) - 1))
    return terms


def query_terms(tokenizer: Callable[[str], list[str]], query: str | None) -> list[str]:
    """The distinct terms of a user's search, lower-cased, in order; punctuation-only tokens dropped. Every
    backend requires all of them and treats each as plain text, never as query syntax."""
    tokens = [t.strip().lower() for t in tokenizer(query or "")]
    return [t for t in dict.fromkeys(tokens) if t and any(ch.isalnum() for ch in t)]


# Analysis keys with a field of their own; the rest of an analysis is kept as JSON in ``analysis``.
_ANALYSIS_FIELDS = {"text", "tokens", "title_tokens", "content_words", "sentiment", "topic", "department",
                    "department_reason", "keywords", "simhash", "reply_quality"}


def analysis_values(a: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The stored fields of one NLP result (``save_analyses``), as every document backend stores them; ``keywords``
    stays as the analysis gave it (each backend stores it its own way). Saving an analysis marks the document processed."""
    sentiment = a.get("sentiment") or {}
    topic = a.get("topic") or {}
    return {
        "text": a.get("text"),
        "title_tokens": " ".join(search_terms(a.get("title_tokens") or [])),
        "search_tokens": " ".join(search_terms(a.get("content_words") or a.get("tokens") or [])),
        "content_words": " ".join(a.get("content_words") or []),
        "sentiment_label": sentiment.get("label"), "sentiment_score": sentiment.get("score"),
        "topic_label": topic.get("label"), "topic_score": topic.get("score"),
        "department": a.get("department"), "department_reason": a.get("department_reason"),
        "keywords": a.get("keywords") or [], "simhash": a.get("simhash"),
        "reply_quality": _json(a["reply_quality"]) if a.get("reply_quality") else None,
        "analysis": _json({k: v for k, v in a.items() if k not in _ANALYSIS_FIELDS}),
        "analyzed_at": to_utc_text(now), "needs_processing": 0,
    }


class DocumentStore(abc.ABC):
    """Documents and events."""

    # -- documents --------------------------------------------------------------------------------------------
    @abc.abstractmethod
    def upsert_documents(self, docs: Iterable[Document], now: datetime) -> UpsertResult:
        """Insert new documents, update changed ones (they need processing again), in one transaction."""

    @abc.abstractmethod
    def get_document(self, doc_id: str, *, with_html: bool = False) -> Document | None: ...

    @abc.abstractmethod
    def get_documents(self, doc_ids: list[str]) -> list[Document]: ...

    @abc.abstractmethod
    def known_document_ids(self, doc_ids: list[str]) -> set[str]:
        """Which of these ids are already stored (crawlers use it to stop paginating)."""

    @abc.abstractmethod
    def pending_documents(self, limit: int = 500) -> list[Document]:
        """Documents stored or changed since they were last analysed (html included)."""

    @abc.abstractmethod
    def save_analyses(self, results: list[tuple[str, dict[str, Any]]], now: datetime) -> None:
        """Store NLP results (keys: text, tokens, sentiment, topic, department, keywords, simhash …) atomically."""

    @abc.abstractmethod
    def unclustered_documents(self, limit: int = 2000) -> list[Document]:
        """Analysed documents that are in no event yet, oldest first."""

    @abc.abstractmethod
    def link_documents(self, links: dict[str, tuple[str | None, str | None]]) -> None:
        """doc_id → (event_id, duplicate_of)."""

    @abc.abstractmethod
    def search(self, query: str, flt: DocumentFilter | None = None, *, limit: int = 20, offset: int = 0
               ) -> tuple[int, list[SearchHit]]:
        """Full-text search; any user input is safe (quotes, brackets, NEAR, AND …)."""

    @abc.abstractmethod
    def list_documents(self, flt: DocumentFilter | None = None, *, limit: int = 50, offset: int = 0,
                       event_id: str | None = None) -> tuple[int, list[Document]]: ...

    # -- events -----------------------------------------------------------------------------------------------
    @abc.abstractmethod
    def save_events(self, events: list[Event], now: datetime) -> None: ...

    @abc.abstractmethod
    def get_event(self, event_id: str) -> Event | None: ...

    @abc.abstractmethod
    def list_events(self, *, limit: int = 20, since: datetime | None = None, order: str = "heat",
                    department: str | None = None) -> list[Event]:
        """Events with documents (a merged-away event keeps its record with none, and is left out here and in
        ``document_stats``)."""

    @abc.abstractmethod
    def active_events(self, since: datetime) -> list[Event]:
        """Events seen since a time (the clustering window)."""

    def recount_events(self, event_ids: Iterable[str], now: datetime) -> dict[str, int]:
        """Set each event's ``doc_count`` to the number of documents linked to it (the events stage calls this in
        the transaction that links them, so a merge or split never leaves a count that disagrees with its
        documents). Returns the events whose stored count was wrong: id → the count found."""
        fixed: dict[str, int] = {}
        for eid in dict.fromkeys(event_ids):
            event = self.get_event(eid)
            if event is None:
                continue
            total, _ = self.list_documents(limit=1, event_id=eid)
            if event.doc_count != total:
                fixed[eid] = event.doc_count = total
                self.save_events([event], now)
        return fixed

    @abc.abstractmethod
    def log_event_change(self, event_id: str, action: str, details: dict[str, Any], at: datetime) -> None: ...

    @abc.abstractmethod
    def event_log(self, event_id: str) -> list[dict[str, Any]]: ...

    # -- aggregation (heat board); pushed into the store so pages stay fast -----------------------------------
    @abc.abstractmethod
    def count_by_day(self, flt: DocumentFilter) -> list[dict[str, Any]]:
        """[{day, total, negative, neutral, positive}] per Asia/Shanghai day."""

    @abc.abstractmethod
    def count_by(self, field: str, flt: DocumentFilter, limit: int = 20) -> list[tuple[str, int]]:
        """Counts grouped by one of source, topic, department, region, sentiment."""

    @abc.abstractmethod
    def event_daily_counts(self, event_ids: list[str], flt: DocumentFilter) -> dict[str, list[tuple[str, int]]]: ...

    @abc.abstractmethod
    def top_keywords(self, flt: DocumentFilter, limit: int = 80) -> list[tuple[str, int]]: ...

    @abc.abstractmethod
    def document_stats(self) -> dict[str, int]: ...

    # -- queries for the alerts stage ---------------------------------------------------------------------------
    @abc.abstractmethod
    def event_hourly_counts(self, event_ids: list[str], since: datetime) -> dict[str, list[tuple[datetime, int]]]:
        """event_id → [(hour start, documents in that hour)] for documents at or after ``since`` (spike baselines)."""

    @abc.abstractmethod
    def unanswered_posts(self, before: datetime, *, since: datetime | None = None, limit: int = 500) -> list[Document]:
        """Message-board posts published before ``before`` (and at/after ``since``) with no official reply yet."""

    @abc.abstractmethod
    def engagement_histogram(self, flt: DocumentFilter, fields: Sequence[str] = ("likes", "replies")
                             ) -> dict[str, list[tuple[int, int]]]:
        """Each source's engagement norm: source → [(engagement, documents)] in ascending engagement, where a
        document's engagement is the sum of ``fields`` (counts in ``COUNT_FIELDS``), over the documents matching
        ``flt`` that are not duplicates. Exact on every backend, so medians and percentiles agree."""

    @abc.abstractmethod
    def engaged_documents(self, flt: DocumentFilter, fields: Sequence[str], min_total: int, *, limit: int = 200
                          ) -> list[Document]:
        """Documents matching ``flt``, not duplicates, whose engagement (sum of ``fields``) is at least ``min_total``:
        most engaged first, then newest, then by id."""

    # -- retention ----------------------------------------------------------------------------------------------
    @abc.abstractmethod
    def purge_raw(self, before: datetime, *, now: datetime | None = None) -> int:
        """Replace the raw text of documents dated before ``before`` (title, content, author, reply, analysed text
        and tokens, fetched HTML) by its masked form, keeping counts, analysis labels, keywords and events; mark
        each (``purged_at`` = ``now``) so it is done once. Returns how many documents were masked this call."""


class WorkflowStore(abc.ABC):
    """Alerts and the response loop, users, departments, notifications, crawl health."""

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Everything inside commits together or not at all (nests)."""

    # departments and users
    @abc.abstractmethod
    def sync_departments(self, departments: list[Department]) -> None: ...

    @abc.abstractmethod
    def list_departments(self) -> list[Department]: ...

    @abc.abstractmethod
    def add_user(self, user: User) -> None: ...

    @abc.abstractmethod
    def update_user(self, user: User) -> None: ...

    @abc.abstractmethod
    def get_user(self, name: str) -> User | None: ...

    @abc.abstractmethod
    def list_users(self) -> list[User]: ...

    # alerts
    @abc.abstractmethod
    def insert_alert(self, alert: Alert) -> None:
        """Raises DuplicateError if the event already has an open alert."""

    @abc.abstractmethod
    def get_alert(self, alert_id: str) -> Alert | None: ...

    @abc.abstractmethod
    def list_alerts(self, *, status: str | list[str] | None = None, department: str | None = None,
                    level: int | None = None, since: datetime | None = None, until: datetime | None = None,
                    limit: int = 100, offset: int = 0) -> tuple[int, list[Alert]]: ...

    @abc.abstractmethod
    def open_alert_for_event(self, event_id: str) -> Alert | None: ...

    @abc.abstractmethod
    def update_alert(self, alert: Alert, expected_version: int) -> Alert:
        """Write the alert if its stored version is still ``expected_version``; bumps the version."""

    @abc.abstractmethod
    def append_audit(self, entry: AuditEntry) -> None: ...

    @abc.abstractmethod
    def audit_for(self, alert_id: str) -> list[AuditEntry]: ...

    @abc.abstractmethod
    def verify_audit(self, *, incremental: bool = False) -> dict[str, Any]:
        """Walk the audit log's hash chain (from the last checkpoint when ``incremental``) and check its append-only
        guards; ``ok``, ``problems`` (kind inserted/deleted/edited/trigger, id, Chinese message), ``last_id``,
        ``last_hash``, ``rows``, ``checked``."""

    @abc.abstractmethod
    def mark_audit_verified(self, last_id: int | None, last_hash: str, count: int) -> None:
        """Store the checkpoint an incremental ``verify_audit`` starts from."""

    @abc.abstractmethod
    def add_assignment(self, assignment: Assignment) -> None:
        """Deactivates the alert's previous assignments."""

    @abc.abstractmethod
    def assignments_for(self, alert_id: str) -> list[Assignment]: ...

    @abc.abstractmethod
    def add_response(self, response: Response) -> int: ...

    @abc.abstractmethod
    def update_response(self, response: Response) -> None: ...

    @abc.abstractmethod
    def responses_for(self, alert_id: str) -> list[Response]: ...

    @abc.abstractmethod
    def department_league(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Per department: alerts, responded, on-time, average hours to respond, satisfaction counts."""

    # silences and notifications
    @abc.abstractmethod
    def add_silence(self, silence: dict[str, Any]) -> int: ...

    @abc.abstractmethod
    def active_silences(self, now: datetime) -> list[dict[str, Any]]: ...

    @abc.abstractmethod
    def add_delivery(self, delivery: dict[str, Any]) -> int: ...

    @abc.abstractmethod
    def due_deliveries(self, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
        """Deliveries that may be claimed at ``now``: pending and due, or 'sending' with an expired lease."""

    @abc.abstractmethod
    def claim_deliveries(self, ids: list[int], worker: str, now: datetime, lease_until: datetime
                         ) -> list[dict[str, Any]]:
        """Compare-and-set the given deliveries to 'sending' for ``worker``; only those won are returned (attempts
        counted, attempt log opened, ``message_key`` set). Two workers never both win one delivery."""

    @abc.abstractmethod
    def finish_delivery(self, delivery_id: int, worker: str, now: datetime, *, status: str,
                        error: str | None = None, next_attempt_at: datetime | None = None) -> bool:
        """End ``worker``'s claim with 'sent', 'pending' (retry) or 'failed'; False if the claim was lost."""

    @abc.abstractmethod
    def delivery_attempts(self, delivery_id: int) -> list[dict[str, Any]]:
        """Every attempt at one delivery: attempt, worker, message_key, started_at, finished_at, outcome, error."""

    @abc.abstractmethod
    def update_delivery(self, delivery_id: int, **changes: Any) -> None: ...

    @abc.abstractmethod
    def list_deliveries(self, alert_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]: ...

    # crawl state and health
    @abc.abstractmethod
    def record_crawl(self, source: str, run: dict[str, Any]) -> dict[str, Any]:
        """Add one crawl pass's figures; returns the source's updated health row."""

    @abc.abstractmethod
    def source_health(self) -> list[dict[str, Any]]: ...

    @abc.abstractmethod
    def get_state(self, scope: str, key: str) -> str | None: ...

    @abc.abstractmethod
    def set_state(self, scope: str, key: str, value: str) -> None: ...

    @abc.abstractmethod
    def workflow_stats(self) -> dict[str, int]: ...

    # -- officers' corrections (yuqing.corrections) ------------------------------------------------------------------
    def add_correction(self, correction: dict[str, Any]) -> int:
        """Store one correction {doc_id, alert_id?, field, old_value?, new_value, text, actor, created_at}; its id."""
        raise NotImplementedError

    def list_corrections(self, field: str | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Corrections, oldest first (all fields, or one): a later correction of the same post supersedes."""
        raise NotImplementedError


class Store:
    """What the application holds: both halves, possibly the same object."""

    def __init__(self, documents: DocumentStore, workflow: WorkflowStore):
        self.documents = documents
        self.workflow = workflow

    def stats(self) -> dict[str, int]:
        return {**self.documents.document_stats(), **self.workflow.workflow_stats()}

    def close(self) -> None:
        for part in {id(self.documents): self.documents, id(self.workflow): self.workflow}.values():
            close = getattr(part, "close", None)
            if close:
                close()
