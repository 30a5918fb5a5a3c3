"""Routing evidence: which configured department a post concerns, with a confidence and the reasons.

nlp.stages.DepartmentStage adds the outcome to each document; the evidence (the department named in the text, the
words of its cases, the topic model's probability of its categories, the place of the problem) is weighed here.
"""

from __future__ import annotations

import re
from collections import Counter

# --- routing -----------------------------------------------------------------------------------------------------
# Evidence strengths (combined per department as a noisy-or, 1 − Π(1 − e)). A department named in the subject is
# nearly always the one the writer means; named in the body it is often only context (「已向住建局反映」 still says
# whose matter it is). Subject words of a department's cases are weaker, more so in the body. The topic model's
# evidence is its calibrated probability of the department's categories.
ALIAS_TITLE, ALIAS_BODY = 0.85, 0.6
KEYWORD_TITLE, KEYWORD_BODY, KEYWORD_EXTRA, KEYWORD_MAX = 0.6, 0.35, 0.1, 0.75
# A category spans several bureaus (城乡建设: 住建, 城管, 自然资源, 水务 …): however sure the topic, it is capped
# here so that a bureau's own words decide between the bureaus sharing it (config order breaks a tie).
TOPIC_MAX = 0.9
# …and discounted by this share of the evidence for a bureau outside its 7 categories (公安, 纪委, 民政 …).
OUTSIDE_DISCOUNT = 0.5
REGION_ONLY = 0.6  # a district government for anything located in its district (属地管理), at the default floor
REGION_BONUS = 0.05  # a district's own bureau over the city's, at equal evidence
DEFAULT_FLOOR = 0.6  # below this the alert goes to the officer (settings "department_floor")
DEFAULT_MARGIN = 0.1  # …and when a department of another function is within this of the best
# 「家住A3区」「户籍在A5区」「我是A3区居民」: the writer's address, not the place of the problem.
_ADDRESS_BEFORE = re.compile(r"(?:家住|住在|居住在|户籍|老家|原籍|来自|我是|本人是|系)[^，。,；;\n]{0,6}$")


def _noisy_or(values: list[float]) -> float:
    p = 1.0
    for v in values:
        p *= 1.0 - max(0.0, min(1.0, v))
    return 1.0 - p


class DepartmentEvidence:
    """The evidence per configured department (``self.departments``, ``self._region_re``, set by DepartmentStage)."""

    @staticmethod
    def _title_body(doc: dict) -> tuple[str, str]:
        text = doc.get("text", "") or ""
        title = doc.get("title") if isinstance(doc.get("title"), str) else None
        if title is None:  # NormalizeStage puts the clean title on the first line
            title, _, body = text.partition("\n")
            return title, body
        return title, text

    def problem_region(self, doc: dict) -> tuple[str | None, str]:
        """(region, how it was found): the configured place in the subject, else the body's most-named place outside
        the writer's address, else the doc's region."""
        title, body = self._title_body(doc)
        if self._region_re is not None:
            m = self._region_re.search(title)
            if m:
                return m.group(0), f"标题所述地点“{m.group(0)}”"
            counts: Counter = Counter()
            for m in self._region_re.finditer(body):
                if not _ADDRESS_BEFORE.search(body[max(0, m.start() - 12):m.start()]):
                    counts[m.group(0)] += 1
            if counts:
                region = counts.most_common(1)[0][0]
                return region, f"正文所述地点“{region}”"
        if isinstance(doc.get("region"), str) and doc["region"].strip():
            return doc["region"].strip(), f"来源所属地区“{doc['region'].strip()}”"
        return None, ""

    @staticmethod
    def _text_evidence(d: dict, title: str, body: str) -> list[tuple[float, str]]:
        """(strength, reason) of the department being named (aliases) and of its case words (keywords)."""
        out = []
        named = [a for a in d["aliases"] if a in title] or [a for a in d["aliases"] if a in body]
        if named:
            where = "标题" if named[0] in title else "正文"
            out.append((ALIAS_TITLE if where == "标题" else ALIAS_BODY, f"{where}点名“{named[0]}”"))
        words = [k for k in d["keywords"] if k in title or k in body]
        if words:
            in_t = [k for k in words if k in title][:3]
            in_b = [k for k in words if k not in title][:3]
            strength = min(KEYWORD_MAX, (KEYWORD_TITLE if in_t else KEYWORD_BODY) + KEYWORD_EXTRA * (len(words) - 1))
            out.append((strength, "，".join(f"{where}提到“{'、'.join(ws)}”"
                                            for where, ws in (("标题", in_t), ("正文", in_b)) if ws)))
        return out

    def candidates(self, doc: dict) -> tuple[list[dict], str | None, str]:
        topic = self._topic_view(doc)
        label = topic.get("label")
        # The calibrated distribution when TopicStage gave one; else the label at its score.
        probs = {c: float(p) for c, p in (topic.get("candidates") or [])}
        if not probs and label:
            probs = {label: float(topic.get("score") or 0.0)}
        if topic.get("abstain") and "政府文件" in topic["abstain"]:
            probs = {}  # an official document is no citizen matter: its topic guess is no routing evidence
        title, body = self._title_body(doc)
        region, region_why = self.problem_region(doc)
        handled = {t for d in self.departments for t in d["topics"]}
        text_evidence = {d["name"]: self._text_evidence(d, title, body) for d in self.departments}
        # The topic model knows 7 categories of citizen messages; a matter of a bureau outside them (公安, 纪委, 民政 …)
        # named in the text makes its guess among the 7 that much less relevant.
        outside = OUTSIDE_DISCOUNT * max((_noisy_or([e for e, _ in text_evidence[d["name"]]]) for d in self.departments
                       if not d["topics"] and (d["aliases"] or d["keywords"]) and text_evidence[d["name"]]), default=0.0)
        out = []
        for d in self.departments:
            if d["regions"] and region not in d["regions"]:
                continue
            evidence = [e for e, _ in text_evidence[d["name"]]]
            reasons = [r for _, r in text_evidence[d["name"]]]
            p_topic = sum(probs.get(t, 0.0) for t in d["topics"])
            if p_topic >= 0.05:  # a category the model all but rules out is no evidence
                evidence.append(min(p_topic, TOPIC_MAX) * (1 - outside))
                reasons.append(f"主题“{'、'.join(t for t in d['topics'] if t in probs)}”概率 {p_topic:.2f}"
                               + (f"（文中涉及分类以外部门的事项，按 {1 - outside:.2f} 折算）" if outside else ""))
            if d["regions"]:
                if not d["topics"] and not d["aliases"] and not d["keywords"]:  # the district's government
                    evidence.append(REGION_ONLY)
                    if label in probs and label not in handled:
                        evidence.append(probs[label])
                        reasons.append(f"主题“{label}”无专门部门，由属地承办")
                reasons.append(f"{region_why}属本部门辖区")
            if not evidence:
                continue
            conf = _noisy_or(evidence)
            if d["regions"] and (d["topics"] or d["aliases"] or d["keywords"]):
                conf = min(1.0, conf + REGION_BONUS)
            out.append({"department": d["name"], "confidence": round(conf, 4), "reasons": reasons,
                        "_function": frozenset(d["topics"]) | frozenset(d["aliases"]), "_local": bool(d["regions"])})
        out.sort(key=lambda c: (-c["confidence"], not c["_local"]))
        return out, region, region_why

    @staticmethod
    def _topic_view(doc: dict) -> dict:
        """The topic with its detail (TopicStage's ``topic`` + ``topic_detail``; a plugged model gives only the first)."""
        return {**(doc.get("topic") or {}), **(doc.get("topic_detail") or {})}
