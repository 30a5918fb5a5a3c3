"""SQLite backend (WAL): the embedded default, documents and workflow in one file.

One connection per thread (Streamlit and the scheduler are threaded); writes take the lock up front
(``BEGIN IMMEDIATE``) so two writers never deadlock on a lock upgrade; every public write is one transaction.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from yuqing.clock import TZ, day_start, from_utc_text, to_utc_text
from yuqing.clock import now as clock_now
from yuqing.model import Document, DocumentKind, Event, Reply
from yuqing.paths import PRIVATE_DIR_MODE, create_private_file, make_private
from yuqing.privacy import mask_pii
from yuqing.storage.base import (
    COUNT_FIELDS, PURGED_TEXT_FIELDS, DocumentFilter, DocumentStore, SearchHit, StoreError, UpsertResult, _json, _loads,
    analysis_values, changed_document_values, engagement_fields, new_document_values, purged_values, query_terms,
)
from yuqing.storage.migrations import MIGRATIONS
from yuqing.storage.sqlworkflow import SQLWorkflowStore

Tokenizer = Callable[[str], list[str]]

_GROUPABLE = {"source": "source", "topic": "topic_label", "department": "department", "region": "region",
              "sentiment": "sentiment_label", "kind": "kind"}


def default_query_tokenizer(text: str) -> list[str]:
    """Fallback query segmentation when the application gives none (jieba's search mode)."""
    import jieba  # a library, not a stage

    return [t for t in jieba.lcut_for_search(text) if t.strip()]


def _ensure_wal(conn: sqlite3.Connection, path: Path, wait_seconds: float = 60.0) -> None:
    """Put the database in WAL mode once; WAL is stored in the file, so later opens only read the mode.

    Switching the journal mode needs an exclusive lock, and SQLite answers ``database is locked`` at once, without
    its busy handler, when another process holds the file (two workers opening a new store together). So the
    mode is read first, and only a file not yet in WAL is switched, retrying until the other opener is done.
    """
    deadline = time.monotonic() + wait_seconds
    delay = 0.01
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            if conn.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() == "wal":
                return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise StoreError(f"无法打开数据库 {path}：{exc}") from exc
        if time.monotonic() >= deadline:
            raise StoreError(f"无法把数据库 {path} 切换为 WAL 模式：另一个进程长时间占用该文件")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def _fts_phrase(term: str) -> str:
    # Every user term becomes a quoted phrase, so "AND", "NEAR", brackets or quotes are plain text to FTS5.
    return '"' + term.replace('"', '""') + '"'


class SQLiteStore(DocumentStore, SQLWorkflowStore):
    def __init__(self, path: str | Path, *, query_tokenizer: Tokenizer | None = None):
        self.path = Path(path)
        # Private to the service user: the folder 0700 and the file 0600 before SQLite first opens it (its -wal
        # and -shm files take the database file's mode).
        self.path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        create_private_file(self.path)
        for leftover in ("-wal", "-shm", "-journal"):  # from an installation made before files were private
            make_private(Path(f"{self.path}{leftover}"))
        self.query_tokenizer = query_tokenizer or default_query_tokenizer
        self._local = threading.local()
        self._all_connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.migrate()

    # -- connection and transactions ---------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, isolation_level=None, timeout=60, check_same_thread=False)
            except sqlite3.Error as exc:
                raise StoreError(f"无法打开数据库 {self.path}：{exc}；请检查 YUQING_HOME 目录是否可写") from exc
            conn.row_factory = sqlite3.Row
            # The busy timeout first, so every later statement waits for another process's lock instead of failing.
            conn.execute("PRAGMA busy_timeout=60000")
            _ensure_wal(conn, self.path)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            self._local.depth = 0
            with self._lock:
                self._all_connections.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        db = self.db
        depth = self._local.depth
        if depth == 0:
            db.execute("BEGIN IMMEDIATE")
        else:
            db.execute(f"SAVEPOINT sp{depth}")
        self._local.depth = depth + 1
        try:
            yield
        except BaseException:
            self._local.depth = depth
            if depth == 0:
                db.execute("ROLLBACK")
            else:
                db.execute(f"ROLLBACK TO sp{depth}")
                db.execute(f"RELEASE sp{depth}")
            raise
        else:
            self._local.depth = depth
            if depth == 0:
                db.execute("COMMIT")
            else:
                db.execute(f"RELEASE sp{depth}")

    def close(self) -> None:
        with self._lock:
            for conn in self._all_connections:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._all_connections.clear()
        self._local = threading.local()

    def migrate(self) -> int:
        """Apply pending migrations; returns the schema version."""
        db = self.db
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT, applied_at TEXT)")
        with self.transaction():
            done = {row[0] for row in db.execute("SELECT version FROM schema_version")}
            for version, description, _part, statements in MIGRATIONS:
                if version in done:
                    continue
                for sql in statements:
                    if callable(sql):  # a data step (see migrations.py)
                        sql(lambda q, params=(): db.execute(q, params), "sqlite")
                    else:
                        db.execute(sql)
                db.execute("INSERT INTO schema_version VALUES (?, ?, datetime('now'))", (version, description))
        return max(v for v, *_ in MIGRATIONS)

    def schema_version(self) -> int:
        return self.db.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0

    # -- documents ---------------------------------------------------------------------------------------------
    def upsert_documents(self, docs: Iterable[Document], now: datetime) -> UpsertResult:
        result = UpsertResult()
        now_text = to_utc_text(now)
        daily: Counter = Counter()  # doc_daily changes, applied once per batch in the same transaction
        with self.transaction():
            for doc in docs:
                self._upsert_one(doc, now, now_text, result, daily)
            self._apply_doc_daily(daily)
        return result

    def _upsert_one(self, doc: Document, now: datetime, now_text: str, result: UpsertResult,
                    daily: Counter | None = None) -> None:
        db = self.db
        daily = Counter() if daily is None else daily
        row = db.execute(
            f"SELECT fingerprint, reply_text, reply_first_seen, purged_at, kind, {', '.join(COUNT_FIELDS)}, "
            f"{', '.join(_DAILY_DIMS)} FROM documents WHERE id = ?", (doc.id,)).fetchone()
        if row is None:
            values = new_document_values(doc, now)
            cols = ", ".join(values)
            db.execute(f"INSERT INTO documents ({cols}) VALUES ({', '.join('?' * len(values))})", list(values.values()))
            daily[_text_key(values["day"], values["source"], values["kind"], None, None, values["region"], None)] += 1
            result.inserted += 1
            result.inserted_ids.append(doc.id)
        else:
            values, content_changed = changed_document_values(doc, row, now)
            if values is None:
                result.unchanged += 1
            else:
                sets = ", ".join(f"{k} = ?" for k in values)
                db.execute(f"UPDATE documents SET {sets} WHERE id = ?", [*values.values(), doc.id])
                old_key = _daily_key(row)
                new_key = _text_key(row["day"], values["source"], values["kind"], row["topic_label"],
                                    row["department"], values["region"], row["sentiment_label"])
                if new_key != old_key:  # source, kind or region changed on the re-crawl
                    daily[old_key] -= 1
                    daily[new_key] += 1
                if content_changed:
                    result.updated += 1
                    result.updated_ids.append(doc.id)
                else:
                    result.unchanged += 1
        if doc.html is not None:
            html = mask_pii(doc.html) if row is not None and row["purged_at"] else doc.html  # retention: stays masked
            db.execute("INSERT INTO raw_pages (doc_id, body, fetched_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (doc_id) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
                       (doc.id, html, now_text))

    @staticmethod
    def _row_to_document(row: sqlite3.Row, html: str | None = None) -> Document:
        reply = None
        if row["reply_text"]:
            reply = Reply(text=row["reply_text"], department=row["reply_department"], time=from_utc_text(row["reply_at"]))
        analysis = None
        if row["analyzed_at"]:
            analysis = _loads(row["analysis"], {}) or {}
            analysis.update({
                "text": row["text"],
                "content_words": (row["content_words"] or "").split(),
                "sentiment": {"label": row["sentiment_label"], "score": row["sentiment_score"]},
                "topic": {"label": row["topic_label"], "score": row["topic_score"]},
                "department": row["department"],
                "department_reason": row["department_reason"],
                "keywords": _loads(row["keywords"], []),
                "simhash": row["simhash"],
                "reply_quality": _loads(row["reply_quality"]),
                "analyzed_at": from_utc_text(row["analyzed_at"]),
                "duplicate_of": row["duplicate_of"],
                "first_seen": from_utc_text(row["first_seen"]),
                "reply_first_seen": from_utc_text(row["reply_first_seen"]),
            })
        return Document(
            id=row["id"], url=row["url"], source=row["source"], kind=DocumentKind(row["kind"]), title=row["title"],
            content=row["content"], html=html, published_at=from_utc_text(row["published_at"]),
            fetched_at=from_utc_text(row["fetched_at"]), author=row["author"], region=row["region"],
            category=row["category"], status=row["status"], views=row["views"], likes=row["likes"],
            dislikes=row["dislikes"], replies=row["replies"], reply=reply, analysis=analysis,
            event_id=row["event_id"], truncated=_loads(row["truncated"], {}) or {},
        )

    def get_document(self, doc_id: str, *, with_html: bool = False) -> Document | None:
        row = self.db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        html = None
        if with_html:
            raw = self.db.execute("SELECT body FROM raw_pages WHERE doc_id = ?", (doc_id,)).fetchone()
            html = raw[0] if raw else None
        return self._row_to_document(row, html)

    def get_documents(self, doc_ids: list[str]) -> list[Document]:
        out: dict[str, Document] = {}
        for chunk in _chunks(doc_ids, 500):
            rows = self.db.execute(f"SELECT * FROM documents WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            out.update({r["id"]: self._row_to_document(r) for r in rows})
        return [out[i] for i in doc_ids if i in out]

    def known_document_ids(self, doc_ids: list[str]) -> set[str]:
        known: set[str] = set()
        for chunk in _chunks(doc_ids, 500):
            rows = self.db.execute(f"SELECT id FROM documents WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            known.update(r[0] for r in rows)
        return known

    def pending_documents(self, limit: int = 500) -> list[Document]:
        rows = self.db.execute(
            "SELECT d.*, r.body AS raw_body FROM documents d LEFT JOIN raw_pages r ON r.doc_id = d.id "
            "WHERE d.needs_processing = 1 ORDER BY d.at LIMIT ?", (limit,)).fetchall()
        return [self._row_to_document(r, r["raw_body"]) for r in rows]

    def save_analyses(self, results: list[tuple[str, dict[str, Any]]], now: datetime) -> None:
        db = self.db
        keyword_delta: Counter = Counter()  # (day, keyword) -> change, applied to keyword_daily once per batch
        daily: Counter = Counter()
        with self.transaction():
            for doc_id, a in results:
                old = db.execute("SELECT rowid, keywords, title_tokens, search_tokens, "
                                 f"{', '.join(_DAILY_DIMS)} FROM documents WHERE id = ?", (doc_id,)).fetchone()
                if old is None:
                    continue
                values = analysis_values(a, now)
                keywords_text = values["keywords"] = _json(values["keywords"])
                if old["keywords"] != keywords_text:
                    keyword_delta.subtract((old["day"], k) for k in _keyword_keys(old["keywords"]))
                    keyword_delta.update((old["day"], k) for k in _keyword_keys(keywords_text))
                if old["search_tokens"] is not None:
                    db.execute("INSERT INTO documents_fts (documents_fts, rowid, title_tokens, search_tokens) "
                               "VALUES ('delete', ?, ?, ?)", (old["rowid"], old["title_tokens"], old["search_tokens"]))
                old_key = _daily_key(old)
                new_key = _text_key(old["day"], old["source"], old["kind"], values["topic_label"], values["department"],
                                    old["region"], values["sentiment_label"])
                if new_key != old_key:
                    daily[old_key] -= 1
                    daily[new_key] += 1
                db.execute(f"UPDATE documents SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                           [*values.values(), doc_id])
                db.execute("INSERT INTO documents_fts (rowid, title_tokens, search_tokens) VALUES (?, ?, ?)",
                           (old["rowid"], values["title_tokens"], values["search_tokens"]))
            changes = [(day, k, n) for (day, k), n in keyword_delta.items() if n]
            if changes:
                db.executemany("INSERT INTO keyword_daily (day, keyword, n) VALUES (?, ?, ?) "
                               "ON CONFLICT (day, keyword) DO UPDATE SET n = n + excluded.n", changes)
                db.executemany("DELETE FROM keyword_daily WHERE day = ? AND keyword = ? AND n <= 0",
                               [(day, k) for day, k, n in changes if n < 0])
            self._apply_doc_daily(daily)

    def _apply_doc_daily(self, daily: Counter) -> None:
        changes = [(*key, n) for key, n in daily.items() if n]
        if not changes:
            return
        # The key is built by SQLite's json_array here and in the migration that filled the table: same text.
        self.db.executemany(
            f"INSERT INTO doc_daily (key, {', '.join(_DAILY_DIMS)}, n) VALUES (json_array(?1, ?2, ?3, ?4, ?5, ?6, ?7), "
            f"?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (key) DO UPDATE SET n = n + excluded.n", changes)
        self.db.executemany("DELETE FROM doc_daily WHERE key = json_array(?, ?, ?, ?, ?, ?, ?) AND n <= 0",
                            [c[:-1] for c in changes if c[-1] < 0])

    def unclustered_documents(self, limit: int = 2000) -> list[Document]:
        rows = self.db.execute(
            "SELECT * FROM documents WHERE event_id IS NULL AND needs_processing = 0 AND analyzed_at IS NOT NULL "
            "ORDER BY at LIMIT ?", (limit,)).fetchall()
        return [self._row_to_document(r) for r in rows]

    def link_documents(self, links: dict[str, tuple[str | None, str | None]]) -> None:
        with self.transaction():
            self.db.executemany("UPDATE documents SET event_id = ?, duplicate_of = ? WHERE id = ?",
                                [(ev, dup, doc_id) for doc_id, (ev, dup) in links.items()])

    def _where(self, flt: DocumentFilter | None, alias: str = "") -> tuple[str, list[Any]]:
        p = f"{alias}." if alias else ""
        clauses, params = [], []
        if flt:
            for attr, col in (("source", "source"), ("topic", "topic_label"), ("department", "department"),
                              ("region", "region"), ("sentiment", "sentiment_label"), ("kind", "kind")):
                value = getattr(flt, attr)
                if value:
                    clauses.append(f"{p}{col} = ?")
                    params.append(value)
            if flt.since:
                clauses.append(f"{p}at >= ?")
                params.append(to_utc_text(flt.since))
            if flt.until:
                clauses.append(f"{p}at < ?")
                params.append(to_utc_text(flt.until))
        return (" AND ".join(clauses) or "1=1"), params

    def search(self, query: str, flt: DocumentFilter | None = None, *, limit: int = 20, offset: int = 0
               ) -> tuple[int, list[SearchHit]]:
        terms = query_terms(self.query_tokenizer, query)
        if not terms:
            return 0, []
        match = " ".join(_fts_phrase(t) for t in terms)
        where, params = self._where(flt, "d")
        base = (f"FROM documents_fts f JOIN documents d ON d.rowid = f.rowid "
                f"WHERE documents_fts MATCH ? AND {where}")
        try:
            total = self.db.execute(f"SELECT count(*) {base}", [match, *params]).fetchone()[0]
            rows = self.db.execute(
                f"SELECT d.* {base} ORDER BY bm25(documents_fts, 3.0, 1.0), d.at DESC LIMIT ? OFFSET ?",
                [match, *params, limit, offset]).fetchall()
        except sqlite3.OperationalError as exc:  # should not happen with quoted phrases; never crash a page
            raise StoreError(f"搜索语句无法执行：{exc}") from exc
        hits = []
        for r in rows:
            text = r["text"] or r["content"] or ""
            hits.append(SearchHit(
                id=r["id"], title=r["title"], snippet=make_snippet(text, terms), source=r["source"],
                published_at=from_utc_text(r["at"]), sentiment=r["sentiment_label"], topic=r["topic_label"],
                department=r["department"], region=r["region"], url=r["url"], terms=terms))
        return total, hits

    def list_documents(self, flt: DocumentFilter | None = None, *, limit: int = 50, offset: int = 0,
                       event_id: str | None = None) -> tuple[int, list[Document]]:
        where, params = self._where(flt)
        if event_id:
            where += " AND event_id = ?"
            params.append(event_id)
        total = self.db.execute(f"SELECT count(*) FROM documents WHERE {where}", params).fetchone()[0]
        rows = self.db.execute(f"SELECT * FROM documents WHERE {where} ORDER BY at DESC LIMIT ? OFFSET ?",
                               [*params, limit, offset]).fetchall()
        return total, [self._row_to_document(r) for r in rows]

    # -- events ------------------------------------------------------------------------------------------------
    def save_events(self, events: list[Event], now: datetime) -> None:
        with self.transaction():
            for e in events:
                self.db.execute(
                    "INSERT INTO events (id, title, keywords, region, topic, department, first_seen, last_seen, "
                    "doc_count, source_count, negative, neutral, positive, heat, heat_parts, state, updated_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET "
                    "title=excluded.title, keywords=excluded.keywords, region=excluded.region, topic=excluded.topic, "
                    "department=excluded.department, first_seen=excluded.first_seen, last_seen=excluded.last_seen, "
                    "doc_count=excluded.doc_count, source_count=excluded.source_count, negative=excluded.negative, "
                    "neutral=excluded.neutral, positive=excluded.positive, heat=excluded.heat, "
                    "heat_parts=excluded.heat_parts, state=excluded.state, updated_at=excluded.updated_at",
                    (e.id, e.title, _json(e.keywords), e.region, e.topic, e.department, to_utc_text(e.first_seen),
                     to_utc_text(e.last_seen), e.doc_count, e.source_count, e.negative, e.neutral, e.positive,
                     e.heat, _json(e.heat_parts), _json(e.state), to_utc_text(now)))

    @staticmethod
    def _row_to_event(r: sqlite3.Row) -> Event:
        return Event(
            id=r["id"], title=r["title"], keywords=_loads(r["keywords"], []), region=r["region"], topic=r["topic"],
            department=r["department"], first_seen=from_utc_text(r["first_seen"]),
            last_seen=from_utc_text(r["last_seen"]), doc_count=r["doc_count"], source_count=r["source_count"],
            negative=r["negative"], neutral=r["neutral"], positive=r["positive"], heat=r["heat"],
            heat_parts=_loads(r["heat_parts"], {}), state=_loads(r["state"], {}),
            updated_at=from_utc_text(r["updated_at"]))

    def get_event(self, event_id: str) -> Event | None:
        row = self.db.execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
        return self._row_to_event(row) if row else None

    def list_events(self, *, limit: int = 20, since: datetime | None = None, order: str = "heat",
                    department: str | None = None) -> list[Event]:
        order_sql = {"heat": "heat DESC", "recent": "last_seen DESC", "size": "doc_count DESC"}.get(order)
        if order_sql is None:
            raise StoreError(f"不支持的排序方式：{order}（可选 heat、recent、size）")
        clauses, params = ["doc_count > 0"], []  # an event with no documents (merged away) is not listed
        if since:
            clauses.append("last_seen >= ?")
            params.append(to_utc_text(since))
        if department:
            clauses.append("department = ?")
            params.append(department)
        rows = self.db.execute(f"SELECT * FROM events WHERE {' AND '.join(clauses)} ORDER BY {order_sql} LIMIT ?",
                               [*params, limit]).fetchall()
        return [self._row_to_event(r) for r in rows]

    def recount_events(self, event_ids: Iterable[str], now: datetime) -> dict[str, int]:
        ids = list(dict.fromkeys(event_ids))
        fixed: dict[str, int] = {}
        with self.transaction():
            for chunk in _chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                rows = self.db.execute(
                    f"SELECT e.id, e.doc_count, (SELECT count(*) FROM documents d WHERE d.event_id = e.id) AS n "
                    f"FROM events e WHERE e.id IN ({marks})", chunk).fetchall()
                wrong = [(r["n"], to_utc_text(now), r["id"]) for r in rows if r["doc_count"] != r["n"]]
                self.db.executemany("UPDATE events SET doc_count = ?, updated_at = ? WHERE id = ?", wrong)
                fixed.update({eid: n for n, _, eid in wrong})
        return fixed

    def active_events(self, since: datetime) -> list[Event]:
        rows = self.db.execute("SELECT * FROM events WHERE last_seen >= ?", (to_utc_text(since),)).fetchall()
        return [self._row_to_event(r) for r in rows]

    def log_event_change(self, event_id: str, action: str, details: dict[str, Any], at: datetime) -> None:
        with self.transaction():
            self.db.execute("INSERT INTO event_log (event_id, at, action, details) VALUES (?, ?, ?, ?)",
                            (event_id, to_utc_text(at), action, _json(details)))

    def event_log(self, event_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM event_log WHERE event_id = ? ORDER BY id", (event_id,))
        return [{"at": from_utc_text(r["at"]), "action": r["action"], "details": _loads(r["details"], {})}
                for r in rows]

    # -- aggregation -------------------------------------------------------------------------------------------
    def _daily_parts(self, flt: DocumentFilter | None, columns: str) -> tuple[str, list[Any]]:
        """Rows to aggregate for ``flt``, as a UNION ALL: whole days from doc_daily (weight ``n``), partial days at
        the ends of the window from the documents (weight 1). ``columns`` uses ``{n}`` for the weight."""
        flt = flt or DocumentFilter()
        span = _whole_days(flt)
        if span is None:  # no whole day in the window: the documents only
            where, params = self._where(flt)
            return f"SELECT {columns.format(n=1)} FROM documents WHERE {where}", params
        (first, last), edges = span
        where, params = self._where(replace(flt, since=None, until=None))
        parts = [f"SELECT {columns.format(n='n')} FROM doc_daily WHERE {where} AND day >= ? AND day <= ?"]
        all_params = [*params, first, last]
        for since, until in edges:
            where, params = self._where(replace(flt, since=since, until=until))
            parts.append(f"SELECT {columns.format(n=1)} FROM documents WHERE {where}")
            all_params += params
        return " UNION ALL ".join(parts), all_params

    def count_by_day(self, flt: DocumentFilter) -> list[dict[str, Any]]:
        rows_sql, params = self._daily_parts(
            flt, "day, {n} AS total, CASE WHEN sentiment_label = 'negative' THEN {n} ELSE 0 END AS negative, "
                 "CASE WHEN sentiment_label = 'neutral' THEN {n} ELSE 0 END AS neutral, "
                 "CASE WHEN sentiment_label = 'positive' THEN {n} ELSE 0 END AS positive")
        rows = self.db.execute(
            f"SELECT day, sum(total) AS total, sum(negative) AS negative, sum(neutral) AS neutral, "
            f"sum(positive) AS positive FROM ({rows_sql}) GROUP BY day ORDER BY day", params)
        return [dict(r) for r in rows]

    def count_by(self, field: str, flt: DocumentFilter, limit: int = 20) -> list[tuple[str, int]]:
        col = _GROUPABLE.get(field)
        if col is None:
            raise StoreError(f"不能按「{field}」分组（可选：{', '.join(_GROUPABLE)}）")
        rows_sql, params = self._daily_parts(flt, f"{col} AS c, {{n}} AS n")
        rows = self.db.execute(
            f"SELECT coalesce(c, '未知') AS k, sum(n) FROM ({rows_sql}) GROUP BY k ORDER BY 2 DESC, 1 LIMIT ?",
            [*params, limit])
        return [(r[0], r[1]) for r in rows]

    def event_daily_counts(self, event_ids: list[str], flt: DocumentFilter) -> dict[str, list[tuple[str, int]]]:
        out: dict[str, list[tuple[str, int]]] = {e: [] for e in event_ids}
        if not event_ids:
            return out
        where, params = self._where(flt)
        rows = self.db.execute(
            f"SELECT event_id, day, count(*) FROM documents WHERE {where} AND event_id IN "
            f"({','.join('?' * len(event_ids))}) GROUP BY event_id, day ORDER BY day", [*params, *event_ids])
        for r in rows:
            out[r[0]].append((r[1], r[2]))
        return out

    def top_keywords(self, flt: DocumentFilter, limit: int = 80) -> list[tuple[str, int]]:
        scan = ("SELECT j.value AS k, 1 AS n FROM documents d, json_each(d.keywords) j "
                "WHERE d.keywords IS NOT NULL AND j.value IS NOT NULL AND {}")
        time_only = not any(getattr(flt, f.name) for f in dataclasses.fields(flt) if f.name not in ("since", "until"))
        span = _whole_days(flt) if time_only else None
        if span is None:  # other filters than time, or no whole day in the window: count from the documents
            where, params = self._where(flt, "d")
            parts, all_params = [scan.format(where)], params
        else:  # whole days from the daily rollup, the partial days at either end from the documents
            (first, last), edges = span
            parts, all_params = ["SELECT keyword AS k, n FROM keyword_daily WHERE day >= ? AND day <= ?"], [first, last]
            for since, until in edges:
                where, params = self._where(DocumentFilter(since=since, until=until), "d")
                parts.append(scan.format(where))
                all_params += params
        rows = self.db.execute(f"SELECT k, sum(n) FROM ({' UNION ALL '.join(parts)}) GROUP BY k "
                               f"ORDER BY 2 DESC, 1 LIMIT ?", [*all_params, limit])
        return [(r[0], r[1]) for r in rows]

    def document_stats(self) -> dict[str, int]:
        db = self.db
        return {
            "documents": db.execute("SELECT count(*) FROM documents").fetchone()[0],
            "pending": db.execute("SELECT count(*) FROM documents WHERE needs_processing = 1").fetchone()[0],
            "analysis_failed": db.execute(
                "SELECT count(*) FROM documents WHERE json_extract(analysis, '$.analysis_error') IS NOT NULL").fetchone()[0],
            "events": db.execute("SELECT count(*) FROM events WHERE doc_count > 0").fetchone()[0],
        }

    # -- queries for the alerts stage ---------------------------------------------------------------------------
    def event_hourly_counts(self, event_ids: list[str], since: datetime) -> dict[str, list[tuple[datetime, int]]]:
        out: dict[str, list[tuple[datetime, int]]] = {e: [] for e in event_ids}
        for chunk in _chunks(list(event_ids), 500):
            # ``at`` is fixed-width UTC text: its first 13 characters are the UTC hour (Shanghai is a whole-hour offset).
            rows = self.db.execute(
                f"SELECT event_id, substr(at, 1, 13) AS hour, count(*) FROM documents WHERE at >= ? AND event_id IN "
                f"({','.join('?' * len(chunk))}) GROUP BY event_id, hour ORDER BY hour", [to_utc_text(since), *chunk])
            for r in rows:
                out[r[0]].append((from_utc_text(r[1] + ":00:00.000000Z"), r[2]))
        return out

    def unanswered_posts(self, before: datetime, *, since: datetime | None = None, limit: int = 500) -> list[Document]:
        params: list[Any] = [DocumentKind.POST.value, to_utc_text(before)]
        cond = ""
        if since:
            cond = " AND at >= ?"
            params.append(to_utc_text(since))
        rows = self.db.execute(
            f"SELECT * FROM documents WHERE kind = ? AND reply_text IS NULL AND at < ?{cond} "
            f"AND duplicate_of IS NULL ORDER BY at LIMIT ?", [*params, limit]).fetchall()
        return [self._row_to_document(r) for r in rows]

    def engagement_histogram(self, flt: DocumentFilter, fields: Sequence[str] = ("likes", "replies")
                             ) -> dict[str, list[tuple[int, int]]]:
        total = " + ".join(f"coalesce({f}, 0)" for f in engagement_fields(fields))
        where, params = self._where(flt)
        out: dict[str, list[tuple[int, int]]] = {}
        for r in self.db.execute(f"SELECT source, {total} AS v, count(*) FROM documents WHERE {where} AND "
                                 f"duplicate_of IS NULL GROUP BY source, v ORDER BY source, v", params):
            out.setdefault(r[0], []).append((int(r[1]), int(r[2])))
        return out

    def engaged_documents(self, flt: DocumentFilter, fields: Sequence[str], min_total: int, *, limit: int = 200
                          ) -> list[Document]:
        total = " + ".join(f"coalesce({f}, 0)" for f in engagement_fields(fields))
        where, params = self._where(flt)
        rows = self.db.execute(f"SELECT * FROM documents WHERE {where} AND duplicate_of IS NULL AND {total} >= ? "
                               f"ORDER BY {total} DESC, at DESC, id LIMIT ?", [*params, int(min_total), limit])
        return [self._row_to_document(r) for r in rows]

    # -- workflow half: the shared SQL in ``sqlworkflow``, this dialect's adapter ---------------------------------
    LEAGUE_LAST_RATING = ("SELECT alert_id, rating FROM responses r1 WHERE rating IS NOT NULL AND id = ("
                          "SELECT max(id) FROM responses r2 WHERE r2.alert_id = r1.alert_id AND r2.rating IS NOT NULL)")
    LEAGUE_HOURS = "(julianday(substr(fr.at, 1, 19)) - julianday(substr(a.dispatched_at, 1, 19))) * 24"

    # -- retention ---------------------------------------------------------------------------------------------
    def purge_raw(self, before: datetime, *, now: datetime | None = None) -> int:
        db = self.db
        now_text = to_utc_text(now or clock_now())
        columns = ", ".join(("author", *PURGED_TEXT_FIELDS))
        purged = 0
        while True:  # batches, each one short transaction, so the crawler and dashboard are not held up
            with self.transaction():
                rows = db.execute(f"SELECT rowid, id, {columns} FROM documents WHERE purged_at IS NULL AND at < ? "
                                  "ORDER BY at LIMIT 500", (to_utc_text(before),)).fetchall()
                for row in rows:
                    values = purged_values(row)
                    if row["search_tokens"] is not None:  # external-content FTS: remove what was indexed, index anew
                        db.execute("INSERT INTO documents_fts (documents_fts, rowid, title_tokens, search_tokens) "
                                   "VALUES ('delete', ?, ?, ?)", (row["rowid"], row["title_tokens"], row["search_tokens"]))
                    db.execute(f"UPDATE documents SET {', '.join(f'{k} = ?' for k in values)}, purged_at = ? "
                               "WHERE rowid = ?", [*values.values(), now_text, row["rowid"]])
                    if row["search_tokens"] is not None:
                        db.execute("INSERT INTO documents_fts (rowid, title_tokens, search_tokens) VALUES (?, ?, ?)",
                                   (row["rowid"], values["title_tokens"], values["search_tokens"]))
                    page = db.execute("SELECT body FROM raw_pages WHERE doc_id = ?", (row["id"],)).fetchone()
                    if page is not None:
                        db.execute("UPDATE raw_pages SET body = ? WHERE doc_id = ?", (mask_pii(page[0]), row["id"]))
            if not rows:
                return purged
            purged += len(rows)

    def _execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.db.execute(sql, params)

    def _insert_id(self, sql: str, params: Any) -> int | None:
        cur = self.db.execute(sql, params)
        return int(cur.lastrowid) if cur.rowcount == 1 else None

    def _duplicate_error(self) -> type[Exception]:
        return sqlite3.IntegrityError

    def _database_error(self) -> type[Exception]:
        return sqlite3.Error

    def _audit_guards(self) -> set[str]:
        guarded: set[str] = set()
        for r in self._execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"):
            sql = " ".join((r["sql"] or "").upper().split())
            # Only a trigger that always aborts guards: no WHEN condition, no column list (UPDATE OF …).
            if "RAISE(ABORT" not in sql.replace(" ", "") or " WHEN " in sql:
                continue
            guarded.update(re.findall(r"\bBEFORE (UPDATE|DELETE) ON\b", sql))
        return guarded


def make_snippet(text: str, terms: list[str], width: int = 80) -> str:
    """A window of the text around the first query term (plain text; highlighting is the display's job)."""
    text = re.sub(r"\s+", " ", text or "").strip()
    lowered = text.lower()
    positions = [p for p in (lowered.find(t) for t in terms) if p >= 0]
    if not positions:
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, min(positions) - width // 3)
    end = min(len(text), start + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


_DAILY_DIMS = ("day", "source", "kind", "topic_label", "department", "region", "sentiment_label")


def _daily_key(row: Any) -> tuple[Any, ...]:
    """A document's doc_daily row, as the text the documents table stores (TEXT affinity turns numbers to text)."""
    return _text_key(*(row[k] for k in _DAILY_DIMS))


def _text_key(*values: Any) -> tuple[Any, ...]:
    return tuple(v if v is None or type(v) is str else str(v) for v in values)


def _keyword_keys(text: str | None) -> list[Any]:
    """The values json_each yields for a stored keywords array (what the daily rollup counts)."""
    values = _loads(text, []) or []
    if not isinstance(values, list):
        values = [values]
    return [int(v) if isinstance(v, bool) else v if isinstance(v, (str, int, float)) else
            json.dumps(v, ensure_ascii=False, separators=(",", ":")) for v in values if v is not None]


def _whole_days(flt: DocumentFilter | None) -> tuple[tuple[str, str], list[tuple[datetime, datetime]]] | None:
    """(first, last) whole local days inside [since, until) (open ends become far dates) and the partial-day ranges
    left at the ends; None when the window holds no whole day."""
    flt = flt or DocumentFilter()
    edges: list[tuple[datetime, datetime]] = []
    first, last = "0000-00-00", "9999-99-99"
    if flt.since is not None:
        d = flt.since.astimezone(TZ).date()
        if day_start(d) != flt.since:
            d += timedelta(days=1)
            edges.append((flt.since, day_start(d)))
        first = d.isoformat()
    if flt.until is not None:
        d = flt.until.astimezone(TZ).date()
        if day_start(d) != flt.until:
            edges.append((day_start(d), flt.until))
        last = (d - timedelta(days=1)).isoformat()
    if first > last:
        return None
    return (first, last), edges


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
