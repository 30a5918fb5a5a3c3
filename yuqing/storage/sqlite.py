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
from contextlib import contextmanager
from dataclasses import replace
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from yuqing.clock import TZ, day_start, from_utc_text, to_utc_text
from yuqing.model import (
    Alert, Assignment, AuditEntry, Department, Document, DocumentKind, Event, Reply, Response, Role, User,
)
from yuqing.storage.base import (
    COUNT_FIELDS, ConcurrentUpdateError, DocumentFilter, DocumentStore, DuplicateError, SearchHit, StoreError,
    UpsertResult, WorkflowStore, changed_document_values, new_document_values,
)
from yuqing.storage.migrations import MIGRATIONS

Tokenizer = Callable[[str], list[str]]

_GROUPABLE = {"source": "source", "topic": "topic_label", "department": "department", "region": "region",
              "sentiment": "sentiment_label", "kind": "kind"}


def default_query_tokenizer(text: str) -> list[str]:
    """Fallback query segmentation when the application gives none (jieba's search mode)."""
    import jieba  # a library, not a stage

    return [t for t in jieba.lcut_for_search(text) if t.strip()]


def search_terms(tokens: Iterable[str]) -> list[str]:
    """Index terms for FTS: each token plus, for long tokens, its two-character pieces (like search-mode jieba),
    so a query segmented slightly differently from the document still matches."""
    terms: list[str] = []
    for token in tokens:
        token = token.strip().lower()
        if not token or not any(ch.isalnum() for ch in token):
            continue
        terms.append(token)
        if len(token) >= 3 and all("\u4e00" <= ch <= "\u9fff" for ch in token):
            terms.extend(token[i:i + 2] for i in range(len(token) - 1))
    return terms


def _fts_phrase(term: str) -> str:
    # Every user term becomes a quoted phrase, so "AND", "NEAR", brackets or quotes are plain text to FTS5.
    return '"' + term.replace('"', '""') + '"'


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _loads(text: str | None, default: Any = None) -> Any:
    if text is None or text == "":
        return default
    return json.loads(text)


