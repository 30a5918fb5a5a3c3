"""依申请公开 extensions (政府信息公开条例 2019 第三十三条): which deadlines of an alert may be extended, by how much,
and which requests wait for a decision, and why an extension action is not possible now. The three actions are in
:mod:`yuqing.alerts.handlers.extension`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from yuqing.alerts.deadlines import compute_deadlines
from yuqing.clock import TZ
from yuqing.model import Alert, Role, User
from yuqing.workflow import AWAITING_ANSWER, PermissionDenied

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext


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


def _when(text: str | None) -> str:
    return (text or "")[:16].replace("T", " ")


def extension_problem(alert: Alert, action: str, now: datetime, extendable: dict[str, datetime]) -> str | None:
    """Why an extension action is not possible now (Chinese), or None. ``extendable``: the alert's current deadlines
    that its policy allows to extend (empty for anything but 依申请公开)."""
    ext = alert.details.get("extension") or {}
    state = ext.get("status")
    if not extendable:
        return (f"预警 {alert.id} 的时限策略为「{alert.policy or '无'}」，不能延期：只有依申请公开事项可以延长答复期限"
                f"（政府信息公开条例第三十三条）")
    due = min(extendable.values())
    due_text = due.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    if action == "extend":
        if state == "granted":
            return (f"预警 {alert.id} 已于 {_when(ext.get('decided_at'))} 经 {ext.get('decided_by')} 批准延期，"
                    f"答复期限只能延长一次")
        if state == "pending":
            return (f"预警 {alert.id} 已有待审批的延期申请（{ext.get('requested_by')} 于 {_when(ext.get('requested_at'))} 提交），"
                    f"请等待信息公开工作机构负责人审批")
        if now > due:
            return f"原答复期限 {due_text} 已过，不能再申请延期（延期须在答复期限内提出）；请尽快答复"
        return None
    if state != "pending":
        return f"预警 {alert.id} 没有待审批的延期申请"
    if action == "approve_extension" and now > due:
        return (f"原答复期限 {due_text} 已过，不能再批准延期（延期须在答复期限内决定并告知申请人）；"
                f"请驳回申请并督促部门尽快答复")
    return None
