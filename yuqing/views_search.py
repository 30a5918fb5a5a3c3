"""The read model of a search (part of :mod:`yuqing.views`, which re-exports these): one hit with the near-duplicates
folded under it, and one page of results. Built by :mod:`yuqing.search`; text is masked when the view is built."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from yuqing.clock import iso
from yuqing.storage.base import SearchHit
from yuqing.viewparts import masked


@dataclass(frozen=True)
class SearchHitView:
    id: str
    title: str  # masked
    snippet: str  # masked
    url: str
    source: str
    source_title: str
    published_at: datetime | None
    sentiment: str | None
    topic: str | None
    department: str | None
    region: str | None
    terms: tuple[str, ...]  # folded query terms, for highlighting
    similar_ids: tuple[str, ...]  # near-duplicates folded under this hit, in rank order

    @property
    def similar_label(self) -> str:
        return f"另有 {len(self.similar_ids)} 篇相似" if self.similar_ids else ""

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out.update(published_at=iso(self.published_at), terms=list(self.terms), similar_ids=list(self.similar_ids),
                   similar_count=len(self.similar_ids), similar_label=self.similar_label)
        return out


def build_search_hit_view(hit: SearchHit, similar: list[str], source_title: str) -> SearchHitView:
    return SearchHitView(
        id=hit.id, title=masked(hit.title), snippet=masked(hit.snippet), url=hit.url, source=hit.source,
        source_title=source_title or hit.source, published_at=hit.published_at, sentiment=hit.sentiment,
        topic=hit.topic, department=hit.department, region=hit.region, terms=tuple(hit.terms),
        similar_ids=tuple(similar))


@dataclass(frozen=True)
class SearchResultView:
    query: str  # the canonical form of the expression
    terms: tuple[str, ...]
    matches: int  # documents matching the expression
    total: int  # results after folding near-duplicates (what pages count)
    offset: int
    limit: int
    hits: tuple[SearchHitView, ...]
    folded_window: int  # near-duplicates are folded among the first this many matches

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "terms": list(self.terms), "matches": self.matches, "total": self.total,
                "offset": self.offset, "limit": self.limit, "folded_window": self.folded_window,
                "hits": [h.to_dict() for h in self.hits]}
