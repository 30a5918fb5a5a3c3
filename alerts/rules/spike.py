"""Spike: an event's recent volume against its own baseline, with floors so "0 → 1" never fires."""

from __future__ import annotations

from datetime import timedelta

from alerts.rules.base import Finding, Rule, RuleContext
from yuqing.config import Checker
from yuqing.model import Event


class SpikeRule(Rule):
    type_name = "spike"
    options = {"window_hours", "baseline_hours", "min_count", "ratio", "min_baseline"}

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

    def check_event(self, event: Event, ctx: RuleContext) -> Finding | None:
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
            "recent": recent, "window_hours": self.window_hours, "baseline_total": baseline_total,
            "baseline_hours": self.baseline_hours, "baseline_per_window": round(per_window, 3),
            "ratio": round(recent / expected, 3), "min_count": self.min_count, "ratio_threshold": self.ratio})
