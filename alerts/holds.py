"""Auto-dispatch held for departments without an account.

An alert sent to a department nobody can log in for would run its clock with no one to answer it. Automatic
dispatch (a new alert within ``auto_dispatch_max_level``, or one whose level rose) therefore goes ahead only when the
department has at least one active account; otherwise the alert stays 待派发 with the reason
「该部门尚无账号，已暂停自动派发，请人工派发」, audited, with no response clock. The officer's own dispatch is never held:
the officer decides how the department is reached.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from yuqing.alerts.handlers.dispatch import dispatch_to
from yuqing.model import Alert

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext

HOLD_REASON = "该部门尚无账号，已暂停自动派发，请人工派发"
HOLD_ACTION = "dispatch_held"


def departments_with_accounts(ctx: "AlertContext") -> set[str]:
    return {u.department for u in ctx.wf.list_users() if u.active and u.department}


def auto_dispatch(ctx: "AlertContext", alert: Alert, actor: str, now: datetime, *, note: str) -> Alert:
    """Dispatch ``alert`` to its routed department, or hold it there when the department has no active account."""
    if alert.department in departments_with_accounts(ctx):
        return dispatch_to(ctx, alert, actor, alert.department, now, note=note, action="dispatch")
    return hold(ctx, alert, actor, now)


def hold(ctx: "AlertContext", alert: Alert, actor: str, now: datetime) -> Alert:
    before, version = alert.status, alert.version
    department = alert.department
    alert = replace(alert, details={**alert.details, "dispatch_hold": {"department": department, "reason": HOLD_REASON,
                                                                       "at": now.isoformat()}})
    if HOLD_REASON not in alert.reason:
        alert.reason = f"{alert.reason}；拟派「{department}」：{HOLD_REASON}"
    alert.updated_at = now
    with ctx.transaction():
        alert = ctx.save(alert, version)
        ctx.audit(alert, actor, HOLD_ACTION, now, before, alert.status, f"拟派「{department}」：{HOLD_REASON}")
    return alert
