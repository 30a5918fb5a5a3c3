"""The response loop as data: which role may take which action from which status, and to which status.

new → dispatched → accepted → responded → closed, with returned (退单 → back to the officer), reopened
(不满意 or an officer's reopen; a new round with fresh deadlines) and escalated (督办, a flag, not a status).

Part of the kernel's domain model: the alerts stage enforces the table (alerts/handlers/), the dashboard reads it
to offer the actions a user may take, and both raise and catch the same :class:`PermissionDenied` and
:class:`WorkflowError`. What only the alerts stage decides (the 依申请公开 extension conditions, which need the
deadline policies) stays in alerts/extensions.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from yuqing.clock import TZ
from yuqing.model import ROLE_LABELS, STATUS_LABELS, Alert, AlertStatus, Role, User
from yuqing.vocab import ACTION_LABELS, WorkflowAction as A

S = AlertStatus


class PermissionDenied(PermissionError):
    """The user may not see or do this (message in Chinese)."""


class WorkflowError(ValueError):
    """The action is not possible in the alert's current state, or its input is missing (message in Chinese)."""


@dataclass(frozen=True)
class ActionSpec:
    name: str
    roles: frozenset[Role]
    sources: frozenset[AlertStatus]
    target: AlertStatus | None  # None: status unchanged (escalate, silence) or decided by input (evaluate)
    own_department: bool = False  # department users may only act on alerts assigned to their department

    @property
    def label(self) -> str:
        """The action as a verb, from the shared vocabulary (the same word on buttons, in errors and in the log)."""
        return ACTION_LABELS[self.name]


_OFFICE = frozenset({Role.ADMIN, Role.OFFICER})
_DEPT = frozenset({Role.ADMIN, Role.DEPARTMENT})
_ACTIVE = frozenset({S.DISPATCHED, S.ACCEPTED, S.REOPENED})
_OPEN = frozenset(s for s in S if s is not S.CLOSED)
#: Statuses in which the department still owes an answer: the clock runs, overdue stays visible.
AWAITING_ANSWER = frozenset({S.DISPATCHED, S.ACCEPTED, S.RETURNED, S.REOPENED})

ACTIONS: dict[str, ActionSpec] = {a.name: a for a in (
    ActionSpec(A.DISPATCH.value, _OFFICE, frozenset({S.NEW, S.RETURNED}), S.DISPATCHED),
    ActionSpec(A.REASSIGN.value, _OFFICE, frozenset({S.DISPATCHED, S.ACCEPTED, S.RETURNED, S.REOPENED}), S.DISPATCHED),
    ActionSpec(A.ACCEPT.value, _DEPT, frozenset({S.DISPATCHED, S.REOPENED}), S.ACCEPTED, own_department=True),
    ActionSpec(A.RETURN.value, _DEPT, _ACTIVE, S.RETURNED, own_department=True),
    ActionSpec(A.RESPOND.value, _DEPT, _ACTIVE, S.RESPONDED, own_department=True),
    ActionSpec(A.EVALUATE.value, _OFFICE, frozenset({S.RESPONDED}), None),
    ActionSpec(A.REOPEN.value, _OFFICE, frozenset({S.RESPONDED, S.CLOSED}), S.REOPENED),
    ActionSpec(A.CLOSE.value, _OFFICE, _OPEN, S.CLOSED),
    ActionSpec(A.ESCALATE.value, _OFFICE | {Role.LEADER}, frozenset({S.DISPATCHED, S.ACCEPTED, S.RETURNED, S.REOPENED}),
               None),
    ActionSpec(A.SILENCE.value, _OFFICE, _OPEN, None),
    # 依申请公开 extension (政府信息公开条例 2019 第三十三条): the department asks, the office's head decides.
    ActionSpec(A.EXTEND.value, _DEPT, _ACTIVE, None, own_department=True),
    ActionSpec(A.APPROVE_EXTENSION.value, _OFFICE, AWAITING_ANSWER, None),
    ActionSpec(A.REJECT_EXTENSION.value, _OFFICE, AWAITING_ANSWER, None),
    # 督办意见: the supervising office (a department account of the ``supervisor = true`` department, checked by the
    # handler) or an officer comments on an alert escalated to the office; the status does not change.
    ActionSpec(A.SUPERVISE.value, _OFFICE | {Role.DEPARTMENT}, _OPEN, None),
)}
EXTENSION_ACTIONS = frozenset({"extend", "approve_extension", "reject_extension"})

RATINGS = ("满意", "基本满意", "不满意")


def role_label(user: User) -> str:
    return ROLE_LABELS.get(user.role, str(user.role))


def can_view(user: User, alert: Alert) -> bool:
    if user.role is Role.DEPARTMENT:
        return bool(user.department) and alert.department == user.department
    return True


def check_view(user: User, alert: Alert) -> None:
    if not can_view(user, alert):
        raise PermissionDenied(f"{user.department or user.name}的用户无权查看分派给{alert.department or '（未分派）'}的预警 {alert.id}")


def check_action(user: User, alert: Alert, action: str) -> ActionSpec:
    """Permission first (so a stranger learns nothing about state), then the state machine."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise WorkflowError(f"未知操作「{action}」（可选：{'、'.join(f'{a}（{s.label}）' for a, s in ACTIONS.items())}）")
    if not user.active:
        raise PermissionDenied(f"账号「{user.name}」已停用")
    if user.role not in spec.roles:
        allowed = "、".join(ROLE_LABELS[r] for r in sorted(spec.roles, key=lambda r: r.value))
        raise PermissionDenied(f"{role_label(user)}「{user.name}」无权执行「{spec.label}」操作（需要：{allowed}）")
    if spec.own_department and user.role is Role.DEPARTMENT and alert.department != user.department:
        raise PermissionDenied(f"{user.department}的用户无权处理分派给{alert.department or '（未分派）'}的预警")
    if alert.status not in spec.sources:
        allowed = "、".join(STATUS_LABELS[s] for s in sorted(spec.sources, key=lambda s: s.value))
        raise WorkflowError(f"预警 {alert.id} 当前状态为「{STATUS_LABELS[alert.status]}」，不能执行「{spec.label}」"
                            f"（仅在 {allowed} 状态下可以）")
    return spec


def check_not_own(user: User, action: str, author: str | None) -> None:
    """Separation of duties: nobody evaluates a response they wrote, nor decides on an extension they asked for
    (an administrator may do both a department's and the office's part, but never on the same item)."""
    if not author or author != user.name:
        return
    if action == "evaluate":
        raise PermissionDenied(f"「{user.name}」不能评价自己撰写的回应：评价须由回应人以外的舆情专员或管理员作出")
    if action in ("approve_extension", "reject_extension"):
        raise PermissionDenied(f"「{user.name}」不能审批自己提交的延期申请：须由申请人以外的舆情专员或管理员决定")


def check_action_time(alert: Alert, now: datetime) -> None:
    """An action cannot predate the alert's last recorded change (a reply before its dispatch, a backdated
    evaluation): whatever clock the caller used, the record stays in time order."""
    last = alert.updated_at or alert.created_at
    if last is not None and now < last:
        raise WorkflowError(f"操作时间 {now.astimezone(TZ).strftime('%Y-%m-%d %H:%M:%S')} 早于预警 {alert.id} 的最近一次记录"
                            f"（{last.astimezone(TZ).strftime('%Y-%m-%d %H:%M:%S')}）：办理记录不能倒签")
