"""The heat index: five parts a leader can read, combined into one 0–100 number.

Every part is a score in [0, 1] (``heat_parts``; the alert rules read them):

=============  ================================================================================================
volume         log(1 + unique posts + duplicate_weight × reposts) / log(1 + volume_reference)
interaction    log(1 + Σ weight × likes/dislikes/replies/reposts) / log(1 + interaction_reference)
authority      log(1 + Σ authority of the distinct sources + Σ weight of the distinct listed accounts)
               / log(1 + authority_reference); a source's authority is ``sources[i].authority`` in the configuration
               (default_authority for unknown sources); an account's weight comes from ``[[accounts]]``
               (官方账号/重点账号/媒体, ``yuqing.social``), kept on the member as ``a`` = [pseudonym, weight]
recency        0.5 ** (hours since the last post / half_life_hours); 1 in the historical view (no ``now``)
growth         posts in the last growth window vs the mean of the previous ``growth_baseline_windows`` windows,
               smoothed: r = (recent + 1) / (baseline + 1); log(r) / log(growth_reference), clipped to [0, 1].
               0 → 1 post gives r = 2, a modest score, never an explosion.
=============  ================================================================================================

heat = 100 × recency × (Σ weights[k] × part[k]) / Σ weights[k]   over k in volume, interaction, authority, growth
(each part above 1 is clipped). Recency multiplies rather than adds so that a burst from last month ranks
below one from this morning however big it was.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from yuqing.nlp.events.settings import EventSettings
from yuqing.vocab import HeatPart as P
from yuqing.vocab import zero_heat_parts

_INTERACTION_KEYS = ("likes", "dislikes", "replies", "reposts")


def _log_score(value: float, reference: float) -> float:
    return min(1.0, math.log1p(max(value, 0.0)) / math.log1p(reference))


def compute_heat(members: Iterable[dict[str, Any]], settings: EventSettings, authority: dict[str, float] | None = None,
                 now: float | None = None) -> tuple[float, dict[str, float], dict[str, Any]]:
    """(heat, heat_parts, inputs) for an event's members (the dicts kept in ``Event.state["members"]``).

    ``now`` (POSIX seconds) gives the current view with time decay, counting only posts up to ``now``;
    ``None`` gives the historical view over all posts, without decay, with growth measured at the last post.
    """
    s = settings
    authority = authority or {}
    ms = [m for m in members if now is None or m["t"] <= now]
    if not ms:
        return 0.0, zero_heat_parts(), {"docs": 0}
    unique = sum(1 for m in ms if not m.get("dup"))
    dups = len(ms) - unique
    totals = [0, 0, 0, 0]
    for m in ms:
        for i, v in enumerate(m.get("i") or ()):
            totals[i] += int(v or 0)
    interactions = sum(s.interaction_weights[k] * totals[i] for i, k in enumerate(_INTERACTION_KEYS))
    sources = sorted({m.get("s") or "" for m in ms})
    accounts: dict[str, float] = {}  # distinct listed accounts: pseudonym → weight (one account counts once)
    for m in ms:
        if m.get("a"):
            accounts[m["a"][0]] = max(accounts.get(m["a"][0], 0.0), float(m["a"][1]))
    auth_sum = sum(authority.get(src, s.default_authority) for src in sources) + sum(accounts.values())
    last = max(m["t"] for m in ms)
    ref = now if now is not None else last
    hours_since = max(0.0, (ref - last) / 3600.0)
    window = s.growth_window_hours * 3600.0
    k = s.growth_baseline_windows
    recent = baseline_total = 0.0
    for m in ms:
        weight = s.duplicate_weight if m.get("dup") else 1.0
        age = ref - m["t"]
        if age < window:
            recent += weight
        elif age < window * (k + 1):
            baseline_total += weight
    baseline = baseline_total / k
    ratio = (recent + 1.0) / (baseline + 1.0)
    parts = {
        P.VOLUME.value: _log_score(unique + s.duplicate_weight * dups, s.volume_reference),
        P.INTERACTION.value: _log_score(interactions, s.interaction_reference),
        P.AUTHORITY.value: _log_score(auth_sum, s.authority_reference),
        P.RECENCY.value: 1.0 if now is None else 0.5 ** (hours_since / s.half_life_hours),
        P.GROWTH.value: min(1.0, max(0.0, math.log(ratio) / math.log(s.growth_reference))),
    }
    wsum = sum(s.weights.values())
    combined = sum(s.weights[k] * parts[k] for k in s.weights) / wsum
    heat = round(100.0 * parts[P.RECENCY.value] * combined, 2)
    parts = {k: round(v, 4) for k, v in parts.items()}
    inputs = {
        "docs": len(ms), "unique": unique, "duplicates": dups,
        **{k: totals[i] for i, k in enumerate(_INTERACTION_KEYS)},
        "sources": sources, "authority_sum": round(auth_sum, 3), "hours_since_last": round(hours_since, 2),
        "accounts": len(accounts), "account_authority": round(sum(accounts.values()), 3),
        "recent": recent, "baseline": round(baseline, 3), "growth_ratio": round(ratio, 3),
    }
    return heat, parts, inputs


def explain(heat: float, parts: dict[str, float], inputs: dict[str, Any], settings: EventSettings) -> str:
    """Why this event is hot, in one sentence of figures (Chinese, for leaders)."""
    if not inputs.get("docs"):
        return "暂无相关文章"
    bits = [
        f"热度 {heat:.1f}",
        f"文章 {inputs['unique']} 篇（另有转载/重复 {inputs['duplicates']} 篇）",
        f"互动：点赞 {inputs['likes']}、踩 {inputs['dislikes']}、回复 {inputs['replies']}、转发 {inputs['reposts']}",
        f"来源 {len(inputs['sources'])} 个（权威度合计 {inputs['authority_sum']}"
        + (f"，含官方/媒体/重点账号 {inputs['accounts']} 个，权重 {inputs['account_authority']}"
           if inputs.get("accounts") else "") + "）",
        f"最近 {settings.growth_window_hours:g} 小时 {inputs['recent']:g} 篇，此前每 {settings.growth_window_hours:g} "
        f"小时平均 {inputs['baseline']:g} 篇",
    ]
    if parts.get(P.RECENCY.value, 1.0) < 1.0:
        bits.append(f"距最后一篇 {inputs['hours_since_last']:g} 小时（衰减系数 {parts[P.RECENCY.value]:.2f}）")
    return "；".join(bits)
