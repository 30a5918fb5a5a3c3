"""Online event clustering: one pass over documents in time order, linear in their number.

For each document, in order:
1. **Near-duplicate?** SimHash banded lookup (:mod:`nlp.events.dedup`). A repost joins its original's event
   as a duplicate (counted as a voice, not as new wording), even when that event has gone idle: a repost of a
   post at most ``repost_lookback_days`` old reopens the event (spam sites and aggregators repost weeks later;
   the repost revives the old issue's heat rather than looking like a new one). Fingerprints are kept while
   their event is active, or for ``repost_lookback_days`` after their post, so memory stays bounded.
2. **Candidates**: events sharing one of the document's rarest problem terms or one of its places, found in
   inverted indexes that hold only *active* events (seen within ``window_days``); each posting list is read
   from its most recent end and capped, so the work per document is bounded whatever the volume.
3. **Score**: cosine between the document's problem-term vector and the event centroid. Joining on wording
   alone needs ``join_similarity``; naming the same estate/road/school lowers the bar to
   ``place_similarity`` (problem words must still overlap, so two problems at one place stay apart). Posts
   naming different districts never join.
4. **Merge**: when the document matches two events that are themselves close, they become one.
5. **Split**: when an event doubles in size its posts are 2-means split; two halves far apart become two events.

**Entities** (:func:`nlp.events.features.extract_entities`: a named estate, platform, school, road, village,
bridge …) link posts across wording and weeks. Every event naming an entity is kept in an entity index while its
last post is at most ``entity_window_days`` old, closed or not. The rule: a post naming a *distinctive* entity
(one named by fewer than ``entity_max_events`` distinct events in the index — a document frequency counted over
events, so 「人民医院」-like names that many unrelated issues mention link nothing) is a candidate for every event
naming it; it joins one when, besides the entity, the wording overlaps at least ``entity_similarity`` (modest: the
same issue told in other words) and no district conflicts. An idle event joined this way is reopened (logged
``reopened`` with ``by_entity``). Posts naming no distinctive entity are placed exactly as before.

The state of every event (centroid, members with their small vectors, places) lives in ``Event.state``, so
a restarted process continues where the last one stopped.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from nlp.events.dedup import SimHashIndex
from nlp.events.features import ClusterDoc, FeatureExtractor
from nlp.events.settings import EventSettings
from nlp.simhash import to_hex
from yuqing.clock import TZ
from yuqing.model import Event

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


class EventClusterer:
    """Single-pass clusterer. Feed documents in time order with :meth:`add`; read events with :meth:`events`."""

    def __init__(self, settings: EventSettings | None = None, extractor: FeatureExtractor | None = None):
        self.s = settings or EventSettings()
        self.extractor = extractor or FeatureExtractor()
        self.active: dict[str, _Ev] = {}
        self.closed: dict[str, _Ev] = {}
        self.doc_event: dict[str, str] = {}  # every known doc → its event (active or closed)
        self.root_of: dict[str, str] = {}  # doc → the original it duplicates (itself for originals)
        self.postings: dict[str, dict[str, None]] = {}  # term/place → active events, least recently used first
        self.simindex = SimHashIndex(self.s.dedup_hamming)
        self._heap: list[tuple[float, str]] = []
        self._fp_heap: list[tuple[float, str]] = []  # (post time, doc) of every fingerprint, for expiry
        self.changes: list[dict[str, Any]] = []  # merges and splits: {event_id, action, details, at}
        self.moved: dict[str, str] = {}  # doc → event, for documents an earlier link put elsewhere
        self.merged_into: dict[str, str] = {}
        # Whether an event id is already used outside this clusterer (the stage asks the store): a split must never
        # take the id of an event merged away or closed earlier, or documents would be linked to the wrong one.
        self.id_taken: Callable[[str], bool] | None = None
        self.touched: set[str] = set()  # events changed since the caller last collected them
        # entity → events naming it (active or closed) whose last post is within entity_window_days, oldest first
        self.entity_postings: dict[str, dict[str, None]] = {}
        self.candidates_scored = 0

    # -- restoring ---------------------------------------------------------------------------------------------
    def restore(self, events: Iterable[Event]) -> int:
        """Load persisted events (their ``state``); returns how many were restored."""
        n = 0
        for event in events:
            st = event.state or {}
            if st.get("v") != STATE_VERSION or not st.get("members") or st.get("merged_into"):
                continue
            ev = _Ev(event.id, st.get("seed") or event.id)
            ev.centroid = {t: float(w) for t, w in st.get("centroid", {}).items()}
            ev.recompute_norm()
            ev.members = st["members"]
            ev.places = Counter(st.get("places", {}))
            ev.refresh_places()
            ev.districts = Counter(st.get("districts", {}))
            ev.entities = Counter(e for m in ev.members.values() if not m.get("dup") for e in m.get("e") or [])
            ev.next_split_check = int(st.get("next_split_check", 8))
            ev.unique_count()
            for mid, m in ev.members.items():
                ev.first = min(ev.first, m["t"])
                ev.last = max(ev.last, m["t"])
                self.doc_event[mid] = ev.id
                self.root_of[mid] = m.get("dup") or mid
                if m.get("h"):
                    self._add_fingerprint(mid, int(m["h"], 16), m["t"])
            self.active[ev.id] = ev
            top = sorted(ev.centroid.items(), key=lambda kv: -kv[1])[: INDEX_TERMS * 3]
            self._index(ev, [t for t, _ in top] + ["@" + p for p in ev.places])
            self._index_entities(ev, ev.entities)
            heapq.heappush(self._heap, (ev.last, ev.id))
            n += 1
        return n

    # -- the pass ----------------------------------------------------------------------------------------------
    def add(self, doc: ClusterDoc) -> Assignment:
        known = self.doc_event.get(doc.id)
        if known is not None:  # idempotent: a document already placed (e.g. a retried batch) stays put
            root = self.root_of.get(doc.id, doc.id)
            return Assignment(self._resolve(known), None if root == doc.id else root, False)
        self._close_idle(doc.at - self.s.window_days * 86400, doc.at - self.s.repost_lookback_days * 86400)
        feats = self.extractor.extract(doc)
        member: dict[str, Any] = {
            "t": doc.at, "s": doc.source, "ti": doc.title[:120], "se": doc.sentiment, "to": doc.topic,
            "de": doc.department, "i": [doc.likes, doc.dislikes, doc.replies, doc.reposts],
            "v": {t: round(w, 4) for t, w in list(feats.vector.items())[:MEMBER_TERMS]},
            "p": feats.places[:5], "d": feats.districts[:3],
        }
        if feats.entities:
            member["e"] = feats.entities[:5]
        if doc.region:
            member["r"] = doc.region
        if not doc.title and doc.text:
            member["ti"] = doc.text[:60]

        # 1. near-duplicates
        if doc.simhash is not None and doc.simhash != 0 and len(doc.content_words) >= self.s.dedup_min_words:
            member["h"] = to_hex(doc.simhash)
            hit = self.simindex.find(doc.simhash)
            self._add_fingerprint(doc.id, doc.simhash, doc.at)
            if hit is not None:
                root = self.root_of.get(hit[0], hit[0])
                eid = self.doc_event.get(root) or self.doc_event.get(hit[0])
                ev = self.active.get(eid) if eid is not None else None
                if ev is None and eid is not None and eid in self.closed \
                        and not _conflict(feats.districts, self.closed[eid].districts):
                    # (Another district: templated texts can share a fingerprint; a real repost names the same.)
                    ev = self._reopen(self.closed[eid], doc, root)
                if ev is not None:
                    member["dup"] = root
                    self.root_of[doc.id] = root
                    self._attach(ev, doc.id, member, feats, unique=False)
                    return Assignment(ev.id, root, False)
        self.root_of[doc.id] = doc.id

        # 2–3. candidates and scores
        scored: list[tuple[float, float, str]] = []
        linking = self._linking_entities(feats.entities, doc.at)
        if feats.vector:
            cands: set[str] = set()
            for e in linking:
                for i, eid in enumerate(reversed(self.entity_postings.get(e, {}))):
                    if i >= POSTING_CAP:
                        break
                    cands.add(eid)
            probe = sorted(feats.vector.items(), key=lambda kv: -kv[1])[:PROBE_TERMS]
            for key in [t for t, _ in probe] + ["@" + p for p in feats.places]:
                posting = self.postings.get(key)
                if posting:
                    for i, eid in enumerate(reversed(posting)):
                        if i >= POSTING_CAP:
                            break
                        cands.add(eid)
            self.candidates_scored += len(cands)
            for eid in cands:
                ev = self.active.get(eid) or self.closed.get(eid)
                if ev is None or _conflict(feats.districts, ev.districts):
                    continue
                sim = ev.similarity(feats.vector)
                if linking and any(e in ev.entities for e in linking):
                    if sim >= self.s.entity_similarity:  # the entity rule (see the module docstring)
                        scored.append((sim + self.s.place_bonus, sim, eid))
                    continue
                if eid not in self.active:
                    continue  # a closed event is found by its entities only
                if sim < self.s.near_identical and _place_conflict(feats.places, ev):
                    continue
                if feats.places and any(p in ev.top_places for p in feats.places) and sim >= self.s.place_similarity:
                    scored.append((sim + self.s.place_bonus, sim, eid))
                elif sim >= self.s.join_similarity:
                    scored.append((sim, sim, eid))
        if not scored:
            ev = _Ev(event_id_for(doc.id), doc.id)
            self.active[ev.id] = ev
            self._attach(ev, doc.id, member, feats, unique=True)
            return Assignment(ev.id, None, True)
        scored.sort(reverse=True)
        best = scored[0][2]
        target = self.active.get(best) or self._reopen(self.closed[best], doc, None)
        self._attach(target, doc.id, member, feats, unique=True)
        # 4. merges: another strong match whose centroid is close to the target's
        for _score, sim, eid in scored[1:3]:
            other = self.active.get(eid)
            # Only a document that matches both strongly makes two events candidates for merging.
            if other is None or other is target or sim < self.s.merge_similarity:
                continue
            if _conflict(list(other.districts), target.districts):
                continue
            if _cos(target.centroid, other.centroid) >= self.s.merge_similarity:
                target = self._merge(target, other, doc.at)
        # 5. splits, checked each time the event doubles (amortised linear)
        if target.n_unique >= target.next_split_check:
            target.next_split_check *= 2
            self._maybe_split(target, doc.at)
        eid = self.doc_event[doc.id]
        return Assignment(eid, None, False)

    def _resolve(self, eid: str) -> str:
        while eid in self.merged_into:
            eid = self.merged_into[eid]
        return eid

    def _attach(self, ev: _Ev, doc_id: str, member: dict[str, Any], feats, *, unique: bool) -> None:
        ev.members[doc_id] = member
        self.doc_event[doc_id] = ev.id
        ev.first = min(ev.first, member["t"])
        if member["t"] > ev.last:
            ev.last = member["t"]
            heapq.heappush(self._heap, (ev.last, ev.id))
        self.touched.add(ev.id)
        if unique:
            ev.n_unique += 1
            ev.add_vector(feats.vector)
            if feats.places:
                ev.places.update(feats.places)
                ev.refresh_places(feats.places)
            ev.districts.update(feats.districts)
            top = sorted(feats.vector.items(), key=lambda kv: -kv[1])[:INDEX_TERMS]
            self._index(ev, [t for t, _ in top] + ["@" + p for p in feats.places])
            if member.get("e"):
                ev.entities.update(member["e"])
                self._index_entities(ev, member["e"])

    def _index(self, ev: _Ev, keys: list[str]) -> None:
        for key in keys:
            posting = self.postings.get(key)
            if posting is None:
                posting = self.postings[key] = {}
            else:
                posting.pop(ev.id, None)  # move to the most-recent end
            posting[ev.id] = None
            ev.terms.add(key)

    def _index_entities(self, ev: _Ev, entities: Iterable[str]) -> None:
        for e in entities:
            posting = self.entity_postings.setdefault(e, {})
            posting.pop(ev.id, None)  # move to the most recent end
            posting[ev.id] = None

    def _unindex_entities(self, ev: _Ev) -> None:
        for e in ev.entities:
            posting = self.entity_postings.get(e)
            if posting is not None:
                posting.pop(ev.id, None)
                if not posting:
                    del self.entity_postings[e]

    def _linking_entities(self, entities: list[str], at: float) -> list[str]:
        """The post's entities that may link it: distinctive ones, named by fewer than ``entity_max_events`` events
        within the entity window. Entries of events gone out of the window (or merged away) are dropped here."""
        if not entities:
            return []
        cutoff = at - self.s.entity_window_days * 86400
        out = []
        for e in entities:
            posting = self.entity_postings.get(e)
            if posting:
                for eid in [eid for eid in posting if (ev := self.get(eid)) is None or ev.last < cutoff]:
                    del posting[eid]
                if not posting:
                    del self.entity_postings[e]
                    posting = None
            if not posting or len(posting) < self.s.entity_max_events:
                out.append(e)
        return out

    def event_entities(self, ev: _Ev, limit: int = 5) -> list[str]:
        """The event's distinctive entities, most named first: what the alerts service compares (stored as
        ``Event.state["entities"]``)."""
        return [e for e, _ in sorted(ev.entities.items(), key=lambda kv: (-kv[1], kv[0]))
                if len(self.entity_postings.get(e, ())) < self.s.entity_max_events][:limit]

    def _unindex(self, ev: _Ev) -> None:
        for key in ev.terms:
            posting = self.postings.get(key)
            if posting is not None:
                posting.pop(ev.id, None)
                if not posting:
                    del self.postings[key]
        ev.terms = set()

    def _add_fingerprint(self, doc_id: str, fingerprint: int, at: float) -> None:
        if doc_id not in self.simindex:
            self.simindex.add(doc_id, fingerprint)
            heapq.heappush(self._fp_heap, (at, doc_id))

    def _close_idle(self, cutoff: float, repost_cutoff: float) -> None:
        """Close events idle since ``cutoff``; forget fingerprints of posts older than ``repost_cutoff`` unless
        their event is still active (an active event's posts stay findable until it closes)."""
        heap = self._heap
        while heap and heap[0][0] < cutoff:
            last, eid = heapq.heappop(heap)
            ev = self.active.get(eid)
            if ev is None or ev.last != last:
                continue  # stale entry: the event moved on (a newer entry exists) or is gone
            self._unindex(ev)
            # Its recent posts stay findable for reposts (their expiry entries are still queued); the old ones,
            # whose expiry was skipped while the event was active, go now.
            self.simindex.remove(m for m, mm in ev.members.items() if mm.get("h") and mm["t"] < repost_cutoff)
            del self.active[eid]
            self.closed[eid] = ev
        fp_heap = self._fp_heap
        gone = []
        while fp_heap and fp_heap[0][0] < repost_cutoff:
            _, doc_id = heapq.heappop(fp_heap)
            if self._resolve(self.doc_event.get(doc_id, "")) not in self.active:
                gone.append(doc_id)
        if gone:
            self.simindex.remove(gone)

    def _reopen(self, ev: _Ev, doc: ClusterDoc, root: str | None) -> _Ev:
        """A late repost (``root``: the post it copies) or a post naming the event's entity (``root`` None) brings a
        closed event back: findable again by wording and places, heat revived."""
        del self.closed[ev.id]
        self.active[ev.id] = ev
        top = sorted(ev.centroid.items(), key=lambda kv: -kv[1])[: INDEX_TERMS * 3]
        self._index(ev, [t for t, _ in top] + ["@" + p for p in ev.places])
        self.changes.append({"event_id": ev.id, "action": "reopened", "at": doc.at,
                             "details": {"by": doc.id, "duplicate_of": root, "by_entity": root is None,
                                         "idle_days": round((doc.at - ev.last) / 86400, 1)}})
        return ev

    def _merge(self, a: _Ev, b: _Ev, at: float) -> _Ev:
        """Fold the smaller event into the larger (ties: the older keeps its id)."""
        if (len(b.members), -b.first) > (len(a.members), -a.first):
            a, b = b, a
        for t, w in b.centroid.items():
            a.centroid[t] = a.centroid.get(t, 0.0) + w
        a.recompute_norm()
        a.places.update(b.places)
        a.refresh_places()
        a.n_unique += b.n_unique
        a.districts.update(b.districts)
        self._unindex_entities(b)
        a.entities.update(b.entities)
        self._index_entities(a, b.entities)
        for mid, m in b.members.items():
            a.members[mid] = m
            self.doc_event[mid] = a.id
            self.moved[mid] = a.id
        a.first, a.last = min(a.first, b.first), max(a.last, b.last)
        heapq.heappush(self._heap, (a.last, a.id))
        self._index(a, list(b.terms))
        self._unindex(b)
        del self.active[b.id]
        self.merged_into[b.id] = a.id
        self.touched.update((a.id, b.id))
        self.changes.append({"event_id": a.id, "action": "merge", "at": at,
                             "details": {"merged": b.id, "moved_docs": len(b.members), "into": a.id}})
        # What the merged-away event was, so its record and log still say so after it is emptied.
        seed = b.members.get(b.seed) or min(b.members.values(), key=lambda m: m["t"])
        self.changes.append({"event_id": b.id, "action": "merged_into", "at": at,
                             "details": {"into": a.id, "moved_docs": len(b.members), "title": seed.get("ti") or "",
                                         "first_seen": _ts(b.first).isoformat(), "last_seen": _ts(b.last).isoformat()}})
        return a

    def _free_id(self, seed: str, parent: str) -> str:
        """The id for an event split off under its first post: ``event_id_for(seed)`` unless an event has (or had)
        that id — the post may have seeded an event that was merged away, the id of which still resolves to the
        survivor — then ``event_id_for("seed#n")`` for the first free n. Deterministic for the same history."""
        candidate, n = event_id_for(seed), 0
        while (candidate == parent or candidate in self.active or candidate in self.closed
               or candidate in self.merged_into or (self.id_taken is not None and self.id_taken(candidate))):
            n += 1
            candidate = event_id_for(f"{seed}#{n}")
        return candidate

    def _maybe_split(self, ev: _Ev, at: float) -> _Ev | None:
        originals = [(mid, m) for mid, m in ev.members.items() if not m.get("dup") and m.get("v")]
        if len(originals) < 2 * self.s.split_min_docs:
            return None
        unit = {mid: _unit(m["v"]) for mid, m in originals}
        c_unit = _unit(ev.centroid)
        a_id = min(unit, key=lambda mid: _dot(unit[mid], c_unit))
        b_id = min(unit, key=lambda mid: _dot(unit[mid], unit[a_id]))
        ca, cb = unit[a_id], unit[b_id]
        groups: tuple[list, list] = ([], [])
        for _ in range(4):
            groups = ([], [])
            for mid, v in unit.items():
                groups[0 if _dot(v, ca) >= _dot(v, cb) else 1].append(mid)
            if not groups[0] or not groups[1]:
                return None
            ca = _unit(_sum_vectors(unit[mid] for mid in groups[0]))
            cb = _unit(_sum_vectors(unit[mid] for mid in groups[1]))
        if min(len(g) for g in groups) < self.s.split_min_docs or _dot(ca, cb) >= self.s.split_similarity:
            return None
        # The half holding the seed keeps the id; the other becomes an event named after its first post.
        keep, move = groups if ev.seed in groups[0] else (groups[1], groups[0])
        move_set = set(move)
        for mid, m in ev.members.items():
            if m.get("dup") and m["dup"] in move_set:
                move_set.add(mid)
        first_moved = min(move_set, key=lambda mid: (ev.members[mid]["t"], mid))
        new = _Ev(self._free_id(first_moved, ev.id), first_moved)
        for mid in sorted(move_set, key=lambda mid: ev.members[mid]["t"]):
            m = ev.members.pop(mid)
            new.members[mid] = m
            new.first, new.last = min(new.first, m["t"]), max(new.last, m["t"])
            self.doc_event[mid] = new.id
            self.moved[mid] = new.id
        self._unindex_entities(ev)
        for target in (ev, new):
            target.centroid, target.places, target.districts = {}, Counter(), Counter()
            target.entities = Counter()
            for m in target.members.values():
                if not m.get("dup"):
                    target.add_vector(m.get("v") or {})
                    target.places.update(m.get("p") or [])
                    target.districts.update(m.get("d") or [])
                    target.entities.update(m.get("e") or [])
            self._index_entities(target, target.entities)
            target.recompute_norm()
            target.refresh_places()
            target.unique_count()
            target.first = min(m["t"] for m in target.members.values())
            target.last = max(m["t"] for m in target.members.values())
            self._unindex(target)
            keys = [t for t, _ in sorted(target.centroid.items(), key=lambda kv: -kv[1])[: INDEX_TERMS * 3]]
            self._index(target, keys + ["@" + p for p in target.places])
            heapq.heappush(self._heap, (target.last, target.id))
        new.next_split_check = max(8, 2 * new.unique_count())
        self.active[new.id] = new
        self.touched.update((ev.id, new.id))
        detail = {"from": ev.id, "to": new.id, "moved_docs": len(move_set), "kept_docs": len(ev.members),
                  "similarity": round(_dot(ca, cb), 3)}
        self.changes.append({"event_id": ev.id, "action": "split", "at": at, "details": detail})
        self.changes.append({"event_id": new.id, "action": "split_from", "at": at, "details": detail})
        return new

    # -- reading events ----------------------------------------------------------------------------------------
    def all_events(self) -> list[_Ev]:
        return list(self.active.values()) + list(self.closed.values())

    def get(self, eid: str) -> _Ev | None:
        return self.active.get(eid) or self.closed.get(eid)

    def collect_changes(self) -> tuple[list[dict[str, Any]], dict[str, str], set[str]]:
        """Merges/splits, moved documents and touched events since the last call; resets them."""
        out = (self.changes, self.moved, self.touched)
        self.changes, self.moved, self.touched = [], {}, set()
        return out


def _ts(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=timezone.utc).astimezone(TZ)


def _majority(values: Iterable[str | None]) -> str | None:
    counts = Counter(v for v in values if v)
    return counts.most_common(1)[0][0] if counts else None


def materialize(ev: _Ev, *, keywords: int = 8, entities: list[str] | None = None) -> Event:
    """The ``Event`` record for an internal event (heat not yet computed). ``entities``: its distinctive entities
    (:meth:`EventClusterer.event_entities`), kept in ``state["entities"]`` for the alerts service."""
    members = ev.members
    originals = [(mid, m) for mid, m in members.items() if not m.get("dup")]
    if len(originals) <= 2:
        rep_id = min(originals or members.items(), key=lambda x: (x[1]["t"], x[0]))[0]
    else:
        # The post closest to the centroid states the event best; ties go to the earliest.
        rep_id = max(originals, key=lambda x: (round(ev.similarity(x[1].get("v") or {}), 6), -x[1]["t"]))[0]
    sentiments = Counter(m.get("se") for m in members.values())
    districts = ev.districts or Counter(m.get("r") for m in members.values() if m.get("r"))
    region = districts.most_common(1)[0][0] if districts else _majority(m.get("r") for m in members.values())
    top_terms = [t for t, _ in sorted(ev.centroid.items(), key=lambda kv: (-kv[1], kv[0]))[:keywords]]
    state = {
        "v": STATE_VERSION, "seed": ev.seed,
        "centroid": {t: round(w, 4) for t, w in
                     sorted(ev.centroid.items(), key=lambda kv: -kv[1])[:CENTROID_TERMS_SAVED]},
        "members": members, "places": dict(ev.places), "districts": dict(ev.districts),
        "next_split_check": ev.next_split_check,
        "representative": rep_id,
        "entities": list(entities) if entities is not None else [e for e, _ in ev.entities.most_common(5)],
    }
    return Event(
        id=ev.id, title=members[rep_id].get("ti") or "", keywords=top_terms, region=region,
        topic=_majority(m.get("to") for m in members.values()),
        department=_majority(m.get("de") for m in members.values()),
        first_seen=_ts(ev.first), last_seen=_ts(ev.last), doc_count=len(members),
        source_count=len({m.get("s") for m in members.values()}),
        negative=sentiments.get("negative", 0), neutral=sentiments.get("neutral", 0),
        positive=sentiments.get("positive", 0), state=state,
    )


def event_summary(event: Event) -> dict[str, Any]:
    """Figures beyond the Event fields: places, duplicates and 相似文章数 with their sources."""
    members = event.state.get("members", {})
    dups = [m for m in members.values() if m.get("dup")]
    by_root: dict[str, list[str]] = {}
    for mid, m in members.items():
        if m.get("dup"):
            by_root.setdefault(m["dup"], []).append(m.get("s") or "")
    places = Counter(event.state.get("places", {}))
    return {
        "places": [p for p, _ in places.most_common(3)],
        "duplicates": len(dups),
        "similar_articles": {root: {"count": len(srcs), "sources": sorted(set(srcs))} for root, srcs in by_root.items()},
    }
