"""SQLite backend (WAL): the embedded default, documents and workflow in one file.

One connection per thread (Streamlit and the scheduler are threaded); writes take the lock up front
(``BEGIN IMMEDIATE``) so two writers never deadlock on a lock upgrade; every public write is one transaction.
Search and listing are in ``sqlite_search``; events, aggregates and the alerts stage's queries in ``sqlite_events``;
the workflow half is ``sqlworkflow``.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from yuqing.clock import from_utc_text, to_utc_text
from yuqing.clock import now as clock_now
from yuqing.model import Document, DocumentKind, Reply
from yuqing.paths import PRIVATE_DIR_MODE, create_private_file, make_private
from yuqing.privacy import mask_pii
from yuqing.storage.base import DocumentStore, SchemeMatchSource, StoreError, UpsertResult
from yuqing.storage.grams import OPEN_BACKFILL_SECONDS
from yuqing.storage.rows import (
    COUNT_FIELDS, PURGED_TEXT_FIELDS, _json, _loads, analysis_values, changed_document_values, new_document_values,
    purged_values, social_from_row,
)
from yuqing.storage.migrations import MIGRATIONS
from yuqing.storage.sqlite_events import _DAILY_DIMS, SQLiteEventsAndAggregates, _chunks, _daily_key, _keyword_keys, _text_key
from yuqing.storage.sqlite_schemes import SQLiteSchemes
from yuqing.storage.sqlite_search import SQLiteSearch
from yuqing.storage.sqlite_query import SQLiteQuerySearch
from yuqing.storage.sqlite_similar import SQLiteSimilar
from yuqing.storage.sqlite_grams import SQLiteGramIndex
from yuqing.storage.sqlworkflow import SQLWorkflowStore

if TYPE_CHECKING:
    from yuqing.config import Config

Tokenizer = Callable[[str], list[str]]


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


class SQLiteStore(SQLiteSimilar, SQLiteQuerySearch, SQLiteGramIndex, SQLiteSearch, SQLiteEventsAndAggregates,
                  SQLiteSchemes, DocumentStore, SQLWorkflowStore):
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
        self.backfill_grams(max_seconds=OPEN_BACKFILL_SECONDS)  # migration 16's index; `process` goes on with it

    @classmethod
    def from_config(cls, config: Config, *, query_tokenizer: Tokenizer | None = None) -> "SQLiteStore":
        """One file (``[storage] sqlite_path``) holds both halves."""
        return cls(config.storage.sqlite_path, query_tokenizer=query_tokenizer)

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
            f"SELECT rowid, grams, title, content, fingerprint, reply_text, reply_first_seen, purged_at, kind, "
            f"{', '.join(COUNT_FIELDS)}, "
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
                self._grams_replace(row, values.get("title", row["title"]), values.get("content", row["content"]))
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
            event_id=row["event_id"], truncated=_loads(row["truncated"], {}) or {}, **social_from_row(row),
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

    def save_analyses(self, results: list[tuple[str, dict[str, Any]]], now: datetime, *,
                      scheme_matches: SchemeMatchSource | None = None) -> None:
        db = self.db
        keyword_delta: Counter = Counter()  # (day, keyword) -> change, applied to keyword_daily once per batch
        daily: Counter = Counter()
        with self.transaction():
            for doc_id, a in results:
                old = db.execute("SELECT rowid, keywords, title_tokens, search_tokens, grams, title, content, "
                                 f"{', '.join(_DAILY_DIMS)} FROM documents WHERE id = ?", (doc_id,)).fetchone()
                if old is None:
                    continue
                values = analysis_values(a, now)
                keywords_text = values["keywords"] = _json(values["keywords"])
                if old["keywords"] != keywords_text:
                    keyword_delta.subtract((old["day"], k) for k in _keyword_keys(old["keywords"]))
                    keyword_delta.update((old["day"], k) for k in _keyword_keys(keywords_text))
                old_key = _daily_key(old)
                new_key = _text_key(old["day"], old["source"], old["kind"], values["topic_label"], values["department"],
                                    old["region"], values["sentiment_label"])
                if new_key != old_key:
                    daily[old_key] -= 1
                    daily[new_key] += 1
                db.execute(f"UPDATE documents SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                           [*values.values(), doc_id])
                self._reindex_tokens(old, values)
                if not old["grams"]:  # an indexed row's bigrams follow its text (upsert, retention)
                    self._grams_add(old["rowid"], old["title"], old["content"])
            changes = [(day, k, n) for (day, k), n in keyword_delta.items() if n]
            if changes:
                db.executemany("INSERT INTO keyword_daily (day, keyword, n) VALUES (?, ?, ?) "
                               "ON CONFLICT (day, keyword) DO UPDATE SET n = n + excluded.n", changes)
                db.executemany("DELETE FROM keyword_daily WHERE day = ? AND keyword = ? AND n <= 0",
                               [(day, k) for day, k, n in changes if n < 0])
            self._apply_doc_daily(daily)
            if scheme_matches is not None:  # read the schemes inside this write: none can change meanwhile
                self._replace_document_matches(scheme_matches(), [doc_id for doc_id, _ in results])

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

    # -- workflow half: the shared SQL in ``sqlworkflow``, this dialect's adapter ---------------------------------
    LEAGUE_LAST_RATING = ("SELECT alert_id, rating FROM responses r1 WHERE rating IS NOT NULL AND id = ("
                          "SELECT max(id) FROM responses r2 WHERE r2.alert_id = r1.alert_id AND r2.rating IS NOT NULL)")
    LEAGUE_HOURS = "(julianday(substr(fr.at, 1, 19)) - julianday(substr(a.dispatched_at, 1, 19))) * 24"

    # -- retention ---------------------------------------------------------------------------------------------
    def purge_raw(self, before: datetime, *, now: datetime | None = None) -> int:
        db = self.db
        now_text = to_utc_text(now or clock_now())
        columns = ", ".join(("author", "author_id", *PURGED_TEXT_FIELDS))
        purged = 0
        while True:  # batches, each one short transaction, so the crawler and dashboard are not held up
            with self.transaction():
                rows = db.execute(f"SELECT rowid, id, grams, {columns} FROM documents WHERE purged_at IS NULL AND at < ? "
                                  "ORDER BY at LIMIT 500", (to_utc_text(before),)).fetchall()
                for row in rows:
                    values = purged_values(row)
                    db.execute(f"UPDATE documents SET {', '.join(f'{k} = ?' for k in values)}, purged_at = ? "
                               "WHERE rowid = ?", [*values.values(), now_text, row["rowid"]])
                    self._reindex_tokens(row, values)  # external-content FTS: remove what was indexed, index anew
                    self._grams_replace(row, values["title"], values["content"])
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
