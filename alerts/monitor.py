"""The deadline monitor, run at every tick: a warning at the configured share of each deadline, an overdue notice
and one escalation (督办) on the first breach, and the waiting clock of alerts no officer has dispatched yet.

Deadlines, warnings and escalations are derived from stored state (``alert.deadlines``, ``alert.warned``,
``alert.escalated``, ``details["waiting"]``), so a scheduler that was down across a deadline catches up on the
next tick and never sends anything twice.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from yuqing.alerts.context import OPERATIONAL_TYPES, duration, past_due
from yuqing.clock import TZ, iso
from yuqing.config_waiting import WaitClock, WaitingConfig
from yuqing.model import Alert, AlertStatus
from yuqing.vocab import LEVEL_LABELS
from yuqing.storage.base import ConcurrentUpdateError
from yuqing.workflow import AWAITING_ANSWER

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext

log = logging.getLogger(__name__)
S = AlertStatus


def flags(ctx: "AlertContext", alert: Alert, now: datetime) -> dict[str, Any]:
    awaiting = alert.status in AWAITING_ANSWER
    overdue = [n for n, d in alert.deadlines.items() if awaiting and past_due(d, now)]
    upcoming = sorted(d for d in alert.deadlines.values() if not past_due(d, now))
    return {"awaiting_answer": awaiting, "overdue": bool(overdue), "overdue_deadlines": overdue,
            "next_due": iso(upcoming[0]) if upcoming else None, "warned": list(alert.warned),
            "escalated": alert.escalated}


def check_deadlines(ctx: "AlertContext", now: datetime) -> dict[str, Any]:
    """Warn at the configured share of each deadline, escalate (督办) once on the first breach."""
    share = ctx.deadline_settings.warn_share
    counts: dict[str, Any] = {"checked": 0, "warned": 0, "overdue": 0, "escalated": 0, "conflicts": 0, "errors": 0}
    alerts = ctx.alerts_in([s.value for s in AWAITING_ANSWER])
    for alert in alerts:
        if not alert.deadlines:
            continue
        counts["checked"] += 1
        try:
            check_one(ctx, alert, now, share, counts)
        except ConcurrentUpdateError:
            counts["conflicts"] += 1  # someone acted on it meanwhile; the next tick sees the new state
        except Exception:
            log.exception("deadline check failed for %s", alert.id)
            counts["errors"] += 1
    counts["waiting"] = check_waiting(ctx, now)
    return counts


def waiting_config(ctx: "AlertContext") -> WaitingConfig:
    return getattr(ctx.config, "waiting", None) or WaitingConfig()


def waiting_due(ctx: "AlertContext", alert: Alert) -> tuple[datetime, datetime | None] | None:
    """(reminder due, escalation due or None) of an alert waiting for dispatch, or None when its level has no
    waiting clock. The clock starts when the alert was created."""
    waiting = waiting_config(ctx)
    clock = waiting.levels.get(alert.level)
    if clock is None or not waiting.enabled:
        return None
    calendar = getattr(ctx.config, "calendar", None)
    start = alert.created_at
    remind = waiting.due(clock, clock.remind, start, calendar)
    return remind, waiting.due(clock, clock.escalate, start, calendar) if clock.escalate else None


def check_waiting(ctx: "AlertContext", now: datetime) -> dict[str, int]:
    """Alerts waiting for an officer (待派发, never dispatched) on their level's clock ([waiting]): one reminder to
    the officers when it runs out, one escalation to the supervising office later. What was sent is recorded
    on the alert (``details["waiting"]``) under the version check, so two schedulers never send twice."""
    counts = {"checked": 0, "reminded": 0, "escalated": 0, "conflicts": 0, "errors": 0}
    waiting = waiting_config(ctx)
    if not waiting.enabled or not waiting.levels:
        return counts
    for alert in ctx.alerts_in([S.NEW.value]):
        clock = waiting.levels.get(alert.level)
        if clock is None or alert.dispatched_at is not None:
            continue
        counts["checked"] += 1
        try:
            check_waiting_one(ctx, alert, clock, now, counts)
        except ConcurrentUpdateError:
            counts["conflicts"] += 1  # another scheduler recorded it first; it sent the notice
        except Exception:
            log.exception("waiting check failed for %s", alert.id)
            counts["errors"] += 1
    return counts


def check_waiting_one(ctx: "AlertContext", alert: Alert, clock: WaitClock, now: datetime, counts: dict[str, int]) -> None:
    due = waiting_due(ctx, alert)
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
        sup = ctx.supervisor()
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
        queue.append(("waiting_escalation", ctx.outbox.supervisor_targets() + ctx.outbox.officer_targets(), msg,
                      "waiting_escalation"))
        counts["escalated"] += 1
    else:
        state["reminded_at"] = now.isoformat()
        later = f"；逾 {clock.text(clock.escalate)} 仍未派发将报督查部门" if clock.escalate else ""
        msg = f"预警已等待派发 {clock.text(clock.remind)}（{level}，创建于 {created}），请尽快派发或办结{later}{suggested}"
        audits.append(("waiting_remind", msg))
        queue.append(("waiting_reminder", ctx.outbox.officer_targets(), msg, "waiting_reminder"))
        counts["reminded"] += 1
    updated.details["waiting"] = state
    save_with_notices(ctx, alert, updated, now, audits, queue)


def check_one(ctx: "AlertContext", alert: Alert, now: datetime, share: float, counts: dict[str, int]) -> None:
    start_text = alert.details.get("round_started_at")
    start = datetime.fromisoformat(start_text) if start_text else (alert.dispatched_at or alert.created_at)
    warned = list(alert.warned)
    audits: list[tuple[str, str]] = []
    queue: list[tuple[str, list[dict[str, str]], str, str]] = []
    breached = []
    for name, due in sorted(alert.deadlines.items(), key=lambda kv: kv[1]):
        label = ctx.label(name, alert.policy)
        if past_due(due, now):
            if f"overdue:{name}" not in warned:
                if name not in warned:
                    warned.append(name)  # too late to warn: the breach notice replaces the warning
                warned.append(f"overdue:{name}")
                breached.append(name)
                msg = f"{label}时限 {due.astimezone(TZ).strftime('%Y-%m-%d %H:%M')} 已过，尚未回应"
                audits.append(("overdue", msg))
                queue.append(("overdue", ctx.outbox.department_targets(alert.department), msg, name))
                counts["overdue"] += 1
        elif name not in warned:
            total = (due - start).total_seconds()
            used = (now - start).total_seconds()
            if total > 0 and used >= share * total:
                warned.append(name)
                left = due - now
                msg = (f"{label}时限将至：已用 {used / total:.0%} 时间，剩余 {duration(left)}"
                       f"（截止 {due.astimezone(TZ).strftime('%Y-%m-%d %H:%M')}）")
                audits.append(("warn", msg))
                queue.append(("warning", ctx.outbox.department_targets(alert.department), msg, name))
                counts["warned"] += 1
    escalate = bool(breached) and not alert.escalated
    if not audits:
        return
    updated = replace(alert, warned=warned, updated_at=now, details=dict(alert.details))
    sup = ctx.supervisor()
    if escalate:
        updated.escalated = True
        updated.details["escalated_to"] = sup.name if sup else None
        msg = (f"超时未回应，自动督办至 {sup.name if sup else '（未配置督办部门）'}："
               f"{'、'.join(ctx.label(n, alert.policy) for n in breached)}已过时限；责任部门 {alert.department}")
        audits.append(("escalate", msg))
        queue.append(("escalation", ctx.outbox.supervisor_targets() + ctx.outbox.department_targets(alert.department),
                      msg, "escalation"))
        counts["escalated"] += 1
    save_with_notices(ctx, alert, updated, now, audits, queue)


def save_with_notices(ctx: "AlertContext", alert: Alert, updated: Alert, now: datetime, audits: list[tuple[str, str]],
                       queue: list[tuple[str, list[dict[str, str]], str, str]]) -> None:
    """Save what a clock check decided, its audit entries and its notifications in one transaction (version-checked,
    so a second scheduler that decided the same finds the alert changed and sends nothing)."""
    with ctx.transaction():
        saved = ctx.save(updated, alert.version)
        for action, note in audits:
            ctx.audit(saved, ctx.settings.system_actor, action, now, alert.status, saved.status, note)
        for kind, targets, message, key in queue:
            ctx.outbox.queue(saved, kind, now, targets, message=message, key=key)
