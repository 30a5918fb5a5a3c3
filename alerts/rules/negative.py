"""Share of negative posts in an event, with a minimum size so two angry posts are not a crisis."""

from __future__ import annotations

from alerts.rules.base import LEVEL_LABELS, Finding, Rule, RuleContext, parse_tiers
from yuqing.config import Checker
from yuqing.model import Event


class NegativeShareRule(Rule):
    type_name = "negative_share"
    options = {"tiers"}
    DEFAULT_TIERS = [{"level": 2, "min_share": 0.8, "min_docs": 30}, {"level": 3, "min_share": 0.6, "min_docs": 5}]

    def configure(self, c: Checker) -> None:
        self.tiers = parse_tiers(c, "tiers", "min_share", self.DEFAULT_TIERS)
        for _, share, _ in self.tiers:
            if share > 1:
                raise c.fail("tiers", f"min_share 是比例，应在 0–1 之间，实际为 {share}")

    def check_event(self, event: Event, ctx: RuleContext) -> Finding | None:
        judged = event.negative + event.neutral + event.positive
        total = judged or event.doc_count
        if total <= 0:
            return None
        share = event.negative / total
        for level, min_share, min_docs in self.tiers:
            if share >= min_share and total >= min_docs:
                reason = (f"负面占比 {share:.0%}（{event.negative}/{total} 篇）达到{LEVEL_LABELS[level]}阈值 "
                          f"{min_share:.0%}（至少 {min_docs} 篇）")
                return self.finding(event, level, reason, {
                    "negative": event.negative, "total": total, "share": round(share, 4), "threshold": min_share,
                    "min_docs": min_docs})
        return None
