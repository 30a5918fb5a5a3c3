"""Search by a parsed expression on the SQLite backend (mixed into ``SQLiteStore``, which supplies ``db``,
``query_tokenizer`` and ``_where``): the FTS5 index proposes candidates, ``Query.matches`` verifies them.

Translation of ``Query.candidates()`` to FTS5: a term becomes, for each of its forms (as typed, folded), the AND of
its segmented tokens (a long Chinese word as any of its 2-character pieces), each a quoted string (so nothing typed is FTS syntax), OR'd over the forms; a 标题:/正文:
scope becomes a column filter; AND/OR stay; NOT is left to verification (an FTS NOT on tokens could drop a real
match). Tokens the index has never seen (stopwords the NLP stage drops, such as 被 or 的) are left out of the
lookup, since no document could supply them; a term left with no token, or a query on 来源: alone, is answered by
scanning the analysed documents in the filter.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any, Mapping

from yuqing.storage.base import DocumentFilter, SearchHit, StoreError
from yuqing.storage.query_rows import HIT_COLUMNS, collect_hits
from yuqing.storage.rows import query_terms

if TYPE_CHECKING:
    from yuqing.query import Candidate, Query

_COLUMNS = {"title": "title_tokens", "content": "search_tokens"}


def lookup_tokens(tokenizer, form: str) -> list[tuple[str, ...]]:
    """The index tokens to look a spelling up by, as groups of alternatives (a document needs one of each group): the
    segmented query, a Chinese token of 3+ characters as any of its 2-character pieces (the index holds the pieces of
    every long token, so 公积金 is found inside 住房公积金, and 社保卡 where a document was cut 社保|卡)."""
    out: list[tuple[str, ...]] = []
    for token in query_terms(tokenizer, form):
        if len(token) >= 3 and all("\u4e00" <= ch <= "\u9fff" for ch in token):
            out.append(tuple(dict.fromkeys(token[i:i + 2] for i in range(len(token) - 1))))
        elif not _single_han(token):
            out.append((token,))
    return list(dict.fromkeys(out))


def _single_han(token: str) -> bool:
    # A lone character (市 in A市) is segmented with its neighbours in one document and alone in the next: as a lookup
    # token it loses real matches, and it narrows little. Left out; verification still requires it.
    return len(token) == 1 and "\u4e00" <= token <= "\u9fff"


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


class SQLiteQuerySearch:
    """DocumentStore.search_query on SQLite."""

    def search_query(self, query: "Query", flt: DocumentFilter | None = None, *, limit: int = 20, offset: int = 0,
                     source_titles: Mapping[str, str] | None = None) -> tuple[int, list[SearchHit]]:
        match = self.fts_candidates(query)
        where, params = self._where(flt, "d")
        cols = ", ".join(f"d.{c}" for c in HIT_COLUMNS)
        if match is not None:
            sql = (f"SELECT {cols} FROM documents_fts f JOIN documents d ON d.rowid = f.rowid "
                   f"WHERE documents_fts MATCH ? AND {where} ORDER BY bm25(documents_fts, 3.0, 1.0), d.at DESC")
            args: list[Any] = [match, *params]
        else:
            sql = f"SELECT {cols} FROM documents d WHERE d.search_tokens IS NOT NULL AND {where} ORDER BY d.at DESC"
            args = params
        try:
            rows = self.db.execute(sql, args)
            return collect_hits(query, rows, limit=limit, offset=offset, source_titles=source_titles)
        except sqlite3.OperationalError as exc:  # quoted tokens cannot be syntax; never crash a page all the same
            raise StoreError(f"搜索语句无法执行：{exc}") from exc

    def fts_candidates(self, query: "Query") -> str | None:
        """The FTS5 MATCH text proposing candidates for ``query``, or None when only a scan can answer."""
        candidate = query.candidates()
        if candidate is None:
            return None
        known = self._known_tokens(candidate)
        return self._fts(candidate, known)

    def _fts(self, node: "Candidate", known: set[str]) -> str | None:
        if node.kind == "term":
            forms = []
            for form in node.forms:
                groups = [[t for t in group if t in known] for group in lookup_tokens(self.query_tokenizer, form)]
                groups = [g for g in groups if g]
                if not groups:
                    return None  # this spelling could be in a document without any indexed token: scan
                forms.append(" AND ".join("(" + " OR ".join(map(_quoted, g)) + ")" for g in groups))
            expr = " OR ".join(f"({f})" for f in dict.fromkeys(forms))
            return f"{_COLUMNS[node.field]} : ({expr})" if node.field else f"({expr})"
        parts = [self._fts(child, known) for child in node.children]
        if node.kind == "and":
            kept = [p for p in parts if p is not None]
            return " AND ".join(kept) if kept else None
        if any(p is None for p in parts):
            return None
        return "(" + " OR ".join(parts) + ")"  # type: ignore[arg-type]

    def _known_tokens(self, node: "Candidate") -> set[str]:
        tokens: set[str] = set()
        stack = [node]
        while stack:
            n = stack.pop()
            if n.kind == "term":
                for form in n.forms:
                    tokens.update(t for group in lookup_tokens(self.query_tokenizer, form) for t in group)
            stack.extend(n.children)
        if not tokens:
            return set()
        self.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.yq_fts_vocab USING fts5vocab(main, documents_fts, row)")
        marks = ",".join("?" * len(tokens))
        rows = self.db.execute(f"SELECT term FROM temp.yq_fts_vocab WHERE term IN ({marks})", sorted(tokens))
        return {r[0] for r in rows}
