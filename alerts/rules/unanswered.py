"""Message-board posts left unanswered past N working days (调休 included).

Posts that become overdue while we watch get one alert each. Posts that were *already* overdue when the system first
saw them (a board's history on the first crawl, a newly added source) are the backlog: by default they are reported
as one digest alert per responsible department (「某部门 N 条留言超期未答复」 with the list), so a first crawl does
not bury the officer's queue under dozens of identical alerts about old posts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from yuqing.alerts.rules.base import Finding, Rule, RuleContext, keyword_words
from yuqing.alerts.titles import readable_title
from yuqing.clock import TZ
from yuqing.config import Checker
from yuqing.model import Document
from yuqing.workdays import working_days_between

DEFAULT_CATEGORY_POLICIES = {"咨询": "consult", "求助": "help", "建议": "help", "投诉": "complaint", "举报": "complaint"}
# When the board gives no category: the citizen kind the NLP stage read from the post (analysis["genre"]["kind"]).
DEFAULT_KIND_POLICIES = {"咨询": "consult", "求助": "help", "建议": "help", "投诉": "complaint"}
ANSWERED_STATUS_WORDS = ("已回复", "已办结", "已答复", "已处理")
BACKLOG_MODES = ("digest", "each", "ignore")
DIGEST_KIND = "backlog"


def first_seen(doc: Document) -> datetime | None:
    """When the store first saw the post (kept by the store; analysed documents carry it), else when it was fetched."""
    seen = (doc.analysis or {}).get("first_seen")
    return seen if isinstance(seen, datetime) else doc.fetched_at


class UnansweredPostRule(Rule):
    type_name = "unanswered"
    options = {"working_days", "max_age_days", "category_policies", "kind_policies", "default_policy", "backlog",
               "backlog_policy", "backlog_list"}

    def configure(self, c: Checker) -> None:
        self.working_days = c.get("working_days", int, 5, minimum=1)
        self.max_age_days = c.get("max_age_days", int, 60, minimum=1)
        self.category_policies = c.get("category_policies", dict, DEFAULT_CATEGORY_POLICIES)
        for word, policy in self.category_policies.items():
            if not isinstance(policy, str) or not policy:
                raise c.fail("category_policies", f"分类「{word}」的时限策略应为策略名（字符串），实际为 {policy!r}")
        self.kind_policies = c.get("kind_policies", dict, DEFAULT_KIND_POLICIES)
        for kind, policy in self.kind_policies.items():
            if kind not in DEFAULT_KIND_POLICIES:
                raise c.fail("kind_policies", f"诉求类型「{kind}」无效（可选：{'、'.join(DEFAULT_KIND_POLICIES)}）")
            if not isinstance(policy, str) or not policy:
                raise c.fail("kind_policies", f"诉求类型「{kind}」的时限策略应为策略名（字符串），实际为 {policy!r}")
        self.default_policy = c.get("default_policy", str, "help")
        self.backlog = c.get("backlog", str, "digest", choices=BACKLOG_MODES)
        self.backlog_policy = c.get("backlog_policy", str, self.default_policy)
        self.backlog_list = c.get("backlog_list", int, 20, minimum=1, maximum=500)

    def policy_names(self) -> set[str]:
        """Every deadline policy this rule may name (checked against [deadlines] when the rules are built)."""
        return {*self.category_policies.values(), *self.kind_policies.values(), self.default_policy, self.backlog_policy}

    def policy_for(self, category: str | None, kind: str | None = None) -> str:
        """The board's own category decides; without one, the citizen kind read from the post; then the default."""
        for word, policy in self.category_policies.items():
            if category and word in category:
                return policy
        return self.kind_policies.get(kind or "", self.default_policy)

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
            seen = first_seen(doc)
            # Already past the limit the first time we saw it: the lateness happened before we were watching.
            backlog = seen is not None and working_days_between(posted, seen) > self.working_days
            if backlog and self.backlog == "ignore":
                continue
            analysis = doc.analysis or {}
            topic = (analysis.get("topic") or {}).get("label")
            # A board title such as 「）」 or 「无标题」 says nothing: the post's first meaningful clause stands in.
            title = readable_title(doc.title, analysis.get("text"), doc.content) or doc.title
            reason = (f"留言「{title[:30]}」发布于 {posted.astimezone(TZ).strftime('%Y-%m-%d')}，已 {waited} 个工作日未答复"
                      f"（阈值 {self.working_days} 个工作日，按法定节假日与调休计算）")
            out.append(Finding(
                rule=self.name, rule_type=self.type_name, level=self.level, reason=reason,
                details={"doc_id": doc.id, "url": doc.url, "posted_at": posted.astimezone(TZ).isoformat(),
                         "working_days": waited,
                         "threshold": self.working_days, "category": doc.category, "backlog": backlog,
                         "first_seen": seen.isoformat() if seen else None},
                doc_id=doc.id, title=f"留言未答复：{title}", source=doc.source,
                keywords=keyword_words(analysis.get("keywords"))[:10], region=doc.region, topic=topic,
                department=analysis.get("department"),
                policy=self.policy_for(doc.category, (analysis.get("genre") or {}).get("kind")),
                digest=DIGEST_KIND if backlog and self.backlog == "digest" else None))
        return out

    def digest(self, department: str | None, findings: list[Finding], *, known: list[dict[str, Any]] | None = None
               ) -> Finding:
        """One finding for a department's backlog: the count, the span, and the posts listed (oldest first).

        ``known`` are posts already in the department's open digest alert; the new findings are added to them."""
        posts = list(known or [])
        seen_ids = {p["doc_id"] for p in posts}
        for f in findings:
            if f.doc_id in seen_ids:
                continue
            d = f.details.get("rules", {}).get(self.name, f.details)  # merged findings keep each rule's numbers
            posts.append({"doc_id": f.doc_id, "title": f.title.removeprefix("留言未答复："), "url": d.get("url"),
                          "posted_at": d.get("posted_at"), "working_days": d.get("working_days"),
                          "category": d.get("category"), "source": f.source})
            seen_ids.add(f.doc_id)
        posts.sort(key=lambda p: (p.get("posted_at") or "", p["doc_id"]))
        n = len(posts)
        name = department or "未分派部门"
        days = [int(p["working_days"]) for p in posts if p.get("working_days") is not None]
        dates = [p["posted_at"][:10] for p in posts if p.get("posted_at")]
        listed = "；".join(f"{i}.「{(p['title'] or '')[:30]}」（{(p.get('posted_at') or '')[:10]}，"
                          f"{p.get('working_days')} 个工作日）" for i, p in enumerate(posts[: self.backlog_list], 1))
        more = f"；……等共 {n} 条，完整清单见预警详情" if n > self.backlog_list else ""
        reason = (f"{name}有 {n} 条留言在开始监测时已超期未答复（发布于 {min(dates, default='?')} 至 "
                  f"{max(dates, default='?')}，已 {min(days, default=0)}–{max(days, default=0)} 个工作日未答复，"
                  f"阈值 {self.working_days} 个工作日），汇总为一条预警：{listed}{more}")
        sources = {p.get("source") for p in posts}
        return Finding(
            rule=self.name, rule_type=self.type_name, level=self.level, reason=reason,
            details={"digest": DIGEST_KIND, "count": n, "threshold": self.working_days, "posts": posts,
                     "doc_ids": [p["doc_id"] for p in posts]},
            title=f"{name} {n} 条留言超期未答复", source=sources.pop() if len(sources) == 1 else None,
            department=department, policy=self.backlog_policy, digest=DIGEST_KIND)
