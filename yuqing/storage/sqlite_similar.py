"""Similar cases on the SQLite backend (mixed into ``SQLiteStore``, which supplies ``db``, ``_where`` and
``_row_to_document``): FTS5's ``bm25()`` over the jieba tokens the NLP stage stored, any term matching."""

from __future__ import annotations

import sqlite3
from typing import Sequence

from yuqing.model import Document
from yuqing.storage.base import DocumentFilter, StoreError
from yuqing.storage.rows import similar_terms
from yuqing.storage.sqlite_search import _fts_phrase


class SQLiteSimilar:
    """DocumentStore.similar_documents on SQLite."""

    def similar_documents(self, terms: Sequence[str], flt: DocumentFilter | None = None, *, limit: int = 20,
                          exclude_ids: Sequence[str] = (), replied_only: bool = True) -> list[tuple[Document, float]]:
        words = similar_terms(terms)
        if not words or limit <= 0:
            return []
        match = " OR ".join(_fts_phrase(t) for t in words)  # quoted phrases: no user text is FTS5 syntax
        where, params = self._where(flt, "d")
        where += " AND d.duplicate_of IS NULL"
        if replied_only:
            where += " AND d.reply_text IS NOT NULL AND d.reply_text != ''"
        excluded = list(dict.fromkeys(exclude_ids))
        if excluded:
            where += f" AND d.id NOT IN ({','.join('?' * len(excluded))})"
            params.extend(excluded)
        try:
            rows = self.db.execute(
                "SELECT d.*, bm25(documents_fts, 1.0, 1.0) AS rank FROM documents_fts f "
                f"JOIN documents d ON d.rowid = f.rowid WHERE documents_fts MATCH ? AND {where} "
                "ORDER BY rank, d.at DESC, d.id LIMIT ?", [match, *params, limit]).fetchall()
        except sqlite3.OperationalError as exc:  # quoted phrases cannot fail to parse; never crash a page
            raise StoreError(f"类案检索无法执行：{exc}") from exc
        return [(self._row_to_document(r), round(-float(r["rank"]), 6)) for r in rows]
