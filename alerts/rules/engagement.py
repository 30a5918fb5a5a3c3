"""Engagement: one post that many people back (likes, replies …) far beyond its source's norm is an alert on its own.

A board post with 1,762 likes is an issue many citizens share even if nobody else writes about it; the volume rules
never see it (one post never meets a minimum count). What counts as "many" depends on the source: a city board where
most posts get no like at all is not a Weibo account where hundreds is ordinary. So each post is compared with its
source's recent posts (``norm_days``, from the store's ``engagement_histogram``):

- a candidate has at least ``min_total`` (sum of ``fields``), so a quiet source never alerts on five likes;
- it is above the source's ``percentile`` (strictly more than that share of the source's posts), and
- at least ``min_ratio`` times the source's median (a median below 1 counts as 1).

A source with fewer than ``min_norm_docs`` posts in the window has no norm yet: its posts need ``min_total_no_norm``.
The level comes from ``tiers`` (most severe first, the first whose ``min_total`` the post reaches); a single post is
never level 1 on its own. The alert is on the post's event when it has one (so it joins the other rules' findings on
that issue), otherwise on the post.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from yuqing.alerts.rules.base import Finding, Rule, RuleContext, keyword_words
from yuqing.config import Checker
from yuqing.model import Document
from yuqing.storage.base import DocumentFilter
from yuqing.storage.rows import COUNT_FIELDS
from yuqing.vocab import LEVEL_LABELS

FIELD_LABELS = {"likes": "点赞", "replies": "回复", "dislikes": "反对", "views": "浏览", "reposts": "转发"}


def norm_stats(histogram: list[tuple[int, int]]) -> dict[str, float]:
    """Median, P90, P99 and size of a source's norm given as [(engagement, documents)] (ascending)."""
    n = sum(c for _, c in histogram)
    if not n:
        return {"docs": 0, "median": 0.0, "p90": 0.0, "p99": 0.0}
    return {"docs": n, "median": quantile(histogram, 0.5), "p90": quantile(histogram, 0.9),
            "p99": quantile(histogram, 0.99)}


def quantile(histogram: list[tuple[int, int]], q: float) -> float:
    """The q-quantile of the values (nearest rank, the value at rank ceil(q·n))."""
    n = sum(c for _, c in histogram)
    rank = max(1, math.ceil(q * n - 1e-9))
    seen = 0
    for value, count in histogram:
        seen += count
        if seen >= rank:
            return float(value)
    return float(histogram[-1][0])


def share_below(histogram: list[tuple[int, int]], value: int) -> float:
    """Share of the norm's posts with strictly less engagement than ``value`` (its percentile rank)."""
    n = sum(c for _, c in histogram)
    return sum(c for v, c in histogram if v < value) / n if n else 0.0


