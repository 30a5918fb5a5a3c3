"""The supervising office's action: 督办意见 on an alert escalated (督办) to it.

The office (a department account of the ``supervisor = true`` department) or an officer writes what it expects of
the responsible department; the note is kept on the alert (``details["supervision"]``), written to the audit log
and sent to the responsible department (to the officers while nobody is responsible yet), once, in the same
transaction. The alert's status does not change: the office supervises, the department acts.
"""

from __future__ import annotations

from datetime import datetime

from yuqing.alerts.handlers.base import ActionInput, Handler, Outcome
from yuqing.alerts.queries import can_view, is_supervisor_user
from yuqing.model import Alert, AlertStatus, Role, User
from yuqing.workflow import PermissionDenied, WorkflowError

MAX_NOTE = 2000


class Supervise(Handler):
    action = "supervise"

    def check(self, user: User, alert: Alert, inp: ActionInput, now: datetime) -> None:
        if user.role is Role.DEPARTMENT and not is_supervisor_user(self.ctx, user):
            raise PermissionDenied(f"只有督办部门可以提出督办意见（「{user.name}」属于{user.department or '（无部门）'}）")
        if user.role is Role.DEPARTMENT and not can_view(self.ctx, user, alert):
            # Permission before state: the office learns nothing about an alert that was never escalated to it.
            raise PermissionDenied(f"「{user.name}」无权查看预警 {alert.id}")
        if not alert.escalated:
            raise WorkflowError(f"预警 {alert.id} 尚未督办，不能提出督办意见")
        text = (inp.text or inp.note or "").strip()
        if not text:
            raise WorkflowError("督办意见不能为空（--text），例如「请于明日 12 时前报送处置进展」")
        if len(text) > MAX_NOTE:
            raise WorkflowError(f"督办意见过长（{len(text)} 字，最多 {MAX_NOTE} 字）")

    def apply(self, user: User, alert: Alert, inp: ActionInput, now: datetime, before: AlertStatus,
              out: Outcome) -> None:
        text = (inp.text or inp.note or "").strip()
        notes = list(alert.details.get("supervision") or [])
        notes.append({"by": user.name, "at": now.isoformat(), "text": text, "department": alert.department})
        alert.details["supervision"] = notes
        out.audit_note = f"督办意见（致{alert.department or '舆情专员，尚未派发'}）：{text}"
        targets = (self.ctx.outbox.department_targets(alert.department) if alert.department
                   and alert.status is not AlertStatus.NEW else self.ctx.outbox.officer_targets())
        # One delivery per target for this note: the key names the note, so a repeat of the queueing sends nothing.
        out.queue.append(("supervision", targets, out.audit_note, f"supervision:{len(notes)}"))
