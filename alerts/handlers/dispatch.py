"""派发 and 改派: the alert goes to a department. The first dispatch starts the clock; later reassignments keep it
(no gaming)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from yuqing.alerts.handlers.base import ActionInput, Handler
from yuqing.model import Alert, Assignment, User
from yuqing.workflow import ACTIONS, WorkflowError

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext


def dispatch_to(ctx: "AlertContext", alert: Alert, actor: str, department: str, now: datetime, *, note: str,
                action: str) -> Alert:
    """Assign to a department (``action``: dispatch or reassign, whose target status the table gives)."""
    if not ctx.department(department):
        raise WorkflowError(f"部门「{department}」不在配置中（可选：{'、'.join(d.name for d in ctx.departments)}）")
    before, version = alert.status, alert.version
    alert = replace(alert, details=dict(alert.details))
    hold = alert.details.pop("dispatch_hold", None)  # held for want of an account (alerts/holds.py): dispatched now
    if hold:
        alert.reason = alert.reason.replace(f"；拟派「{hold.get('department')}」：{hold.get('reason')}", "")
    previous = alert.department
    alert.department = department
    alert.status = ACTIONS[action].target
    alert.updated_at = now
    if alert.dispatched_at is None:
        alert.dispatched_at = now
        if not alert.policy:
            alert.policy = ctx.policy_for_level(alert.level)
        ctx.start_round(alert, now, new_round=True)
    with ctx.transaction():
        alert = ctx.save(alert, version)
        ctx.wf.add_assignment(Assignment(alert_id=alert.id, department=department, assigned_by=actor,
                                         assigned_at=now, note=note))
        text = note if action == "dispatch" else f"由 {previous or '（无）'} 改派至 {department}：{note}"
        ctx.audit(alert, actor, action, now, before, alert.status,
                  f"{text}；责任部门：{department}；时限：{ctx.deadline_text(alert)}")
        ctx.outbox.queue(alert, "dispatch", now, ctx.outbox.department_targets(department), message=text)
    return alert


class Dispatch(Handler):
    action = "dispatch"

    def target_department(self, alert: Alert, inp: ActionInput) -> str | None:
        return inp.department or alert.department

    def run(self, user: User, alert: Alert, inp: ActionInput, now: datetime) -> Alert:
        target = self.target_department(alert, inp)
        if not target:
            raise WorkflowError(f"「{self.spec.label}」需要用 --department 指定责任部门")
        if self.action == "reassign" and target == alert.department:
            raise WorkflowError(f"预警已在「{target}」办理，改派需要指定另一个部门")
        return dispatch_to(self.ctx, alert, user.name, target, now, note=inp.note or inp.text or self.spec.label,
                           action=self.action)


class Reassign(Dispatch):
    action = "reassign"

    def target_department(self, alert: Alert, inp: ActionInput) -> str | None:
        return inp.department
