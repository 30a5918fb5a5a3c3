"""Search service: an expression (``yuqing.query``) → a page of masked ``SearchResultView`` with near-duplicates
folded. The command line (``yuqing search``) and the dashboard's search page render what this builds.

Folding: hits come ranked from the store (``DocumentStore.search_query``); a hit whose SimHash (computed by the NLP
stage) is within ``[events] dedup_hamming`` bits (the events stage's near-duplicate distance, default 3) of a
higher-ranked hit's is folded under the first such hit, which then shows 「另有 N 篇相似」 and their ids; so is a hit
the events stage recorded as a repost (``duplicate_of``) of a post already listed or folded. Folding
looks at the first ``FOLD_WINDOW`` matches; results beyond them (rare for a query an officer reads) are listed
unfolded after them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yuqing.query import Query, QueryError, parse
from yuqing.storage.base import DocumentFilter, DocumentStore, SearchHit
from yuqing.views_search import SearchResultView, build_search_hit_view

FOLD_WINDOW = 1000
DEFAULT_HAMMING = 3


@dataclass
class SearchSettings:
    source_titles: dict[str, str]
    hamming: int = DEFAULT_HAMMING

    @classmethod
    def from_config(cls, config: Any) -> "SearchSettings":
        events = config.raw.get("events") if isinstance(getattr(config, "raw", None), dict) else None
        hamming = events.get("dedup_hamming", DEFAULT_HAMMING) if isinstance(events, dict) else DEFAULT_HAMMING
        if not isinstance(hamming, int) or isinstance(hamming, bool):
            hamming = DEFAULT_HAMMING  # the events stage validates the value and refuses to start on a bad one
        return cls({s.name: s.title or s.name for s in config.sources}, hamming)


def _bits(simhash: str | None) -> int | None:
    if not simhash:
        return None
    try:
        value = int(simhash, 16)
    except ValueError:
        return None
    return value or None  # 0: no content words, nothing to compare


def fold_near_duplicates(hits: list[SearchHit], hamming: int) -> list[tuple[SearchHit, list[str]]]:
    """(leader, ids folded under it) in rank order. A hit joins the first higher-ranked leader whose SimHash is within
    ``hamming`` bits of its own, or the group of the post the events stage recorded it as a repost of."""
    groups: list[tuple[SearchHit, list[str]]] = []
    leaders: list[tuple[int, int]] = []  # (simhash, group index)
    group_of: dict[str, int] = {}  # every listed or folded id → its group
    for hit in hits:
        bits = _bits(hit.simhash)
        home = group_of.get(hit.duplicate_of) if hit.duplicate_of else None
        if home is None and bits is not None:
            home = next((g for h, g in leaders if (h ^ bits).bit_count() <= hamming), None)
        if home is not None:
            groups[home][1].append(hit.id)
            group_of[hit.id] = home
            continue
        if bits is not None:
            leaders.append((bits, len(groups)))
        group_of[hit.id] = len(groups)
        groups.append((hit, []))
    return groups


def search(store: DocumentStore, expression: str | Query, flt: DocumentFilter | None = None, *,
           settings: SearchSettings, limit: int = 20, offset: int = 0) -> SearchResultView:
    """One page of folded results. Raises ``QueryError`` for a bad expression (Chinese message, position)."""
    query = expression if isinstance(expression, Query) else parse(expression)
    if limit < 1 or offset < 0:
        raise QueryError(0, "每页条数须为正整数，起始位置不能为负")
    matches, window = store.search_query(query, flt, limit=FOLD_WINDOW, source_titles=settings.source_titles)
    groups = fold_near_duplicates(window, settings.hamming)
    beyond = max(0, matches - FOLD_WINDOW)
    page = groups[offset:offset + limit]
    if len(page) < limit and beyond:
        start = max(0, offset - len(groups))
        _, rest = store.search_query(query, flt, limit=limit - len(page), offset=FOLD_WINDOW + start,
                                     source_titles=settings.source_titles)
        page += [(h, []) for h in rest]
    titles = settings.source_titles
    return SearchResultView(
        query=str(query), terms=tuple(query.terms()), matches=matches, total=len(groups) + beyond, offset=offset,
        limit=limit, folded_window=FOLD_WINDOW,
        hits=tuple(build_search_hit_view(h, similar, titles.get(h.source, h.source)) for h, similar in page))


def app_search(app: Any, expression: str | Query, flt: DocumentFilter | None = None, *, limit: int = 20,
               offset: int = 0) -> SearchResultView:
    """``search`` with the application's store and configuration."""
    return search(app.store.documents, expression, flt, settings=SearchSettings.from_config(app.config),
                  limit=limit, offset=offset)


def error_caret(text: str, error: QueryError, width: int = 60) -> tuple[str, str]:
    """The line of ``text`` around the error and a caret line under the position (for a terminal or a code block)."""
    pos = min(max(error.position, 0), len(text))
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    col = pos - line_start
    start = max(0, col - width // 2)
    shown = line[start:start + width]
    # East Asian characters take two columns in a terminal and a monospaced block.
    pad = sum(2 if _wide(ch) else 1 for ch in line[start:col])
    return shown, " " * pad + "^"


def _wide(ch: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(ch) in ("W", "F")
