"""Search by a parsed expression on the Elasticsearch backend (mixed into ``ElasticsearchDocumentStore``, which
supplies ``alias``, ``query_tokenizer``, ``_filter``, ``_scan`` and ``_row``): the query DSL proposes candidates,
``Query.matches`` verifies them.

Translation of ``Query.candidates()``: a term becomes, for each of its forms (as typed, folded), a ``bool`` whose
``should`` holds one ``match_phrase`` per segmented token (long Chinese words as their 2-character pieces) on the
scoped field or on both ``title_tokens`` and ``search_tokens``, any one of which proposes the document (unlike
SQLite there is no cheap look-up of which tokens the index holds, so a stopword the NLP stage dropped must not
be required); AND/OR become ``bool`` must/should; NOT is left to verification. The token text goes in as a
``match_phrase`` value, never as query-string syntax. A query with no term to look up (来源: alone) is answered by
scanning the analysed documents in the filter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping

from yuqing.storage.base import DocumentFilter, SearchHit
from yuqing.storage.query_rows import collect_hits
from yuqing.storage.sqlite_query import lookup_tokens

if TYPE_CHECKING:
    from yuqing.query import Candidate, Query

_FIELDS = {"title": ("title_tokens",), "content": ("search_tokens",), None: ("title_tokens", "search_tokens")}


class ESQuerySearch:
    """DocumentStore.search_query on Elasticsearch."""

    def search_query(self, query: "Query", flt: DocumentFilter | None = None, *, limit: int = 20, offset: int = 0,
                     source_titles: Mapping[str, str] | None = None) -> tuple[int, list[SearchHit]]:
        candidate = query.candidates()
        dsl = self.es_candidates(candidate) if candidate is not None else None
        filters = [*self._filter(flt), {"exists": {"field": "analyzed_at"}}]
        if dsl is not None:
            body = {"bool": {"must": [dsl], "filter": filters}}
            sort: list[Any] = ["_score", {"at": "desc"}, {"id": "asc"}]
        else:
            body = {"bool": {"filter": filters}}
            sort = [{"at": "desc"}, {"id": "asc"}]
        rows: Iterator[dict[str, Any]] = (self._row(h["_source"]) for h in self._scan(self.alias, body, sort))
        return collect_hits(query, rows, limit=limit, offset=offset, source_titles=source_titles)

    def es_candidates(self, node: "Candidate") -> dict[str, Any] | None:
        if node.kind == "term":
            forms = []
            for form in node.forms:
                tokens = lookup_tokens(self.query_tokenizer, form)
                if not tokens:
                    return None
                forms.append({"bool": {"should": [{"match_phrase": {f: t}} for group in tokens for t in group
                                                  for f in _FIELDS[node.field]], "minimum_should_match": 1}})
            return forms[0] if len(forms) == 1 else {"bool": {"should": forms, "minimum_should_match": 1}}
        parts = [self.es_candidates(child) for child in node.children]
        if node.kind == "and":
            kept = [p for p in parts if p is not None]
            return {"bool": {"must": kept}} if kept else None
        if any(p is None for p in parts):
            return None
        return {"bool": {"should": parts, "minimum_should_match": 1}}
