"""Similar cases on the Elasticsearch backend (mixed into ``ElasticsearchDocumentStore``, which supplies ``_search``,
``_filter`` and ``_to_document``): Elasticsearch's default BM25 over the jieba tokens the NLP stage stored, any term
matching (title and body tokens weighted alike, as on SQLite)."""

from __future__ import annotations

from typing import Any, Sequence

from yuqing.model import Document
from yuqing.storage.base import DocumentFilter
from yuqing.storage.rows import similar_terms


class ESSimilar:
    """DocumentStore.similar_documents on Elasticsearch."""

    def similar_documents(self, terms: Sequence[str], flt: DocumentFilter | None = None, *, limit: int = 20,
                          exclude_ids: Sequence[str] = (), replied_only: bool = True) -> list[tuple[Document, float]]:
        words = similar_terms(terms)
        if not words or limit <= 0:
            return []
        # Each term is a plain match on a whitespace-analysed field: no user text is query syntax.
        should = [{"match": {field: {"query": t}}} for t in words for field in ("title_tokens", "search_tokens")]
        filters: list[dict[str, Any]] = self._filter(flt)
        if replied_only:
            filters.append({"term": {"has_reply": True}})
        must_not: list[dict[str, Any]] = [{"exists": {"field": "duplicate_of"}}]
        excluded = list(dict.fromkeys(exclude_ids))
        if excluded:
            must_not.append({"ids": {"values": excluded}})
        body = self._search(self.alias, query={"bool": {"should": should, "minimum_should_match": 1,
                                                        "filter": filters, "must_not": must_not}},
                            sort=["_score", {"at": "desc"}, {"id": "asc"}], size=limit, track_scores=True)
        return [(self._to_document(h), round(float(h["_score"]), 6)) for h in body["hits"]["hits"]]
