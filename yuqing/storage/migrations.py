"""Schema migrations, in order. Each is applied once, inside a transaction, and recorded in ``schema_version``.

The SQL keeps to what SQLite and PostgreSQL share (TEXT, INTEGER, REAL/DOUBLE, partial unique indexes), so the
workflow tables can be created on either from this one list. Statements tagged ``sqlite`` run only there
(full-text search and the append-only trigger use dialect features; PostgreSQL gets its own equivalents).
Times are fixed-width UTC text (``yuqing.clock.to_utc_text``), which sorts correctly everywhere.

A step may also be a Python function ``step(execute, dialect)`` for data changes SQL alone cannot make (hashing the
existing audit rows): ``execute(sql, params)`` runs a statement written with ``?`` placeholders in the migration's
transaction, ``dialect`` is ``"sqlite"`` or ``"postgresql"``.
"""
from __future__ import annotations

import hashlib, json  # noqa: E401
from typing import Any, Callable

# Later migrations keep their statements beside the code that uses them.
from yuqing.storage.migrations_schemes import SCHEMES_SQLITE  # 18: monitoring schemes
from yuqing.storage.sqlconfig import CONFIG_VERSIONS  # 20: live configuration (yuqing/config_store.py)
from yuqing.storage.sqlcorrections import CORRECTIONS  # 15: officers' corrections
from yuqing.storage.sqlsessions import DASHBOARD_SESSIONS  # 22: dashboard sessions
from yuqing.storage.migrations_scheme_rollup import SCHEME_ROLLUP_SQLITE  # 29: per-scheme roll-ups
from yuqing.storage.sqlite_grams import GRAMS_SQLITE  # 16: character-pair index for exact search

