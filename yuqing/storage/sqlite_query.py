"""Search by a parsed expression on the SQLite backend (mixed into ``SQLiteStore``, which supplies ``db`` and
``_where``): the bigram index (``documents_grams``, ``yuqing.storage.sqlite_grams``) proposes candidates,
``Query.matches`` verifies them, so the search returns exactly what ``Query.matches`` accepts.

Translation of ``Query.candidates()`` to FTS5: a term becomes, for each of its folded forms, the AND of the phrases
of its runs of plain bigrams (``yuqing.storage.grams.lookup_phrases``), OR'd over the forms; a 标题:/正文: scope
becomes a column filter; AND/OR stay; NOT is left to verification. A term with no plain bigram (a single character),
a query on 来源: alone, or a store whose back-fill of the bigram index is not finished is answered by scanning the
analysed documents in the filter.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any, Mapping

from yuqing.query_ast import fold
from yuqing.storage.base import DocumentFilter, SearchHit, StoreError
from yuqing.storage.grams import lookup_phrases
from yuqing.storage.query_rows import HIT_COLUMNS, collect_hits

if TYPE_CHECKING:
    from yuqing.query import Candidate, Query

_COLUMNS = {"title": "gtitle", "content": "gcontent"}


def _quoted(phrase: str) -> str:
    return '"' + phrase.replace('"', '""') + '"'


def gram_match(node: "Candidate") -> str | None:
    """The FTS5 MATCH text on ``documents_grams`` proposing a superset of ``node``'s matches, or None (scan)."""
    if node.kind == "term":
        forms = []
        for form in dict.fromkeys(fold(f) for f in node.forms):
            phrases = lookup_phrases(form)
            if not phrases:
                return None  # a word without a bigram (市): any document could hold it
            forms.append(" AND ".join(map(_quoted, phrases)))
        expr = " OR ".join(f"({f})" for f in forms)
        return f"{_COLUMNS[node.field]} : ({expr})" if node.field else f"({expr})"
    parts = [gram_match(child) for child in node.children]
    if node.kind == "and":
        kept = [p for p in parts if p is not None]
        return " AND ".join(kept) if kept else None
    if any(p is None for p in parts):
        return None
    return "(" + " OR ".join(parts) + ")"  # type: ignore[arg-type]


class SQLiteQuerySearch:
    """DocumentStore.search_query on SQLite."""

    def search_query(self, query: "Query", flt: DocumentFilter | None = None, *, limit: int = 20, offset: int = 0,
                     source_titles: Mapping[str, str] | None = None) -> tuple[int, list[SearchHit]]:
        match = self.gram_candidates(query)
        where, params = self._where(flt, "d")
        cols = ", ".join(f"d.{c}" for c in HIT_COLUMNS)
        if match is not None:
            sql = (f"SELECT {cols} FROM documents_grams g JOIN documents d ON d.rowid = g.rowid "
                   f"WHERE documents_grams MATCH ? AND d.search_tokens IS NOT NULL AND {where} "
                   f"ORDER BY bm25(documents_grams, 3.0, 1.0), d.at DESC")
            args: list[Any] = [match, *params]
        else:
            sql = f"SELECT {cols} FROM documents d WHERE d.search_tokens IS NOT NULL AND {where} ORDER BY d.at DESC"
            args = params
        try:
            rows = self.db.execute(sql, args)
            return collect_hits(query, rows, limit=limit, offset=offset, source_titles=source_titles)
        except sqlite3.OperationalError as exc:  # quoted phrases cannot be syntax; never crash a page all the same
            raise StoreError(f"搜索语句无法执行：{exc}") from exc

    def gram_candidates(self, query: "Query") -> str | None:
        """The MATCH text proposing candidates for ``query``, or None when only a scan can answer (including while
        analysed documents wait for the bigram back-fill)."""
        candidate = query.candidates()
        if candidate is None or self.grams_pending():
            return None
        return gram_match(candidate)
