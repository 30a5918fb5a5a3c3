"""Matching documents to 监测方案: every new document as it is analysed, and the history by back-fill.

**Live.** ``yuqing.jobs.process`` hands ``SchemeMatcher.source_for(docs)`` to ``save_analyses``, which calls it inside
the write that stores the analyses: the matcher re-reads the schemes only when the store's scheme revision changed
(parsed once, cached until then), checks each document against every scheme (sources, regions, period, then the
expression) and the store records exactly those matches with the analysis. A SIGKILL leaves both or neither.

**Back-fill.** A scheme's history is matched by walking the store's documents in id order (narrowed by the scheme's
period and, for one source, its source) and verifying each with ``Query.matches``; every batch's matches and the
resume point are recorded together (``record_backfill``), and only while the scheme still has the version the walk
started with. So a back-fill killed at any point resumes where it stopped, a rerun gives the same matches, and a
scheme edited meanwhile stops the old walk (the new version starts from the beginning). The command line runs it
synchronously with progress (``yuqing schemes add|edit|backfill``); every ``process`` run (the scheduler's process
job, ``yuqing tick``) also advances pending back-fills within a small budget, so a scheme created in the dashboard is
filled in without the page waiting.
"""

from __future__ import annotations

import time
import weakref
from types import SimpleNamespace
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from yuqing.model import Document, Scheme
from yuqing.storage.base import DocumentFilter

if TYPE_CHECKING:
    from yuqing.query import Query
    from yuqing.storage.base import DocumentStore

BACKFILL_BATCH = 500
#: How long one ``process`` run may spend advancing pending back-fills (the rest waits for the next run).
TICK_BACKFILL_SECONDS = 5.0


class SchemeMatcher:
    """The active schemes of one store, parsed once and re-read only when the store's scheme revision changes."""

    def __init__(self, store: "DocumentStore", source_titles: Mapping[str, str] | None = None):
        self.store = store
        self.source_titles = dict(source_titles or {})
        self._revision: str | None = None
        self._schemes: list[tuple[Scheme, "Query"]] = []

    def refresh(self) -> list[tuple[Scheme, "Query"]]:
        revision = self.store.schemes_revision()
        if revision != self._revision:
            parsed = []
            schemes = self.store.list_schemes()
            if schemes:
                from yuqing.query import QueryError, parse
            for scheme in schemes:
                try:
                    parsed.append((scheme, parse(scheme.expression)))
                except QueryError:  # saved before a stricter parser: it matches nothing until it is edited
                    continue
            self._schemes, self._revision = parsed, revision
        return self._schemes

    def match(self, docs: list[Document]) -> dict[str, list[str]]:
        """doc_id → names of the schemes it matches (documents matching none are left out)."""
        schemes = self.refresh()
        out: dict[str, list[str]] = {}
        if not schemes:
            return out
        from yuqing.query import FoldedDocument

        for doc in docs:
            folded = FoldedDocument(doc, self.source_titles)  # folded once (lazily) for all the schemes
            names = [s.name for s, q in schemes if s.admits(doc) and q.matches(folded)]
            if names:
                out[doc.id] = names
        return out

    def source_for(self, docs: list[Document]) -> Callable[[], dict[str, list[str]]]:
        """What ``save_analyses(scheme_matches=…)`` calls inside its write."""
        return lambda: self.match(docs)


_MATCHERS: "weakref.WeakKeyDictionary[Any, SchemeMatcher]" = weakref.WeakKeyDictionary()


def matcher_for(store: "DocumentStore", source_titles: Mapping[str, str] | None = None) -> SchemeMatcher:
    """The store's cached matcher (one per store object, so the parsed schemes outlive one ``process`` run)."""
    matcher = _MATCHERS.get(store)
    if matcher is None:
        matcher = _MATCHERS[store] = SchemeMatcher(store, source_titles)
    elif source_titles is not None:
        matcher.source_titles = dict(source_titles)
    return matcher


