"""The workflow's actions: the transition table (:data:`yuqing.workflow.ACTIONS`) decides who may act, from which
status and to which status; :func:`perform` checks it and hands the action to its handler."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from yuqing.alerts.handlers.base import ActionInput, Handler
from yuqing.alerts.handlers.department import Accept, Respond, Return
from yuqing.alerts.handlers.dispatch import Dispatch, Reassign
from yuqing.alerts.handlers.extension import ApproveExtension, Extend, RejectExtension
from yuqing.alerts.handlers.office import Close, Escalate, Evaluate, Reopen, Silence
from yuqing.alerts.handlers.supervision import Supervise
from yuqing.model import Alert, User
from yuqing.storage.base import ConcurrentUpdateError
from yuqing.workflow import ACTIONS, WorkflowError, check_action, check_action_time

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext

HANDLERS: dict[str, type[Handler]] = {h.action: h for h in (
    Dispatch, Reassign, Accept, Return, Respond, Evaluate, Reopen, Close, Escalate, Silence,
    Extend, ApproveExtension, RejectExtension, Supervise)}
if set(HANDLERS) != set(ACTIONS):  # the table and the handlers name the same actions, or nothing starts
    raise RuntimeError(f"workflow actions without a handler or handlers without an action: "
                       f"{sorted(set(HANDLERS) ^ set(ACTIONS))}")


def perform(ctx: "AlertContext", user: User, alert_id: str, action: str, inp: ActionInput, *, now: datetime,
            expected_version: int | None = None) -> Alert:
    """Take one workflow action as ``user``. Raises PermissionDenied / WorkflowError / ConcurrentUpdateError."""
    user = ctx.current_user(user)
    alert = ctx.load(alert_id)
    stale = expected_version is not None and expected_version != alert.version
    try:
        spec = check_action(user, alert, action)
    except WorkflowError:
        if not stale:
            raise
        spec = None  # the state moved on under a stale read: say so, rather than "wrong state"
    version = alert.version if expected_version is None else expected_version
    if stale or spec is None:
        raise ConcurrentUpdateError(
            f"预警 {alert.id} 已被他人修改（当前版本 {alert.version}，你读取的是版本 {expected_version}）；请刷新后重试")
    check_action_time(alert, now)
    alert = replace(alert, version=version)
    return HANDLERS[action](ctx, spec).run(user, alert, inp, now)
