"""Full-text search and filtered listing on the SQLite backend (mixed into ``SQLiteStore``, which supplies ``db``,
``query_tokenizer`` and ``_row_to_document``): an FTS5 index over the jieba terms the NLP stage stored."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from yuqing.clock import from_utc_text, to_utc_text
from yuqing.model import Document
from yuqing.storage.base import DocumentFilter, SearchHit, StoreError
from yuqing.storage.rows import query_terms


def _fts_phrase(term: str) -> str:
    # Every user term becomes a quoted phrase, so "AND", "NEAR", brackets or quotes are plain text to FTS5.
    return '"' + term.replace('"', '""') + '"'


class SQLiteSearch:
    """DocumentStore's search and listing on SQLite."""

    def _where(self, flt: DocumentFilter | None, alias: str = "", *, probe: bool = False) -> tuple[str, list[Any]]:
        """``probe``: test the scheme's matches per document (``+id``: SQLite then walks an index on the other
        clauses, e.g. time) instead of starting from the matches."""
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
            if flt.scheme:  # one 监测方案's matches (yuqing.storage.sqlite_schemes)
                clauses.append(f"{'+' if probe else ''}{p}id IN (SELECT doc_id FROM scheme_matches WHERE scheme = ?)")
                params.append(flt.scheme)
        return (" AND ".join(clauses) or "1=1"), params

    def search(self, query: str, flt: DocumentFilter | None = None, *, limit: int = 20, offset: int = 0
               ) -> tuple[int, list[SearchHit]]:
        terms = query_terms(self.query_tokenizer, query)
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
        if flt is not None and flt.scheme and not event_id:
            # One scheme's newest posts: the total from its daily roll-up, the page by walking documents_at_id
            # newest first and probing the matches (stops when the page is full) — not by sorting every match.
            parts, part_params = self._daily_parts(flt, "{n} AS n")
            total = self.db.execute(f"SELECT coalesce(sum(n), 0) FROM ({parts})", part_params).fetchone()[0]
            where, params = self._where(flt, probe=True)
        else:
            total = self.db.execute(f"SELECT count(*) FROM documents WHERE {where}", params).fetchone()[0]
        rows = self.db.execute(f"SELECT * FROM documents WHERE {where} ORDER BY at DESC LIMIT ? OFFSET ?",
                               [*params, limit, offset]).fetchall()
        return total, [self._row_to_document(r) for r in rows]


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
