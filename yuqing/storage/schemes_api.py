"""The documents half's part for 监测方案 (schemes): the schemes themselves, the documents each matches, and the
back-fill's progress. Schemes live beside the documents so that matches join them cheaply (SQLite: a table joined by
id; Elasticsearch: a keyword field on each document) and a scheme and its matches are removed together.
``DocumentFilter.scheme`` restricts every query that takes a filter to one scheme's matches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from yuqing.model import Document, Scheme

if TYPE_CHECKING:
    from yuqing.storage.base import DocumentFilter

#: ``save_analyses(…, scheme_matches=…)`` calls it inside the write that stores the analyses, after reading the schemes
#: there, and gets doc_id → the names of the schemes the document matches; each document of that batch then has exactly
#: those matches (one left out has none), so a document is never analysed but unmatched.
SchemeMatchSource = Callable[[], "dict[str, list[str]]"]


class SchemeStorage:
    """Scheme storage every document backend implements (the contract suite runs it on each)."""

    def save_scheme(self, scheme: Scheme) -> None:
        """Insert or replace the scheme named ``scheme.name``. When the stored scheme has another ``version``, its
        matches are removed in the same write (the back-fill of the new version redoes them)."""
        raise NotImplementedError

    def get_scheme(self, name: str) -> Scheme | None:
        raise NotImplementedError

    def list_schemes(self) -> list[Scheme]:
        """Every scheme, by name."""
        raise NotImplementedError

    def delete_scheme(self, name: str) -> bool:
        """Remove the scheme and all its matches together; False when there was none."""
        raise NotImplementedError

    def schemes_revision(self) -> str:
        """A token that changes whenever any scheme is saved or deleted (matchers cache parsed schemes by it)."""
        raise NotImplementedError

    def record_backfill(self, name: str, version: int, doc_ids: list[str], cursor: str, *, done: bool = False
                        ) -> bool:
        """One back-fill step of ``version`` of the scheme: add matches for ``doc_ids`` (idempotent), set the resume
        point ``backfill_cursor`` (the last document id examined) and, when ``done``, ``backfilled_version``. All in
        one write; False (and nothing written) when the stored scheme is gone or has another version."""
        raise NotImplementedError

    def document_ids(self, flt: DocumentFilter | None = None, *, after: str | None = None, limit: int = 1000
                     ) -> list[str]:
        """Ids of documents matching ``flt``, in ascending id order, after ``after`` (a resumable full walk)."""
        raise NotImplementedError

    def matching_documents(self, flt: DocumentFilter | None = None, *, after: str | None = None, limit: int = 1000
                           ) -> list[Document]:
        """Like ``document_ids``, but the documents with just what matching reads (id, url, source, kind, title,
        content, region, published and fetched times): the back-fill's walk, without loading whole rows."""
        return self.get_documents(self.document_ids(flt, after=after, limit=limit))

    def scheme_match_counts(self) -> dict[str, int]:
        """scheme name → number of documents it matches (schemes with none are left out)."""
        raise NotImplementedError
