"""AlertService: the one entry point the CLI, scheduler and dashboard use for alerts and the response loop.

Everything time-dependent takes ``now``; everything that changes an alert happens in one store transaction
together with its audit entry, under an optimistic version check. Deadlines, warnings and escalations are
derived from stored state (``alert.deadlines``, ``alert.warned``, ``alert.escalated``), so a scheduler that was
down across a deadline catches up on the next tick and never sends anything twice.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from alerts.deadlines import compute_deadlines, provisional_deadlines
from alerts.engine import RuleEngine
from alerts.notify.base import Channel, DeliveryError
from alerts.rules.base import Finding
from alerts.rules.unanswered import ANSWERED_STATUS_WORDS, DIGEST_KIND
from alerts.schema import parse_alerts, parse_deadlines, parse_notifications
from alerts.titles import is_degenerate, readable_title, split_prefix
from alerts.workflow import (
    ACTIONS, AWAITING_ANSWER, EXTENSION_ACTIONS, RATINGS, PermissionDenied, WorkflowError, check_action,
    check_action_time, check_not_own, check_view, extension_problem,
)
from yuqing.clock import TZ, iso
from yuqing.clock import now as clock_now
from yuqing.config import Config, WaitClock, WaitingConfig
from yuqing.model import (
    OPEN_STATUSES, Alert, AlertStatus, Assignment, AuditEntry, Department, Response, Role, User,
)
from yuqing.plugins import build_component
from yuqing.privacy import mask_pii
from yuqing import views as V
from yuqing.storage.base import ConcurrentUpdateError, DuplicateError
from yuqing.users import is_system_operator
from yuqing.vocab import LEVEL_LABELS, deadline_label

log = logging.getLogger(__name__)
S = AlertStatus

# The shortest lease on a claimed notification (seconds); see AlertService._lease.
DELIVERY_LEASE_SECONDS = 300.0
# The rule name of the operator alert for a broken audit chain.
AUDIT_RULE = "审计日志完整性"

__all__ = ["AlertService", "ConcurrentUpdateError", "PermissionDenied", "WorkflowError"]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def past_due(due: datetime, at: datetime) -> bool:
    """The one rule for on time vs overdue: a deadline is met by anything at or before its exact second (a
    working-day limit runs to 23:59:59 of its last day, 「5 小时内」 includes the fifth hour's end), and broken by
    anything after it. The tick, a response, the flags and the waiting clock all ask here, so a response recorded
    at the deadline's exact second and a tick at that second never disagree."""
    return at > due


#: Rule type whose alerts are answered by the post's official reply (single posts and the backlog digest).
UNANSWERED_TYPE = "unanswered"
#: Rule types of operational alerts, which are never dispatched to a department.
OPERATIONAL_TYPES = frozenset({"source_health", "audit_chain"})


class AlertService:
    def __init__(self, store: Any, config: Config | None = None):
        self.store, self.config = store, config
        self.settings = parse_alerts(config)
        self.deadline_settings = parse_deadlines(config)
        self.notify_settings = parse_notifications(config)
        self.engine = RuleEngine(self.settings.rules, lookback_hours=self.settings.lookback_hours)
        self.departments: list[Department] = list(config.departments) if config else store.workflow.list_departments()
        self._channels: dict[str, Channel] = {}
        manual = next((r for r in self.settings.rules if r.type_name == "manual"), None)
        self.manual_rule_name = manual.name if manual else "人工预警"

    @classmethod
    def from_config(cls, config: Config, store: Any) -> "AlertService":
        return cls(store, config)

    @property
    def wf(self) -> Any:
        return self.store.workflow

    # -- helpers -----------------------------------------------------------------------------------------------
    def supervisor(self) -> Department | None:
        return next((d for d in self.departments if d.supervisor), None)

    def department(self, name: str | None) -> Department | None:
        return next((d for d in self.departments if d.name == name), None)

    def _policy_for_level(self, level: int) -> str | None:
        return self.settings.level_policies.get(level)

    def _deadlines(self, policy: str | None, start: datetime) -> dict[str, datetime]:
        if not policy:
            return {}
        return compute_deadlines(policy, start, self.deadline_settings.raw,
                                 calendar=getattr(self.config, "calendar", None))

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
        for r in self.settings.routes:
            if (not r["topic"] or r["topic"] == topic) and (not r["region"] or r["region"] in region):
                return {"department": r["department"], "confidence": 1.0, "candidates": [], "abstain": None,
                        "reason": f"路由规则：主题「{r['topic'] or '任意'}」地区「{r['region'] or '任意'}」"}
        routed = self._routed_candidates(finding)
        if routed is not None:
            return routed
        department, reason = self._route_by_topic_region(finding)
        return {"department": department, "reason": reason, "confidence": None, "candidates": [], "abstain": None}

    def _route_analyses(self, finding: Finding) -> list[dict[str, Any]]:
        """Analyses of the finding's post, or of its event's posts (at most 50, the latest)."""
        docs = self.store.documents
        if finding.event_id:
            event = docs.get_event(finding.event_id)
            members = (event.state or {}).get("members") or {} if event else {}
            ids = sorted(members, key=lambda i: members[i].get("t") or 0, reverse=True)[:50]
        elif finding.doc_id:
            ids = [finding.doc_id]
        else:
            return []
        return [d.analysis for d in docs.get_documents(ids) if d.analysis] if ids else []

    def _routed_candidates(self, finding: Finding) -> dict[str, Any] | None:
        analyses = [a for a in self._route_analyses(finding) if "department_candidates" in a]
        if not analyses:
            return None
        floor = ((getattr(self.config, "raw", None) or {}).get("nlp") or {}).get("department_floor", 0.6)
        floor = float(floor) if isinstance(floor, (int, float)) and 0 <= floor <= 1 else 0.6  # the NLP stage rejects others
        notices = [a for a in analyses if "政府文件" in str(a.get("department_abstain") or "")]
        scored = [a for a in analyses if a not in notices] or notices  # notices' candidates still shown, never used
        total: dict[str, float] = {}
        reasons: dict[str, tuple[float, list[str]]] = {}
        for a in scored:
            for c in a.get("department_candidates") or []:
                name = c.get("department")
                if not self.department(name):
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

    def _route_by_topic_region(self, finding: Finding) -> tuple[str | None, str]:
        """The routing of findings without NLP candidates: departments' topics/regions, then NLP's guess."""
        topic, region = finding.topic, finding.region or ""
        best, best_score = None, 0
        for d in self.departments:
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
        if finding.department and self.department(finding.department):
            return finding.department, "采用文本分析推断的责任部门"
        fallback = self.settings.fallback_department or next(
            (d.name for d in self.departments if not d.supervisor and not d.topics and not d.regions
             and not d.aliases and not d.keywords), None)
        return fallback, "无匹配部门，交由兜底部门" if fallback else "无匹配部门，待人工派发"

    def _transaction(self):
        return self.wf.transaction()

    def _audit(self, alert: Alert, actor: str, action: str, at: datetime, from_status: AlertStatus | None,
               to_status: AlertStatus | None, note: str = "") -> None:
        self.wf.append_audit(AuditEntry(alert_id=alert.id, actor=actor, action=action, at=at,
                                        from_status=from_status.value if from_status else None,
                                        to_status=to_status.value if to_status else None, note=note))

    def _save(self, alert: Alert, expected_version: int) -> Alert:
        return self.wf.update_alert(alert, expected_version)

    def _start_round(self, alert: Alert, start: datetime, *, new_round: bool) -> None:
        """Set deadlines for a new clock (dispatch, reopen, level rise). Warnings and escalation start afresh."""
        rounds = int(alert.details.get("round", 0)) + (1 if new_round or not alert.details.get("round") else 0)
        alert.details = {**alert.details, "round": rounds, "round_started_at": start.isoformat()}
        alert.deadlines = self._deadlines(alert.policy, start)
        alert.warned = []
        alert.escalated = False

    # -- rules → alerts ----------------------------------------------------------------------------------------
    def evaluate(self, now: datetime) -> list[Alert]:
        """Run all rules; create or raise alerts; auto-dispatch; queue notifications. Returns alerts created or raised."""
        result = self.engine.run(self.store, now)
        changed: list[Alert] = []
        self.last_run = {"findings": len(result.findings), "silenced": len(result.silenced), "errors": result.errors,
                         "created": 0, "raised": 0, "unchanged": 0, "suppressed": 0, "digested": 0}
        digestable = [f for f in result.findings if f.digest]
        for finding in result.findings:
            if finding.digest:
                continue
            try:
                alert = self._apply_finding(finding, now)
            except ConcurrentUpdateError:
                log.info("alert for %s changed meanwhile; next tick will look again", finding.subject)
                alert = None
            except Exception as exc:  # one bad finding must not stop the batch
                log.exception("could not apply finding %s", finding.subject)
                result.errors.append(f"处理 {finding.subject} 时出错：{exc}")
                alert = None
            if alert is not None:
                changed.append(alert)
        changed.extend(self._apply_digests(digestable, now, result.errors))
        # Posts answered since their overdue-reply alert was raised: those alerts close themselves.
        self.last_run["answered"] = self.close_answered(now)
        return changed

    def _apply_digests(self, findings: list[Finding], now: datetime, errors: list[str]) -> list[Alert]:
        """Backlog findings → one alert per (rule, routed department); an open digest alert takes the new posts."""
        rules = {r.name: r for r in self.settings.rules}
        groups: dict[tuple[str, str], list[Finding]] = {}
        for f in findings:
            if f.doc_id and self.wf.get_state("alerts.doc", f.doc_id):
                self.last_run["unchanged"] += 1
                continue  # one alert per board post, ever: it is already in an alert (digest or its own)
            department, _ = self.route(f)
            groups.setdefault((f.rule, department or ""), []).append(f)
        changed = []
        for (rule_name, department), group in sorted(groups.items()):
            try:
                changed.append(self._apply_digest(rules[rule_name], department or None, group, now))
            except ConcurrentUpdateError:
                log.info("digest alert for %s changed meanwhile; next tick will look again", department)
            except Exception as exc:  # one bad group must not stop the others
                log.exception("could not apply the digest for %s", department)
                errors.append(f"汇总 {department or '未分派部门'} 的超期留言时出错：{exc}")
        return changed

    def _apply_digest(self, rule: Any, department: str | None, group: list[Finding], now: datetime) -> Alert:
        key = f"{rule.name}|{department or ''}"
        existing_id = self.wf.get_state("alerts.digest", key)
        existing = self.wf.get_alert(existing_id) if existing_id else None
        if existing is not None and existing.status is not S.CLOSED:
            known = list(existing.details.get("posts") or [])
            finding = rule.digest(department, group, known=known)
            added = finding.details["count"] - len(known)
            alert = replace(existing, details={**existing.details, **finding.details}, title=finding.title,
                            reason=finding.reason, updated_at=now)
            note = f"新增 {added} 条开始监测时已超期未答复的留言，共 {finding.details['count']} 条"
            with self._transaction():
                alert = self._save(alert, existing.version)
                for f in group:
                    self.wf.set_state("alerts.doc", f.doc_id, alert.id)
                self._audit(alert, self.settings.system_actor, "digest_add", now, alert.status, alert.status, note)
                self._queue(alert, "digest_add", now, self._officer_targets(), message=note,
                            key=str(finding.details["count"]))
            self.last_run["raised"] += 1
            self.last_run["digested"] += len(group)
            return alert
        finding = rule.digest(department, group)
        alert_id = "D" + now.astimezone(TZ).strftime("%Y%m%d") + "-" + _sha(f"digest:{key}|{now.isoformat()}")[:8]
        with self._transaction():
            alert = self._create(alert_id, finding, now, route=(
                department, "汇总：各条留言按路由规则归属本部门" if department else "无匹配部门，待人工派发"))
            for f in group:
                self.wf.set_state("alerts.doc", f.doc_id, alert.id)
            self.wf.set_state("alerts.digest", key, alert.id)
        self.last_run["created"] += 1
        self.last_run["digested"] += len(group)
        return alert

    def _apply_finding(self, finding: Finding, now: datetime) -> Alert | None:
        if finding.event_id:
            existing = self.wf.open_alert_for_event(finding.event_id)
            if existing:
                if finding.level < existing.level:
                    self.last_run["raised"] += 1
                    return self._raise_level(existing, finding, now)
                self.last_run["unchanged"] += 1
                return None
            closed = self.wf.get_state("alerts.closed", finding.event_id)
            if closed:
                level_text, _, closed_at = closed.partition("|")
                # A handled event does not come back at the same level; it does when it gets worse.
                if finding.level >= int(level_text):
                    self.last_run["suppressed"] += 1
                    return None
            handled, joined = self._join_followup(finding, now)
            if handled:
                return joined
            alert_id = "E" + now.astimezone(TZ).strftime("%Y%m%d") + "-" + _sha(f"{finding.event_id}|{now.isoformat()}")[:8]
        else:
            alert_id = "P" + now.astimezone(TZ).strftime("%Y%m%d") + "-" + _sha(f"doc:{finding.doc_id}")[:8]
            if self.wf.get_state("alerts.doc", finding.doc_id):
                self.last_run["unchanged"] += 1
                return None  # one alert per board post, ever
        self.last_run["created"] += 1
        return self._create(alert_id, finding, now)

    def _join_followup(self, finding: Finding, now: datetime) -> tuple[bool, Alert | None]:
        """One open alert per issue: the finding's event has no open alert of its own, but it names a distinctive
        entity (``Event.state["entities"]``, recorded by the events stage) that the event of an open alert created
        at most ``[alerts] followup_days`` ago names too — a follow-up 21 days later, or a second post about the
        same estate routed to another department. The finding then joins that alert (the oldest such; audit
        「后续帖子并入」, ``details["followup_events"]`` lists the events) instead of opening another, and raises its
        level if it is more severe. Returns (handled, alert changed or None)."""
        docs = self.store.documents
        event = docs.get_event(finding.event_id)
        entities = set((event.state or {}).get("entities") or []) if event else set()
        if not entities:
            return False, None
        days = self.settings.followup_days
        if days <= 0:
            return False, None
        since = now - timedelta(days=days)
        candidates = sorted((a for a in self._alerts_in(list(OPEN_STATUSES))
                             if a.event_id and a.created_at and a.created_at >= since),
                            key=lambda a: (a.created_at, a.id))
        for alert in candidates:
            linked = [alert.event_id, *(alert.details.get("followup_events") or [])]
            if finding.event_id in linked:
                self.last_run["unchanged"] += 1
                return True, None  # joined at an earlier tick
            shared = sorted(entities & {e for eid in linked if (ev := docs.get_event(eid)) is not None
                                        for e in (ev.state or {}).get("entities") or []})
            if not shared:
                continue
            note = (f"后续帖子并入：事件 {finding.event_id}（{finding.title}）与本预警的事件同涉「{'、'.join(shared)}」，"
                    f"并入本预警，不另立预警；涉及事件：{'、'.join([*linked, finding.event_id])}")
            joined = replace(alert, updated_at=now, details={
                **alert.details, "followup_events": [*linked[1:], finding.event_id],
                "followups": [*(alert.details.get("followups") or []),
                              {"at": now.isoformat(), "event_id": finding.event_id, "entities": shared,
                               "rule": finding.rule, "level": finding.level}]})
            with self._transaction():
                joined = self._save(joined, alert.version)
                self._audit(joined, self.settings.system_actor, "followup_joined", now, joined.status, joined.status,
                            note)
            if finding.level < joined.level:
                joined = self._raise_level(joined, finding, now)
            self.last_run["raised"] += 1
            return True, joined
        return False, None

    def _create(self, alert_id: str, finding: Finding, now: datetime, *, actor: str | None = None,
                route: tuple[str | None, str] | None = None) -> Alert:
        decision = {"department": route[0], "reason": route[1]} if route else self.route_decision(finding)
        department, route_reason = decision["department"], decision["reason"]
        policy = finding.policy or self._policy_for_level(finding.level)
        alert = Alert(
            id=alert_id, rule=finding.rule, level=finding.level, title=self._title(finding),
            # Routing that abstains says so where the officer reads first, with the three candidates.
            reason=f"{finding.reason}；{route_reason}" if decision.get("abstain") else finding.reason,
            status=S.NEW, event_id=finding.event_id, department=department, policy=policy,
            details={**finding.details, "rule_type": finding.rule_type, "route": route_reason,
                     **({"route_candidates": decision["candidates"]}
                        if decision.get("abstain") and decision.get("candidates") else {}),
                     "keywords": finding.keywords[:20], "doc_id": finding.doc_id, "source": finding.source,
                     "level_history": [{"at": now.isoformat(), "level": finding.level, "reason": finding.reason}]},
            created_at=now, updated_at=now)
        actor = actor or self.settings.system_actor
        with self._transaction():
            self.wf.insert_alert(alert)
            if finding.doc_id and not finding.event_id:
                self.wf.set_state("alerts.doc", finding.doc_id, alert.id)
            self._audit(alert, actor, "create", now, None, S.NEW,
                        f"{LEVEL_LABELS.get(alert.level, alert.level)}：{alert.reason}；拟派：{department or '（无）'}（{route_reason}）")
            self._queue(alert, "new", now, self._officer_targets())
            if department and policy and finding.level <= self.settings.auto_dispatch_max_level:
                alert = self._do_dispatch(alert, actor, department, now, note="按级别自动派发", action="dispatch")
        return alert

    def _title(self, finding: Finding) -> str:
        """The finding's title, unless the post or event title in it is degenerate (「）」, 「？？」, 「求助」,
        「无标题」): then the first meaningful clause of the post's text, the event's title or its posts' text."""
        prefix, core = split_prefix(finding.title or "")
        if not is_degenerate(core):
            return finding.title
        texts: list[str | None] = []
        docs = self.store.documents
        doc = docs.get_document(finding.doc_id) if finding.doc_id and not finding.event_id else None
        event_id = finding.event_id or (doc.event_id if doc else None)
        if doc is not None:
            texts.append((doc.analysis or {}).get("text") or doc.content)
        if event_id:
            event = docs.get_event(event_id)
            texts.append(event.title if event else None)
            _, found = docs.list_documents(event_id=event_id, limit=20)
            found.sort(key=lambda d: (d.likes + d.replies + d.views / 100), reverse=True)
            for d in found[:5]:
                texts += [d.title, (d.analysis or {}).get("text") or d.content]
        better = readable_title(core, *texts, finding.reason)
        return prefix + better if better else (finding.title or "（无标题）")

    def _raise_level(self, alert: Alert, finding: Finding, now: datetime) -> Alert:
        before = alert.status
        old_level, version = alert.level, alert.version
        alert = replace(alert, details=dict(alert.details))
        alert.level = finding.level
        alert.reason = finding.reason
        alert.details["level_history"] = [*alert.details.get("level_history", []),
                                          {"at": now.isoformat(), "level": finding.level, "reason": finding.reason}]
        alert.details["fired"] = finding.details.get("fired")
        alert.details["rules"] = finding.details.get("rules")
        new_policy = finding.policy or self._policy_for_level(finding.level) or alert.policy
        note = f"级别由 {old_level} 升至 {finding.level}：{finding.reason}"
        policy_changed = new_policy != alert.policy
        alert.policy = new_policy
        if alert.status in AWAITING_ANSWER and alert.dispatched_at and policy_changed:
            # Stricter policy: its clock starts now (the moment the situation was judged more serious).
            self._start_round(alert, now, new_round=True)
            note += f"；时限策略改为 {new_policy}，自 {iso(now)} 起重新计时"
        alert.updated_at = now
        with self._transaction():
            alert = self._save(alert, version)
            self._audit(alert, self.settings.system_actor, "level_up", now, before, alert.status, note)
            self._queue(alert, "level_up", now, self._officer_targets() + self._department_targets(alert.department),
                        message=note)
            if (alert.status in (S.NEW, S.RETURNED) and alert.department and alert.policy
                    and alert.level <= self.settings.auto_dispatch_max_level):
                alert = self._do_dispatch(alert, self.settings.system_actor, alert.department, now,
                                          note="级别上升，自动派发", action="dispatch")
        return alert

    # -- actions -----------------------------------------------------------------------------------------------
    def current_user(self, user: User) -> User:
        """The account as stored now: callers (a dashboard session, a CLI run) may hold a stale copy, so a
        deactivation or a role change takes effect on the next call. The local system operator is never stored."""
        if is_system_operator(user):
            return user
        stored = self.wf.get_user(user.name)
        if stored is None:
            raise PermissionDenied(f"用户「{user.name}」不存在")
        if not stored.active:
            raise PermissionDenied(f"账号「{user.name}」已停用")
        return stored

    def _load(self, alert_id: str) -> Alert:
        alert = self.wf.get_alert(alert_id)
        if alert is None:
            raise WorkflowError(f"预警「{alert_id}」不存在")
        return alert

    def _do_dispatch(self, alert: Alert, actor: str, department: str, now: datetime, *, note: str, action: str) -> Alert:
        """Assign to a department. The first dispatch starts the clock; later reassignments keep it (no gaming)."""
        if not self.department(department):
            raise WorkflowError(f"部门「{department}」不在配置中（可选：{'、'.join(d.name for d in self.departments)}）")
        before, version = alert.status, alert.version
        alert = replace(alert, details=dict(alert.details))
        previous = alert.department
        alert.department = department
        alert.status = S.DISPATCHED
        alert.updated_at = now
        if alert.dispatched_at is None:
            alert.dispatched_at = now
            if not alert.policy:
                alert.policy = self._policy_for_level(alert.level)
            self._start_round(alert, now, new_round=True)
        with self._transaction():
            alert = self._save(alert, version)
            self.wf.add_assignment(Assignment(alert_id=alert.id, department=department, assigned_by=actor,
                                              assigned_at=now, note=note))
            text = note if action == "dispatch" else f"由 {previous or '（无）'} 改派至 {department}：{note}"
            self._audit(alert, actor, action, now, before, alert.status,
                        f"{text}；责任部门：{department}；时限：{self._deadline_text(alert)}")
            self._queue(alert, "dispatch", now, self._department_targets(department), message=text)
        return alert

    def act(self, user: User, alert_id: str, action: str, *, department: str | None = None, text: str | None = None,
            link: str | None = None, rating: str | None = None, note: str | None = None, now: datetime,
            expected_version: int | None = None, hours: float | None = None) -> Alert:
        """Take one workflow action as ``user``. Raises PermissionDenied / WorkflowError / ConcurrentUpdateError."""
        user = self.current_user(user)
        alert = self._load(alert_id)
        stale = expected_version is not None and expected_version != alert.version
        try:
            spec = check_action(user, alert, action)
        except WorkflowError:
            if not stale:
                raise
            spec = None  # the state moved on under a stale read: say so, rather than "wrong state"
        version = alert.version if expected_version is None else expected_version
        if stale or spec is None:
            raise ConcurrentUpdateError(
                f"预警 {alert.id} 已被他人修改（当前版本 {alert.version}，你读取的是版本 {expected_version}）；请刷新后重试")
        check_action_time(alert, now)
        alert = replace(alert, version=version)
        note = (note or "").strip()
        before = alert.status

        if action in EXTENSION_ACTIONS:
            problem = extension_problem(alert, action, now, self.extendable_deadlines(alert))
            if problem:
                raise WorkflowError(problem)
            if action != "extend":
                check_not_own(user, action, (alert.details.get("extension") or {}).get("requested_by"))

        if action in ("dispatch", "reassign"):
            target = department or (alert.department if action == "dispatch" else None)
            if not target:
                raise WorkflowError(f"「{spec.label}」需要用 --department 指定责任部门")
            if action == "reassign" and target == alert.department:
                raise WorkflowError(f"预警已在「{target}」办理，改派需要指定另一个部门")
            return self._do_dispatch(alert, user.name, target, now, note=note or text or spec.label, action=action)

        alert = replace(alert, details=dict(alert.details))
        alert.updated_at = now
        queue: list[tuple[str, list[dict[str, str]], str]] = []
        audit_note = note
        response: Response | None = None
        rated: Response | None = None
        silence: dict[str, Any] | None = None

        if action == "accept":
            alert.status = S.ACCEPTED
            audit_note = note or "已签收"
        elif action == "return":
            reason = (text or note).strip() if (text or note) else ""
            if not reason:
                raise WorkflowError("退单必须说明理由（--text 或 --note），例如「不属于本部门职责，应由A市交通运输局办理」")
            alert.status = S.RETURNED
            alert.details["returned"] = [*alert.details.get("returned", []),
                                         {"by": user.name, "department": alert.department, "at": now.isoformat(), "reason": reason}]
            audit_note = f"退单理由：{reason}"
            queue.append(("returned", self._officer_targets(), audit_note))
        elif action == "respond":
            body = (text or "").strip()
            if not body:
                raise WorkflowError("回应内容不能为空（--text）")
            if link and not link.startswith(("http://", "https://")):
                raise WorkflowError(f"回应链接「{link}」不是 http(s) 网址")
            alert.status = S.RESPONDED
            response = Response(alert_id=alert.id, department=alert.department or user.department or "",
                                author=user.name, text=body, created_at=now, link=link)
            overdue = [n for n, due in alert.deadlines.items() if past_due(due, now)]
            audit_note = f"回应：{body[:200]}" + (f"（超时：{'、'.join(self._label(n, alert.policy) for n in overdue)}）" if overdue else "（按时）")
            queue.append(("responded", self._officer_targets(), audit_note))
        elif action == "evaluate":
            if rating not in RATINGS:
                raise WorkflowError(f"评价必须是 {'、'.join(RATINGS)} 之一（--rating），实际为「{rating or ''}」")
            responses = self.wf.responses_for(alert.id)
            last = next((r for r in reversed(responses) if r.rating is None), None)
            if last is None:
                raise WorkflowError("没有待评价的回应")
            check_not_own(user, action, last.author)
            rated = replace(last, rating=rating, rated_by=user.name, rated_at=now)
            alert.rating = rating
            if rating == "不满意":
                alert.status = S.REOPENED
                self._start_round(alert, now, new_round=True)
                audit_note = f"评价：不满意，重新办理；{note}".rstrip("；") + f"；新时限：{self._deadline_text(alert)}"
                queue.append(("reopened", self._department_targets(alert.department), audit_note))
            else:
                alert.status = S.CLOSED
                audit_note = f"评价：{rating}，办结" + (f"；{note}" if note else "")
        elif action == "reopen":
            if not note and not text:
                raise WorkflowError("重新打开必须说明理由（--note）")
            alert.status = S.REOPENED
            self._start_round(alert, now, new_round=True)
            audit_note = f"重新打开：{note or text}；新时限：{self._deadline_text(alert)}"
            queue.append(("reopened", self._department_targets(alert.department), audit_note))
        elif action == "close":
            if before is not S.RESPONDED and not (note or text):
                raise WorkflowError("未回应的预警直接办结必须说明理由（--note），例如「经核实为不实信息」")
            alert.status = S.CLOSED
            audit_note = f"办结：{note or text or '已回应'}"
        elif action == "escalate":
            if alert.escalated:
                raise WorkflowError(f"预警 {alert.id} 已经督办过")
            sup = self.supervisor()
            alert.escalated = True
            alert.details["escalated_to"] = sup.name if sup else None
            audit_note = f"人工督办至 {sup.name if sup else '（未配置督办部门）'}：{note or text or '请加快办理'}"
            queue.append(("escalation", self._supervisor_targets() + self._department_targets(alert.department), audit_note))
        elif action == "extend":
            reason = (text or note or "").strip()
            if not reason:
                raise WorkflowError("申请延期必须说明理由（--text），例如「需向第三方征求意见，无法在 20 个工作日内答复」")
            extendable = self.extendable_deadlines(alert)
            proposed = self._extended_deadlines(alert)
            alert.details["extension"] = {
                "status": "pending", "requested_by": user.name, "department": alert.department,
                "requested_at": now.isoformat(), "reason": reason, "working_days": self._extension_days(alert),
                "original": {n: iso(d) for n, d in extendable.items()}, "proposed": {n: iso(d) for n, d in proposed.items()}}
            audit_note = (f"申请延期 {self._extension_days(alert)} 个工作日：{reason}；原答复期限 "
                          f"{_due_text(self, alert, extendable)}，批准后为 {_due_text(self, alert, proposed)}")
            queue.append(("extension_requested", self._officer_targets(), audit_note))
        elif action == "approve_extension":
            extendable = self.extendable_deadlines(alert)
            extended = self._extended_deadlines(alert)
            alert.deadlines = {**alert.deadlines, **extended}
            # The reminder starts afresh on the longer clock (warn_share of the whole extended period).
            alert.warned = [w for w in alert.warned if w not in extended]
            ext = dict(alert.details["extension"])
            ext.update(status="granted", decided_by=user.name, decided_at=now.isoformat(), decision_note=note,
                       original={n: iso(d) for n, d in extendable.items()},
                       granted={n: iso(d) for n, d in extended.items()})
            alert.details["extension"] = ext
            audit_note = (f"批准延期 {ext.get('working_days')} 个工作日：答复期限由 {_due_text(self, alert, extendable)} "
                          f"延长至 {_due_text(self, alert, extended)}（按工作日计算，含调休）" + (f"；{note}" if note else "")
                          + "；请责任部门书面告知申请人")
            queue.append(("extension_granted", self._department_targets(alert.department), audit_note))
        elif action == "reject_extension":
            reason = (note or text or "").strip()
            if not reason:
                raise WorkflowError("驳回延期申请必须说明理由（--note）")
            ext = dict(alert.details["extension"])
            ext.update(status="rejected", decided_by=user.name, decided_at=now.isoformat(), decision_note=reason)
            alert.details["extension"] = ext
            alert.details["extension_history"] = [*alert.details.get("extension_history", []), ext]
            audit_note = f"驳回延期申请：{reason}；答复期限仍为 {_due_text(self, alert, self.extendable_deadlines(alert))}"
            queue.append(("extension_rejected", self._department_targets(alert.department), audit_note))
        elif action == "silence":
            span = float(hours if hours is not None else 24)
            reason = note or text or ""
            silence = self._silence_record(user, rule=None, source=None, keyword=None,
                                           event_id=alert.event_id, hours=span, reason=reason, now=now,
                                           doc_source=alert.details.get("source") if not alert.event_id else None)
            audit_note = f"静默 {span:g} 小时：{reason}"
        with self._transaction():
            try:
                saved = self._save(alert, version)
            except DuplicateError as exc:
                raise WorkflowError(f"事件 {alert.event_id} 已有另一条未办结的预警，不能重新打开本预警") from exc
            if response is not None:
                self.wf.add_response(response)
            if rated is not None:
                self.wf.update_response(rated)
            if silence is not None:
                silence_id = self.wf.add_silence(silence)
                audit_note += f"（静默规则 #{silence_id}）"
            self._audit(saved, user.name, action, now, before, saved.status, audit_note)
            if saved.status is S.CLOSED and saved.event_id:
                self.wf.set_state("alerts.closed", saved.event_id, f"{saved.level}|{now.isoformat()}")
            for kind, targets, message in queue:
                self._queue(saved, kind, now, targets, message=message)
        return saved

    def raise_manual(self, user: User, title: str, reason: str, *, level: int = 2, event_id: str | None = None,
                     department: str | None = None, policy: str | None = None, now: datetime) -> Alert:
        user = self.current_user(user)
        if user.role not in (Role.ADMIN, Role.OFFICER, Role.LEADER):
            raise PermissionDenied(f"「{user.name}」无权发起人工预警（需要：舆情专员、领导或管理员）")
        if not (title or "").strip() or not (reason or "").strip():
            raise WorkflowError("人工预警需要标题和理由")
        if level not in LEVEL_LABELS:
            raise WorkflowError(f"级别应为 1–4，实际为 {level}")
        if policy:
            compute_deadlines(policy, now, self.deadline_settings.raw)  # validates the name
        if department and not self.department(department):
            raise WorkflowError(f"部门「{department}」不在配置中")
        event = self.store.documents.get_event(event_id) if event_id else None
        if event_id and event is None:
            raise WorkflowError(f"事件「{event_id}」不存在")
        if event_id and self.wf.open_alert_for_event(event_id):
            raise WorkflowError(f"事件 {event_id} 已有未办结的预警，请在该预警上操作")
        finding = Finding(rule=self.manual_rule_name, rule_type="manual", level=level,
                          reason=f"{user.display_name or user.name} 人工预警：{reason.strip()}",
                          details={"raised_by": user.name}, event_id=event_id, doc_id=None, title=title.strip(),
                          region=event.region if event else None, topic=event.topic if event else None,
                          department=event.department if event else None, policy=policy,
                          keywords=list(event.keywords) if event else [])
        alert_id = "M" + now.astimezone(TZ).strftime("%Y%m%d") + "-" + _sha(f"{title}|{now.isoformat()}|{user.name}")[:8]
        with self._transaction():
            alert = self._create(alert_id, finding, now, actor=user.name)
            if department and alert.status is S.NEW:
                alert = self._do_dispatch(alert, user.name, department, now, note="人工预警派发", action="dispatch")
            elif department and alert.department != department:
                alert = self._do_dispatch(alert, user.name, department, now, note="人工预警指定部门", action="reassign")
        return alert

    def _silence_record(self, user: User, *, rule: str | None, source: str | None, keyword: str | None,
                        event_id: str | None, hours: float, reason: str, now: datetime,
                        doc_source: str | None = None) -> dict[str, Any]:
        if user.role not in (Role.ADMIN, Role.OFFICER):
            raise PermissionDenied(f"「{user.name}」无权设置静默（需要：舆情专员或管理员）")
        source = source or doc_source
        if not any((rule, source, keyword, event_id)):
            raise WorkflowError("静默至少要指定规则、来源、关键词或事件之一")
        if not (0 < hours <= 24 * 30):
            raise WorkflowError(f"静默时长应在 0–720 小时之间，实际为 {hours}")
        if not (reason or "").strip():
            raise WorkflowError("静默必须说明理由")
        return {"rule": rule, "source": source, "keyword": keyword, "event_id": event_id, "starts_at": now,
                "ends_at": now + timedelta(hours=hours), "created_by": user.name, "reason": reason.strip()}

    def silence(self, user: User, *, rule: str | None = None, source: str | None = None, keyword: str | None = None,
                event_id: str | None = None, hours: float, reason: str, now: datetime) -> int:
        """Time-boxed silence; returns its id. Silenced findings create no alert and no notification."""
        user = self.current_user(user)
        record = self._silence_record(user, rule=rule, source=source, keyword=keyword, event_id=event_id,
                                      hours=hours, reason=reason, now=now)
        return self.wf.add_silence(record)

    # -- deadlines ---------------------------------------------------------------------------------------------
    def extendable_deadlines(self, alert: Alert) -> dict[str, datetime]:
        """The alert's current deadlines its policy allows to extend (依申请公开: the 答复 deadline); else empty."""
        policy = self.deadline_settings.policies.get(alert.policy or "")
        if policy is None:
            return {}
        return {s.name: alert.deadlines[s.name] for s in policy.deadlines
                if s.extension_working_days and s.name in alert.deadlines}

    def _extension_days(self, alert: Alert) -> int:
        policy = self.deadline_settings.policies.get(alert.policy or "")
        return max((s.extension_working_days for s in policy.deadlines), default=0) if policy else 0

    def _extended_deadlines(self, alert: Alert) -> dict[str, datetime]:
        """The extendable deadlines recomputed with the extension, on working days from the round's start."""
        start_text = alert.details.get("round_started_at")
        start = datetime.fromisoformat(start_text) if start_text else (alert.dispatched_at or alert.created_at)
        extended = compute_deadlines(alert.policy, start, self.deadline_settings.raw, extended=True,
                                     calendar=getattr(self.config, "calendar", None))
        return {n: extended[n] for n in self.extendable_deadlines(alert)}

    def available_actions(self, user: User, alert: Alert, now: datetime) -> list[str]:
        """Actions ``user`` could take on ``alert`` now: roles and status, plus the extension's own conditions."""
        requested_by = (alert.details.get("extension") or {}).get("requested_by")
        author = next((r.author for r in reversed(self.wf.responses_for(alert.id)) if r.rating is None),
                      None) if alert.status is S.RESPONDED else None
        own = {"evaluate": author, "approve_extension": requested_by, "reject_extension": requested_by}
        return [a for a in ACTIONS if _allowed(user, alert, a)
                and (a not in EXTENSION_ACTIONS or not extension_problem(alert, a, now, self.extendable_deadlines(alert)))
                and _not_own(user, a, own.get(a))]

    def pending_extensions(self, user: User) -> list[Alert]:
        """Alerts with an extension request waiting for a decision (for the officer's workbench)."""
        user = self.current_user(user)
        if user.role not in (Role.ADMIN, Role.OFFICER):
            raise PermissionDenied(f"「{user.name}」无权审批延期申请（需要：舆情专员或管理员）")
        out, offset = [], 0
        while True:
            _, page = self.wf.list_alerts(status=[s.value for s in AWAITING_ANSWER], limit=500, offset=offset)
            out.extend(a for a in page if (a.details.get("extension") or {}).get("status") == "pending")
            if len(page) < 500:
                return sorted(out, key=lambda a: a.details["extension"].get("requested_at") or "")
            offset += 500

    def _label(self, name: str, policy: str | None) -> str:
        """Deadline ``name`` of ``policy`` as users read it: the same name means different things in different
        policies (``response`` is 回应关切 for level2 and 答复 for a 12345 诉求), so never by the name alone."""
        spec = next((s for s in getattr(self.deadline_settings.policies.get(policy or ""), "deadlines", ())
                     if s.name == name), None)
        return spec.label if spec else deadline_label(policy, name)

    def _deadline_text(self, alert: Alert) -> str:
        if not alert.deadlines:
            return "无"
        return "；".join(f"{self._label(n, alert.policy)} {d.astimezone(TZ).strftime('%Y-%m-%d %H:%M')}"
                        for n, d in sorted(alert.deadlines.items(), key=lambda kv: kv[1]))

    def flags(self, alert: Alert, now: datetime) -> dict[str, Any]:
        awaiting = alert.status in AWAITING_ANSWER
        overdue = [n for n, d in alert.deadlines.items() if awaiting and past_due(d, now)]
        upcoming = sorted(d for d in alert.deadlines.values() if not past_due(d, now))
        return {"awaiting_answer": awaiting, "overdue": bool(overdue), "overdue_deadlines": overdue,
                "next_due": iso(upcoming[0]) if upcoming else None, "warned": list(alert.warned),
                "escalated": alert.escalated}

    def check_deadlines(self, now: datetime) -> dict[str, Any]:
        """Warn at the configured share of each deadline, escalate (督办) once on the first breach."""
        share = self.deadline_settings.warn_share
        counts: dict[str, Any] = {"checked": 0, "warned": 0, "overdue": 0, "escalated": 0, "conflicts": 0, "errors": 0}
        alerts = self._alerts_in([s.value for s in AWAITING_ANSWER])
        for alert in alerts:
            if not alert.deadlines:
                continue
            counts["checked"] += 1
            try:
                self._check_one(alert, now, share, counts)
            except ConcurrentUpdateError:
                counts["conflicts"] += 1  # someone acted on it meanwhile; the next tick sees the new state
            except Exception:
                log.exception("deadline check failed for %s", alert.id)
                counts["errors"] += 1
        counts["waiting"] = self.check_waiting(now)
        return counts

    def _alerts_in(self, statuses: list[str]) -> list[Alert]:
        """Every alert in these statuses, page by page (no cut at a page size)."""
        out: list[Alert] = []
        offset = 0
        while True:
            _, page = self.wf.list_alerts(status=statuses, limit=500, offset=offset)
            out.extend(page)
            if len(page) < 500:
                return out
            offset += 500

    # -- alerts waiting for an officer -------------------------------------------------------------------------
    def _waiting(self) -> WaitingConfig:
        return getattr(self.config, "waiting", None) or WaitingConfig()

    def waiting_due(self, alert: Alert) -> tuple[datetime, datetime | None] | None:
        """(reminder due, escalation due or None) of an alert waiting for dispatch, or None when its level has no
        waiting clock. The clock starts when the alert was created."""
        waiting = self._waiting()
        clock = waiting.levels.get(alert.level)
        if clock is None or not waiting.enabled:
            return None
        calendar = getattr(self.config, "calendar", None)
        start = alert.created_at
        remind = waiting.due(clock, clock.remind, start, calendar)
        return remind, waiting.due(clock, clock.escalate, start, calendar) if clock.escalate else None

    def check_waiting(self, now: datetime) -> dict[str, int]:
        """Alerts waiting for an officer (待派发, never dispatched) on their level's clock ([waiting]): one reminder to
        the officers when it runs out, one escalation to the supervising office later. What was sent is recorded
        on the alert (``details["waiting"]``) under the version check, so two schedulers never send twice."""
        counts = {"checked": 0, "reminded": 0, "escalated": 0, "conflicts": 0, "errors": 0}
        waiting = self._waiting()
        if not waiting.enabled or not waiting.levels:
            return counts
        for alert in self._alerts_in([S.NEW.value]):
            clock = waiting.levels.get(alert.level)
            if clock is None or alert.dispatched_at is not None:
                continue
            counts["checked"] += 1
            try:
                self._check_waiting_one(alert, clock, now, counts)
            except ConcurrentUpdateError:
                counts["conflicts"] += 1  # another scheduler recorded it first; it sent the notice
            except Exception:
                log.exception("waiting check failed for %s", alert.id)
                counts["errors"] += 1
        return counts

    def _check_waiting_one(self, alert: Alert, clock: WaitClock, now: datetime, counts: dict[str, int]) -> None:
        due = self.waiting_due(alert)
        if due is None:
            return
        remind_at, escalate_at = due
        state = dict(alert.details.get("waiting") or {})
        remind = past_due(remind_at, now) and not state.get("reminded_at")
        # Operational alerts (a source down, the audit chain) are the officers' own work: reminded, never escalated.
        escalate = (escalate_at is not None and past_due(escalate_at, now) and not state.get("escalated_at")
                    and alert.details.get("rule_type") not in OPERATIONAL_TYPES)
        if not (remind or escalate):
            return
        created = alert.created_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
        level = LEVEL_LABELS.get(alert.level, alert.level)
        suggested = f"；拟派：{alert.department}" if alert.department else "；尚无拟派部门"
        updated = replace(alert, updated_at=now, details=dict(alert.details))
        state.update(clock=clock.text(clock.remind), remind_at=remind_at.isoformat(),
                     escalate_at=escalate_at.isoformat() if escalate_at else None)
        audits: list[tuple[str, str]] = []
        queue: list[tuple[str, list[dict[str, str]], str, str]] = []
        if escalate:
            sup = self.supervisor()
            # Past both: the escalation (which the officers get too) replaces the reminder that came too late.
            state.setdefault("reminded_at", now.isoformat())
            state.update(escalated_at=now.isoformat(), escalated_to=sup.name if sup else None)
            where = f"报 {sup.name} 督办" if sup else "未配置督办部门，再次提醒舆情专员"
            msg = (f"预警已等待派发超过 {clock.text(clock.escalate)}（{level}，创建于 {created}），仍未派发，"
                   f"{where}{suggested}")
            if sup:
                updated.escalated = True
                updated.details["escalated_to"] = sup.name
            audits.append(("waiting_escalate", msg))
            queue.append(("waiting_escalation", self._supervisor_targets() + self._officer_targets(), msg,
                          "waiting_escalation"))
            counts["escalated"] += 1
        else:
            state["reminded_at"] = now.isoformat()
            later = f"；逾 {clock.text(clock.escalate)} 仍未派发将报督查部门" if clock.escalate else ""
            msg = f"预警已等待派发 {clock.text(clock.remind)}（{level}，创建于 {created}），请尽快派发或办结{later}{suggested}"
            audits.append(("waiting_remind", msg))
            queue.append(("waiting_reminder", self._officer_targets(), msg, "waiting_reminder"))
            counts["reminded"] += 1
        updated.details["waiting"] = state
        self._save_with_notices(alert, updated, now, audits, queue)

    # -- overdue-reply alerts answered on the board ------------------------------------------------------------
    @staticmethod
    def _awaits_reply(alert: Alert) -> bool:
        """An alert about board posts left unanswered (one post, or a backlog digest): the reply settles it."""
        if alert.event_id is not None:
            return False
        d = alert.details
        if d.get("digest") == DIGEST_KIND:
            return True
        return bool(d.get("doc_id")) and (d.get("rule_type") == UNANSWERED_TYPE or any(
            isinstance(r, dict) and r.get("type") == UNANSWERED_TYPE for r in (d.get("rules") or {}).values()))

    @staticmethod
    def _answer(doc: Any) -> tuple[datetime | None, str | None] | None:
        """(reply time, replying department) when the post has its official answer (a reply, or a board status
        that says so), else None."""
        if doc is None:
            return None
        if doc.reply is not None and (doc.reply.text or "").strip():
            seen = (doc.analysis or {}).get("reply_first_seen")
            return doc.reply.time or (seen if isinstance(seen, datetime) else None), doc.reply.department
        if any(w in (doc.status or "") for w in ANSWERED_STATUS_WORDS):
            return None, None
        return None

    def close_answered(self, now: datetime) -> dict[str, int]:
        """Overdue-reply alerts whose post has since got its official reply (re-crawled or re-ingested) close
        themselves, saying so in their history; a backlog digest drops its answered posts and closes when none is
        left. Run on every tick (from ``evaluate``)."""
        counts = {"checked": 0, "closed": 0, "dropped": 0, "conflicts": 0, "errors": 0}
        alerts = [a for a in self._alerts_in(list(OPEN_STATUSES)) if self._awaits_reply(a)]
        wanted = sorted({i for a in alerts for i in (a.details.get("doc_ids") or [a.details.get("doc_id")]) if i})
        docs: dict[str, Any] = {}
        for i in range(0, len(wanted), 500):
            docs.update((d.id, d) for d in self.store.documents.get_documents(wanted[i:i + 500]))
        for alert in alerts:
            counts["checked"] += 1
            try:
                self._close_answered_one(alert, docs, now, counts)
            except ConcurrentUpdateError:
                counts["conflicts"] += 1  # acted on meanwhile; the next tick looks again
            except Exception:
                log.exception("answered-post check failed for %s", alert.id)
                counts["errors"] += 1
        return counts

    def _close_answered_one(self, alert: Alert, docs: dict[str, Any], now: datetime, counts: dict[str, int]) -> None:
        digest = alert.details.get("digest") == DIGEST_KIND
        ids = list(alert.details.get("doc_ids") or []) if digest else [alert.details.get("doc_id")]
        answered = {i: a for i in ids if (a := self._answer(docs.get(i))) is not None}
        if not answered:
            return
        updated = replace(alert, updated_at=max(now, alert.updated_at or now), details=dict(alert.details))
        remaining = [i for i in ids if i not in answered]
        before = alert.status
        if digest:
            posts = list(alert.details.get("posts") or [])
            gone = [p for p in posts if p.get("doc_id") in answered]
            listed = "；".join(f"「{(p.get('title') or '')[:30]}」（答复于 {_when(answered[p['doc_id']][0])}）"
                              for p in gone[:20])
            if len(gone) > 20:
                listed += f"……等 {len(gone)} 条"
            kept = [p for p in posts if p.get("doc_id") not in answered]
            updated.details["answered_posts"] = [
                *alert.details.get("answered_posts", []),
                *({**p, "answered_at": iso(answered[p["doc_id"]][0]), "seen_at": now.isoformat()} for p in gone)]
            rule = next((r for r in self.settings.rules if r.name == alert.rule), None)
            if remaining and rule is not None:
                finding = rule.digest(alert.department, [], known=kept)
                updated.details.update(finding.details)
                updated.title, updated.reason = finding.title, finding.reason
            else:
                updated.details.update(posts=kept, doc_ids=[p["doc_id"] for p in kept], count=len(kept))
            counts["dropped"] += len(gone)
            note = f"{len(gone)} 条留言的官方答复已发布，移出汇总：{listed}"
            if remaining:
                note += f"；仍有 {len(remaining)} 条未答复"
                action = "digest_answered"
            else:
                note += "；汇总中的留言均已答复，预警自动办结"
                action = "auto_close"
        else:
            reply_at, by = answered[ids[0]]
            note = f"官方答复已于 {_when(reply_at)} 发布" + (f"（答复单位：{by}）" if by else "") + "，预警自动办结"
            action = "auto_close"
        if action == "auto_close":
            updated.status = S.CLOSED
            updated.details["auto_closed"] = {"at": now.isoformat(), "reason": "official_reply"}
            counts["closed"] += 1
        with self._transaction():
            saved = self._save(updated, alert.version)
            self._audit(saved, self.settings.system_actor, action, now, before, saved.status, note)
            targets = self._officer_targets() + (self._department_targets(saved.department)
                                                 if saved.dispatched_at else [])
            self._queue(saved, "auto_closed" if action == "auto_close" else "digest_answered", now, targets,
                        message=note, key=f"answered:{len(remaining)}")

    def _check_one(self, alert: Alert, now: datetime, share: float, counts: dict[str, int]) -> None:
        start_text = alert.details.get("round_started_at")
        start = datetime.fromisoformat(start_text) if start_text else (alert.dispatched_at or alert.created_at)
        warned = list(alert.warned)
        audits: list[tuple[str, str]] = []
        queue: list[tuple[str, list[dict[str, str]], str, str]] = []
        breached = []
        for name, due in sorted(alert.deadlines.items(), key=lambda kv: kv[1]):
            label = self._label(name, alert.policy)
            if past_due(due, now):
                if f"overdue:{name}" not in warned:
                    if name not in warned:
                        warned.append(name)  # too late to warn: the breach notice replaces the warning
                    warned.append(f"overdue:{name}")
                    breached.append(name)
                    msg = f"{label}时限 {due.astimezone(TZ).strftime('%Y-%m-%d %H:%M')} 已过，尚未回应"
                    audits.append(("overdue", msg))
                    queue.append(("overdue", self._department_targets(alert.department), msg, name))
                    counts["overdue"] += 1
            elif name not in warned:
                total = (due - start).total_seconds()
                used = (now - start).total_seconds()
                if total > 0 and used >= share * total:
                    warned.append(name)
                    left = due - now
                    msg = (f"{label}时限将至：已用 {used / total:.0%} 时间，剩余 {_duration(left)}"
                           f"（截止 {due.astimezone(TZ).strftime('%Y-%m-%d %H:%M')}）")
                    audits.append(("warn", msg))
                    queue.append(("warning", self._department_targets(alert.department), msg, name))
                    counts["warned"] += 1
        escalate = bool(breached) and not alert.escalated
        if not audits:
            return
        updated = replace(alert, warned=warned, updated_at=now, details=dict(alert.details))
        sup = self.supervisor()
        if escalate:
            updated.escalated = True
            updated.details["escalated_to"] = sup.name if sup else None
            msg = (f"超时未回应，自动督办至 {sup.name if sup else '（未配置督办部门）'}："
                   f"{'、'.join(self._label(n, alert.policy) for n in breached)}已过时限；责任部门 {alert.department}")
            audits.append(("escalate", msg))
            queue.append(("escalation", self._supervisor_targets() + self._department_targets(alert.department),
                          msg, "escalation"))
            counts["escalated"] += 1
        self._save_with_notices(alert, updated, now, audits, queue)

    def _save_with_notices(self, alert: Alert, updated: Alert, now: datetime, audits: list[tuple[str, str]],
                           queue: list[tuple[str, list[dict[str, str]], str, str]]) -> None:
        """Save what a clock check decided, its audit entries and its notifications in one transaction (version-checked,
        so a second scheduler that decided the same finds the alert changed and sends nothing)."""
        with self._transaction():
            saved = self._save(updated, alert.version)
            for action, note in audits:
                self._audit(saved, self.settings.system_actor, action, now, alert.status, saved.status, note)
            for kind, targets, message, key in queue:
                self._queue(saved, kind, now, targets, message=message, key=key)

    def tick(self, now: datetime) -> dict[str, Any]:
        """What ``yuqing alerts tick`` runs: rules, then deadlines, the audit chain, then due notifications."""
        created = self.evaluate(now)
        return {"alerts": [a.id for a in created], "evaluate": getattr(self, "last_run", {}),
                "deadlines": self.check_deadlines(now), "audit": self.check_audit(now), "deliveries": self.deliver(now)}

    # -- audit chain -------------------------------------------------------------------------------------------
    def check_audit(self, now: datetime) -> dict[str, Any]:
        """Verify the audit log's hash chain from the last checkpoint (cheap on every tick) and its append-only
        guards. A break becomes one operator alert to the officers: raised once per break, and not again while an
        earlier audit alert is still open."""
        report = self.wf.verify_audit(incremental=True)
        out: dict[str, Any] = {"ok": report["ok"], "checked": report["checked"], "rows": report["rows"],
                               "problems": [p["message"] for p in report["problems"]], "alert": None}
        if report["ok"]:
            self.wf.mark_audit_verified(report["last_id"], report["last_hash"], report["rows"])
            return out
        signature = "|".join(f"{p['kind']}:{p['id']}" for p in report["problems"])
        key = f"audit-chain:{_sha(signature)[:16]}"
        seen = self.wf.get_state("alerts.doc", key)
        open_id = self.wf.get_state("alerts.audit", "open")
        still_open = self.wf.get_alert(open_id) if open_id else None
        if seen or (still_open is not None and still_open.status is not S.CLOSED):
            out["alert"] = seen or open_id
            return out
        log.error("审计日志校验失败，向舆情专员告警：%s", "；".join(out["problems"]))
        first = report["problems"][0]
        finding = Finding(
            rule=AUDIT_RULE, rule_type="audit_chain", level=1, doc_id=key, title="审计日志完整性受损",
            reason=("审计日志校验失败：" + "；".join(out["problems"]) +
                    "。审计记录可能被绕过系统插入、删除或修改，请立即核查数据库访问记录，并运行 yuqing audit verify 查看详情。"),
            details={"problems": report["problems"], "first_broken_id": first["id"], "signature": signature})
        alert_id = "S" + now.astimezone(TZ).strftime("%Y%m%d") + "-" + _sha(key)[:8]
        try:
            with self._transaction():
                alert = self._create(alert_id, finding, now, route=(None, "运维告警：不派发责任部门，由舆情专员核查"))
                self.wf.set_state("alerts.audit", "open", alert.id)
        except DuplicateError:  # another tick raised it at the same moment
            alert = None
        out["alert"] = alert.id if alert else alert_id
        return out

    # -- notifications -----------------------------------------------------------------------------------------
    def _officer_targets(self) -> list[dict[str, str]]:
        return [dict(o) for o in self.notify_settings.officers]

    def _department_targets(self, name: str | None) -> list[dict[str, str]]:
        d = self.department(name)
        if d is None:
            return []
        out = []
        if d.contact.get("email"):
            out.append({"channel": "email", "target": d.contact["email"], "format": "generic"})
        if d.contact.get("webhook"):
            out.append({"channel": "webhook", "target": d.contact["webhook"],
                        "format": d.contact.get("webhook_format", "generic")})
        return out

    def _supervisor_targets(self) -> list[dict[str, str]]:
        sup = self.supervisor()
        return self._department_targets(sup.name) if sup else []

    def _send_time(self, alert: Alert, kind: str, now: datetime) -> datetime:
        ns = self.notify_settings
        at = now
        if kind == "new" and alert.level >= ns.digest_min_level and ns.digest_minutes:
            at = now + timedelta(minutes=ns.digest_minutes)  # minor alerts wait a little and go out as one digest
        if ns.quiet_start and alert.level > ns.quiet_bypass_level:
            at = _after_quiet(at, ns.quiet_start, ns.quiet_end)
        return at

    def alert_view(self, alert: Alert) -> V.AlertView:
        """The alert as every output shows it (titles and reasons quote posts: personal information masked)."""
        provisional = provisional_deadlines(alert, getattr(self.config, "calendar", None), self.deadline_settings.raw)
        return V.build_alert_view(alert, level_labels=LEVEL_LABELS,
                                  deadline_label=lambda n: self._label(n, alert.policy), provisional=provisional)

    def alert_summary(self, alert: Alert) -> dict[str, Any]:
        """JSON form of :meth:`alert_view` (``alerts raise/act --json``, notification payloads)."""
        return self.alert_view(alert).to_dict()

    def _queue(self, alert: Alert, kind: str, now: datetime, targets: list[dict[str, str]], *, message: str = "",
               key: str = "") -> int:
        if not self.notify_settings.enabled or not targets:
            return 0
        round_no = alert.details.get("round", 0)
        link = f"{self.notify_settings.dashboard_url.rstrip('/')}/?alert={alert.id}" if self.notify_settings.dashboard_url else ""
        view = self.alert_view(alert)  # notifications render the masked view; messages quote users' text: masked too
        # The dedupe key makes re-queueing after a crash or a repeated tick a no-op.
        stamp = key or (now.isoformat() if kind in ("dispatch", "returned", "responded", "reopened", "level_up") else "")
        queued = 0
        for t in targets:
            payload_t = V.build_notification_view(view, kind, message, now, link, t.get("format", "generic")).to_payload()
            self.wf.add_delivery({
                "alert_id": alert.id, "channel": t["channel"], "target": t["target"], "kind": kind,
                "payload": payload_t, "next_attempt_at": self._send_time(alert, kind, now), "created_at": now,
                "dedupe_key": f"{alert.id}|r{round_no}|{kind}|{stamp}|{t['channel']}|{t['target']}"})
            queued += 1
        return queued

    def channel(self, type_name: str) -> Channel:
        if type_name not in self._channels:
            path = self.notify_settings.channel_types.get(type_name)
            if not path:
                raise DeliveryError(f"未配置通知渠道类型「{type_name}」")
            self._channels[type_name] = build_component(path, self.notify_settings.channels.get(type_name, {}))
        return self._channels[type_name]

    def _lease(self, channel: str) -> timedelta:
        """How long a claimed message may take before another worker may take it over: well beyond the channel's
        own timeout, so only a sender that died (or hangs far past its timeout) loses its claim."""
        timeout = float((self.notify_settings.channels.get(channel) or {}).get("timeout", 10.0))
        return timedelta(seconds=max(DELIVERY_LEASE_SECONDS, 3 * timeout))

    def deliver(self, now: datetime) -> dict[str, int]:
        """Send due notifications exactly once; several for one recipient go as one digest. Failures retry with backoff.

        Each message's deliveries are claimed (compare-and-set, with a lease) before it is sent, so two ticks at the
        same moment, or two nodes, never both send one; a claim whose sender died can be taken over when its lease
        runs out, and the message then goes out again with the same idempotency key (webhook header, e-mail
        Message-ID), which the receiver can use to drop the repeat.
        """
        ns = self.notify_settings
        worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        due = self.wf.due_deliveries(now, limit=ns.batch)
        groups: dict[tuple[str, str, str, str | None], list[dict[str, Any]]] = {}
        for d in due:
            # A message tried before keeps its make-up (its message key), so a resend carries the same key.
            groups.setdefault((d["channel"], d["target"], d["payload"].get("format", "generic"), d.get("message_key")),
                              []).append(d)
        out = {"due": len(due), "messages": 0, "sent": 0, "retrying": 0, "failed": 0, "taken": 0, "lost": 0}
        for (channel, target, fmt, _key), items in groups.items():
            claimed = self.wf.claim_deliveries([i["id"] for i in items], worker, now, now + self._lease(channel))
            out["taken"] += len(items) - len(claimed)  # another worker claimed them first
            spent = [c for c in claimed if int(c["attempts"]) > ns.max_attempts]
            for item in spent:  # earlier senders died mid-send as often as retries allow
                self.wf.finish_delivery(item["id"], worker, now, status="failed",
                                        error=f"已尝试 {ns.max_attempts} 次，发送均未完成（发送进程中止），不再重试")
                out["failed"] += 1
            claimed = [c for c in claimed if int(c["attempts"]) <= ns.max_attempts]
            if not claimed:
                continue
            try:
                self.channel(channel).send(target, [i["payload"] for i in claimed], fmt, key=claimed[0]["message_key"])
            except Exception as exc:  # any channel failure is logged and retried, never crashes the tick
                error = str(exc)[:500]
                log.warning("通知发送失败（%s %s）：%s", channel, target, error)
                for item in claimed:
                    attempts = int(item["attempts"])
                    if attempts >= ns.max_attempts:
                        kept = self.wf.finish_delivery(item["id"], worker, now, status="failed", error=error)
                        out["failed" if kept else "lost"] += 1
                    else:
                        delay = ns.backoff_seconds * 2 ** (attempts - 1)
                        kept = self.wf.finish_delivery(item["id"], worker, now, status="pending", error=error,
                                                       next_attempt_at=now + timedelta(seconds=delay))
                        out["retrying" if kept else "lost"] += 1
                continue
            out["messages"] += 1
            with self._transaction():
                for item in claimed:
                    if self.wf.finish_delivery(item["id"], worker, now, status="sent"):
                        out["sent"] += 1
                    else:  # sent, but our lease had run out and another worker took the delivery over
                        log.warning("通知 %s 发送完成时租约已过期，已由其他进程接手", item["id"])
                        out["lost"] += 1
        return out

    # -- reading -----------------------------------------------------------------------------------------------
    # Every read returns views (yuqing.views): masked once, here. Visibility is decided here too, so the CLI and the
    # dashboard never re-check it on their own.
    def is_supervisor_user(self, user: User) -> bool:
        """A 督查室 account: a department user of the department configured with ``supervisor = true``."""
        sup = self.supervisor()
        return user.role is Role.DEPARTMENT and sup is not None and user.department == sup.name

    def can_view(self, user: User, alert: Alert) -> bool:
        if not user.active:
            return False
        if self.is_supervisor_user(user) and alert.escalated:
            return True  # the supervising office sees everything escalated (督办) to it
        try:
            check_view(user, alert)
            return True
        except PermissionDenied:
            return False

    def _check_view(self, user: User, alert: Alert) -> None:
        if not user.active:
            raise PermissionDenied(f"账号「{user.name}」已停用")
        if not self.can_view(user, alert):
            check_view(user, alert)  # raises with the message naming both departments
            raise PermissionDenied(f"「{user.name}」无权查看预警 {alert.id}")

    def _scope(self, user: User, status: str | list[str] | None, department: str | None
               ) -> tuple[list[str] | str | None, str | None, bool]:
        """(status filter, department filter, supervisor scope) after the user's rights are applied."""
        if not user.active:
            raise PermissionDenied(f"账号「{user.name}」已停用")
        supervised = False
        if user.role is Role.DEPARTMENT:
            if self.is_supervisor_user(user):
                if department and department != user.department:
                    supervised = True  # another department's alerts: only those escalated to the office
                else:
                    supervised = department is None
            elif department and department != user.department:
                raise PermissionDenied(f"{user.department}的用户无权查看{department}的预警")
            if not supervised:
                department = user.department
        if status == "open":
            status = list(OPEN_STATUSES)
        for s in ([status] if isinstance(status, str) else status or []):
            if s not in {x.value for x in AlertStatus}:
                raise WorkflowError(f"状态「{s}」无效（可选：open、{'、'.join(x.value for x in AlertStatus)}）")
        return status, department, supervised

    def _filtered(self, keep: Any, status: Any, department: str | None, level: int | None, since: datetime | None,
                  until: datetime | None) -> list[Alert]:
        """Alerts matching the store filters and ``keep`` (the store has no filter on the escalation flag)."""
        out, offset = [], 0
        while True:
            _, page = self.wf.list_alerts(status=status, department=department, level=level, since=since, until=until,
                                          limit=500, offset=offset)
            out.extend(a for a in page if keep(a))
            if len(page) < 500:
                return out
            offset += 500

    def list_alerts(self, user: User, status: str | list[str] | None = None, department: str | None = None,
                    level: int | None = None, since: datetime | None = None, until: datetime | None = None,
                    limit: int = 100, offset: int = 0, escalated: bool | None = None) -> list[V.AlertView]:
        return self.page_alerts(user, status=status, department=department, level=level, since=since, until=until,
                                limit=limit, offset=offset, escalated=escalated)[1]

    def page_alerts(self, user: User, status: str | list[str] | None = None, department: str | None = None,
                    level: int | None = None, since: datetime | None = None, until: datetime | None = None,
                    limit: int = 100, offset: int = 0, escalated: bool | None = None
                    ) -> tuple[int, list[V.AlertView]]:
        """(total, one page of views) of the alerts ``user`` may see under these filters (``escalated``: only
        alerts that were, or were not, escalated to the supervising office)."""
        user = self.current_user(user)
        status, department, supervised = self._scope(user, status, department)
        if supervised or escalated is not None:
            def keep(a: Alert) -> bool:
                visible = not supervised or a.escalated or a.department == user.department
                return visible and (escalated is None or a.escalated == escalated)

            found = self._filtered(keep, status, department, level, since, until)
            return len(found), [self.alert_view(a) for a in found[offset:offset + limit]]
        total, alerts = self.wf.list_alerts(status=status, department=department, level=level, since=since,
                                            until=until, limit=limit, offset=offset)
        return total, [self.alert_view(a) for a in alerts]

    def overdue_by_department(self, user: User, now: datetime) -> list[dict[str, Any]]:
        """Open and overdue alerts per responsible department, among the alerts ``user`` may see (督查室: its own
        and everything escalated to it; officers: all)."""
        _, views = self.page_alerts(user, status="open", limit=100_000)
        rows: dict[str, dict[str, Any]] = {}
        for v in views:
            r = rows.setdefault(v.department or "（未分派）", {"department": v.department or "（未分派）", "open": 0,
                                                              "overdue": 0, "escalated": 0})
            r["open"] += 1
            r["overdue"] += v.is_overdue(now)
            r["escalated"] += v.escalated
        return sorted(rows.values(), key=lambda r: (-r["overdue"], -r["escalated"], r["department"]))

    def get_alert(self, user: User, alert_id: str, now: datetime | None = None) -> V.AlertDetailView:
        user = self.current_user(user)
        alert = self._load(alert_id)
        self._check_view(user, alert)
        now = now or clock_now()
        event = self.store.documents.get_event(alert.event_id) if alert.event_id else None
        docs = self._documents(alert)
        event_log = self.store.documents.event_log(event.id) if event is not None else []
        return V.AlertDetailView(
            alert=self.alert_view(alert),
            event=V.build_event_view(event) if event else None,
            documents=tuple(_doc_view(d) for d in docs),
            audit=tuple(V.build_audit_view(e) for e in self.wf.audit_for(alert.id)),
            responses=tuple(V.build_response_view(r) for r in self.wf.responses_for(alert.id)),
            assignments=tuple(V.build_assignment_view(a) for a in self.wf.assignments_for(alert.id)),
            deliveries=tuple(V.build_delivery_view(d) for d in self.wf.list_deliveries(alert.id)),
            event_log=tuple(V.build_event_log_view(e) for e in event_log),
            flags=self.flags(alert, now),
            actions=tuple(self.available_actions(user, alert, now)) if user.active else (),
            can_reveal=user.active and user.role.value in V.REVEAL_ROLES,
        )

    def _documents(self, alert: Alert) -> list[Any]:
        if alert.event_id:
            _, found = self.store.documents.list_documents(event_id=alert.event_id, limit=200)
            found.sort(key=lambda d: (d.likes + d.replies + d.views / 100), reverse=True)
            return found[: self.settings.representative_docs]
        if alert.details.get("doc_ids"):  # a digest: every post it lists, oldest first
            docs = self.store.documents.get_documents(list(alert.details["doc_ids"])[:200])
            order = {d: i for i, d in enumerate(alert.details["doc_ids"])}
            docs.sort(key=lambda d: order.get(d.id, 0))
            return docs
        if alert.details.get("doc_id"):
            doc = self.store.documents.get_document(alert.details["doc_id"])
            return [doc] if doc else []
        return []

    def reveal(self, user: User, alert_id: str, why: str, now: datetime) -> V.RawText:
        """「查看原文」: the unmasked title, reason, posts and responses of one alert, for 舆情专员 and 管理员 only,
        with a reason; every reveal is written to the audit log (who, when, why) before anything is returned."""
        user = self.current_user(user)
        alert = self._load(alert_id)
        self._check_view(user, alert)
        if user.role.value not in V.REVEAL_ROLES:
            raise PermissionDenied(f"「{user.name}」无权查看原文（需要：舆情专员或管理员）；页面与导出只显示脱敏文本")
        why = (why or "").strip()
        if not why:
            raise WorkflowError("查看原文必须说明理由（--reason），例如「需回电核实诉求人」；该操作将记入审计日志")
        docs = self._documents(alert)
        responses = self.wf.responses_for(alert.id)
        with self._transaction():
            self._audit(alert, user.name, "reveal", now, alert.status, alert.status,
                        f"查看原文（标题、原因、{len(docs)} 篇帖文、{len(responses)} 条回应）；理由：{mask_pii(why)}")
        return V.RawText(
            alert_id=alert.id, title=alert.title, reason=alert.reason,
            documents=tuple(V.RawDocument(id=d.id, title=d.title, text=(d.analysis or {}).get("text") or d.content or "",
                                          author=d.author or "", reply=d.reply.text if d.reply else "") for d in docs),
            responses=tuple(r.text for r in responses),
            returns=tuple(str(r.get("reason") or "") for r in alert.details.get("returned") or []),
            revealed_by=user.name, revealed_at=now, why=why)


def _allowed(user: User, alert: Alert, action: str) -> bool:
    try:
        check_action(user, alert, action)
        return True
    except (PermissionDenied, WorkflowError):
        return False


def _not_own(user: User, action: str, author: str | None) -> bool:
    try:
        check_not_own(user, action, author)
        return True
    except PermissionDenied:
        return False


def _doc_view(d: Any) -> V.DocumentView:
    # Shown to officers and departments and printed by `alerts show`: personal information is masked.
    return V.build_document_view(d)


def _due_text(svc: AlertService, alert: Alert, deadlines: dict[str, datetime]) -> str:
    return "；".join(f"{svc._label(n, alert.policy)} {d.astimezone(TZ).strftime('%Y-%m-%d %H:%M')}" for n, d in deadlines.items()) or "无"


def _when(at: datetime | None) -> str:
    return at.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if at else "（时间未标明）"


def _duration(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return (f"{days} 天 " if days else "") + f"{hours} 小时 {mins} 分"


def _after_quiet(at: datetime, start: Any, end: Any) -> datetime:
    """If ``at`` falls in the daily quiet window [start, end) (may wrap midnight), move it to the window's end."""
    local = at.astimezone(TZ)
    t = local.timetz().replace(tzinfo=None)
    wraps = start > end
    inside = (start <= t or t < end) if wraps else (start <= t < end)
    if not inside:
        return at
    end_dt = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if end_dt <= local:
        end_dt += timedelta(days=1)
    return end_dt
