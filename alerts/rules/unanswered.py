"""Message-board posts left unanswered past N working days (调休 included); one alert per post."""

from __future__ import annotations

from datetime import timedelta

from alerts.rules.base import Finding, Rule, RuleContext, keyword_words
from yuqing.config import Checker
from yuqing.workdays import working_days_between

DEFAULT_CATEGORY_POLICIES = {"咨询": "consult", "求助": "help", "建议": "help", "投诉": "complaint", "举报": "complaint"}
ANSWERED_STATUS_WORDS = ("已回复", "已办结", "已答复", "已处理")


class UnansweredPostRule(Rule):
    type_name = "unanswered"
    options = {"working_days", "max_age_days", "category_policies", "default_policy"}

    def configure(self, c: Checker) -> None:
        self.working_days = c.get("working_days", int, 5, minimum=1)
        self.max_age_days = c.get("max_age_days", int, 60, minimum=1)
        self.category_policies = c.get("category_policies", dict, DEFAULT_CATEGORY_POLICIES)
        self.default_policy = c.get("default_policy", str, "help")

    def policy_for(self, category: str | None) -> str:
        for word, policy in self.category_policies.items():
            if category and word in category:
                return policy
        return self.default_policy

    def check_documents(self, ctx: RuleContext) -> list[Finding]:
        # N working days are at least N calendar days, so the store can pre-filter on wall time.
        before = ctx.now - timedelta(days=self.working_days)
        posts = ctx.store.documents.unanswered_posts(before, since=ctx.now - timedelta(days=self.max_age_days))
        out = []
        for doc in posts:
            if doc.reply or any(w in (doc.status or "") for w in ANSWERED_STATUS_WORDS):
                continue
            posted = doc.published_at or doc.fetched_at
            if posted is None:
                continue
            waited = working_days_between(posted, ctx.now)
            if waited <= self.working_days:
                continue
            analysis = doc.analysis or {}
            topic = (analysis.get("topic") or {}).get("label")
            reason = (f"留言「{doc.title[:30]}」发布于 {posted.strftime('%Y-%m-%d')}，已 {waited} 个工作日未答复"
                      f"（阈值 {self.working_days} 个工作日，按法定节假日与调休计算）")
            out.append(Finding(
                rule=self.name, rule_type=self.type_name, level=self.level, reason=reason,
                details={"doc_id": doc.id, "url": doc.url, "posted_at": posted.isoformat(), "working_days": waited,
                         "threshold": self.working_days, "category": doc.category},
                doc_id=doc.id, title=f"留言未答复：{doc.title}", source=doc.source,
                keywords=keyword_words(analysis.get("keywords"))[:10], region=doc.region, topic=topic,
                department=analysis.get("department"), policy=self.policy_for(doc.category)))
        return out
