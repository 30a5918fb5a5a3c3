"""Sensitive keywords: configurable named lists, each with its own level and minimum number of documents."""

from __future__ import annotations

from alerts.rules.base import Finding, Rule, RuleContext
from yuqing.config import Checker
from yuqing.model import Event

DEFAULT_LISTS = {
    "群体性事件": {"words": ["聚集", "上访", "堵路", "拉横幅", "罢工", "讨薪", "集体维权", "围堵"], "level": 2, "min_docs": 2},
    "安全事故": {"words": ["爆炸", "坍塌", "伤亡", "死亡", "起火", "中毒", "塌方"], "level": 2, "min_docs": 1},
    "涉腐涉警": {"words": ["贪污", "受贿", "腐败", "暴力执法", "打人", "索贿"], "level": 3, "min_docs": 1},
}


class KeywordRule(Rule):
    type_name = "keywords"
    options = {"lists"}

    def configure(self, c: Checker) -> None:
        lists = c.section("lists", DEFAULT_LISTS)
        self.lists: list[tuple[str, list[str], int, int]] = []
        for list_name in lists.data:
            lc = lists.section(list_name)
            lc.reject_unknown({"words", "level", "min_docs"})
            words = lc.strings("words")
            if not words:
                raise lc.fail("words", "关键词列表不能为空")
            self.lists.append((list_name, words, lc.get("level", int, self.level, minimum=1, maximum=4),
                               lc.get("min_docs", int, 1, minimum=1)))
        self.lists.sort(key=lambda t: t[2])

    def check_event(self, event: Event, ctx: RuleContext) -> Finding | None:
        docs = ctx.documents(event.id)
        texts = [f"{d.title}\n{(d.analysis or {}).get('text') or d.content}" for d in docs] or [event.title]
        for list_name, words, level, min_docs in self.lists:
            hits: dict[str, int] = {}
            matched_docs = 0
            for text in texts:
                found = [w for w in words if w in text]
                if found:
                    matched_docs += 1
                    for w in found:
                        hits[w] = hits.get(w, 0) + 1
            if matched_docs >= min_docs:
                top = "、".join(f"「{w}」{n} 篇" for w, n in sorted(hits.items(), key=lambda kv: -kv[1])[:5])
                reason = f"命中敏感词表「{list_name}」：{matched_docs} 篇含敏感词（{top}；阈值 {min_docs} 篇）"
                f = self.finding(event, level, reason, {"list": list_name, "matched_docs": matched_docs,
                                                        "hits": hits, "min_docs": min_docs})
                f.keywords = sorted(set(f.keywords) | set(hits))
                return f
        return None
