"""One handler per workflow action. The transition table (:data:`yuqing.workflow.ACTIONS`) says who may act, from
which statuses, and to which status; a handler adds only what its action needs (its input, its notes, whom to
tell). :meth:`Handler.run` applies the table's target status and saves the change, its audit entry and its
notifications in one transaction under the version check."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from yuqing.model import Alert, AlertStatus, Response, User
from yuqing.storage.base import DuplicateError
from yuqing.workflow import ActionSpec, WorkflowError

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext

S = AlertStatus


@dataclass(frozen=True)
class ActionInput:
    """What the user gave with the action (``note`` already stripped)."""

    department: str | None = None
    text: str | None = None
    link: str | None = None
    rating: str | None = None
    note: str = ""
    hours: float | None = None


@dataclass
class Outcome:
    """What an action records besides the alert itself."""

    audit_note: str = ""
    queue: list[tuple[str, list[dict[str, str]], str]] = field(default_factory=list)
    response: Response | None = None
    rated: Response | None = None
    silence: dict[str, Any] | None = None


class Handler:
    action: ClassVar[str]

    def __init__(self, ctx: "AlertContext", spec: ActionSpec):
        self.ctx, self.spec = ctx, spec

    def check(self, user: User, alert: Alert, inp: ActionInput, now: datetime) -> None:
        """Conditions beyond the table (raise WorkflowError / PermissionDenied)."""

    def apply(self, user: User, alert: Alert, inp: ActionInput, now: datetime, before: AlertStatus,
              out: Outcome) -> None:
        """Change ``alert`` (a private copy, already moved to the table's target status) and fill ``out``."""

    def run(self, user: User, alert: Alert, inp: ActionInput, now: datetime) -> Alert:
        ctx = self.ctx
        self.check(user, alert, inp, now)
        before = alert.status
        alert = replace(alert, details=dict(alert.details))
        alert.updated_at = now
        if self.spec.target is not None:
            alert.status = self.spec.target
        out = Outcome(audit_note=inp.note)
        self.apply(user, alert, inp, now, before, out)
        with ctx.transaction():
            try:
                saved = ctx.save(alert, alert.version)
            except DuplicateError as exc:
                raise WorkflowError(f"事件 {alert.event_id} 已有另一条未办结的预警，不能重新打开本预警") from exc
            if out.response is not None:
                ctx.wf.add_response(out.response)
            if out.rated is not None:
                ctx.wf.update_response(out.rated)
            audit_note = out.audit_note
            if out.silence is not None:
                silence_id = ctx.wf.add_silence(out.silence)
                audit_note += f"（静默规则 #{silence_id}）"
            ctx.audit(saved, user.name, self.action, now, before, saved.status, audit_note)
            if saved.status is S.CLOSED and saved.event_id:
                ctx.wf.set_state("alerts.closed", saved.event_id, f"{saved.level}|{now.isoformat()}")
            ctx.outbox.queue_all(saved, now, out.queue)
        return saved
