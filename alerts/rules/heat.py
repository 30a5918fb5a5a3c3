"""Heat tiers: the event's heat index (from the clustering stage) against configured thresholds."""

from __future__ import annotations

from yuqing.alerts.rules.base import Finding, Rule, RuleContext, parse_tiers
from yuqing.config import Checker
from yuqing.model import Event
from yuqing.vocab import LEVEL_LABELS, heat_part_label


class HeatRule(Rule):
    type_name = "heat"
    options = {"tiers"}
    DEFAULT_TIERS = [{"level": 1, "min_heat": 80, "min_docs": 20}, {"level": 2, "min_heat": 60, "min_docs": 10},
                     {"level": 3, "min_heat": 40, "min_docs": 3}]
    editable = {"tiers": DEFAULT_TIERS}

    def configure(self, c: Checker) -> None:
        self.tiers = parse_tiers(c, "tiers", "min_heat", self.DEFAULT_TIERS)

    def check_event(self, event: Event, ctx: RuleContext) -> Finding | None:
        for level, min_heat, min_docs in self.tiers:
            if event.heat >= min_heat and event.doc_count >= min_docs:
                parts = "，".join(f"{heat_part_label(k)} {float(v):.1f}" for k, v in sorted(event.heat_parts.items())
                                 if isinstance(v, (int, float)))
                reason = (f"热度 {event.heat:.1f} 达到{LEVEL_LABELS[level]}阈值 {min_heat:g}"
                          f"（{event.doc_count} 篇，{event.source_count} 个来源{'；' + parts if parts else ''}）")
                return self.finding(event, level, reason, {
                    "heat": event.heat, "threshold": min_heat, "doc_count": event.doc_count,
                    "source_count": event.source_count, "heat_parts": dict(event.heat_parts)})
        return None
