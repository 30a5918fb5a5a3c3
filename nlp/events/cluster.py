"""Online event clustering: one pass over documents in time order, linear in their number.

For each document, in order:
1. **Near-duplicate?** SimHash banded lookup (:mod:`yuqing.nlp.events.dedup`). A repost joins its original's event
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

**Entities** (:func:`yuqing.nlp.events.features.extract_entities`: a named estate, platform, school, road, village,
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

import heapq
from collections import Counter
from typing import Any, Callable, Iterable

from yuqing.nlp.events.dedup import SimHashIndex
from yuqing.nlp.events.eventstate import (
    INDEX_TERMS, MEMBER_TERMS, POSTING_CAP, PROBE_TERMS, STATE_VERSION, Assignment, _conflict, _cos, _Ev,
    _place_conflict, event_id_for,
)
from yuqing.nlp.events.features import ClusterDoc, FeatureExtractor
from yuqing.nlp.events.reshape import EventReshaping
from yuqing.nlp.events.settings import EventSettings
from yuqing.nlp.simhash import to_hex
from yuqing.model import Event

class EventClusterer(EventReshaping):
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