class SQLiteStore(DocumentStore, WorkflowStore):
    def __init__(self, path: str | Path, *, query_tokenizer: Tokenizer | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
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
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=60000")
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
            f"SELECT fingerprint, reply_text, reply_first_seen, {', '.join(COUNT_FIELDS)}, "
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
            db.execute("INSERT INTO raw_pages (doc_id, body, fetched_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (doc_id) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
                       (doc.id, doc.html, now_text))

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
            event_id=row["event_id"],
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
        now_text = to_utc_text(now)
        keyword_delta: Counter = Counter()  # (day, keyword) -> change, applied to keyword_daily once per batch
        daily: Counter = Counter()
        with self.transaction():
            for doc_id, a in results:
                old = db.execute("SELECT rowid, keywords, title_tokens, search_tokens, "
                                 f"{', '.join(_DAILY_DIMS)} FROM documents WHERE id = ?", (doc_id,)).fetchone()
                if old is None:
                    continue
                keywords_text = _json(a.get("keywords") or [])
                if old["keywords"] != keywords_text:
                    keyword_delta.subtract((old["day"], k) for k in _keyword_keys(old["keywords"]))
                    keyword_delta.update((old["day"], k) for k in _keyword_keys(keywords_text))
                if old["search_tokens"] is not None:
                    db.execute("INSERT INTO documents_fts (documents_fts, rowid, title_tokens, search_tokens) "
                               "VALUES ('delete', ?, ?, ?)", (old["rowid"], old["title_tokens"], old["search_tokens"]))
                title_tokens = " ".join(search_terms(a.get("title_tokens") or []))
                body_tokens = " ".join(search_terms(a.get("content_words") or a.get("tokens") or []))
                sentiment = a.get("sentiment") or {}
                topic = a.get("topic") or {}
                old_key = _daily_key(old)
                new_key = _text_key(old["day"], old["source"], old["kind"], topic.get("label"), a.get("department"),
                                    old["region"], sentiment.get("label"))
                if new_key != old_key:
                    daily[old_key] -= 1
                    daily[new_key] += 1
                extra = {k: v for k, v in a.items() if k not in {
                    "text", "tokens", "title_tokens", "content_words", "sentiment", "topic", "department",
                    "department_reason", "keywords", "simhash", "reply_quality"}}
                db.execute(
                    "UPDATE documents SET text = ?, title_tokens = ?, search_tokens = ?, content_words = ?, "
                    "sentiment_label = ?, sentiment_score = ?, topic_label = ?, topic_score = ?, department = ?, "
                    "department_reason = ?, keywords = ?, simhash = ?, reply_quality = ?, analysis = ?, "
                    "analyzed_at = ?, needs_processing = 0 WHERE id = ?",
                    (a.get("text"), title_tokens, body_tokens, " ".join(a.get("content_words") or []),
                     sentiment.get("label"), sentiment.get("score"), topic.get("label"), topic.get("score"),
                     a.get("department"), a.get("department_reason"), keywords_text,
                     a.get("simhash"), _json(a["reply_quality"]) if a.get("reply_quality") else None,
                     _json(extra), now_text, doc_id))
                db.execute("INSERT INTO documents_fts (rowid, title_tokens, search_tokens) VALUES (?, ?, ?)",
                           (old["rowid"], title_tokens, body_tokens))
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
        tokens = [t.strip().lower() for t in self.query_tokenizer(query or "")]
        terms = [t for t in dict.fromkeys(tokens) if t and any(ch.isalnum() for ch in t)]
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

    # -- departments and users ---------------------------------------------------------------------------------
    def sync_departments(self, departments: list[Department]) -> None:
        with self.transaction():
            names = [d.name for d in departments]
            self.db.execute(f"DELETE FROM departments WHERE name NOT IN ({','.join('?' * len(names)) or 'NULL'})", names)
            for d in departments:
                self.db.execute(
                    "INSERT INTO departments VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                    "topics = excluded.topics, regions = excluded.regions, contact = excluded.contact, "
                    "supervisor = excluded.supervisor",
                    (d.name, _json(d.topics), _json(d.regions), _json(d.contact), int(d.supervisor)))

    def list_departments(self) -> list[Department]:
        rows = self.db.execute("SELECT * FROM departments ORDER BY name")
        return [Department(name=r["name"], topics=_loads(r["topics"], []), regions=_loads(r["regions"], []),
                           contact=_loads(r["contact"], {}), supervisor=bool(r["supervisor"])) for r in rows]

    def add_user(self, user: User) -> None:
        try:
            with self.transaction():
                self.db.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)",
                                (user.name, Role(user.role).value, user.password_hash, user.department,
                                 user.display_name, int(user.active), to_utc_text(user.created_at)))
        except sqlite3.IntegrityError as exc:
            raise DuplicateError(f"用户「{user.name}」已存在") from exc

    def update_user(self, user: User) -> None:
        with self.transaction():
            cur = self.db.execute(
                "UPDATE users SET role = ?, password_hash = ?, department = ?, display_name = ?, active = ? WHERE name = ?",
                (Role(user.role).value, user.password_hash, user.department, user.display_name, int(user.active),
                 user.name))
            if cur.rowcount == 0:
                raise StoreError(f"用户「{user.name}」不存在")

    @staticmethod
    def _row_to_user(r: sqlite3.Row) -> User:
        return User(name=r["name"], role=Role(r["role"]), password_hash=r["password_hash"], department=r["department"],
                    display_name=r["display_name"], active=bool(r["active"]), created_at=from_utc_text(r["created_at"]))

    def get_user(self, name: str) -> User | None:
        row = self.db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return self._row_to_user(row) if row else None

    def list_users(self) -> list[User]:
        return [self._row_to_user(r) for r in self.db.execute("SELECT * FROM users ORDER BY name")]

    # -- alerts ------------------------------------------------------------------------------------------------
    @staticmethod
    def _alert_values(a: Alert) -> dict[str, Any]:
        due = min(a.deadlines.values()) if a.deadlines else None
        return {
            "event_id": a.event_id, "rule": a.rule, "level": a.level, "title": a.title, "reason": a.reason,
            "status": a.status.value, "department": a.department, "policy": a.policy,
            "deadlines": _json({k: to_utc_text(v) for k, v in a.deadlines.items()}), "due_at": to_utc_text(due),
            "details": _json(a.details), "created_at": to_utc_text(a.created_at),
            "updated_at": to_utc_text(a.updated_at or a.created_at), "dispatched_at": to_utc_text(a.dispatched_at),
            "warned": _json(a.warned), "escalated": int(a.escalated), "rating": a.rating,
        }

    def insert_alert(self, alert: Alert) -> None:
        values = {"id": alert.id, **self._alert_values(alert), "version": alert.version}
        try:
            with self.transaction():
                self.db.execute(f"INSERT INTO alerts ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                                list(values.values()))
        except sqlite3.IntegrityError as exc:
            raise DuplicateError(f"事件 {alert.event_id} 已有未办结的预警，或预警编号 {alert.id} 重复") from exc

    @staticmethod
    def _row_to_alert(r: sqlite3.Row) -> Alert:
        return Alert(
            id=r["id"], rule=r["rule"], level=r["level"], title=r["title"], reason=r["reason"], status=r["status"],
            event_id=r["event_id"], department=r["department"], policy=r["policy"],
            deadlines={k: from_utc_text(v) for k, v in _loads(r["deadlines"], {}).items()},
            details=_loads(r["details"], {}), created_at=from_utc_text(r["created_at"]),
            updated_at=from_utc_text(r["updated_at"]), dispatched_at=from_utc_text(r["dispatched_at"]),
            warned=_loads(r["warned"], []), escalated=bool(r["escalated"]), rating=r["rating"], version=r["version"])

    def get_alert(self, alert_id: str) -> Alert | None:
        row = self.db.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return self._row_to_alert(row) if row else None

    def list_alerts(self, *, status: str | list[str] | None = None, department: str | None = None,
                    level: int | None = None, since: datetime | None = None, until: datetime | None = None,
                    limit: int = 100, offset: int = 0) -> tuple[int, list[Alert]]:
        clauses, params = ["1=1"], []
        if status:
            statuses = [status] if isinstance(status, str) else list(status)
            clauses.append(f"status IN ({','.join('?' * len(statuses))})")
            params.extend(statuses)
        if department:
            clauses.append("department = ?")
            params.append(department)
        if level is not None:
            clauses.append("level = ?")
            params.append(level)
        if since:
            clauses.append("created_at >= ?")
            params.append(to_utc_text(since))
        if until:
            clauses.append("created_at < ?")
            params.append(to_utc_text(until))
        where = " AND ".join(clauses)
        total = self.db.execute(f"SELECT count(*) FROM alerts WHERE {where}", params).fetchone()[0]
        rows = self.db.execute(f"SELECT * FROM alerts WHERE {where} ORDER BY level, created_at DESC LIMIT ? OFFSET ?",
                               [*params, limit, offset]).fetchall()
        return total, [self._row_to_alert(r) for r in rows]

    def open_alert_for_event(self, event_id: str) -> Alert | None:
        row = self.db.execute("SELECT * FROM alerts WHERE event_id = ? AND status <> 'closed'", (event_id,)).fetchone()
        return self._row_to_alert(row) if row else None

    def update_alert(self, alert: Alert, expected_version: int) -> Alert:
        values = self._alert_values(alert)
        sets = ", ".join(f"{k} = ?" for k in values)
        with self.transaction():
            cur = self.db.execute(f"UPDATE alerts SET {sets}, version = version + 1 WHERE id = ? AND version = ?",
                                  [*values.values(), alert.id, expected_version])
            if cur.rowcount == 0:
                current = self.get_alert(alert.id)
                if current is None:
                    raise StoreError(f"预警 {alert.id} 不存在")
                raise ConcurrentUpdateError(
                    f"预警 {alert.id} 已被他人修改（当前版本 {current.version}，你读取的是版本 {expected_version}）；请刷新后重试")
        return replace(alert, version=expected_version + 1)

    def append_audit(self, entry: AuditEntry) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO audit_log (alert_id, actor, action, at, from_status, to_status, note) VALUES (?,?,?,?,?,?,?)",
                (entry.alert_id, entry.actor, entry.action, to_utc_text(entry.at), entry.from_status, entry.to_status,
                 entry.note or ""))

    def audit_for(self, alert_id: str) -> list[AuditEntry]:
        rows = self.db.execute("SELECT * FROM audit_log WHERE alert_id = ? ORDER BY id", (alert_id,))
        return [AuditEntry(id=r["id"], alert_id=r["alert_id"], actor=r["actor"], action=r["action"],
                           at=from_utc_text(r["at"]), from_status=r["from_status"], to_status=r["to_status"],
                           note=r["note"]) for r in rows]

    def add_assignment(self, assignment: Assignment) -> None:
        with self.transaction():
            self.db.execute("UPDATE assignments SET active = 0 WHERE alert_id = ?", (assignment.alert_id,))
            self.db.execute(
                "INSERT INTO assignments (alert_id, department, assigned_by, assigned_at, note, active) VALUES (?,?,?,?,?,1)",
                (assignment.alert_id, assignment.department, assignment.assigned_by,
                 to_utc_text(assignment.assigned_at), assignment.note))

    def assignments_for(self, alert_id: str) -> list[Assignment]:
        rows = self.db.execute("SELECT * FROM assignments WHERE alert_id = ? ORDER BY id", (alert_id,))
        return [Assignment(id=r["id"], alert_id=r["alert_id"], department=r["department"],
                           assigned_by=r["assigned_by"], assigned_at=from_utc_text(r["assigned_at"]), note=r["note"],
                           active=bool(r["active"])) for r in rows]

    def add_response(self, response: Response) -> int:
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO responses (alert_id, department, author, text, link, created_at, rating, rated_by, rated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (response.alert_id, response.department, response.author, response.text, response.link,
                 to_utc_text(response.created_at), response.rating, response.rated_by, to_utc_text(response.rated_at)))
            return int(cur.lastrowid)

    def update_response(self, response: Response) -> None:
        with self.transaction():
            self.db.execute("UPDATE responses SET rating = ?, rated_by = ?, rated_at = ? WHERE id = ?",
                            (response.rating, response.rated_by, to_utc_text(response.rated_at), response.id))

    def responses_for(self, alert_id: str) -> list[Response]:
        rows = self.db.execute("SELECT * FROM responses WHERE alert_id = ? ORDER BY id", (alert_id,))
        return [Response(id=r["id"], alert_id=r["alert_id"], department=r["department"], author=r["author"],
                         text=r["text"], link=r["link"], created_at=from_utc_text(r["created_at"]),
                         rating=r["rating"], rated_by=r["rated_by"], rated_at=from_utc_text(r["rated_at"]))
                for r in rows]

    def department_league(self, since: datetime | None = None) -> list[dict[str, Any]]:
        params: list[Any] = []
        cond = "a.department IS NOT NULL"
        if since:
            cond += " AND a.created_at >= ?"
            params.append(to_utc_text(since))
        rows = self.db.execute(f"""
            WITH first_response AS (
                SELECT alert_id, min(created_at) AS at FROM responses GROUP BY alert_id),
            last_rating AS (
                SELECT alert_id, rating FROM responses r1 WHERE rating IS NOT NULL AND id = (
                    SELECT max(id) FROM responses r2 WHERE r2.alert_id = r1.alert_id AND r2.rating IS NOT NULL))
            SELECT a.department AS department,
                   count(*) AS alerts,
                   sum(CASE WHEN fr.at IS NOT NULL THEN 1 ELSE 0 END) AS responded,
                   sum(CASE WHEN fr.at IS NOT NULL AND (a.due_at IS NULL OR fr.at <= a.due_at) THEN 1 ELSE 0 END) AS on_time,
                   sum(CASE WHEN a.escalated = 1 THEN 1 ELSE 0 END) AS escalated,
                   avg(CASE WHEN fr.at IS NOT NULL AND a.dispatched_at IS NOT NULL
                       THEN (julianday(substr(fr.at, 1, 19)) - julianday(substr(a.dispatched_at, 1, 19))) * 24 END)
                       AS avg_hours,
                   sum(CASE WHEN lr.rating = '满意' THEN 1 ELSE 0 END) AS satisfied,
                   sum(CASE WHEN lr.rating = '基本满意' THEN 1 ELSE 0 END) AS basically_satisfied,
                   sum(CASE WHEN lr.rating = '不满意' THEN 1 ELSE 0 END) AS dissatisfied
            FROM alerts a
            LEFT JOIN first_response fr ON fr.alert_id = a.id
            LEFT JOIN last_rating lr ON lr.alert_id = a.id
            WHERE {cond}
            GROUP BY a.department ORDER BY alerts DESC""", params)
        return [dict(r) for r in rows]

    # -- silences and notifications ----------------------------------------------------------------------------
    def add_silence(self, silence: dict[str, Any]) -> int:
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO silences (rule, source, keyword, event_id, starts_at, ends_at, created_by, reason) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (silence.get("rule"), silence.get("source"), silence.get("keyword"), silence.get("event_id"),
                 to_utc_text(silence["starts_at"]), to_utc_text(silence["ends_at"]), silence["created_by"],
                 silence.get("reason", "")))
            return int(cur.lastrowid)

    def active_silences(self, now: datetime) -> list[dict[str, Any]]:
        t = to_utc_text(now)
        rows = self.db.execute("SELECT * FROM silences WHERE starts_at <= ? AND ends_at > ? ORDER BY id", (t, t))
        return [{**dict(r), "starts_at": from_utc_text(r["starts_at"]), "ends_at": from_utc_text(r["ends_at"])}
                for r in rows]

    def add_delivery(self, delivery: dict[str, Any]) -> int:
        """Queue a notification; a repeated ``dedupe_key`` is ignored (returns the existing id)."""
        with self.transaction():
            key = delivery.get("dedupe_key")
            if key:
                row = self.db.execute("SELECT id FROM deliveries WHERE dedupe_key = ?", (key,)).fetchone()
                if row:
                    return int(row[0])
            cur = self.db.execute(
                "INSERT INTO deliveries (alert_id, channel, target, kind, payload, status, attempts, next_attempt_at, "
                "created_at, dedupe_key) VALUES (?,?,?,?,?,'pending',0,?,?,?)",
                (delivery.get("alert_id"), delivery["channel"], delivery["target"], delivery.get("kind", "alert"),
                 _json(delivery.get("payload", {})), to_utc_text(delivery["next_attempt_at"]),
                 to_utc_text(delivery["created_at"]), key))
            return int(cur.lastrowid)

    @staticmethod
    def _row_to_delivery(r: sqlite3.Row) -> dict[str, Any]:
        d = dict(r)
        d["payload"] = _loads(d["payload"], {})
        for k in ("next_attempt_at", "created_at", "delivered_at"):
            d[k] = from_utc_text(d[k])
        return d

    def due_deliveries(self, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? "
                               "ORDER BY next_attempt_at LIMIT ?", (to_utc_text(now), limit))
        return [self._row_to_delivery(r) for r in rows]

    def update_delivery(self, delivery_id: int, **changes: Any) -> None:
        allowed = {"status", "attempts", "last_error", "next_attempt_at", "delivered_at"}
        bad = set(changes) - allowed
        if bad:
            raise StoreError(f"投递记录没有字段：{', '.join(sorted(bad))}")
        values = {k: (to_utc_text(v) if isinstance(v, datetime) else v) for k, v in changes.items()}
        with self.transaction():
            self.db.execute(f"UPDATE deliveries SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                            [*values.values(), delivery_id])

    def list_deliveries(self, alert_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        if alert_id:
            rows = self.db.execute("SELECT * FROM deliveries WHERE alert_id = ? ORDER BY id DESC LIMIT ?", (alert_id, limit))
        else:
            rows = self.db.execute("SELECT * FROM deliveries ORDER BY id DESC LIMIT ?", (limit,))
        return [self._row_to_delivery(r) for r in rows]

    # -- crawl state and health --------------------------------------------------------------------------------
    def record_crawl(self, source: str, run: dict[str, Any]) -> dict[str, Any]:
        """``run``: finished_at, pages, items, errors ({kind: count}), error_urls (list), failed (bool)."""
        with self.transaction():
            row = self.db.execute("SELECT * FROM source_health WHERE source = ?", (source,)).fetchone()
            errors = _loads(row["errors"], {}) if row else {}
            for kind, count in (run.get("errors") or {}).items():
                errors[kind] = errors.get(kind, 0) + int(count)
            failed = bool(run.get("failed"))
            # "Yields nothing" for an incremental crawler means no links at all (a quiet site still lists its
            # known pages; a broken layout lists none), so ``listed`` counts when the crawler reports it.
            found = int(run.get("items", 0)) + int(run.get("listed", 0) if "listed" in run else 0)
            empty = not failed and found == 0
            finished = to_utc_text(run["finished_at"])
            values = {
                "last_run": finished,
                "last_success": finished if not failed else (row["last_success"] if row else None),
                "runs": (row["runs"] if row else 0) + 1,
                "pages_fetched": (row["pages_fetched"] if row else 0) + int(run.get("pages", 0)),
                "items_stored": (row["items_stored"] if row else 0) + int(run.get("items", 0)),
                "errors": _json(errors),
                "consecutive_failures": ((row["consecutive_failures"] if row else 0) + 1) if failed else 0,
                "consecutive_empty": ((row["consecutive_empty"] if row else 0) + 1) if empty else 0,
                "last_run_stats": _json(run),
            }
            self.db.execute(
                f"INSERT INTO source_health (source, {', '.join(values)}) VALUES (?, {', '.join('?' * len(values))}) "
                f"ON CONFLICT (source) DO UPDATE SET {', '.join(f'{k} = excluded.{k}' for k in values)}",
                [source, *values.values()])
        return next(h for h in self.source_health() if h["source"] == source)

    def source_health(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM source_health ORDER BY source")
        out = []
        for r in rows:
            d = dict(r)
            d["errors"] = _loads(d["errors"], {})
            d["last_run_stats"] = _loads(d["last_run_stats"], {})
            d["last_run"] = from_utc_text(d["last_run"])
            d["last_success"] = from_utc_text(d["last_success"])
            out.append(d)
        return out

    def get_state(self, scope: str, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM kv_state WHERE scope = ? AND key = ?", (scope, key)).fetchone()
        return row[0] if row else None

    def set_state(self, scope: str, key: str, value: str) -> None:
        with self.transaction():
            self.db.execute("INSERT INTO kv_state VALUES (?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value",
                            (scope, key, value))

    def workflow_stats(self) -> dict[str, int]:
        db = self.db
        return {
            "alerts": db.execute("SELECT count(*) FROM alerts").fetchone()[0],
            "open_alerts": db.execute("SELECT count(*) FROM alerts WHERE status <> 'closed'").fetchone()[0],
            "users": db.execute("SELECT count(*) FROM users").fetchone()[0],
            "departments": db.execute("SELECT count(*) FROM departments").fetchone()[0],
        }


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
