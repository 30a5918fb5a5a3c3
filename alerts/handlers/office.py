"""The office's actions: 评价, 重新打开, 办结, 督办, 静默."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from yuqing.alerts.handlers.base import ActionInput, Handler, Outcome
from yuqing.alerts.silences import silence_record
from yuqing.model import Alert, AlertStatus, User
from yuqing.workflow import RATINGS, WorkflowError, check_not_own

S = AlertStatus


class Evaluate(Handler):
    """The table gives no target: 不满意 reopens (a new round), anything else closes."""

    action = "evaluate"

    def apply(self, user: User, alert: Alert, inp: ActionInput, now: datetime, before: AlertStatus,
              out: Outcome) -> None:
        rating, note = inp.rating, inp.note
        if rating not in RATINGS:
            raise WorkflowError(f"评价必须是 {'、'.join(RATINGS)} 之一（--rating），实际为「{rating or ''}」")
        responses = self.ctx.wf.responses_for(alert.id)
        last = next((r for r in reversed(responses) if r.rating is None), None)
        if last is None:
            raise WorkflowError("没有待评价的回应")
        check_not_own(user, self.action, last.author)
        out.rated = replace(last, rating=rating, rated_by=user.name, rated_at=now)
        alert.rating = rating
        if rating == "不满意":
            alert.status = S.REOPENED
            self.ctx.start_round(alert, now, new_round=True)
            out.audit_note = f"评价：不满意，重新办理；{note}".rstrip("；") + f"；新时限：{self.ctx.deadline_text(alert)}"
            out.queue.append(("reopened", self.ctx.outbox.department_targets(alert.department), out.audit_note))
        else:
            alert.status = S.CLOSED
            out.audit_note = f"评价：{rating}，办结" + (f"；{note}" if note else "")


class Reopen(Handler):
    action = "reopen"

    def apply(self, user: User, alert: Alert, inp: ActionInput, now: datetime, before: AlertStatus,
              out: Outcome) -> None:
        if not inp.note and not inp.text:
            raise WorkflowError("重新打开必须说明理由（--note）")
        self.ctx.start_round(alert, now, new_round=True)
        out.audit_note = f"重新打开：{inp.note or inp.text}；新时限：{self.ctx.deadline_text(alert)}"
        out.queue.append(("reopened", self.ctx.outbox.department_targets(alert.department), out.audit_note))


class Close(Handler):
    action = "close"

    def apply(self, user: User, alert: Alert, inp: ActionInput, now: datetime, before: AlertStatus,
              out: Outcome) -> None:
        if before is not S.RESPONDED and not (inp.note or inp.text):
            raise WorkflowError("未回应的预警直接办结必须说明理由（--note），例如「经核实为不实信息」")
        out.audit_note = f"办结：{inp.note or inp.text or '已回应'}"


class Escalate(Handler):
    action = "escalate"

    def apply(self, user: User, alert: Alert, inp: ActionInput, now: datetime, before: AlertStatus,
              out: Outcome) -> None:
        if alert.escalated:
            raise WorkflowError(f"预警 {alert.id} 已经督办过")
        sup = self.ctx.supervisor()
        alert.escalated = True
        alert.details["escalated_to"] = sup.name if sup else None
        out.audit_note = f"人工督办至 {sup.name if sup else '（未配置督办部门）'}：{inp.note or inp.text or '请加快办理'}"
        out.queue.append(("escalation", self.ctx.outbox.supervisor_targets()
                          + self.ctx.outbox.department_targets(alert.department), out.audit_note))


class Silence(Handler):
    action = "silence"

    def apply(self, user: User, alert: Alert, inp: ActionInput, now: datetime, before: AlertStatus,
              out: Outcome) -> None:
        span = float(inp.hours if inp.hours is not None else 24)
        reason = inp.note or inp.text or ""
        out.silence = silence_record(user, rule=None, source=None, keyword=None, event_id=alert.event_id,
                                     hours=span, reason=reason, now=now,
                                     doc_source=alert.details.get("source") if not alert.event_id else None)
        out.audit_note = f"静默 {span:g} 小时：{reason}"
