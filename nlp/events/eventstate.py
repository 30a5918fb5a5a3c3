"""The clusterer's in-memory event (``_Ev``: centroid, members, places, entities) and the vector arithmetic on it.

nlp.events.cluster places documents into these; yuqing.nlp.events.materialize turns one into the stored ``Event``.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

from yuqing.clock import TZ

STATE_VERSION = 1
PROBE_TERMS = 6  # a document's rarest terms used to find candidate events
INDEX_TERMS = 10  # an event is findable by this many of each member's terms
POSTING_CAP = 24  # most recent events read per posting list: bounds the work per document
MEMBER_TERMS = 12  # terms kept per member (representative choice, splits)
CENTROID_TERMS_SAVED = 200


def event_id_for(doc_id: str) -> str:
    """Deterministic event id from the event's first document."""
    return "ev-" + hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:16]


@dataclass
class Assignment:
    event_id: str
    duplicate_of: str | None
    new_event: bool


class _Ev:
    __slots__ = ("id", "seed", "centroid", "norm2", "members", "places", "districts", "first", "last",
                 "terms", "next_split_check", "top_places", "n_unique", "entities")

    def __init__(self, eid: str, seed: str):
        self.id, self.seed = eid, seed
        self.centroid: dict[str, float] = {}
        self.norm2 = 0.0
        self.members: dict[str, dict[str, Any]] = {}
        self.places: Counter[str] = Counter()
        self.districts: Counter[str] = Counter()
        self.first = math.inf
        self.last = -math.inf
        self.terms: set[str] = set()  # keys under which the event is indexed (terms and places)
        self.next_split_check = 8
        self.top_places: frozenset[str] = frozenset()
        self.n_unique = 0
        self.entities: Counter[str] = Counter()  # entity → posts naming it (originals only)

    def refresh_places(self, changed: Iterable[str] | None = None) -> None:
        """The event's three most named places. With ``changed`` (places whose counts only went up), only they
        can enter the top three, so the update costs O(1) instead of a pass over every place ever named."""
        if changed is None:
            self.top_places = frozenset(p for p, _ in self.places.most_common(3))
            return
        pool = set(self.top_places) | set(changed)
        counts = self.places
        self.top_places = frozenset(sorted(pool, key=lambda p: (-counts[p], p))[:3])

    def add_vector(self, vec: dict[str, float], sign: float = 1.0) -> None:
        c = self.centroid
        n2 = self.norm2
        for t, w in vec.items():
            old = c.get(t, 0.0)
            new = old + sign * w
            n2 += new * new - old * old
            if abs(new) < 1e-9:
                c.pop(t, None)
            else:
                c[t] = new
        self.norm2 = max(n2, 0.0)

    def recompute_norm(self) -> None:
        self.norm2 = sum(w * w for w in self.centroid.values())

    def similarity(self, vec: dict[str, float]) -> float:
        if self.norm2 <= 0:
            return 0.0
        c = self.centroid
        return sum(w * c.get(t, 0.0) for t, w in vec.items()) / math.sqrt(self.norm2)

    def unique_count(self) -> int:
        self.n_unique = sum(1 for m in self.members.values() if not m.get("dup"))
        return self.n_unique


def _cos(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    na = math.sqrt(sum(w * w for w in a.values()))
    nb = math.sqrt(sum(w * w for w in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def _unit(v: dict[str, float]) -> dict[str, float]:
    n = math.sqrt(sum(w * w for w in v.values()))
    return {t: w / n for t, w in v.items()} if n else {}


def _sum_vectors(vectors: Iterable[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for v in vectors:
        for t, w in v.items():
            out[t] = out.get(t, 0.0) + w
    return out


def _place_conflict(places: list[str], ev: _Ev) -> bool:
    """The post names places, the event has its own, and none is among the event's main places:
    the same problem at two estates (or two companies) is two events."""
    return bool(places) and bool(ev.top_places) and not any(p in ev.top_places for p in places)


def _conflict(districts: Iterable[str], others: Counter[str]) -> bool:
    """Both sides name districts and none is shared: the same problem in two districts is two events."""
    ds = list(districts)
    return bool(ds) and bool(others) and not any(d in others for d in ds)


def _ts(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=timezone.utc).astimezone(TZ)
