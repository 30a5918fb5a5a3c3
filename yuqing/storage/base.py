"""The storage interface every backend implements.

Two halves, so a deployment can put them on different systems (documents/events in SQLite or Elasticsearch,
workflow tables in SQLite or PostgreSQL). Stages see only these methods and the domain model. The row values the
backends share are in ``yuqing.storage.rows``.
"""

from __future__ import annotations

import abc
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Mapping, Sequence

from yuqing.model import Alert, Assignment, AuditEntry, Department, Document, Event, Response, User
from yuqing.storage.document_parts import OptionalDocumentParts
from yuqing.storage.schemes_api import SchemeMatchSource, SchemeStorage
from yuqing.storage.workflow_rows import ConfigVersionRows, CorrectionRows, SessionRows

if TYPE_CHECKING:
    from yuqing.config import Config
    from yuqing.query import Query


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
    simhash: str | None = None  # the NLP stage's SimHash (hex), for folding near-duplicate hits
    duplicate_of: str | None = None  # the events stage's judgement: a repost of this document


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
    scheme: str | None = None  # only the documents this 监测方案 matched


class DocumentStore(SchemeStorage, OptionalDocumentParts, abc.ABC):
    """Documents and events (and the schemes' matches: ``yuqing.storage.schemes_api``)."""

    #: The ``[storage.NAME]`` table this backend reads its options from ("" when it has none).
    config_section: ClassVar[str] = ""

    @classmethod
    @abc.abstractmethod
    def from_config(cls, config: "Config", *, query_tokenizer: Callable[[str], list[str]] | None = None) -> "DocumentStore":
        """Build the backend from the configuration: ``config.storage`` and its ``[storage.<config_section>]`` table
        (``config.storage.options``). Bad values raise ConfigError naming the key."""

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
    def save_analyses(self, results: list[tuple[str, dict[str, Any]]], now: datetime, *,
                      scheme_matches: SchemeMatchSource | None = None) -> None:
        """Store NLP results (keys: text, tokens, sentiment, topic, department, keywords, simhash …) atomically, and
        with them each document's 监测方案 matches when ``scheme_matches`` is given (see ``schemes_api``)."""

    @abc.abstractmethod
    def relabel_documents(self, labels: dict[str, dict[str, str]], now: datetime) -> int:
        """An officer's correction applied at once: ``labels`` maps a document id to new values of ``topic``,
        ``sentiment`` and/or ``department`` (the effective analysis every view and aggregate reads; the model's
        values stay in the correction record). Unknown ids are skipped; returns how many documents changed."""

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

    @abc.abstractmethod
    def search_query(self, query: "Query", flt: DocumentFilter | None = None, *, limit: int = 20, offset: int = 0,
                     source_titles: Mapping[str, str] | None = None) -> tuple[int, list[SearchHit]]:
        """Analysed documents matching a parsed expression (``yuqing.query``): (total, the page ``offset`` …
        ``offset + limit``), best first. ``Query.matches`` decides every hit; an index only proposes candidates, and
        nothing the user typed reaches the index's own query syntax. ``source_titles``: name → title, for 来源:.
        ``yuqing.storage.query_rows.ReferenceQuerySearch`` is the reference (a scan); the contract suite compares."""

    # -- events -----------------------------------------------------------------------------------------------
    @abc.abstractmethod
    def save_events(self, events: list[Event], now: datetime) -> None: ...

    @abc.abstractmethod
    def get_event(self, event_id: str) -> Event | None: ...

    @abc.abstractmethod
    def list_events(self, *, limit: int = 20, since: datetime | None = None, order: str = "heat",
                    department: str | None = None, scheme: str | None = None) -> list[Event]:
        """Events with documents (a merged-away event keeps its record with none, and is left out here and in
        ``document_stats``); with ``scheme``, only events holding a document that scheme matched."""

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


class WorkflowStore(CorrectionRows, SessionRows, ConfigVersionRows, abc.ABC):
    """Alerts and the response loop, users, departments, notifications, crawl health."""

    #: The ``[storage.NAME]`` table this backend reads its options from ("" when it has none).
    config_section: ClassVar[str] = ""

    @classmethod
    @abc.abstractmethod
    def from_config(cls, config: "Config", *, query_tokenizer: Callable[[str], list[str]] | None = None) -> "WorkflowStore":
        """Build the backend from the configuration: ``config.storage`` and its ``[storage.<config_section>]`` table
        (``config.storage.options``). Bad values raise ConfigError naming the key."""

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
