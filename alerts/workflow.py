"""The response loop as data: which role may take which action from which status, and to which status.

new → dispatched → accepted → responded → closed, with returned (退单 → back to the officer), reopened
(不满意 or an officer's reopen; a new round with fresh deadlines) and escalated (督办, a flag, not a status).
"""

from __future__ import annotations

from dataclasses import dataclass

from yuqing.model import ROLE_LABELS, STATUS_LABELS, Alert, AlertStatus, Role, User

S = AlertStatus


class PermissionDenied(PermissionError):
    """The user may not see or do this (message in Chinese)."""


class WorkflowError(ValueError):
    """The action is not possible in the alert's current state, or its input is missing (message in Chinese)."""


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str
    roles: frozenset[Role]
    sources: frozenset[AlertStatus]
    target: AlertStatus | None  # None: status unchanged (escalate, silence) or decided by input (evaluate)
    own_department: bool = False  # department users may only act on alerts assigned to their department


_OFFICE = frozenset({Role.ADMIN, Role.OFFICER})
_DEPT = frozenset({Role.ADMIN, Role.DEPARTMENT})
_ACTIVE = frozenset({S.DISPATCHED, S.ACCEPTED, S.REOPENED})
_OPEN = frozenset(s for s in S if s is not S.CLOSED)

ACTIONS: dict[str, ActionSpec] = {a.name: a for a in (
    ActionSpec("dispatch", "派发", _OFFICE, frozenset({S.NEW, S.RETURNED}), S.DISPATCHED),
    ActionSpec("reassign", "改派", _OFFICE, frozenset({S.DISPATCHED, S.ACCEPTED, S.RETURNED, S.REOPENED}), S.DISPATCHED),
    ActionSpec("accept", "签收", _DEPT, frozenset({S.DISPATCHED, S.REOPENED}), S.ACCEPTED, own_department=True),
    ActionSpec("return", "退单", _DEPT, _ACTIVE, S.RETURNED, own_department=True),
    ActionSpec("respond", "回应", _DEPT, _ACTIVE, S.RESPONDED, own_department=True),
    ActionSpec("evaluate", "评价", _OFFICE, frozenset({S.RESPONDED}), None),
    ActionSpec("reopen", "重新打开", _OFFICE, frozenset({S.RESPONDED, S.CLOSED}), S.REOPENED),
    ActionSpec("close", "办结", _OFFICE, _OPEN, S.CLOSED),
    ActionSpec("escalate", "督办", _OFFICE | {Role.LEADER}, frozenset({S.DISPATCHED, S.ACCEPTED, S.RETURNED, S.REOPENED}),
               None),
    ActionSpec("silence", "静默", _OFFICE, _OPEN, None),
)}

RATINGS = ("满意", "基本满意", "不满意")
#: Statuses in which the department still owes an answer: the clock runs, overdue stays visible.
AWAITING_ANSWER = frozenset({S.DISPATCHED, S.ACCEPTED, S.RETURNED, S.REOPENED})


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
    if user.role is Role.DEPARTMENT and alert.department != user.department:
        raise PermissionDenied(f"{user.department}的用户无权处理分派给{alert.department or '（未分派）'}的预警")
    if alert.status not in spec.sources:
        allowed = "、".join(STATUS_LABELS[s] for s in sorted(spec.sources, key=lambda s: s.value))
        raise WorkflowError(f"预警 {alert.id} 当前状态为「{STATUS_LABELS[alert.status]}」，不能执行「{spec.label}」"
                            f"（仅在 {allowed} 状态下可以）")
    return spec
