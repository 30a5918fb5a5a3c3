"""Parts of a document store with a default, each backend overriding what it supports: the back-fill of exact
search's index after an upgrade (``yuqing.storage.grams``) and 类案参考's retrieval (``yuqing.similar``). Kept apart
from ``base.py`` so each reads on its own; ``flt`` is a ``yuqing.storage.base.DocumentFilter``."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from yuqing.model import Document


class OptionalDocumentParts:
    def backfill_grams(self, batch: int = 500, progress: Callable[[int], None] | None = None, *,
                       max_seconds: float | None = None) -> int:
        """Index documents stored before exact search's index existed (search scans until done); how many."""
        return 0

    # -- similar cases (类案参考, yuqing.similar) ------------------------------------------------------------------
    def similar_documents(self, terms: Sequence[str], flt: Any = None, *, limit: int = 20,
                          exclude_ids: Sequence[str] = (), replied_only: bool = True) -> list[tuple[Document, float]]:
        """Documents sharing any of ``terms`` (jieba tokens the NLP stage stored), ranked by the full-text index's
        BM25 (title and body tokens), best first, with the score (higher = more similar; comparable within one call
        only). Duplicates and ``exclude_ids`` are left out; ``replied_only`` keeps posts with an official reply."""
        raise NotImplementedError
