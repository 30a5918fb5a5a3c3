"""The SQLite bigram index behind exact expression search (mixed into ``SQLiteStore``, which supplies ``db`` and
``transaction``): a contentless FTS5 table ``documents_grams`` (rowid = the document's rowid) holding
``yuqing.storage.grams.gram_text`` of the title and the content, and ``documents.grams`` = 1 on each indexed row.

An analysed document is indexed in the transaction that stores its analysis; a re-crawl that changes an indexed
document's text (or retention masking it) replaces its bigrams in the same transaction. Being contentless, the table
deletes a row's bigrams given the text they were made from, which is the row's stored title and content.
Migration 16 adds the table, the flag and a partial index of the analysed rows not yet indexed; ``backfill_grams``
indexes those in short batches (resumable: each batch commits; idempotent: only unflagged rows) and runs whenever a
store opens; until it is done, search scans (``grams_pending``), so results stay exact meanwhile.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from yuqing.storage.grams import gram_text

GRAMS_SQLITE = [
    "CREATE VIRTUAL TABLE documents_grams USING fts5(gtitle, gcontent, content='', "
    "tokenize='unicode61 remove_diacritics 0')",
    "ALTER TABLE documents ADD COLUMN grams INTEGER",
    "CREATE INDEX documents_grams_todo ON documents (id) WHERE grams IS NULL AND search_tokens IS NOT NULL",
]


class SQLiteGramIndex:
    """Keeping ``documents_grams`` (and the jieba token index ``documents_fts``) in step with the documents."""

    def _reindex_tokens(self, old: Any, values: Any) -> None:
        """``documents_fts`` is external-content: remove what ``old`` had indexed, index ``values``' tokens."""
        if old["search_tokens"] is not None:
            self.db.execute("INSERT INTO documents_fts (documents_fts, rowid, title_tokens, search_tokens) "
                            "VALUES ('delete', ?, ?, ?)", (old["rowid"], old["title_tokens"], old["search_tokens"]))
        if values["search_tokens"] is not None:
            self.db.execute("INSERT INTO documents_fts (rowid, title_tokens, search_tokens) VALUES (?, ?, ?)",
                            (old["rowid"], values["title_tokens"], values["search_tokens"]))

    def _grams_add(self, rowid: int, title: str | None, content: str | None) -> None:
        self.db.execute("INSERT INTO documents_grams (rowid, gtitle, gcontent) VALUES (?, ?, ?)",
                        (rowid, gram_text(title), gram_text(content)))
        self.db.execute("UPDATE documents SET grams = 1 WHERE rowid = ?", (rowid,))

    def _grams_replace(self, row: Any, title: str | None, content: str | None) -> None:
        """``row`` (rowid, grams, title, content as stored before this write) now holds ``title``/``content``."""
        if not row["grams"] or (row["title"], row["content"]) == (title, content):
            return  # not indexed yet (its analysis or the back-fill will), or the text is unchanged
        self.db.execute("INSERT INTO documents_grams (documents_grams, rowid, gtitle, gcontent) "
                        "VALUES ('delete', ?, ?, ?)", (row["rowid"], gram_text(row["title"]), gram_text(row["content"])))
        self.db.execute("INSERT INTO documents_grams (rowid, gtitle, gcontent) VALUES (?, ?, ?)",
                        (row["rowid"], gram_text(title), gram_text(content)))

    def grams_pending(self) -> bool:
        """Whether some analysed document is not in the bigram index yet (the back-fill has work left)."""
        return self.db.execute("SELECT 1 FROM documents INDEXED BY documents_grams_todo "
                               "WHERE grams IS NULL AND search_tokens IS NOT NULL LIMIT 1").fetchone() is not None

    def backfill_grams(self, batch: int = 500, progress: Callable[[int], None] | None = None, *,
                       max_seconds: float | None = None) -> int:
        """Index every analysed document not yet indexed, ``batch`` per transaction; returns how many. With
        ``max_seconds`` it stops after the batch that passes that budget (the rest waits for the next call)."""
        done, started = 0, time.monotonic()
        while self.grams_pending():  # checked without the write lock: a store that is done opens without taking it
            with self.transaction():
                rows = self.db.execute("SELECT rowid, title, content FROM documents INDEXED BY documents_grams_todo "
                                       "WHERE grams IS NULL AND search_tokens IS NOT NULL LIMIT ?", (batch,)).fetchall()
                for row in rows:
                    self._grams_add(row["rowid"], row["title"], row["content"])
            done += len(rows)
            if progress is not None and rows:
                progress(done)
            if len(rows) < batch or (max_seconds is not None and time.monotonic() - started >= max_seconds):
                return done
        return done
