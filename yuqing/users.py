"""Accounts: argon2 password hashes, roles, and the department a department user belongs to.

Logging in (:func:`authenticate`, used by the dashboard and by ``yuqing alerts … --as NAME --password-stdin``) costs
one argon2 verification whatever the name: unknown and deactivated names are checked against a dummy hash, so the
answer's timing does not say whether an account exists. Failures are counted per account name and per client
address in the workflow store (``login_attempts``); too many within :data:`FAILURE_WINDOW` lock further attempts
for :data:`LOCKOUT` with a message saying when to retry. A success clears the account's count.

Without ``--as`` the command line acts as the local system operator (:func:`system_operator`): whoever can run
``yuqing`` on the server already holds the database, so it gets administrator powers, under a name that says so
(``system:<os user>@<host>``) in the audit log. Account names cannot contain ``:``, so no account can pose as it.
"""

from __future__ import annotations

import getpass
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from yuqing.clock import TZ
from yuqing.clock import now as clock_now
from yuqing.model import Role, User
from yuqing.storage.base import WorkflowStore

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8

#: Login throttling: this many failures for one account name (or one client address) within FAILURE_WINDOW lock
#: further attempts for LOCKOUT. The address limit is higher: many officers may share one office gateway.
ACCOUNT_FAILURE_LIMIT = 5
ADDRESS_FAILURE_LIMIT = 20
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)

# The hash of a random password nobody knows, with the hasher's parameters: verifying against it costs what
# verifying a real account costs. Regenerated (once per process) if the argon2 defaults ever change.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$BVDHHmtyA1zul1AqPkGaGg$F6i67JUDT/GdRBPD8avSFsvwjXllcoJ+onLATS3H1hY"
SYSTEM_PREFIX = "system:"


class UserError(ValueError):
    pass


class LoginThrottled(UserError):
    """Too many failed logins for this account or address; the message (Chinese) says when to retry."""

    def __init__(self, message: str, until: datetime):
        super().__init__(message)
        self.until = until


@dataclass
class SystemOperator(User):
    """The local system operator: the command line run without ``--as`` (never stored, never a login)."""


def system_operator() -> SystemOperator:
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        os_user = f"uid{os.getuid()}"
    host = socket.gethostname() or "localhost"
    return SystemOperator(name=f"{SYSTEM_PREFIX}{os_user}@{host}", role=Role.ADMIN, password_hash="",
                          display_name=f"本机系统操作员（{os_user}@{host}）")


def is_system_operator(user: User) -> bool:
    return isinstance(user, SystemOperator)


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
    if ":" in name:
        raise UserError(f"用户名不能含冒号「:」（「{SYSTEM_PREFIX}…」留给本机系统操作员）")
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


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _hasher.check_needs_rehash(_DUMMY_HASH):
        _DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(32))
    return _DUMMY_HASH


def _retry_text(until: datetime) -> str:
    return until.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def authenticate(store: WorkflowStore, name: str, password: str, *, address: str | None = None,
                 now: datetime | None = None) -> User | None:
    """The active account ``name`` if ``password`` is right, else None (one answer for unknown name, wrong password
    and deactivated account). Raises :class:`LoginThrottled` while the name or ``address`` is locked.
    ``address`` is the client's address (None: not a network login, only the account is counted)."""
    now = now or clock_now()
    name = (name or "").strip()
    account_key, address_key = name[:128], (address or "")[:128] or None
    for kind, key, what in (("account", account_key, f"账号「{name}」"), ("address", address_key, "当前地址")):
        until = store.login_locked_until(kind, key, now) if key is not None else None
        if until is not None:
            raise LoginThrottled(f"{what}登录失败次数过多，已暂时锁定；请于 {_retry_text(until)} 之后重试"
                                 f"（{FAILURE_WINDOW.seconds // 60} 分钟内失败 "
                                 f"{ACCOUNT_FAILURE_LIMIT if kind == 'account' else ADDRESS_FAILURE_LIMIT} 次即锁定 "
                                 f"{LOCKOUT.seconds // 60} 分钟）", until)
    user = store.get_user(name) if name else None
    if user is None or not user.active:
        verify_password(_dummy_hash(), password or "")  # the same work as a real check: timing reveals nothing
        ok = False
    else:
        ok = verify_password(user.password_hash, password or "")
    if ok:
        store.clear_login_failures("account", account_key)
        return user
    store.record_login_failure("account", account_key, now, window=FAILURE_WINDOW, limit=ACCOUNT_FAILURE_LIMIT,
                               lockout=LOCKOUT)
    if address_key is not None:
        store.record_login_failure("address", address_key, now, window=FAILURE_WINDOW, limit=ADDRESS_FAILURE_LIMIT,
                                   lockout=LOCKOUT)
    return None
