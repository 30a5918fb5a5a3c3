"""A rule type outside the project's packages (tests/alerts/test_rule_plugin.py names it by class path): it flags
an event whose post titles all name one word, with its own option and its own reason."""

from __future__ import annotations

from yuqing.alerts.rules.base import Finding, Rule, RuleContext
from yuqing.config import Checker
from yuqing.model import Event


class ToyWordRule(Rule):
    type_name = "toy_word"
    options = {"word", "min_posts"}

    def configure(self, c: Checker) -> None:
        self.word = c.get("word", str)
        self.min_posts = c.get("min_posts", int, 3, minimum=1)

    def check_event(self, event: Event, ctx: RuleContext) -> Finding | None:
        docs = [d for d in ctx.documents(event.id) if self.word in (d.title or "") + (d.content or "")]
        if len(docs) < self.min_posts:
            return None
        return Finding(rule=self.name, rule_type=self.type_name, level=self.level, event_id=event.id,
                       reason=f"{len(docs)} 篇帖子提到「{self.word}」（玩具规则）", title=event.title or self.word,
                       details={"posts": len(docs)})
