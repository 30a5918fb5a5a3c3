"""Scheme volume: a 监测方案's matched posts in the last hours against a threshold, optionally also a surge.

The scheme (option ``scheme``, required) names what an officer watches (「A市 供暖」); this rule fires when at least
``min_count`` of the posts it matched were published in the last ``window_hours``, and — when ``ratio`` is set — at
least ``ratio`` times as many as the same window held on average over the ``baseline_days`` before (never less than
one post per window, so "0 → 3" is not a surge of infinity). Matches are read from the store (recorded when each
post was analysed, back-filled when the scheme was made), never computed here.

The alert goes on the scheme's hottest event active in the window (one open alert per issue, as for the other
rules); its reason names the scheme, the count, the threshold and the baseline.
"""

from __future__ import annotations

from datetime import timedelta

from yuqing.alerts.rules.base import Finding, Rule, RuleContext
from yuqing.config import Checker


class SchemeVolumeRule(Rule):
    type_name = "scheme_volume"
    options = {"window_hours", "min_count", "ratio", "baseline_days"}

    def configure(self, c: Checker) -> None:
        if not self.scheme:
            raise c.fail("scheme", "scheme_volume 规则必须用 scheme 指定监测方案")
        self.window_hours = c.get("window_hours", int, 24, minimum=1, maximum=24 * 7)
        self.min_count = c.get("min_count", int, 20, minimum=1)
        self.ratio = c.get("ratio", float, 0.0, minimum=0.0)
        if 0 < self.ratio < 1:
            raise c.fail("ratio", f"突增倍数应 ≥ 1（0 表示只看篇数），实际为 {self.ratio:g}")
        self.baseline_days = c.get("baseline_days", int, 7, minimum=1, maximum=90)

    def _count(self, ctx: RuleContext, since, until) -> int:
        rows = ctx.store.documents.count_by("source", ctx.doc_filter(since=since, until=until), limit=100_000)
        return sum(n for _, n in rows)

    def check_documents(self, ctx: RuleContext) -> list[Finding]:
        start, end = ctx.now - timedelta(hours=self.window_hours), ctx.now + timedelta(microseconds=1)
        recent = self._count(ctx, start, end)
        if recent < self.min_count:
            return []
        details = {"scheme": self.scheme, "recent": recent, "window_hours": self.window_hours,
                   "min_count": self.min_count}
        reason = f"近 {self.window_hours} 小时匹配 {recent} 篇（阈值 {self.min_count} 篇）"
        if self.ratio:
            base_total = self._count(ctx, start - timedelta(days=self.baseline_days), start)
            per_window = base_total * self.window_hours / (self.baseline_days * 24)
            expected = max(per_window, 1.0)
            if recent < self.ratio * expected:
                return []
            reason += (f"，是此前 {self.baseline_days} 天同等时段均值 {per_window:.1f} 篇的 {recent / expected:.1f} 倍"
                       f"（阈值 ≥{self.ratio:g} 倍）")
            details.update(baseline_total=base_total, baseline_days=self.baseline_days,
                           baseline_per_window=round(per_window, 3), ratio=round(recent / expected, 3),
                           ratio_threshold=self.ratio)
        carrier = next(iter(ctx.store.documents.list_events(limit=1, since=start, order="heat", scheme=self.scheme)),
                       None)
        if carrier is None:  # matched posts not yet grouped into events: the next tick, after clustering, fires
            return []
        details["event_doc_count"] = carrier.doc_count
        return [self.finding(carrier, self.level, reason + f"；挂在方案内热度最高的事件「{carrier.title}」上", details)]
