"""Accounts: argon2 password hashes, roles, and the department a department user belongs to."""

from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from yuqing.model import Role, User
from yuqing.storage.base import WorkflowStore

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


class UserError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def random_password() -> str:
    return secrets.token_urlsafe(9)


def create_user(store: WorkflowStore, name: str, role: str, password: str, *, department: str | None = None,
                display_name: str | None = None, now: datetime | None = None) -> User:
    """Validate and store a new account. Department users must name a configured department."""
    name = (name or "").strip()
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise UserError("用户名不能为空、不能含空白字符，且不超过 64 个字符")
    try:
        role_value = Role(role)
    except ValueError as exc:
        raise UserError(f"角色「{role}」无效，可选：{', '.join(r.value for r in Role)}") from exc
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    known = {d.name for d in store.list_departments()}
    if role_value is Role.DEPARTMENT:
        if not department:
            raise UserError("责任部门账号必须用 --department 指定所属部门")
        if department not in known:
            raise UserError(f"部门「{department}」不在配置中（已配置：{'、'.join(sorted(known))}）")
    elif department and department not in known:
        raise UserError(f"部门「{department}」不在配置中")
    user = User(name=name, role=role_value, password_hash=hash_password(password), department=department,
                display_name=display_name or name, created_at=now)
    store.add_user(user)
    return user


def authenticate(store: WorkflowStore, name: str, password: str) -> User | None:
    user = store.get_user((name or "").strip())
    if user is None or not user.active or not verify_password(user.password_hash, password or ""):
        return None
    return user
