"""How the clusterer reshapes events: reopen an idle one, merge two, split one that has grown two halves.

A mixin of :class:`yuqing.nlp.events.cluster.EventClusterer`; it works on the clusterer's indexes, heap and change log.
"""

from __future__ import annotations

import heapq
from collections import Counter

from yuqing.nlp.events.eventstate import INDEX_TERMS, _dot, _Ev, _sum_vectors, _ts, _unit, event_id_for
from yuqing.nlp.events.features import ClusterDoc
from yuqing.vocab import EventChange


class EventReshaping:
    """Reopen, merge and split (see the module docstring of yuqing.nlp.events.cluster, steps 1, 4 and 5)."""

    def _reopen(self, ev: _Ev, doc: ClusterDoc, root: str | None) -> _Ev:
        """A late repost (``root``: the post it copies) or a post naming the event's entity (``root`` None) brings a
        closed event back: findable again by wording and places, heat revived."""
        del self.closed[ev.id]
        self.active[ev.id] = ev
        top = sorted(ev.centroid.items(), key=lambda kv: -kv[1])[: INDEX_TERMS * 3]
        self._index(ev, [t for t, _ in top] + ["@" + p for p in ev.places])
        self.changes.append({"event_id": ev.id, "action": EventChange.REOPENED.value, "at": doc.at,
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
        self.changes.append({"event_id": a.id, "action": EventChange.MERGE.value, "at": at,
                             "details": {"merged": b.id, "moved_docs": len(b.members), "into": a.id}})
        # What the merged-away event was, so its record and log still say so after it is emptied.
        seed = b.members.get(b.seed) or min(b.members.values(), key=lambda m: m["t"])
        self.changes.append({"event_id": b.id, "action": EventChange.MERGED_INTO.value, "at": at,
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
        self.changes.append({"event_id": ev.id, "action": EventChange.SPLIT.value, "at": at, "details": detail})
        self.changes.append({"event_id": new.id, "action": EventChange.SPLIT_FROM.value, "at": at, "details": detail})
        return new
