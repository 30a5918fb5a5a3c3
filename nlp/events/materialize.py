"""The stored ``Event`` record for one of the clusterer's events, and the figures beyond its fields."""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from yuqing.nlp.events.eventstate import CENTROID_TERMS_SAVED, STATE_VERSION, _Ev, _ts
from yuqing.model import Event


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