DOCUMENT_TABLES = [
    """CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        content TEXT NOT NULL,
        published_at TEXT,
        fetched_at TEXT,
        first_seen TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        at TEXT NOT NULL,
        day TEXT NOT NULL,
        author TEXT,
        region TEXT,
        category TEXT,
        status TEXT,
        views INTEGER NOT NULL DEFAULT 0,
        likes INTEGER NOT NULL DEFAULT 0,
        dislikes INTEGER NOT NULL DEFAULT 0,
        replies INTEGER NOT NULL DEFAULT 0,
        reply_text TEXT,
        reply_department TEXT,
        reply_at TEXT,
        reply_first_seen TEXT,
        fingerprint TEXT NOT NULL,
        needs_processing INTEGER NOT NULL DEFAULT 1,
        text TEXT,
        title_tokens TEXT,
        search_tokens TEXT,
        content_words TEXT,
        sentiment_label TEXT,
        sentiment_score REAL,
        topic_label TEXT,
        topic_score REAL,
        department TEXT,
        department_reason TEXT,
        keywords TEXT,
        simhash TEXT,
        reply_quality TEXT,
        analysis TEXT,
        analyzed_at TEXT,
        event_id TEXT,
        duplicate_of TEXT
    )""",
    "CREATE INDEX documents_at ON documents (at)",
    "CREATE INDEX documents_day ON documents (day)",
    "CREATE INDEX documents_pending ON documents (needs_processing)",
    "CREATE INDEX documents_event ON documents (event_id)",
    "CREATE INDEX documents_source ON documents (source, at)",
    "CREATE INDEX documents_topic ON documents (topic_label, at)",
    "CREATE INDEX documents_department ON documents (department, at)",
    "CREATE TABLE raw_pages (doc_id TEXT PRIMARY KEY, body TEXT NOT NULL, fetched_at TEXT NOT NULL)",
    """CREATE TABLE events (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        keywords TEXT NOT NULL,
        region TEXT,
        topic TEXT,
        department TEXT,
        first_seen TEXT,
        last_seen TEXT,
        doc_count INTEGER NOT NULL DEFAULT 0,
        source_count INTEGER NOT NULL DEFAULT 0,
        negative INTEGER NOT NULL DEFAULT 0,
        neutral INTEGER NOT NULL DEFAULT 0,
        positive INTEGER NOT NULL DEFAULT 0,
        heat REAL NOT NULL DEFAULT 0,
        heat_parts TEXT NOT NULL,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX events_heat ON events (heat)",
    "CREATE INDEX events_last_seen ON events (last_seen)",
    """CREATE TABLE event_log (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        details TEXT NOT NULL
    )""",
    "CREATE INDEX event_log_event ON event_log (event_id)",
]

SEARCH_INDEX_SQLITE = [
    # External-content FTS5 over the jieba tokens the NLP stage stored; the tokenizer only splits on spaces.
    """CREATE VIRTUAL TABLE documents_fts USING fts5(
        title_tokens, search_tokens, content='documents', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 0')""",
]

WORKFLOW_TABLES = [
    """CREATE TABLE departments (
        name TEXT PRIMARY KEY,
        topics TEXT NOT NULL,
        regions TEXT NOT NULL,
        contact TEXT NOT NULL,
        supervisor INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        department TEXT,
        display_name TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT
    )""",
    """CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        event_id TEXT,
        rule TEXT NOT NULL,
        level INTEGER NOT NULL,
        title TEXT NOT NULL,
        reason TEXT NOT NULL,
        status TEXT NOT NULL,
        department TEXT,
        policy TEXT,
        deadlines TEXT NOT NULL,
        due_at TEXT,
        details TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        dispatched_at TEXT,
        warned TEXT NOT NULL,
        escalated INTEGER NOT NULL DEFAULT 0,
        rating TEXT,
        version INTEGER NOT NULL
    )""",
    "CREATE UNIQUE INDEX alerts_one_open_per_event ON alerts (event_id) WHERE status <> 'closed' AND event_id IS NOT NULL",
    "CREATE INDEX alerts_status ON alerts (status, created_at)",
    "CREATE INDEX alerts_department ON alerts (department, status)",
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        alert_id TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        at TEXT NOT NULL,
        from_status TEXT,
        to_status TEXT,
        note TEXT NOT NULL
    )""",
    "CREATE INDEX audit_alert ON audit_log (alert_id, id)",
    """CREATE TABLE assignments (
        id INTEGER PRIMARY KEY,
        alert_id TEXT NOT NULL,
        department TEXT NOT NULL,
        assigned_by TEXT NOT NULL,
        assigned_at TEXT NOT NULL,
        note TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1
    )""",
    "CREATE INDEX assignments_alert ON assignments (alert_id)",
    """CREATE TABLE responses (
        id INTEGER PRIMARY KEY,
        alert_id TEXT NOT NULL,
        department TEXT NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        link TEXT,
        created_at TEXT NOT NULL,
        rating TEXT,
        rated_by TEXT,
        rated_at TEXT
    )""",
    "CREATE INDEX responses_alert ON responses (alert_id)",
    """CREATE TABLE silences (
        id INTEGER PRIMARY KEY,
        rule TEXT,
        source TEXT,
        keyword TEXT,
        event_id TEXT,
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        reason TEXT NOT NULL
    )""",
    """CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        alert_id TEXT,
        channel TEXT NOT NULL,
        target TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        delivered_at TEXT,
        dedupe_key TEXT
    )""",
    "CREATE UNIQUE INDEX deliveries_dedupe ON deliveries (dedupe_key)",
    "CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at)",
    """CREATE TABLE source_health (
        source TEXT PRIMARY KEY,
        last_run TEXT,
        last_success TEXT,
        runs INTEGER NOT NULL DEFAULT 0,
        pages_fetched INTEGER NOT NULL DEFAULT 0,
        items_stored INTEGER NOT NULL DEFAULT 0,
        errors TEXT NOT NULL,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        consecutive_empty INTEGER NOT NULL DEFAULT 0,
        last_run_stats TEXT NOT NULL
    )""",
    """CREATE TABLE kv_state (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (scope, key)
    )""",
]

APPEND_ONLY_AUDIT_SQLITE = [
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, '审计日志只能追加'); END",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, '审计日志只能追加'); END",
]

# Covering indexes for the heat board's aggregates (daily volume by sentiment, topic/region counts, keywords over a
# time window): the dashboard reads these small columns without touching the wide document rows.
DASHBOARD_INDEXES = [
    "CREATE INDEX documents_at_cover ON documents (at, day, sentiment_label, topic_label, region)",
    "CREATE INDEX documents_at_keywords ON documents (at, keywords)",
]

# Daily keyword counts, kept by save_analyses in the same transaction as the keywords themselves: the keyword
# cloud over N days sums a few thousand rows instead of unpacking the JSON keywords of every document in the window.
KEYWORD_DAILY_SQLITE = [
    "CREATE TABLE keyword_daily (day TEXT NOT NULL, keyword NOT NULL, n INTEGER NOT NULL, "
    "PRIMARY KEY (day, keyword)) WITHOUT ROWID",
    "INSERT INTO keyword_daily (day, keyword, n) SELECT d.day, j.value, count(*) FROM documents d, "
    "json_each(d.keywords) j WHERE d.keywords IS NOT NULL AND j.value IS NOT NULL GROUP BY d.day, j.value",
]

# Daily document counts by every filterable field: the heat board's trend and distributions over 30 days sum a
# few thousand rows instead of reading every document. Kept by upsert_documents and save_analyses.
DOC_DAILY_SQLITE = [
    "CREATE TABLE doc_daily (key TEXT PRIMARY KEY, day TEXT NOT NULL, source TEXT, kind TEXT, topic_label TEXT, "
    "department TEXT, region TEXT, sentiment_label TEXT, n INTEGER NOT NULL)",
    "CREATE INDEX doc_daily_day ON doc_daily (day)",
    "INSERT INTO doc_daily SELECT json_array(day, source, kind, topic_label, department, region, sentiment_label), "
    "day, source, kind, topic_label, department, region, sentiment_label, count(*) FROM documents "
    "GROUP BY day, source, kind, topic_label, department, region, sentiment_label",
]

# Login throttling (yuqing.users.authenticate): one counter per account name and per client address. Kept for unknown
# names too, so a lockout says nothing about whether an account exists. Times are UTC text like everywhere else.
LOGIN_ATTEMPTS = [
    """CREATE TABLE login_attempts (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        window_start TEXT NOT NULL,
        locked_until TEXT,
        PRIMARY KEY (kind, key)
    )""",
]

# Retention ([privacy] retention_days): when a document's raw text was replaced by its masked form, so the job
# does each document once and a re-crawl never writes the raw text back.
RETENTION_MARKER = [
    "ALTER TABLE documents ADD COLUMN purged_at TEXT",
]

# Exactly-once delivery: a notification is claimed (status 'sending', who, until when) before it is sent; the key
# of the message that carried it stays the same across retries; every attempt has its own row.
DELIVERY_CLAIMS = [
    "ALTER TABLE deliveries ADD COLUMN claimed_by TEXT",
    "ALTER TABLE deliveries ADD COLUMN lease_until TEXT",
    "ALTER TABLE deliveries ADD COLUMN message_key TEXT",
    "CREATE INDEX deliveries_lease ON deliveries (status, lease_until)",
    """CREATE TABLE delivery_attempts (
        id INTEGER PRIMARY KEY,
        delivery_id INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        worker TEXT NOT NULL,
        message_key TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT,
        error TEXT
    )""",
    "CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id)",
]

# The audit log's hash chain starts from this value.
AUDIT_GENESIS = "0" * 64
AUDIT_FIELDS = ("alert_id", "actor", "action", "at", "from_status", "to_status", "note")


def audit_hash(prev_hash: str | None, row: Any) -> str:
    """sha256 over a canonical serialisation of an audit row's fields and the previous row's hash."""
    canonical = json.dumps([prev_hash, *(row[k] for k in AUDIT_FIELDS)], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hash_existing_audit_rows(execute: Callable[..., Any], dialect: str) -> None:
    """Chain the rows written before the chain existed, in id order, and record the head."""
    # The append-only guard refuses UPDATE; it is lifted only inside this migration's transaction (where it exists:
    # a guard already gone is for `yuqing audit verify` to report, not for the migration to fail on).
    if dialect == "sqlite":
        guarded = execute("SELECT count(*) AS n FROM sqlite_master WHERE type = 'trigger' "
                          "AND name = 'audit_no_update'").fetchone()["n"] > 0
        if guarded:
            execute("DROP TRIGGER audit_no_update")
    else:
        guarded = execute("SELECT count(*) AS n FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
                          "AND tgname = 'audit_no_update'").fetchone()["n"] > 0
        if guarded:
            execute("ALTER TABLE audit_log DISABLE TRIGGER audit_no_update")
    prev, last_id, count = AUDIT_GENESIS, None, 0
    rows = execute(f"SELECT id, {', '.join(AUDIT_FIELDS)} FROM audit_log ORDER BY id").fetchall()
    for row in rows:
        digest = audit_hash(prev, row)
        execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, row["id"]))
        prev, last_id, count = digest, row["id"], count + 1
    if guarded and dialect == "sqlite":
        execute(APPEND_ONLY_AUDIT_SQLITE[0])
    elif guarded:
        execute("ALTER TABLE audit_log ENABLE TRIGGER audit_no_update")
    execute("INSERT INTO audit_chain (singleton, last_id, last_hash, row_count) VALUES (1, ?, ?, ?)", (last_id, prev, count))


# Tamper-evident audit: each row's hash covers its fields and the previous hash; ``audit_chain`` is the one-row head
# (last id, last hash, row count) that writers lock to append, plus the checkpoint up to which ``tick`` verified.
AUDIT_CHAIN = [
    "ALTER TABLE audit_log ADD COLUMN prev_hash TEXT",
    "ALTER TABLE audit_log ADD COLUMN hash TEXT",
    """CREATE TABLE audit_chain (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        last_id INTEGER,
        last_hash TEXT NOT NULL,
        row_count INTEGER NOT NULL,
        verified_id INTEGER,
        verified_hash TEXT,
        verified_count INTEGER
    )""",
    _hash_existing_audit_rows,
]
# ``yuqing ingest`` caps content (and raw html); the original lengths are kept as JSON, e.g. {"content": 250000}.
# Elasticsearch keeps the same field in _source (its mapping is not dynamic and the field is never queried).
TRUNCATED_NOTE_SQLITE = ["ALTER TABLE documents ADD COLUMN truncated TEXT"]


# (version, description, part, statements); part says which store owns the statements.
MIGRATIONS: list[tuple[int, str, str, list[Any]]] = [
    (1, "documents and events", "documents", DOCUMENT_TABLES),
    (2, "full-text search index", "documents-sqlite", SEARCH_INDEX_SQLITE),
    (3, "workflow tables", "workflow", WORKFLOW_TABLES),
    (4, "append-only audit log", "workflow-sqlite", APPEND_ONLY_AUDIT_SQLITE),
    (5, "covering indexes for dashboard aggregates", "documents", DASHBOARD_INDEXES),
    (6, "daily keyword counts for the keyword cloud", "documents-sqlite", KEYWORD_DAILY_SQLITE),
    (7, "daily document counts for the heat board", "documents-sqlite", DOC_DAILY_SQLITE),
    (8, "claimed deliveries and the attempt log", "workflow", DELIVERY_CLAIMS),
    (9, "hash-chained audit log", "workflow", AUDIT_CHAIN),
    (10, "login throttling per account and per address", "workflow", LOGIN_ATTEMPTS),
    (11, "retention marker on documents", "documents", RETENTION_MARKER),
    (12, "which fields ingest cut to its limits, with their original lengths", "documents-sqlite", TRUNCATED_NOTE_SQLITE),
    (15, "officers' corrections of topic, sentiment and department", "workflow", CORRECTIONS),
    (16, "character bigram index for exact expression search", "documents-sqlite", GRAMS_SQLITE),
    (18, "monitoring schemes and their matches", "documents-sqlite", SCHEMES_SQLITE),
    (20, "live configuration: versions of the dashboard's overlay over the file", "workflow", CONFIG_VERSIONS),
    (22, "dashboard sessions: signed tokens that survive a reload, revoked on logout", "workflow", DASHBOARD_SESSIONS),
    (29, "daily roll-ups per monitoring scheme for the scheme pages", "documents-sqlite", SCHEME_ROLLUP_SQLITE),
]
from yuqing.storage.migrations_social import SOCIAL_MIGRATIONS  # noqa: E402  (30: shares and authors)
MIGRATIONS += SOCIAL_MIGRATIONS
