"""Audited account changes: one function per change, used by the dashboard's 用户管理 and by ``yuqing users``.

Each function decides who may act from the actor's account as stored now (the local system operator of the command
line acts as an administrator), validates the change, and writes the change and ONE audit entry in the same
transaction: ``alert_id`` ``user:<name>``, the acting account, an action from :data:`yuqing.vocab.AUDIT_ACTION_LABELS`
and a note with the account's state before and after (role, department, active) — never the password or its hash.
Deactivating an account revokes its dashboard sessions at once; the last active administrator can be neither
deactivated nor demoted. Errors are :class:`AccountError` with a Chinese message.
"""

from __future__ import annotations

from datetime import datetime

from yuqing.model import ROLE_LABELS, AuditEntry, Role, User
from yuqing.storage.base import WorkflowStore
from yuqing.users import MIN_PASSWORD_LENGTH, UserError, create_user, hash_password, is_system_operator

NEW_ACCOUNT = "（新账号）"


class AccountError(UserError):
    """An account change refused; the message (Chinese) says why."""


def describe(user: User) -> str:
    """The account's state as the audit log records it (no secret)."""
    role = ROLE_LABELS.get(user.role, user.role.value)
    return f"角色 {role}，部门 {user.department or '无'}，{'启用' if user.active else '停用'}"


def authorize(store: WorkflowStore, actor: User) -> None:
    """Raise unless ``actor`` is, as stored now, an active administrator (or the local system operator)."""
    if is_system_operator(actor):
        return
    stored = store.get_user(actor.name)
    if stored is None or not stored.active:
        raise AccountError(f"账号「{actor.name}」不存在或已停用")
    if stored.role is not Role.ADMIN:
        raise AccountError("只有管理员可以管理账号")


def _target(store: WorkflowStore, name: str) -> User:
    user = store.get_user((name or "").strip())
    if user is None:
        raise AccountError(f"用户「{name}」不存在")
    return user


def _audit(store: WorkflowStore, actor: User, action: str, name: str, before: str, after: str, now: datetime,
           extra: str = "") -> None:
    note = f"账号「{name}」修改前：{before}；修改后：{after}" + (f"；{extra}" if extra else "")
    store.append_audit(AuditEntry(alert_id=f"user:{name}", actor=actor.name, action=action, at=now, note=note))


def _guard_last_admin(store: WorkflowStore, user: User, what: str) -> None:
    """Refuse to take away the last active administrator (``what``: 停用 / 取消管理员角色)."""
    if user.role is not Role.ADMIN or not user.active:
        return
    others = [u for u in store.list_users() if u.role is Role.ADMIN and u.active and u.name != user.name]
    if not others:
        raise AccountError(f"「{user.name}」是最后一个启用的管理员账号，不能{what}；"
                           "请先新建或启用另一个管理员")


def add_account(store: WorkflowStore, actor: User, name: str, role: str, password: str, *,
                department: str | None = None, display_name: str | None = None, now: datetime) -> User:
    """Create an account (validated by :func:`yuqing.users.create_user`), audited ``account_add``."""
    authorize(store, actor)
    with store.transaction():
        user = create_user(store, name, role, password, department=department or None,
                           display_name=display_name or None, now=now)
        _audit(store, actor, "account_add", user.name, NEW_ACCOUNT, describe(user), now)
    return user


def set_active(store: WorkflowStore, actor: User, name: str, active: bool, *, now: datetime) -> bool:
    """Activate or deactivate an account (False: it already was); deactivating revokes its dashboard sessions."""
    authorize(store, actor)
    user = _target(store, name)
    if user.active == active:
        return False
    if not active:
        if user.name == actor.name:
            raise AccountError("不能停用自己的账号")
        _guard_last_admin(store, user, "停用")
    before = describe(user)
    user.active = active
    with store.transaction():
        store.update_user(user)
        revoked = store.revoke_user_sessions(user.name, now) if not active else 0
        _audit(store, actor, "account_activate" if active else "account_deactivate", user.name, before,
               describe(user), now, f"注销登录会话 {revoked} 个" if not active else "")
    return True


def reset_password(store: WorkflowStore, actor: User, name: str, password: str, *, now: datetime) -> None:
    """Set a new password (argon2-hashed), audited ``account_password`` (the note never holds the password); the
    account's live dashboard sessions end with the old password (a reset after a leak must lock the holder out)."""
    authorize(store, actor)
    user = _target(store, name)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    state = describe(user)
    user.password_hash = hash_password(password)
    with store.transaction():
        store.update_user(user)
        revoked = store.revoke_user_sessions(user.name, now)
        _audit(store, actor, "account_password", user.name, state, state, now,
               "密码已重置（日志不记录密码）" + (f"；已注销 {revoked} 个看板会话" if revoked else ""))


def change_role(store: WorkflowStore, actor: User, name: str, role: str, department: str | None, *,
                now: datetime) -> bool:
    """Change an account's role and department (False: nothing changed), audited ``account_change``."""
    authorize(store, actor)
    user = _target(store, name)
    try:
        new_role = Role(role)
    except ValueError as exc:
        raise AccountError(f"角色「{role}」无效，可选：{', '.join(r.value for r in Role)}") from exc
    department = department or None
    if new_role is Role.DEPARTMENT and not department:
        raise AccountError("责任部门账号必须选择所属部门")
    known = {d.name for d in store.list_departments()}
    if department and department not in known:
        raise AccountError(f"部门「{department}」不在配置中")
    if new_role is not Role.ADMIN:
        if user.name == actor.name and user.role is Role.ADMIN:
            raise AccountError("不能取消自己的管理员角色")
        _guard_last_admin(store, user, "取消管理员角色")
    before = describe(user)
    user.role, user.department = new_role, department
    if describe(user) == before:
        return False
    with store.transaction():
        store.update_user(user)
        _audit(store, actor, "account_change", user.name, before, describe(user), now)
    return True
