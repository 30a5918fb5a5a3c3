"""Search by a parsed expression on the Elasticsearch backend (mixed into ``ElasticsearchDocumentStore``, which
supplies ``alias``, ``_filter``, ``_scan``, ``_bulk`` and ``_row``): the bigram fields (``title_grams``,
``content_grams``: ``yuqing.storage.grams``) propose candidates, ``Query.matches`` verifies them, so the search
returns exactly what ``Query.matches`` accepts.

Translation of ``Query.candidates()``: a term becomes, for each of its folded forms and each field in scope, a
``bool`` that must hold every phrase of the word's runs of plain bigrams as a ``match_phrase`` (a document holding
the word holds each in a row, in the same field); forms and fields are OR'd; AND/OR become ``bool`` must/should;
NOT is left to verification. The text goes in as a ``match_phrase`` value, never as query-string syntax. A word
without a bigram (one character), a query on 来源: alone, or documents still waiting for their bigram fields
(``backfill_grams``, run when a store opens) are answered by scanning the analysed documents in the filter.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from yuqing.query_ast import fold
from yuqing.storage.base import DocumentFilter, SearchHit
from yuqing.storage.elasticsearch_layout import DOC_COLUMNS
from yuqing.storage.grams import gram_values, lookup_phrases
from yuqing.storage.query_rows import collect_hits

if TYPE_CHECKING:
    from yuqing.query import Candidate, Query

_FIELDS = {"title": ("title_grams",), "content": ("content_grams",), None: ("title_grams", "content_grams")}
_UNINDEXED = {"bool": {"must_not": [{"exists": {"field": "grams"}}]}}


def _any(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}


def es_candidates(node: "Candidate") -> dict[str, Any] | None:
    """The query DSL proposing a superset of ``node``'s matches, or None (scan)."""
    if node.kind == "term":
        options = []
        for form in dict.fromkeys(fold(f) for f in node.forms):
            phrases = lookup_phrases(form)
            if not phrases:
                return None  # a word without a bigram (市): any document could hold it
            options += [{"bool": {"must": [{"match_phrase": {f: p}} for p in phrases]}} for f in _FIELDS[node.field]]
        return _any(options)
    parts = [es_candidates(child) for child in node.children]
    if node.kind == "and":
        kept = [p for p in parts if p is not None]
        return {"bool": {"must": kept}} if kept else None
    if any(p is None for p in parts):
        return None
    return _any(parts)  # type: ignore[arg-type]


class ESQuerySearch:
    """DocumentStore.search_query on Elasticsearch."""

    def search_query(self, query: "Query", flt: DocumentFilter | None = None, *, limit: int = 20, offset: int = 0,
                     source_titles: Mapping[str, str] | None = None) -> tuple[int, list[SearchHit]]:
        candidate = query.candidates()
        dsl = es_candidates(candidate) if candidate is not None and not self.grams_pending() else None
        filters = [*self._filter(flt), {"exists": {"field": "analyzed_at"}}]
        if dsl is not None:
            body = {"bool": {"must": [dsl], "filter": filters}}
            sort: list[Any] = ["_score", {"at": "desc"}, {"id": "asc"}]
        else:
            body = {"bool": {"filter": filters}}
            sort = [{"at": "desc"}, {"id": "asc"}]
        hits = self._scan(self.alias, body, sort, source=list(DOC_COLUMNS))  # not the bigram fields
        rows: Iterator[dict[str, Any]] = (self._row(h["_source"]) for h in hits)
        return collect_hits(query, rows, limit=limit, offset=offset, source_titles=source_titles)

    def grams_pending(self) -> bool:
        """Whether some document lacks its bigram fields (stored before they existed, back-fill unfinished)."""
        return next(self._scan(self.alias, _UNINDEXED, [{"id": "asc"}], 1, source=False), None) is not None

    def backfill_grams(self, batch: int = 500, progress: Callable[[int], None] | None = None, *,
                       max_seconds: float | None = None) -> int:
        """Give every document stored without them its bigram fields, ``batch`` per bulk request (idempotent, and
        resumable: a document once written is not looked at again); returns how many. With ``max_seconds`` it stops
        after the bulk request that passes that budget."""
        done, pending, started = 0, [], time.monotonic()

        def flush() -> None:
            nonlocal done
            self._bulk("检索索引补建", [({"update": {"_index": h["_index"], "_id": h["_id"]}},
                                      {"doc": gram_values({"title": h["_source"].get("title") or "",
                                                           "content": h["_source"].get("content") or ""})})
                                     for h in pending])
            done += len(pending)
            pending.clear()
            if progress is not None:
                progress(done)

        # search_after pages move past what was just updated, so the scan never sees a document twice.
        for hit in self._scan(self.alias, _UNINDEXED, [{"id": "asc"}], source=["title", "content"]):
            pending.append(hit)
            if len(pending) >= batch:
                flush()
                if max_seconds is not None and time.monotonic() - started >= max_seconds:
                    return done
        if pending:
            flush()
        return done
