"""The Elasticsearch backend's events, aggregations (run in the cluster: terms/composite) and the alerts stage's
queries (mixed into ``ElasticsearchDocumentStore``)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any, Iterator, Sequence

from yuqing.clock import from_utc_text, to_utc_text
from yuqing.model import Document, DocumentKind, Event
from yuqing.storage.base import DocumentFilter, StoreError
from yuqing.storage.elasticsearch_layout import _GROUPABLE, _PAGE
from yuqing.storage.rows import _json, engagement_fields
from yuqing.storage.sqlite import SQLiteStore


class ESEventsAndAggregates:
    """DocumentStore's events, aggregates and alerts-stage queries on Elasticsearch."""

    # -- events ------------------------------------------------------------------------------------------------
    def save_events(self, events: list[Event], now: datetime) -> None:
        self._bulk("事件保存", [({"index": {"_index": self.events_index, "_id": e.id}}, {
            "id": e.id, "title": e.title, "keywords": list(e.keywords), "region": e.region, "topic": e.topic,
            "department": e.department, "first_seen": to_utc_text(e.first_seen), "last_seen": to_utc_text(e.last_seen),
            "doc_count": e.doc_count, "source_count": e.source_count, "negative": e.negative, "neutral": e.neutral,
            "positive": e.positive, "heat": e.heat, "heat_parts": _json(e.heat_parts), "state": _json(e.state),
            "updated_at": to_utc_text(now)}) for e in events])

    @staticmethod
    def _to_event(src: dict[str, Any]) -> Event:
        return SQLiteStore._row_to_event({**src, "keywords": _json(src.get("keywords") or [])})

    def get_event(self, event_id: str) -> Event | None:
        hit = self._call("读取事件", self.es.options(ignore_status=404).get, index=self.events_index, id=event_id)
        return self._to_event(hit["_source"]) if hit.get("found") else None

    def list_events(self, *, limit: int = 20, since: datetime | None = None, order: str = "heat",
                    department: str | None = None, scheme: str | None = None) -> list[Event]:
        sort = {"heat": [{"heat": "desc"}], "recent": [{"last_seen": "desc"}], "size": [{"doc_count": "desc"}]}.get(order)
        if sort is None:
            raise StoreError(f"不支持的排序方式：{order}（可选 heat、recent、size）")
        # An event with no documents (merged away) is not listed.
        clauses: list[dict[str, Any]] = [{"range": {"doc_count": {"gt": 0}}}]
        if since:
            clauses.append({"range": {"last_seen": {"gte": to_utc_text(since)}}})
        if department:
            clauses.append({"term": {"department": department}})
        if scheme:
            clauses.append({"ids": {"values": self._scheme_event_ids(scheme)}})
        return [self._to_event(h["_source"]) for h in
                self._scan(self.events_index, {"bool": {"filter": clauses}}, [*sort, {"id": "asc"}], limit)]

    def active_events(self, since: datetime) -> list[Event]:
        query = {"range": {"last_seen": {"gte": to_utc_text(since)}}}
        return [self._to_event(h["_source"]) for h in self._scan(self.events_index, query, [{"id": "asc"}])]

    def log_event_change(self, event_id: str, action: str, details: dict[str, Any], at: datetime) -> None:
        self._seq += 1
        seq = time.time_ns() // 1000 * 1000 + self._seq % 1000  # ordered within a process, roughly across nodes
        self._bulk("事件日志", [({"index": {"_index": self.log_index}},
                                {"event_id": event_id, "at": to_utc_text(at), "seq": seq, "action": action,
                                 "details": _json(details)})])

    def event_log(self, event_id: str) -> list[dict[str, Any]]:
        hits = self._scan(self.log_index, {"term": {"event_id": event_id}}, [{"seq": "asc"}])
        return [{"at": from_utc_text(h["_source"]["at"]), "action": h["_source"]["action"],
                 "details": json.loads(h["_source"].get("details") or "{}")} for h in hits]

    # -- aggregation -------------------------------------------------------------------------------------------
    def _composite(self, query: dict[str, Any], sources: list[dict[str, Any]],
                   sub: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """All buckets of a composite aggregation, following ``after_key``."""
        after = None
        while True:
            comp: dict[str, Any] = {"sources": sources, "size": _PAGE}
            if after:
                comp["after"] = after
            agg: dict[str, Any] = {"composite": comp}
            if sub:
                agg["aggs"] = sub
            body = self._search(self.alias, query=query, size=0, aggs={"c": agg}, track_total_hits=False)
            result = body["aggregations"]["c"]
            yield from result["buckets"]
            after = result.get("after_key")
            if not after or len(result["buckets"]) < _PAGE:
                return

    def count_by_day(self, flt: DocumentFilter) -> list[dict[str, Any]]:
        out = []
        for b in self._composite({"bool": {"filter": self._filter(flt)}}, [{"day": {"terms": {"field": "day"}}}],
                                 {"s": {"terms": {"field": "sentiment_label", "size": 10}}}):
            by = {s["key"]: s["doc_count"] for s in b["s"]["buckets"]}
            out.append({"day": b["key"]["day"], "total": b["doc_count"], "negative": by.get("negative", 0),
                        "neutral": by.get("neutral", 0), "positive": by.get("positive", 0)})
        return out

    def count_by(self, field: str, flt: DocumentFilter, limit: int = 20) -> list[tuple[str, int]]:
        fld = _GROUPABLE.get(field)
        if fld is None:
            raise StoreError(f"不能按「{field}」分组（可选：{', '.join(_GROUPABLE)}）")
        body = self._search(self.alias, query={"bool": {"filter": self._filter(flt)}}, size=0, track_total_hits=False,
                            aggs={"k": {"terms": {"field": fld, "size": limit, "missing": "未知",
                                                  "shard_size": max(limit * 10, 200)}}})
        return [(b["key"], b["doc_count"]) for b in body["aggregations"]["k"]["buckets"]]

    def event_daily_counts(self, event_ids: list[str], flt: DocumentFilter) -> dict[str, list[tuple[str, int]]]:
        out: dict[str, list[tuple[str, int]]] = {e: [] for e in event_ids}
        for start in range(0, len(event_ids), _PAGE):
            query = {"bool": {"filter": [*self._filter(flt), {"terms": {"event_id": event_ids[start:start + _PAGE]}}]}}
            for b in self._composite(query, [{"e": {"terms": {"field": "event_id"}}},
                                             {"d": {"terms": {"field": "day"}}}]):
                out[b["key"]["e"]].append((b["key"]["d"], b["doc_count"]))
        return out

    def top_keywords(self, flt: DocumentFilter, limit: int = 80) -> list[tuple[str, int]]:
        body = self._search(self.alias, query={"bool": {"filter": self._filter(flt)}}, size=0, track_total_hits=False,
                            aggs={"k": {"terms": {"field": "keywords", "size": limit,
                                                  "shard_size": max(limit * 10, 500)}}})
        return [(b["key"], b["doc_count"]) for b in body["aggregations"]["k"]["buckets"]]

    def document_stats(self) -> dict[str, int]:
        count = lambda index, query=None: self._call("计数", self.es.count, index=index,  # noqa: E731
                                                     query=query or {"match_all": {}})["count"]
        return {"documents": count(self.alias), "pending": count(self.alias, {"term": {"needs_processing": 1}}),
                "analysis_failed": count(self.alias, {"term": {"analysis_failed": True}}),
                "events": count(self.events_index, {"range": {"doc_count": {"gt": 0}}})}

    # -- queries for the alerts stage ---------------------------------------------------------------------------
    def event_hourly_counts(self, event_ids: list[str], since: datetime) -> dict[str, list[tuple[datetime, int]]]:
        out: dict[str, list[tuple[datetime, int]]] = {e: [] for e in event_ids}
        ids = list(event_ids)
        for start in range(0, len(ids), _PAGE):
            query = {"bool": {"filter": [{"range": {"at": {"gte": to_utc_text(since)}}},
                                         {"terms": {"event_id": ids[start:start + _PAGE]}}]}}
            for b in self._composite(query, [{"e": {"terms": {"field": "event_id"}}},
                                             {"h": {"terms": {"field": "hour"}}}]):
                out[b["key"]["e"]].append((from_utc_text(b["key"]["h"] + ":00:00.000000Z"), b["doc_count"]))
        return out

    def unanswered_posts(self, before: datetime, *, since: datetime | None = None, limit: int = 500) -> list[Document]:
        rng: dict[str, str] = {"lt": to_utc_text(before)}
        if since:
            rng["gte"] = to_utc_text(since)
        query = {"bool": {"filter": [{"term": {"kind": DocumentKind.POST.value}}, {"term": {"has_reply": False}},
                                     {"range": {"at": rng}}],
                          "must_not": [{"exists": {"field": "duplicate_of"}}]}}
        return [self._to_document(h) for h in self._scan(self.alias, query, [{"at": "asc"}, {"id": "asc"}], limit)]

    def engagement_histogram(self, flt: DocumentFilter, fields: Sequence[str] = ("likes", "replies")
                             ) -> dict[str, list[tuple[int, int]]]:
        # No scripts: a composite aggregation over (source, each count) gives every distinct combination with its
        # document count, summed here. Counts are few distinct values per source, so this stays small and exact.
        fields = engagement_fields(fields)
        query = {"bool": {"filter": self._filter(flt), "must_not": [{"exists": {"field": "duplicate_of"}}]}}
        sums: dict[str, dict[int, int]] = {}
        sources = [{"s": {"terms": {"field": "source"}}},
                   *({f: {"terms": {"field": f, "missing_bucket": True}}} for f in fields)]
        for b in self._composite(query, sources):
            value = sum(int(b["key"][f] or 0) for f in fields)
            per = sums.setdefault(b["key"]["s"], {})
            per[value] = per.get(value, 0) + b["doc_count"]
        return {src: sorted(per.items()) for src, per in sorted(sums.items())}

    def engaged_documents(self, flt: DocumentFilter, fields: Sequence[str], min_total: int, *, limit: int = 200
                          ) -> list[Document]:
        # A sum of k counts reaches min_total only if one of them reaches min_total / k: the cluster narrows to those
        # (no scripts), the exact sum and order are applied here.
        fields = engagement_fields(fields)
        floor = max(0, -(-int(min_total) // len(fields)))
        query = {"bool": {"filter": self._filter(flt), "must_not": [{"exists": {"field": "duplicate_of"}}],
                          "should": [{"range": {f: {"gte": floor}}} for f in fields], "minimum_should_match": 1}}
        total = lambda src: sum(int(src.get(f) or 0) for f in fields)  # noqa: E731
        # ``at`` descending then id ascending, as the cluster sorts; a stable sort by engagement keeps that order.
        hits = [h for h in self._scan(self.alias, query, [{"at": "desc"}, {"id": "asc"}])
                if total(h["_source"]) >= min_total]
        hits.sort(key=lambda h: total(h["_source"]), reverse=True)
        return [self._to_document(h) for h in hits[:limit]]
