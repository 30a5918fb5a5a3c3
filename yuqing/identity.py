"""Who a command acts as, and when: the identity and clock rules every command that changes the workflow shares
(``yuqing alerts act|raise|list|show``, ``yuqing correct``).

``--as NAME`` needs ``--password-stdin`` (checked like a dashboard login, with the same throttling); without ``--as``
the command acts as the local system operator (:func:`yuqing.users.system_operator`). ``--now`` on an action is
honoured only where :data:`CLOCK_OVERRIDE_ENV` is "1".
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from typing import Any, TextIO

from yuqing.clock import now as clock_now
from yuqing.model import User
from yuqing.users import UserError, authenticate, system_operator
from yuqing.workflow import PermissionDenied

#: ``--now`` on an action (act, raise) is honoured only where this is "1": the test suite and ``yuqing demo`` set
#: it. Anywhere else an action happens at the real time, so nobody records a reply before its dispatch.
CLOCK_OVERRIDE_ENV = "YUQING_ALLOW_CLOCK_OVERRIDE"
PASSWORD_HOWTO = ("例如：printf '%s\\n' \"$PW\" | yuqing alerts … --as {name} --password-stdin，"
                  "或 … --as {name} --password-stdin < 密码文件；在终端中直接运行则会提示输入且不回显")


def acting_user(app: Any, name: str | None, password_stdin: bool = False, stdin: TextIO | None = None) -> User:
    """Who this command acts as: ``--as NAME`` with the password on stdin (checked like a dashboard login, with
    the same throttling), or without ``--as`` the local system operator (recorded as ``system:<os user>@<host>``)."""
    if name is None:
        if password_stdin:
            raise PermissionDenied("--password-stdin 需要与 --as 用户名一起使用；不加 --as 则以本机系统操作员身份执行")
        return system_operator()
    if not password_stdin:
        raise PermissionDenied(f"以用户「{name}」身份操作需要验证该用户的密码：请加 --password-stdin 并从标准输入提供密码（"
                               + PASSWORD_HOWTO.format(name=name) + "）；不加 --as 则以本机系统操作员身份执行")
    stream = stdin or sys.stdin
    if stream.isatty():
        import getpass

        line = getpass.getpass(f"用户「{name}」的密码：", stream=sys.stderr)
    else:
        line = stream.readline()
    password = line[:-1] if line.endswith("\n") else line
    password = password[:-1] if password.endswith("\r") else password
    if not password:
        raise PermissionDenied("标准输入中没有读到密码（--password-stdin 读取第一行）；" + PASSWORD_HOWTO.format(name=name))
    try:
        user = authenticate(app.store.workflow, name, password)
    except UserError as exc:  # locked after too many failures
        raise PermissionDenied(str(exc)) from exc
    if user is None:
        raise PermissionDenied(f"用户名或密码错误，或账号「{name}」已停用")
    return user


def action_time(value: str | None) -> datetime:
    """The time an action is recorded at: now, unless the clock-override switch allows ``--now``."""
    if value and os.environ.get(CLOCK_OVERRIDE_ENV) != "1":
        raise PermissionDenied(f"办理操作不能用 --now 指定时间（办理记录按系统当前时间登记，不能倒签或预签）；"
                               f"仅测试与演示环境可设置环境变量 {CLOCK_OVERRIDE_ENV}=1 后使用")
    return clock_now(value)
