"""The SQLite backend's events and read-side queries: events and their log, the heat board's aggregates, and the
alerts stage's queries (mixed into ``SQLiteStore``, which supplies the connection ``db`` and ``transaction()``)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Iterable, Iterator, Sequence

from yuqing.clock import TZ, day_start, from_utc_text, to_utc_text
from yuqing.model import Document, DocumentKind, Event
from yuqing.storage.base import DocumentFilter, StoreError
from yuqing.storage.rows import _json, _loads, engagement_fields, relabel_values

_GROUPABLE = {"source": "source", "topic": "topic_label", "department": "department", "region": "region",
              "sentiment": "sentiment_label", "kind": "kind"}


class SQLiteEventsAndAggregates:
    """DocumentStore's events, aggregates and alerts-stage queries on SQLite."""

    # -- officers' corrections ---------------------------------------------------------------------------------
    def relabel_documents(self, labels: dict[str, dict[str, str]], now: datetime) -> int:
        from collections import Counter

        daily: Counter = Counter()
        changed = 0
        with self.transaction():
            for doc_id, changes in labels.items():
                values = relabel_values(changes)
                old = self.db.execute(f"SELECT {', '.join(_DAILY_DIMS)} FROM documents WHERE id = ? "
                                      "AND analyzed_at IS NOT NULL", (doc_id,)).fetchone()
                if old is None:
                    continue
                self.db.execute(f"UPDATE documents SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                                [*values.values(), doc_id])
                new = self.db.execute(f"SELECT {', '.join(_DAILY_DIMS)} FROM documents WHERE id = ?",
                                      (doc_id,)).fetchone()
                if _daily_key(new) != _daily_key(old):  # the heat board's daily counts follow the correction
                    daily[_daily_key(old)] -= 1
                    daily[_daily_key(new)] += 1
                changed += 1
            self._apply_doc_daily(daily)
        return changed

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
                    department: str | None = None, scheme: str | None = None) -> list[Event]:
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
        if scheme:  # the events holding the scheme's matches, kept by triggers (migration 29)
            clauses.append("id IN (SELECT event_id FROM scheme_events WHERE scheme = ?)")
            params.append(scheme)
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
        # One scheme's whole days from its own roll-up (migration 29), everything else's from doc_daily.
        where, params = self._where(replace(flt, since=None, until=None, scheme=None))
        rollup = "doc_daily"
        if flt.scheme:
            rollup, where, params = "scheme_daily", f"{where} AND scheme = ?", [*params, flt.scheme]
        parts = [f"SELECT {columns.format(n='n')} FROM {rollup} WHERE {where} AND day >= ? AND day <= ?"]
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
        time_only = not any(getattr(flt, f.name) for f in dataclasses.fields(flt)
                            if f.name not in ("since", "until", "scheme"))
        span = _whole_days(flt) if time_only else None
        if span is None:  # other filters than time, or no whole day in the window: count from the documents
            where, params = self._where(flt, "d")
            parts, all_params = [scan.format(where)], params
        else:  # whole days from the daily rollup (one scheme's own, migration 29), partial days from the documents
            (first, last), edges = span
            if flt.scheme:
                parts = ["SELECT keyword AS k, n FROM scheme_keyword_daily WHERE scheme = ? AND day >= ? AND day <= ?"]
                all_params = [flt.scheme, first, last]
            else:
                parts, all_params = ["SELECT keyword AS k, n FROM keyword_daily WHERE day >= ? AND day <= ?"], [first, last]
            for since, until in edges:
                where, params = self._where(DocumentFilter(since=since, until=until, scheme=flt.scheme), "d")
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