@dataclass
class BackfillReport:
    scheme: str
    version: int
    examined: int = 0
    matched: int = 0
    done: bool = False
    superseded: bool = False  # the scheme was edited or deleted meanwhile; the new version back-fills itself


def candidate_filter(scheme: Scheme) -> DocumentFilter:
    """The store filter that narrows a scheme's back-fill (every match passes it; ``Scheme.admits`` decides)."""
    return DocumentFilter(source=scheme.sources[0] if len(scheme.sources) == 1 else None,
                          region=scheme.regions[0] if len(scheme.regions) == 1 else None,
                          since=scheme.start, until=scheme.end)


def backfill(store: "DocumentStore", name: str, *, source_titles: Mapping[str, str] | None = None,
             batch: int = BACKFILL_BATCH, progress: Callable[[BackfillReport], None] | None = None,
             deadline: float | None = None, search: bool = True) -> BackfillReport:
    """Match the scheme's current version against every stored document, from where its last run stopped.

    The matches come from the store's expression search (``search_query``), which returns exactly the analysed
    documents ``Query.matches`` accepts (its bigram index proposes every document holding a word), kept when
    ``Scheme.admits`` them; the walk over the filter's ids in id order (``document_ids``) records them batch by batch
    with the resume point. A document not analysed yet is matched by the live matcher in the write that stores its
    analysis. ``search=False`` walks and verifies every document instead (``matching_documents`` + ``Query.matches``:
    the reference, and what ``yuqing bench schemes`` compares with). Stops early (not done) at ``deadline`` (a
    ``time.monotonic()`` value); the next call resumes."""
    from yuqing.query import parse

    scheme = store.get_scheme(name)
    if scheme is None:
        return BackfillReport(name, 0, superseded=True)
    report = BackfillReport(name, scheme.version, done=scheme.backfill_done)
    if scheme.backfill_done:
        return report
    query = parse(scheme.expression)
    flt = candidate_filter(scheme)
    cursor = scheme.backfill_cursor or None
    found = searched_matches(store, scheme, query, flt, source_titles) if search else None
    while True:
        if found is not None:
            ids = store.document_ids(flt, after=cursor, limit=batch)
            matched = [i for i in ids if i in found]
        else:
            docs = store.matching_documents(flt, after=cursor, limit=batch)
            ids = [d.id for d in docs]
            matched = [d.id for d in docs if scheme.admits(d) and query.matches(d, source_titles=source_titles)]
        done = len(ids) < batch
        cursor = ids[-1] if ids else (cursor or "")
        if not store.record_backfill(name, scheme.version, matched, cursor, done=done):
            report.superseded = True
            return report
        report.examined += len(ids)
        report.matched += len(matched)
        report.done = done
        if progress:
            progress(report)
        if done or (deadline is not None and time.monotonic() >= deadline):
            return report


def searched_matches(store: "DocumentStore", scheme: Scheme, query: "Query", flt: DocumentFilter,
                     source_titles: Mapping[str, str] | None) -> set[str]:
    """Ids of the analysed documents in ``flt`` that the scheme admits and its expression matches."""
    hits = store.search_query(query, flt, limit=1 << 31, source_titles=source_titles)[1]
    return {h.id for h in hits if scheme.admits(SimpleNamespace(  # type: ignore[arg-type]  # what admits reads
        source=h.source, region=h.region, published_at=h.published_at, fetched_at=None))}


def backfill_pending(store: "DocumentStore", *, source_titles: Mapping[str, str] | None = None,
                     seconds: float = TICK_BACKFILL_SECONDS) -> list[dict[str, Any]]:
    """Advance every scheme whose back-fill is not done, for at most about ``seconds`` in all (the scheduler's way)."""
    deadline = time.monotonic() + seconds
    out = []
    for scheme in store.list_schemes():
        if scheme.backfill_done:
            continue
        if time.monotonic() >= deadline:
            break
        r = backfill(store, scheme.name, source_titles=source_titles, deadline=deadline)
        out.append({"scheme": r.scheme, "version": r.version, "examined": r.examined, "matched": r.matched,
                    "done": r.done})
    return out
