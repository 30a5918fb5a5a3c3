"""Share of negative posts in an event, with a minimum size so two angry posts are not a crisis.

Official notices and thank-you letters (the NLP stage's ``genre`` mark: ``notice``, ``thanks``) are not opinion: an
event about 「A市开展根治欠薪冬季专项行动」 is not negative because the notice speaks of unpaid wages. They are left out
of both the negative count and the total (``skip_genres``).
"""

from __future__ import annotations

from yuqing.alerts.rules.base import Finding, Rule, RuleContext, parse_tiers
from yuqing.config import Checker
from yuqing.model import Event
from yuqing.vocab import LEVEL_LABELS

DEFAULT_SKIP_GENRES = ["notice", "thanks"]


def genre_of(doc) -> str | None:
    return ((getattr(doc, "analysis", None) or {}).get("genre") or {}).get("label")


class NegativeShareRule(Rule):
    type_name = "negative_share"
    options = {"tiers", "skip_genres"}
    DEFAULT_TIERS = [{"level": 2, "min_share": 0.8, "min_docs": 30}, {"level": 3, "min_share": 0.6, "min_docs": 5}]
    editable = {"tiers": DEFAULT_TIERS}

    def configure(self, c: Checker) -> None:
        self.tiers = parse_tiers(c, "tiers", "min_share", self.DEFAULT_TIERS)
        for _, share, _ in self.tiers:
            if share > 1:
                raise c.fail("tiers", f"min_share 是比例，应在 0–1 之间，实际为 {share}")
        self.skip_genres = set(c.strings("skip_genres", DEFAULT_SKIP_GENRES))

    def _skipped(self, event: Event, ctx: RuleContext) -> tuple[int, int]:
        """(negative, all judged) among the event's documents marked with a skipped genre."""
        if not self.skip_genres:
            return 0, 0
        neg = total = 0
        for d in ctx.documents(event.id):
            if genre_of(d) in self.skip_genres:
                label = ((d.analysis or {}).get("sentiment") or {}).get("label")
                total += 1
                neg += label == "negative"
        return neg, total

    def check_event(self, event: Event, ctx: RuleContext) -> Finding | None:
        judged = event.negative + event.neutral + event.positive
        total = judged or event.doc_count
        if total <= 0:
            return None
        skipped_neg, skipped = self._skipped(event, ctx)
        negative = max(event.negative - skipped_neg, 0)
        total = max(total - skipped, 0)
        if total <= 0:
            return None
        share = negative / total
        for level, min_share, min_docs in self.tiers:
            if share >= min_share and total >= min_docs:
                note = f"；已除去政府通知/感谢信 {skipped} 篇" if skipped else ""
                reason = (f"负面占比 {share:.0%}（{negative}/{total} 篇）达到{LEVEL_LABELS[level]}阈值 "
                          f"{min_share:.0%}（至少 {min_docs} 篇）{note}")
                return self.finding(event, level, reason, {
                    "negative": negative, "total": total, "share": round(share, 4), "threshold": min_share,
                    "min_docs": min_docs, "skipped_genre_docs": skipped, "skipped_genre_negative": skipped_neg})
        return None
