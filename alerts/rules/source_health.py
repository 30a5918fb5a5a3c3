"""A source that keeps failing, or lists nothing at all, pass after pass: an operator alert.

Reads the crawl health the crawler records in the store (consecutive failed passes and passes that found no links),
so it needs nothing from the crawler's code. One alert per outage: a source that recovers and breaks again alerts again.
"""

from __future__ import annotations

from yuqing.alerts.rules.base import Finding, Rule, RuleContext
from yuqing.config import Checker, Config
from yuqing.health import DEFAULT_FAILURE_CYCLES, failure_threshold, source_health


class SourceHealthRule(Rule):
    type_name = "source_health"
    scopable = False
    options = {"cycles"}

    @classmethod
    def default_level(cls) -> int:
        return 4  # 提示: for the operators, never auto-dispatched to a department

    def configure(self, c: Checker) -> None:
        if "cycles" in c.data:  # the threshold is one for crawler, rule and dashboard
            raise c.fail("cycles", "来源异常的阈值统一由 [crawl] failure_cycles 设置（采集报告、本规则与看板共用），"
                                   "请删除本项，改在 [crawl] 中设置 failure_cycles")
        self.cycles = DEFAULT_FAILURE_CYCLES

    def bind_config(self, config: Config | None) -> None:
        if config is not None:
            self.cycles = failure_threshold(config)

    def check_documents(self, ctx: RuleContext) -> list[Finding]:
        out = []
        for health in ctx.store.workflow.source_health():
            name = health["source"]
            judged = source_health(name, health, self.cycles)
            if not judged.needs_attention:
                continue
            failures, empty = judged.consecutive_failures, judged.consecutive_empty
            problem = judged.problems[0]
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
