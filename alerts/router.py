"""The router: which department a finding goes to, and why (explicit routes, the NLP stage's routing of the posts,
then the departments' topics and regions); when the text does not decide, it abstains and names candidates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from yuqing.alerts.rules.base import Finding

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext


class Router:
    def __init__(self, ctx: "AlertContext"):
        self.ctx = ctx

    def route(self, finding: Finding) -> tuple[str | None, str]:
        """Department for a finding and why (None: the officer decides). See ``route_decision``."""
        decision = self.route_decision(finding)
        return decision["department"], decision["reason"]

    def route_decision(self, finding: Finding) -> dict[str, Any]:
        """{"department" (None = left to the officer), "reason", "confidence", "candidates" [{"department",
        "confidence", "reasons"}], "abstain" (why the officer decides, or None)}.

        Explicit ``[[alerts.routes]]`` win. Otherwise the NLP stage's routing of the finding's post (or of the event's
        posts, averaged: a department's confidence is the mean over the posts, 0 where a post did not name it) is
        used: below the floor (``[nlp] department_floor``, default 0.6), between close rivals, or for official
        documents it abstains and hands the officer the top three candidates with their reasons. Findings whose posts
        carry no routing (analysed before routing had candidates, manual alerts) use topic/region matching as before.
        """
        topic, region = finding.topic, finding.region or ""
        for r in self.ctx.settings.routes:
            if (not r["topic"] or r["topic"] == topic) and (not r["region"] or r["region"] in region):
                return {"department": r["department"], "confidence": 1.0, "candidates": [], "abstain": None,
                        "reason": f"路由规则：主题「{r['topic'] or '任意'}」地区「{r['region'] or '任意'}」"}
        routed = self.routed_candidates(finding)
        if routed is not None:
            return routed
        department, reason = self.route_by_topic_region(finding)
        return {"department": department, "reason": reason, "confidence": None, "candidates": [], "abstain": None}

    def route_analyses(self, finding: Finding) -> list[dict[str, Any]]:
        """Analyses of the finding's post, or of its event's posts (at most 50, the latest)."""
        docs = self.ctx.store.documents
        if finding.event_id:
            event = docs.get_event(finding.event_id)
            members = (event.state or {}).get("members") or {} if event else {}
            ids = sorted(members, key=lambda i: members[i].get("t") or 0, reverse=True)[:50]
        elif finding.doc_id:
            ids = [finding.doc_id]
        else:
            return []
        return [d.analysis for d in docs.get_documents(ids) if d.analysis] if ids else []

    def routed_candidates(self, finding: Finding) -> dict[str, Any] | None:
        analyses = [a for a in self.route_analyses(finding) if "department_candidates" in a]
        if not analyses:
            return None
        floor = ((getattr(self.ctx.config, "raw", None) or {}).get("nlp") or {}).get("department_floor", 0.6)
        floor = float(floor) if isinstance(floor, (int, float)) and 0 <= floor <= 1 else 0.6  # the NLP stage rejects others
        notices = [a for a in analyses if "政府文件" in str(a.get("department_abstain") or "")]
        scored = [a for a in analyses if a not in notices] or notices  # notices' candidates still shown, never used
        total: dict[str, float] = {}
        reasons: dict[str, tuple[float, list[str]]] = {}
        for a in scored:
            for c in a.get("department_candidates") or []:
                name = c.get("department")
                if not self.ctx.department(name):
                    continue  # configuration changed since the analysis
                conf = float(c.get("confidence") or 0.0)
                total[name] = total.get(name, 0.0) + conf
                if conf > reasons.get(name, (-1.0, []))[0]:
                    reasons[name] = (conf, list(c.get("reasons") or []))
        n = len(scored)
        ranked = sorted(total.items(), key=lambda kv: -kv[1])
        candidates = [{"department": name, "confidence": round(score / n, 4), "reasons": reasons[name][1]}
                      for name, score in ranked[:3]]
        what = f"{len(analyses)} 条帖子" if finding.event_id else "该帖"
        if len(notices) == len(analyses):
            abstain = f"{what}为政府文件/通知类文本，不是群众诉求"
        elif not candidates:
            abstain = f"{what}没有可判断责任部门的依据"
        elif candidates[0]["confidence"] < floor:
            abstain = f"最可能的部门「{candidates[0]['department']}」置信度 {candidates[0]['confidence']:.2f} 低于下限 {floor:.2f}"
        elif n == 1 and scored[0].get("department_abstain"):
            abstain = str(scored[0]["department_abstain"])
        else:
            abstain = None
        if abstain is None:
            best = candidates[0]
            return {"department": best["department"], "confidence": best["confidence"], "candidates": candidates,
                    "abstain": None, "reason": f"文本路由（{what}）：{'；'.join(best['reasons'])}，置信度 {best['confidence']:.2f}"}
        listing = "；".join(f"{i}. {c['department']}（{c['confidence']:.2f}：{'，'.join(c['reasons']) or '无'}）"
                           for i, c in enumerate(candidates, 1))
        reason = f"路由待专员确认：{abstain}" + (f"。候选部门：{listing}" if candidates else "")
        return {"department": None, "confidence": candidates[0]["confidence"] if candidates else 0.0,
                "candidates": candidates, "abstain": abstain, "reason": reason}

    def route_by_topic_region(self, finding: Finding) -> tuple[str | None, str]:
        """The routing of findings without NLP candidates: departments' topics/regions, then NLP's guess."""
        topic, region = finding.topic, finding.region or ""
        best, best_score = None, 0
        for d in self.ctx.departments:
            if d.supervisor:
                continue
            topic_hit = bool(topic) and topic in d.topics
            region_hit = bool(region) and any(x in region for x in d.regions)
            score = 0
            if topic_hit and region_hit:
                score = 3
            elif topic_hit and not d.regions:
                score = 2  # city-level department for the topic
            elif region_hit and not d.topics:
                score = 1  # the district government for anything in its district
            if score > best_score:
                best, best_score = d, score
        if best:
            why = {3: "主题与地区均匹配", 2: "主题匹配（市级部门）", 1: "地区匹配（属地政府）"}[best_score]
            return best.name, f"{why}：主题「{topic or '未知'}」，地区「{region or '未知'}」"
        if finding.department and self.ctx.department(finding.department):
            return finding.department, "采用文本分析推断的责任部门"
        fallback = self.ctx.settings.fallback_department or next(
            (d.name for d in self.ctx.departments if not d.supervisor and not d.topics and not d.regions
             and not d.aliases and not d.keywords), None)
        return fallback, "无匹配部门，交由兜底部门" if fallback else "无匹配部门，待人工派发"