class EngagementRule(Rule):
    type_name = "engagement"
    options = {"fields", "norm_days", "candidate_days", "min_total", "percentile", "min_ratio", "min_norm_docs",
               "min_total_no_norm", "tiers", "limit"}
    DEFAULT_TIERS = [{"level": 2, "min_total": 1000}, {"level": 3, "min_total": 300}, {"level": 4, "min_total": 0}]

    @classmethod
    def default_level(cls) -> int:
        return 3

    def configure(self, c: Checker) -> None:
        fields = c.strings("fields", ["likes", "replies"])
        bad = [f for f in fields if f not in COUNT_FIELDS]
        if bad or not fields:
            raise c.fail("fields", f"互动指标只能取 {'、'.join(COUNT_FIELDS)} 中的一个或多个（实际为 {fields!r}）")
        self.fields = tuple(dict.fromkeys(fields))
        self.norm_days = c.get("norm_days", int, 90, minimum=7, maximum=3660)
        self.candidate_days = c.get("candidate_days", int, 7, minimum=1, maximum=365)
        self.min_total = c.get("min_total", int, 100, minimum=1)
        self.percentile = c.get("percentile", float, 99.0, minimum=50.0, maximum=99.99)
        self.min_ratio = c.get("min_ratio", float, 10.0, minimum=1.0)
        self.min_norm_docs = c.get("min_norm_docs", int, 30, minimum=1)
        self.min_total_no_norm = c.get("min_total_no_norm", int, 500, minimum=self.min_total)
        self.limit = c.get("limit", int, 200, minimum=1, maximum=5000)
        raw = c.get("tiers", list, self.DEFAULT_TIERS)
        tiers = []
        for i, item in enumerate(raw):
            t = Checker(c.file, item, f"{c.key('tiers')}[{i}]")
            t.reject_unknown({"level", "min_total"})
            # Level 1 needs more than one post, however liked (issue 15): the most a single post earns is level 2.
            tiers.append((t.get("min_total", int, minimum=0), t.get("level", int, minimum=2, maximum=4)))
        if not tiers:
            raise c.fail("tiers", "至少需要一档阈值")
        self.tiers = sorted(tiers, key=lambda t: (-t[0], t[1]))

    def level_for(self, total: int) -> int | None:
        return next((level for minimum, level in self.tiers if total >= minimum), None)

    def total(self, doc: Document) -> int:
        return sum(int(getattr(doc, f) or 0) for f in self.fields)

    def check_documents(self, ctx: RuleContext) -> list[Finding]:
        docs_store = ctx.store.documents
        candidates = docs_store.engaged_documents(
            DocumentFilter(since=ctx.now - timedelta(days=self.candidate_days), until=ctx.now), self.fields,
            self.min_total, limit=self.limit)
        if not candidates:
            return []
        norms = docs_store.engagement_histogram(
            DocumentFilter(since=ctx.now - timedelta(days=self.norm_days), until=ctx.now), self.fields)
        best: dict[str, Finding] = {}
        for doc in candidates:
            finding = self.judge(doc, norms.get(doc.source, []), ctx)
            if finding is None:
                continue
            key = finding.subject
            if key not in best or finding.details["total"] > best[key].details["total"]:
                best[key] = finding
        return [best[k] for k in sorted(best)]

    def judge(self, doc: Document, histogram: list[tuple[int, int]], ctx: RuleContext) -> Finding | None:
        """The finding for one post against its source's norm, or None when it is within what the source sees."""
        total = self.total(doc)
        stats = norm_stats(histogram)
        median = stats["median"]
        rank = share_below(histogram, total)
        has_norm = stats["docs"] >= self.min_norm_docs
        ratio = total / max(median, 1.0)
        if has_norm:
            if total < self.min_total or rank * 100 < self.percentile or ratio < self.min_ratio:
                return None
        elif total < self.min_total_no_norm:
            return None
        level = self.level_for(total)
        if level is None:
            return None
        counts = "、".join(f"{FIELD_LABELS[f]} {int(getattr(doc, f) or 0)}" for f in self.fields)
        what = counts if len(self.fields) == 1 else f"{counts}（合计 {total}）"
        if has_norm:
            base = f"{median:g}" if median >= 1 else f"{median:g}，按 1 计"
            reason = (f"{what}，为该来源近 {self.norm_days} 天中位数（{base}）的 {ratio:.0f} 倍"
                      f"（P{self.percentile:g} 以上：高于该来源 {int(stats['docs'])} 篇帖子中的 {rank:.1%}）")
        else:
            reason = (f"{what}；该来源近 {self.norm_days} 天仅 {int(stats['docs'])} 篇帖子，尚无可比常态，"
                      f"按绝对阈值 {self.min_total_no_norm} 判断")
        reason += f"，定为{LEVEL_LABELS[level]}（单帖互动分级：" + "、".join(
            f"≥{m} 为{lv}级" for m, lv in self.tiers) + "）"
        title = (doc.title or "").strip()
        details: dict[str, Any] = {
            "doc_id": doc.id, "doc_title": title[:80], "source": doc.source, "fields": list(self.fields),
            "counts": {f: int(getattr(doc, f) or 0) for f in self.fields}, "total": total,
            "norm_days": self.norm_days, "norm_docs": int(stats["docs"]), "median": median, "p90": stats["p90"],
            "p99": stats["p99"], "percentile_rank": round(rank * 100, 2), "ratio": round(ratio, 2),
            "thresholds": {"min_total": self.min_total, "percentile": self.percentile, "min_ratio": self.min_ratio,
                           "min_norm_docs": self.min_norm_docs, "min_total_no_norm": self.min_total_no_norm},
            "level_parts": {"engagement": total, "tier_level": level}}
        event = ctx.store.documents.get_event(doc.event_id) if doc.event_id else None
        if event is not None and event.doc_count > 0:
            f = self.finding(event, level, f"帖子「{title[:30]}」：{reason}", details)
            f.source = doc.source
            return f
        analysis = doc.analysis or {}
        return Finding(rule=self.name, rule_type=self.type_name, level=level, reason=reason, details=details,
                       doc_id=doc.id, title=title or "（无标题）", source=doc.source,
                       keywords=keyword_words(analysis.get("keywords")), region=doc.region,
                       topic=(analysis.get("topic") or {}).get("label"), department=analysis.get("department"))
