"""监测方案 on the Elasticsearch backend (mixed into ``ElasticsearchDocumentStore``).

The schemes are documents of ``P-schemes`` (id = name). A document's matches are its ``schemes`` keyword field, so
``DocumentFilter.scheme`` is one ``term`` filter in every query and aggregation. Elasticsearch has no multi-document
transactions: a changed scheme's old matches are removed when it is saved and again when its back-fill takes its
first step (so a process killed in between leaves nothing stale once the back-fill runs); every write is idempotent.
"""

from __future__ import annotations

import hashlib
from typing import Any

from yuqing.model import Document, Scheme
from yuqing.storage.base import DocumentFilter
from yuqing.storage.elasticsearch_layout import _PAGE
from yuqing.storage.sqlite_schemes import MATCHING_FIELDS, matching_document, scheme_from_row, scheme_row

SCHEME_MAPPING = {"dynamic": False, "properties": {"name": {"type": "keyword"}}}


class ESSchemes:
    """DocumentStore's scheme methods on Elasticsearch."""

    @property
    def schemes_index(self) -> str:
        return f"{self.prefix}-schemes"

    def _scheme_hits(self, name: str | None = None) -> list[dict[str, Any]]:
        self._ensure_index(self.schemes_index, SCHEME_MAPPING)
        query = {"term": {"name": name}} if name is not None else {"match_all": {}}
        return list(self._scan(self.schemes_index, query, [{"name": "asc"}]))

    def save_scheme(self, scheme: Scheme) -> None:
        old = self.get_scheme(scheme.name)
        self._ensure_index(self.schemes_index, SCHEME_MAPPING)
        self._bulk("方案保存", [({"index": {"_index": self.schemes_index, "_id": scheme.name}}, scheme_row(scheme))])
        if old is not None and old.version != scheme.version:
            self._drop_matches(scheme.name)

    def get_scheme(self, name: str) -> Scheme | None:
        hits = self._scheme_hits(name)
        return scheme_from_row(hits[0]["_source"]) if hits else None

    def list_schemes(self) -> list[Scheme]:
        return [scheme_from_row(h["_source"]) for h in self._scheme_hits()]

    def delete_scheme(self, name: str) -> bool:
        hits = self._scheme_hits(name)
        self._drop_matches(name)
        if hits:
            self._bulk("方案删除", [({"delete": {"_index": self.schemes_index, "_id": name}}, None)])
        return bool(hits)

    def schemes_revision(self) -> str:
        digest = hashlib.sha256()
        for hit in self._scheme_hits():
            src = hit["_source"]
            digest.update(repr(sorted((k, v) for k, v in src.items() if k != "backfill_cursor")).encode("utf-8"))
        return digest.hexdigest()[:32]

    def _set_matches(self, changes: dict[str, list[str]], where: dict[str, dict[str, Any]]) -> None:
        self._bulk("方案匹配", [({"update": {"_index": where[i]["_index"], "_id": i}}, {"doc": {"schemes": names}})
                            for i, names in changes.items() if i in where])

    def _drop_matches(self, name: str) -> None:
        """Remove ``name`` from every document's matches (a search_after walk; updated hits drop out of the query)."""
        while True:
            hits = list(self._scan(self.alias, {"term": {"schemes": name}}, [{"id": "asc"}], _PAGE,
                                   source=["schemes"]))
            if not hits:
                return
            where = {h["_id"]: h for h in hits}
            self._set_matches({h["_id"]: [s for s in h["_source"].get("schemes") or [] if s != name] for h in hits},
                              where)

    def record_backfill(self, name: str, version: int, doc_ids: list[str], cursor: str, *, done: bool = False
                        ) -> bool:
        scheme = self.get_scheme(name)
        if scheme is None or scheme.version != version:
            return False
        if scheme.backfill_cursor is None:  # the first step of this version: nothing of an older one may remain
            self._drop_matches(name)
        where = self._locate(doc_ids, ["schemes"])
        changes = {}
        for doc_id, hit in where.items():
            names = list(hit["_source"].get("schemes") or [])
            if name not in names:
                changes[doc_id] = [*names, name]
        self._set_matches(changes, where)
        row = scheme_row(scheme)
        row["backfill_cursor"] = cursor
        if done:
            row["backfilled_version"] = version
        self._bulk("方案回溯进度", [({"index": {"_index": self.schemes_index, "_id": name}}, row)])
        return True

    def document_ids(self, flt: DocumentFilter | None = None, *, after: str | None = None, limit: int = 1000
                     ) -> list[str]:
        clauses = self._filter(flt)
        if after is not None:
            clauses.append({"range": {"id": {"gt": after}}})
        return [h["_id"] for h in self._scan(self.alias, {"bool": {"filter": clauses}}, [{"id": "asc"}], limit,
                                             source=False)]

    def matching_documents(self, flt: DocumentFilter | None = None, *, after: str | None = None, limit: int = 1000
                           ) -> list[Document]:
        clauses = self._filter(flt)
        if after is not None:
            clauses.append({"range": {"id": {"gt": after}}})
        return [matching_document({f: h["_source"].get(f) for f in MATCHING_FIELDS}) for h in self._scan(
            self.alias, {"bool": {"filter": clauses}}, [{"id": "asc"}], limit, source=list(MATCHING_FIELDS))]

    def scheme_match_counts(self) -> dict[str, int]:
        body = self._search(self.alias, query={"match_all": {}}, size=0, track_total_hits=False,
                            aggs={"s": {"terms": {"field": "schemes", "size": 10000}}})
        return {b["key"]: b["doc_count"] for b in body["aggregations"]["s"]["buckets"]}

    def _scheme_event_ids(self, name: str) -> list[str]:
        """Events holding a document the scheme matched (for ``list_events(scheme=…)``)."""
        body = self._search(self.alias, query={"term": {"schemes": name}}, size=0, track_total_hits=False,
                            aggs={"e": {"terms": {"field": "event_id", "size": 65000}}})
        return [b["key"] for b in body["aggregations"]["e"]["buckets"]]
