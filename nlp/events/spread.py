"""How an event spread (传播路径), from the members the events stage keeps in ``Event.state["members"]``.

The first post and its source; the timeline of posts by source, each near-duplicate or repost linked to the
original it copies (the clusterer's ``dup``: SimHash near-duplicates and repost links); the share of each source
and source type; and the moments the posts per period jumped. Stored in ``Event.state["spread"]``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Mapping

from yuqing.clock import TZ
from yuqing.model import Event

SPREAD_VERSION = 1
MAX_TIMELINE = 300  # posts kept on the timeline (the earliest ones: the path starts there)
JUMP_MIN_POSTS = 3  # a period with fewer posts is never a jump
JUMP_RATIO = 2.0  # … and it must hold at least this many times the mean of the periods before it


def _local(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=TZ)


def _buckets(times: list[float]) -> tuple[str, list[tuple[datetime, int]]]:
    """Posts per hour for an event spanning under three days, else per day (Asia/Shanghai), gaps filled."""
    first, last = min(times), max(times)
    hourly = last - first < 3 * 86400
    step = timedelta(hours=1) if hourly else timedelta(days=1)

    def start(ts: float) -> datetime:
        t = _local(ts)
        return t.replace(minute=0, second=0, microsecond=0) if hourly else t.replace(hour=0, minute=0, second=0,
                                                                                      microsecond=0)
    counts = Counter(start(t) for t in times)
    out, at, end = [], start(first), start(last)
    while at <= end:
        out.append((at, counts.get(at, 0)))
        at = (at + step).astimezone(TZ)
        at = start(at.timestamp())
    return ("hour" if hourly else "day"), out


def heat_jumps(series: list[tuple[datetime, int]], *, window: int = 3) -> list[dict[str, Any]]:
    """Periods whose posts reached ``JUMP_MIN_POSTS`` and ``JUMP_RATIO`` × the mean of the ``window`` before."""
    out = []
    for i, (at, n) in enumerate(series):
        before = [c for _, c in series[max(0, i - window):i]]
        base = sum(before) / len(before) if before else 0.0
        if n >= JUMP_MIN_POSTS and n >= JUMP_RATIO * max(base, 1.0):
            out.append({"at": at.isoformat(), "posts": n, "before": round(base, 2)})
    return out


def build_spread(event: Event, source_types: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The spread of ``event``: JSON-ready (times ISO 8601 in Asia/Shanghai)."""
    types = source_types or {}
    members = (event.state or {}).get("members") or {}
    ordered = sorted(members.items(), key=lambda kv: (kv[1].get("t") or 0, kv[0]))
    if not ordered:
        return {"v": SPREAD_VERSION, "first": None, "timeline": [], "sources": [], "source_types": [], "jumps": [],
                "series": [], "unit": "day", "reposts": 0}
    first_id, first = ordered[0]
    timeline = []
    for mid, m in ordered[:MAX_TIMELINE]:
        timeline.append({"doc_id": mid, "source": m.get("s") or "", "at": _local(m.get("t") or 0).isoformat(),
                         "repost_of": m.get("dup") if m.get("dup") in members else None})
    sources = Counter(m.get("s") or "" for _, m in ordered)
    kinds = Counter(types.get(m.get("s") or "", "other") for _, m in ordered)
    total = len(ordered)
    unit, series = _buckets([m.get("t") or 0 for _, m in ordered])
    return {
        "v": SPREAD_VERSION,
        "first": {"doc_id": first_id, "source": first.get("s") or "", "at": _local(first.get("t") or 0).isoformat(),
                  "title": first.get("ti") or ""},
        "timeline": timeline,
        "sources": [{"name": s, "posts": n, "share": round(n / total, 3)} for s, n in sources.most_common()],
        "source_types": [{"type": k, "posts": n, "share": round(n / total, 3)} for k, n in kinds.most_common()],
        "reposts": sum(1 for _, m in ordered if m.get("dup")),
        "unit": unit,
        "series": [{"at": at.isoformat(), "posts": n} for at, n in series],
        "jumps": heat_jumps(series),
    }


def source_types(config: Any) -> dict[str, str]:
    """Source name *and* title → its type (news / board / feed), from the configuration."""
    out: dict[str, str] = {}
    for s in getattr(config, "sources", []) or []:
        out[s.name] = str(getattr(s, "type", "") or "other")
        if getattr(s, "title", None):
            out.setdefault(s.title, out[s.name])
    return out
