"""The department's actions on an alert assigned to it: 签收, 退单, 回应."""

from __future__ import annotations

from datetime import datetime

from yuqing.alerts.context import past_due
from yuqing.alerts.handlers.base import ActionInput, Handler, Outcome
from yuqing.model import Alert, AlertStatus, Response, User
from yuqing.workflow import WorkflowError


class Accept(Handler):
    action = "accept"

    def apply(self, user: User, alert: Alert, inp: ActionInput, now: datetime, before: AlertStatus,
              out: Outcome) -> None:
        out.audit_note = inp.note or "已签收"


class Return(Handler):
    action = "return"

    def apply(self, user: User, alert: Alert, inp: ActionInput, now: datetime, before: AlertStatus,
              out: Outcome) -> None:
        text, note = inp.text, inp.note
        reason = (text or note).strip() if (text or note) else ""
        if not reason:
            raise WorkflowError("退单必须说明理由（--text 或 --note），例如「不属于本部门职责，应由A市交通运输局办理」")
        alert.details["returned"] = [*alert.details.get("returned", []),
                                     {"by": user.name, "department": alert.department, "at": now.isoformat(), "reason": reason}]
        out.audit_note = f"退单理由：{reason}"
        out.queue.append(("returned", self.ctx.outbox.officer_targets(), out.audit_note))


class Respond(Handler):
    action = "respond"

    def apply(self, user: User, alert: Alert, inp: ActionInput, now: datetime, before: AlertStatus,
              out: Outcome) -> None:
        body, link = (inp.text or "").strip(), inp.link
        if not body:
            raise WorkflowError("回应内容不能为空（--text）")
        if link and not link.startswith(("http://", "https://")):
            raise WorkflowError(f"回应链接「{link}」不是 http(s) 网址")
        out.response = Response(alert_id=alert.id, department=alert.department or user.department or "",
                                author=user.name, text=body, created_at=now, link=link)
        overdue = [n for n, due in alert.deadlines.items() if past_due(due, now)]
        out.audit_note = f"回应：{body[:200]}" + (
            f"（超时：{'、'.join(self.ctx.label(n, alert.policy) for n in overdue)}）" if overdue else "（按时）")
        out.queue.append(("responded", self.ctx.outbox.officer_targets(), out.audit_note))
