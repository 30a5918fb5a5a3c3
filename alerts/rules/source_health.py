"""A source that keeps failing, or lists nothing at all, pass after pass: an operator alert.

Reads the crawl health the crawler records in the store (consecutive failed passes and passes that found no links),
so it needs nothing from the crawler's code. One alert per outage: a source that recovers and breaks again alerts again.
"""

from __future__ import annotations

from alerts.rules.base import Finding, Rule, RuleContext
from yuqing.config import Checker


class SourceHealthRule(Rule):
    type_name = "source_health"
    options = {"cycles"}

    @classmethod
    def default_level(cls) -> int:
        return 4  # 提示: for the operators, never auto-dispatched to a department

    def configure(self, c: Checker) -> None:
        self.cycles = c.get("cycles", int, 3, minimum=1)

    def check_documents(self, ctx: RuleContext) -> list[Finding]:
        out = []
        for health in ctx.store.workflow.source_health():
            failures = int(health.get("consecutive_failures") or 0)
            empty = int(health.get("consecutive_empty") or 0)
            if failures < self.cycles and empty < self.cycles:
                continue
            name = health["source"]
            if failures >= self.cycles:
                problem = f"连续 {failures} 轮抓取失败"
            else:
                problem = f"连续 {empty} 轮没有发现任何文章或留言（网站改版或列表页失效？）"
            last_ok = health.get("last_success")
            errors = health.get("errors") or {}
            reason = (f"来源「{name}」{problem}（阈值 {self.cycles} 轮）；上次成功："
                      f"{last_ok.strftime('%Y-%m-%d %H:%M') if last_ok else '从未成功'}；"
                      f"累计错误：{'、'.join(f'{k} {v}' for k, v in sorted(errors.items())) or '无'}。"
                      f"请用 yuqing sources 查看失败网址。")
            # The outage is identified by the last success before it, so a recovered source can alert again.
            outage = f"source:{name}|{last_ok.isoformat() if last_ok else 'never'}"
            out.append(Finding(
                rule=self.name, rule_type=self.type_name, level=self.level, reason=reason,
                details={"source": name, "consecutive_failures": failures, "consecutive_empty": empty,
                         "threshold": self.cycles, "errors": errors},
                doc_id=outage, title=f"采集来源异常：{name}", source=name, policy=None))
        return out
