"""Write-side: every workflow action goes through the alerts service (the same layer as ``yuqing alerts act``);
account management goes through :mod:`yuqing.accounts`. Each returns ``(ok, message)`` with a Chinese message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from yuqing.dashboard.services.queries import AlertsUnavailable, alert_service
from yuqing.model import User
from yuqing.vocab import AUDIT_ACTION_LABELS
from yuqing.workflow import PermissionDenied, WorkflowError


def _errors() -> tuple[type[BaseException], ...]:
    from yuqing.storage.base import StoreError

    return PermissionDenied, WorkflowError, StoreError, AlertsUnavailable, ValueError


def act(app: Any, user: User, alert_id: str, action: str, *, now: datetime, expected_version: int | None = None,
        **fields: Any) -> tuple[bool, str]:
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    try:
        alert_service(app).act(user, alert_id, action, now=now, expected_version=expected_version, **fields)
    except _errors() as exc:
        return False, str(exc)
    return True, f"预警 {alert_id} {AUDIT_ACTION_LABELS.get(action, '已处理')}"


def reveal(app: Any, user: User, alert_id: str, why: str, *, now: datetime) -> tuple[bool, Any]:
    """「查看原文」 through the alerts service (role check, reason required, audited): (True, RawText) or
    (False, Chinese message)."""
    if not (why or "").strip():
        return False, "查看原文必须填写理由（将记入审计日志）"
    try:
        return True, alert_service(app).reveal(user, alert_id, why.strip(), now=now)
    except _errors() as exc:
        return False, str(exc)


def raise_manual(app: Any, user: User, title: str, reason: str, *, level: int, event_id: str | None,
                 department: str | None, now: datetime, policy: str | None = None) -> tuple[bool, str]:
    if not (title or "").strip():
        return False, "请填写预警标题"
    if not (reason or "").strip():
        return False, "请填写预警原因"
    try:
        alert = alert_service(app).raise_manual(user, title.strip(), reason.strip(), level=level,
                                                event_id=event_id or None, department=department or None, now=now,
                                                policy=policy or None)
    except _errors() as exc:
        return False, str(exc)
    alert_id = getattr(alert, "id", None) or (alert.get("id") if isinstance(alert, dict) else "")
    return True, f"已创建人工预警 {alert_id}"


def silence(app: Any, user: User, *, rule: str | None, source: str | None, keyword: str | None,
            event_id: str | None, hours: float, reason: str, now: datetime) -> tuple[bool, str]:
    if not any((rule, source, keyword, event_id)):
        return False, "静默至少需要指定规则、来源、关键词或事件之一"
    if not (reason or "").strip():
        return False, "请填写静默原因"
    try:
        alert_service(app).silence(user, rule=rule or None, source=source or None, keyword=keyword or None,
                                   event_id=event_id or None, hours=hours, reason=reason.strip(), now=now)
    except _errors() as exc:
        return False, str(exc)
    return True, f"已静默 {hours:g} 小时"


# -- accounts (admin) ---------------------------------------------------------------------------------------------
def create_account(app: Any, admin: User, name: str, role: str, password: str, department: str | None,
                   display_name: str | None, now: datetime) -> tuple[bool, str]:
    """Through :func:`yuqing.accounts.add_account` (checked from the stored account, audited), as the CLI."""
    from yuqing import accounts
    from yuqing.storage.base import DuplicateError
    from yuqing.users import UserError

    try:
        accounts.add_account(app.store.workflow, admin, name, role, password, department=department or None,
                             display_name=display_name or None, now=now)
    except (UserError, DuplicateError) as exc:
        return False, str(exc)
    return True, f"已创建账号「{name}」"


def set_active(app: Any, admin: User, name: str, active: bool, now: datetime) -> tuple[bool, str]:
    """Through :func:`yuqing.accounts.set_active`: audited; deactivating revokes the account's sessions at once."""
    from yuqing import accounts

    try:
        changed = accounts.set_active(app.store.workflow, admin, name, active, now=now)
    except accounts.AccountError as exc:
        return False, str(exc)
    if not changed:
        return True, f"账号「{name}」本已{'启用' if active else '停用'}，没有改动"
    return True, f"已{'启用' if active else '停用'}账号「{name}」" + ("" if active else "，其登录会话已全部注销")


def reset_password(app: Any, admin: User, name: str, password: str, now: datetime) -> tuple[bool, str]:
    from yuqing import accounts

    try:
        accounts.reset_password(app.store.workflow, admin, name, password, now=now)
    except accounts.AccountError as exc:
        return False, str(exc)
    return True, f"已重置「{name}」的密码"
