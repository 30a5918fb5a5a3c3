"""Rules → alerts: run the rules, create an alert per new finding (routed, auto-dispatched by level), raise the
level of an open one, or join a follow-up to the open alert on the same issue. Backlog findings go to
:mod:`yuqing.alerts.digests`."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from yuqing.alerts.context import sha
from yuqing.alerts.creation import create
from yuqing.alerts.digests import apply_digests, close_answered
from yuqing.alerts.holds import auto_dispatch
from yuqing.alerts.merges import follow_merges
from yuqing.alerts.rules.base import Finding
from yuqing.clock import TZ, iso
from yuqing.correction_effects import not_issue
from yuqing.model import OPEN_STATUSES, Alert, AlertStatus
from yuqing.storage.base import ConcurrentUpdateError
from yuqing.workflow import AWAITING_ANSWER

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext

log = logging.getLogger(__name__)
S = AlertStatus


def evaluate(ctx: "AlertContext", now: datetime) -> list[Alert]:
    """Run all rules; create or raise alerts; auto-dispatch; queue notifications. Returns alerts created or raised."""
    # Alerts of events the events stage merged away move to the surviving event first, so the rules below find
    # the survivor's alert and do not raise a second one.
    merges = follow_merges(ctx, now)
    result = ctx.engine.run(ctx.store, now)
    changed: list[Alert] = []
    ctx.last_run = {"findings": len(result.findings), "silenced": len(result.silenced), "errors": result.errors,
                    "created": 0, "raised": 0, "unchanged": 0, "suppressed": 0, "digested": 0, "merges": merges}
    # An officer said 「不是问题」 about the event or post: no alert for it, now or later.
    dismissed = [f for f in result.findings if not_issue(ctx.store, event_id=f.event_id, doc_id=f.doc_id)]
    if dismissed:
        result.findings = [f for f in result.findings if f not in dismissed]
    ctx.last_run["not_issue"] = len(dismissed)
    digestable = [f for f in result.findings if f.digest]
    for finding in result.findings:
        if finding.digest:
            continue
        try:
            alert = apply_finding(ctx, finding, now)
        except ConcurrentUpdateError:
            log.info("alert for %s changed meanwhile; next tick will look again", finding.subject)
            alert = None
        except Exception as exc:  # one bad finding must not stop the batch
            log.exception("could not apply finding %s", finding.subject)
            result.errors.append(f"处理 {finding.subject} 时出错：{exc}")
            alert = None
        if alert is not None:
            changed.append(alert)
    changed.extend(apply_digests(ctx, digestable, now, result.errors))
    # Posts answered since their overdue-reply alert was raised: those alerts close themselves.
    ctx.last_run["answered"] = close_answered(ctx, now)
    return changed


def apply_finding(ctx: "AlertContext", finding: Finding, now: datetime) -> Alert | None:
    if finding.event_id:
        existing = ctx.wf.open_alert_for_event(finding.event_id)
        if existing:
            if finding.level < existing.level:
                ctx.last_run["raised"] += 1
                return raise_level(ctx, existing, finding, now)
            ctx.last_run["unchanged"] += 1
            return None
        closed = ctx.wf.get_state("alerts.closed", finding.event_id)
        if closed:
            level_text, _, closed_at = closed.partition("|")
            # A handled event does not come back at the same level; it does when it gets worse.
            if finding.level >= int(level_text):
                ctx.last_run["suppressed"] += 1
                return None
        handled, joined = join_followup(ctx, finding, now)
        if handled:
            return joined
        alert_id = "E" + now.astimezone(TZ).strftime("%Y%m%d") + "-" + sha(f"{finding.event_id}|{now.isoformat()}")[:8]
    else:
        alert_id = "P" + now.astimezone(TZ).strftime("%Y%m%d") + "-" + sha(f"doc:{finding.doc_id}")[:8]
        if ctx.wf.get_state("alerts.doc", finding.doc_id):
            ctx.last_run["unchanged"] += 1
            return None  # one alert per board post, ever
    ctx.last_run["created"] += 1
    return create(ctx, alert_id, finding, now)


def join_followup(ctx: "AlertContext", finding: Finding, now: datetime) -> tuple[bool, Alert | None]:
    """One open alert per issue: the finding's event has no open alert of its own, but it names a distinctive
    entity (``Event.state["entities"]``, recorded by the events stage) that the event of an open alert created
    at most ``[alerts] followup_days`` ago names too — a follow-up 21 days later, or a second post about the
    same estate routed to another department. The finding then joins that alert (the oldest such; audit
    「后续帖子并入」, ``details["followup_events"]`` lists the events) instead of opening another, and raises its
    level if it is more severe. Returns (handled, alert changed or None)."""
    docs = ctx.store.documents
    event = docs.get_event(finding.event_id)
    entities = set((event.state or {}).get("entities") or []) if event else set()
    if not entities:
        return False, None
    days = ctx.settings.followup_days
    if days <= 0:
        return False, None
    since = now - timedelta(days=days)
    candidates = sorted((a for a in ctx.alerts_in(list(OPEN_STATUSES))
                         if a.event_id and a.created_at and a.created_at >= since),
                        key=lambda a: (a.created_at, a.id))
    for alert in candidates:
        linked = [alert.event_id, *(alert.details.get("followup_events") or [])]
        if finding.event_id in linked:
            ctx.last_run["unchanged"] += 1
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
        with ctx.transaction():
            joined = ctx.save(joined, alert.version)
            ctx.audit(joined, ctx.settings.system_actor, "followup_joined", now, joined.status, joined.status,
                        note)
        if finding.level < joined.level:
            joined = raise_level(ctx, joined, finding, now)
        ctx.last_run["raised"] += 1
        return True, joined
    return False, None


def raise_level(ctx: "AlertContext", alert: Alert, finding: Finding, now: datetime) -> Alert:
    before = alert.status
    old_level, version = alert.level, alert.version
    alert = replace(alert, details=dict(alert.details))
    alert.level = finding.level
    alert.reason = finding.reason
    alert.details["level_history"] = [*alert.details.get("level_history", []),
                                      {"at": now.isoformat(), "level": finding.level, "reason": finding.reason}]
    alert.details["fired"] = finding.details.get("fired")
    alert.details["rules"] = finding.details.get("rules")
    new_policy = finding.policy or ctx.policy_for_level(finding.level) or alert.policy
    note = f"级别由 {old_level} 升至 {finding.level}：{finding.reason}"
    policy_changed = new_policy != alert.policy
    alert.policy = new_policy
    if alert.status in AWAITING_ANSWER and alert.dispatched_at and policy_changed:
        # Stricter policy: its clock starts now (the moment the situation was judged more serious).
        ctx.start_round(alert, now, new_round=True)
        note += f"；时限策略改为 {new_policy}，自 {iso(now)} 起重新计时"
    alert.updated_at = now
    with ctx.transaction():
        alert = ctx.save(alert, version)
        ctx.audit(alert, ctx.settings.system_actor, "level_up", now, before, alert.status, note)
        ctx.outbox.queue(alert, "level_up", now, ctx.outbox.officer_targets() + ctx.outbox.department_targets(alert.department),
                    message=note)
        if (alert.status in (S.NEW, S.RETURNED) and alert.department and alert.policy
                and alert.level <= ctx.settings.auto_dispatch_max_level):
            alert = auto_dispatch(ctx, alert, ctx.settings.system_actor, now, note="级别上升，自动派发")
    return alert
