"""依申请公开 extensions (政府信息公开条例 2019 第三十三条): which deadlines of an alert may be extended, by how much,
and which requests wait for a decision. The three actions are in :mod:`alerts.handlers.extension`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from alerts.deadlines import compute_deadlines
from alerts.workflow import AWAITING_ANSWER, PermissionDenied
from yuqing.model import Alert, Role, User

if TYPE_CHECKING:
    from alerts.context import AlertContext


def extendable_deadlines(ctx: "AlertContext", alert: Alert) -> dict[str, datetime]:
    """The alert's current deadlines its policy allows to extend (依申请公开: the 答复 deadline); else empty."""
    policy = ctx.deadline_settings.policies.get(alert.policy or "")
    if policy is None:
        return {}
    return {s.name: alert.deadlines[s.name] for s in policy.deadlines
            if s.extension_working_days and s.name in alert.deadlines}


def extension_days(ctx: "AlertContext", alert: Alert) -> int:
    policy = ctx.deadline_settings.policies.get(alert.policy or "")
    return max((s.extension_working_days for s in policy.deadlines), default=0) if policy else 0


def extended_deadlines(ctx: "AlertContext", alert: Alert) -> dict[str, datetime]:
    """The extendable deadlines recomputed with the extension, on working days from the round's start."""
    start_text = alert.details.get("round_started_at")
    start = datetime.fromisoformat(start_text) if start_text else (alert.dispatched_at or alert.created_at)
    extended = compute_deadlines(alert.policy, start, ctx.deadline_settings.raw, extended=True,
                                 calendar=getattr(ctx.config, "calendar", None))
    return {n: extended[n] for n in extendable_deadlines(ctx, alert)}


def pending_extensions(ctx: "AlertContext", user: User) -> list[Alert]:
    """Alerts with an extension request waiting for a decision (for the officer's workbench)."""
    user = ctx.current_user(user)
    if user.role not in (Role.ADMIN, Role.OFFICER):
        raise PermissionDenied(f"「{user.name}」无权审批延期申请（需要：舆情专员或管理员）")
    out, offset = [], 0
    while True:
        _, page = ctx.wf.list_alerts(status=[s.value for s in AWAITING_ANSWER], limit=500, offset=offset)
        out.extend(a for a in page if (a.details.get("extension") or {}).get("status") == "pending")
        if len(page) < 500:
            return sorted(out, key=lambda a: a.details["extension"].get("requested_at") or "")
        offset += 500
