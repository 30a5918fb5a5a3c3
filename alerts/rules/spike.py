"""Spike: recent volume against its own baseline, with floors so "0 → 1" never fires.

Two scopes, each with its own minimums:

- **event** — an event's posts in the last ``window_hours`` against the previous ``baseline_hours`` (hourly counts):
  a burst of one issue within hours, as a busy city sees it.
- **groups** (``region`` and/or ``topic``) — all posts of a region or topic in the last ``group_window_hours``
  against that group's own trailing ``group_baseline_days`` (a city board gets a few posts a day, and one issue's
  posts are often split across several events, so a burst shows in its region or topic before any one event is
  big). A group fires when it has at least ``group_min_count`` posts, at least ``group_ratio`` times its expected
  count (never less than ``group_min_baseline``), and that many would be improbable at the baseline rate (Poisson
  tail ≤ ``group_max_p``). The alert goes on the group's event with the most posts in the window, and its reason
  names the group, the counts, the baseline and that event's share. Groups are judged only once the store holds
  posts older than the baseline period (before that every group would look new).

Levels: an event spike is ``level`` (default 2); a group spike ``group_level`` (default 3).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from yuqing.alerts.rules.base import Finding, Rule, RuleContext
from yuqing.config import Checker
from yuqing.model import Event

GROUP_FIELDS = {"region": "地区", "topic": "主题"}
_NO_VALUE = {None, "", "未知"}


def poisson_tail(k: int, mean: float) -> float:
    """P(X ≥ k) for X ~ Poisson(mean): how unlikely ``k`` posts are if the baseline rate held."""
    if k <= 0:
        return 1.0
    term = math.exp(-mean)
    below = 0.0
    for i in range(k):
        below += term
        term *= mean / (i + 1)
    return max(0.0, 1.0 - below)


class SpikeRule(Rule):
    type_name = "spike"
    options = {"window_hours", "baseline_hours", "min_count", "ratio", "min_baseline", "groups", "group_window_hours",
               "group_baseline_days", "group_min_count", "group_ratio", "group_min_baseline", "group_max_p",
               "group_level"}

    @classmethod
    def default_level(cls) -> int:
        return 2

    def configure(self, c: Checker) -> None:
        self.window_hours = c.get("window_hours", int, 2, minimum=1, maximum=72)
        self.baseline_hours = c.get("baseline_hours", int, 24, minimum=1, maximum=24 * 14)
        if self.baseline_hours < self.window_hours:
            raise c.fail("baseline_hours", f"应不小于 window_hours（{self.window_hours}）")
        self.min_count = c.get("min_count", int, 8, minimum=2)
        self.ratio = c.get("ratio", float, 3.0, minimum=1.0)
        self.min_baseline = c.get("min_baseline", float, 1.0, minimum=0.1)
        self.groups = c.strings("groups", ["region", "topic"])
        for i, g in enumerate(self.groups):
            if g not in GROUP_FIELDS:
                raise c.fail("groups", f"第 {i + 1} 项「{g}」无效（可选：{', '.join(GROUP_FIELDS)}）")
        self.group_window_hours = c.get("group_window_hours", int, 48, minimum=1, maximum=72)
        self.group_baseline_days = c.get("group_baseline_days", int, 28, minimum=1, maximum=365)
        self.group_min_count = c.get("group_min_count", int, 5, minimum=2)
        self.group_ratio = c.get("group_ratio", float, 3.0, minimum=1.0)
        self.group_min_baseline = c.get("group_min_baseline", float, 1.0, minimum=0.1)
        self.group_max_p = c.get("group_max_p", float, 0.01, minimum=0.0, maximum=1.0)
        self.group_level = c.get("group_level", int, 3, minimum=1, maximum=4)
        self._cache: tuple[Any, dict[str, Finding]] | None = None
        self._history: dict[str, Any] = {}  # field → a baseline start known to have older posts

    # -- event scope ---------------------------------------------------------------------------------------------
    def check_event(self, event: Event, ctx: RuleContext) -> Finding | None:
        return self.event_spike(event, ctx) or self.group_spikes(ctx).get(event.id)

    def event_spike(self, event: Event, ctx: RuleContext) -> Finding | None:
        counts = ctx.hourly_counts(event.id)
        if not counts:
            return None
        window_start = ctx.now - timedelta(hours=self.window_hours)
        base_start = window_start - timedelta(hours=self.baseline_hours)
        # An hour bucket belongs to the window if it starts after window_start - 1h (partial hours count as recent).
        recent = sum(n for h, n in counts.items() if window_start - timedelta(hours=1) < h <= ctx.now)
        baseline_total = sum(n for h, n in counts.items() if base_start - timedelta(hours=1) < h <= window_start - timedelta(hours=1))
        per_window = baseline_total * self.window_hours / self.baseline_hours
        expected = max(per_window, self.min_baseline)
        if recent < self.min_count or recent < self.ratio * expected:
            return None
        reason = (f"近 {self.window_hours} 小时新增 {recent} 篇，是此前 {self.baseline_hours} 小时同等时段均值 "
                  f"{per_window:.1f} 篇的 {recent / expected:.1f} 倍（阈值：至少 {self.min_count} 篇且 ≥{self.ratio:g} 倍）")
        return self.finding(event, self.level, reason, {
            "scope": "event", "recent": recent, "window_hours": self.window_hours, "baseline_total": baseline_total,
            "baseline_hours": self.baseline_hours, "baseline_per_window": round(per_window, 3),
            "ratio": round(recent / expected, 3), "min_count": self.min_count, "ratio_threshold": self.ratio})

    # -- region / topic scope ------------------------------------------------------------------------------------
    def group_spikes(self, ctx: RuleContext) -> dict[str, Finding]:
        """event id → the group-spike finding it carries (computed once per run)."""
        if self._cache is not None and self._cache[0] is ctx:
            return self._cache[1]
        found: dict[str, Finding] = {}
        if self.groups:
            window = timedelta(hours=self.group_window_hours)
            start, end = ctx.now - window, ctx.now + timedelta(microseconds=1)
            base_start = start - timedelta(days=self.group_baseline_days)
            docs = ctx.store.documents
            for field in self.groups:
                recent = dict(docs.count_by(field, ctx.doc_filter(since=start, until=end), limit=100_000))
                if not any(n >= self.group_min_count for k, n in recent.items() if k not in _NO_VALUE):
                    continue
                # A baseline needs history: before the store holds posts older than the baseline period (the first
                # weeks of monitoring), every group would look new and "spike".
                # (Documents are never deleted, so once seen for a start the answer holds for any later one.)
                known = self._history.get(field)
                if known is None or base_start < known:
                    if not docs.count_by(field, ctx.doc_filter(until=base_start), limit=1):
                        continue
                    self._history[field] = base_start
                base = dict(docs.count_by(field, ctx.doc_filter(since=base_start, until=start), limit=100_000))
                for value, n in sorted(recent.items(), key=lambda kv: (-kv[1], str(kv[0]))):
                    finding = self._group_finding(field, value, n, base.get(value, 0), ctx)
                    if finding is None:
                        continue
                    held = found.get(finding.event_id)
                    if held is None:
                        found[finding.event_id] = finding
                    else:  # one event carries the region and the topic spike: one finding, both reasons
                        held.reason += "；" + finding.reason
                        held.details.setdefault("also", []).append(finding.details)
        self._cache = (ctx, found)
        return found

    def _group_finding(self, field: str, value: Any, recent: int, baseline_total: int, ctx: RuleContext
                       ) -> Finding | None:
        if value in _NO_VALUE or recent < self.group_min_count:
            return None
        per_window = baseline_total * self.group_window_hours / (self.group_baseline_days * 24)
        expected = max(per_window, self.group_min_baseline)
        p = poisson_tail(recent, expected)
        if recent < self.group_ratio * expected or p > self.group_max_p:
            return None
        carrier, share = self._carrier(field, value, ctx)
        if carrier is None:
            return None
        label = GROUP_FIELDS[field]
        floor = "" if per_window >= self.group_min_baseline else f"，按 {self.group_min_baseline:g} 计"
        reason = (f"{label}「{value}」近 {self.group_window_hours} 小时 {recent} 篇，此前 {self.group_baseline_days} 天"
                  f"平均每 {self.group_window_hours} 小时 {per_window:.1f} 篇{floor}，为其 {recent / expected:.1f} 倍；"
                  f"按此前水平出现这么多的概率约 {p:.2%}（阈值：至少 {self.group_min_count} 篇、≥{self.group_ratio:g} 倍、"
                  f"概率 ≤{self.group_max_p:.0%}）；本事件占其中 {share} 篇")
        return self.finding(carrier, self.group_level, reason, {
            "scope": field, "group": value, "recent": recent, "window_hours": self.group_window_hours,
            "baseline_total": baseline_total, "baseline_days": self.group_baseline_days,
            "baseline_per_window": round(per_window, 3), "ratio": round(recent / expected, 3),
            "probability": round(p, 6), "event_share": share, "min_count": self.group_min_count,
            "ratio_threshold": self.group_ratio, "max_p": self.group_max_p})

    def _carrier(self, field: str, value: Any, ctx: RuleContext) -> tuple[Event | None, int]:
        """The group's event with the most posts in the window (then the latest, then by id)."""
        window_start = ctx.now - timedelta(hours=self.group_window_hours)
        best: tuple[int, Any, str] | None = None
        chosen = None
        for e in ctx.events():
            if getattr(e, field) != value:
                continue
            n = sum(c for h, c in ctx.hourly_counts(e.id).items() if window_start - timedelta(hours=1) < h <= ctx.now)
            if n <= 0:
                continue
            key = (n, e.last_seen.timestamp() if e.last_seen else 0.0, e.id)
            if best is None or key > best:
                best, chosen = key, e
        return chosen, (best[0] if best else 0)
