"""申请延期, 批准延期, 驳回延期: the department asks, the office's head decides (never on their own request)."""

from __future__ import annotations

from datetime import datetime

from yuqing.alerts.extensions import extendable_deadlines, extended_deadlines, extension_days, extension_problem
from yuqing.alerts.handlers.base import ActionInput, Handler, Outcome
from yuqing.clock import iso
from yuqing.model import Alert, AlertStatus, User
from yuqing.workflow import WorkflowError, check_not_own


class _ExtensionHandler(Handler):
    def check(self, user: User, alert: Alert, inp: ActionInput, now: datetime) -> None:
        problem = extension_problem(alert, self.action, now, extendable_deadlines(self.ctx, alert))
        if problem:
            raise WorkflowError(problem)
        if self.action != "extend":
            check_not_own(user, self.action, (alert.details.get("extension") or {}).get("requested_by"))


class Extend(_ExtensionHandler):
    action = "extend"

    def apply(self, user: User, alert: Alert, inp: ActionInput, now: datetime, before: AlertStatus,
              out: Outcome) -> None:
        ctx = self.ctx
        reason = (inp.text or inp.note or "").strip()
        if not reason:
            raise WorkflowError("申请延期必须说明理由（--text），例如「需向第三方征求意见，无法在 20 个工作日内答复」")
        extendable = extendable_deadlines(ctx, alert)
        proposed = extended_deadlines(ctx, alert)
        alert.details["extension"] = {
            "status": "pending", "requested_by": user.name, "department": alert.department,
            "requested_at": now.isoformat(), "reason": reason, "working_days": extension_days(ctx, alert),
            "original": {n: iso(d) for n, d in extendable.items()}, "proposed": {n: iso(d) for n, d in proposed.items()}}
        out.audit_note = (f"申请延期 {extension_days(ctx, alert)} 个工作日：{reason}；原答复期限 "
                          f"{ctx.due_text(alert, extendable)}，批准后为 {ctx.due_text(alert, proposed)}")
        out.queue.append(("extension_requested", ctx.outbox.officer_targets(), out.audit_note))


class ApproveExtension(_ExtensionHandler):
    action = "approve_extension"

    def apply(self, user: User, alert: Alert, inp: ActionInput, now: datetime, before: AlertStatus,
              out: Outcome) -> None:
        ctx, note = self.ctx, inp.note
        extendable = extendable_deadlines(ctx, alert)
        extended = extended_deadlines(ctx, alert)
        alert.deadlines = {**alert.deadlines, **extended}
        # The reminder starts afresh on the longer clock (warn_share of the whole extended period).
        alert.warned = [w for w in alert.warned if w not in extended]
        ext = dict(alert.details["extension"])
        ext.update(status="granted", decided_by=user.name, decided_at=now.isoformat(), decision_note=note,
                   original={n: iso(d) for n, d in extendable.items()},
                   granted={n: iso(d) for n, d in extended.items()})
        alert.details["extension"] = ext
        out.audit_note = (f"批准延期 {ext.get('working_days')} 个工作日：答复期限由 {ctx.due_text(alert, extendable)} "
                          f"延长至 {ctx.due_text(alert, extended)}（按工作日计算，含调休）" + (f"；{note}" if note else "")
                          + "；请责任部门书面告知申请人")
        out.queue.append(("extension_granted", ctx.outbox.department_targets(alert.department), out.audit_note))


class RejectExtension(_ExtensionHandler):
    action = "reject_extension"

    def apply(self, user: User, alert: Alert, inp: ActionInput, now: datetime, before: AlertStatus,
              out: Outcome) -> None:
        ctx = self.ctx
        reason = (inp.note or inp.text or "").strip()
        if not reason:
            raise WorkflowError("驳回延期申请必须说明理由（--note）")
        ext = dict(alert.details["extension"])
        ext.update(status="rejected", decided_by=user.name, decided_at=now.isoformat(), decision_note=reason)
        alert.details["extension"] = ext
        alert.details["extension_history"] = [*alert.details.get("extension_history", []), ext]
        out.audit_note = f"驳回延期申请：{reason}；答复期限仍为 {ctx.due_text(alert, extendable_deadlines(ctx, alert))}"
        out.queue.append(("extension_rejected", ctx.outbox.department_targets(alert.department), out.audit_note))
