"""Login, logout and idle expiry. Passwords are checked by :func:`yuqing.users.authenticate` (argon2, one
verification whatever the name, throttled per account and per client address); the session keeps only the user
name, role and department, and re-reads the account on every run."""

from __future__ import annotations

import time

import streamlit as st

from yuqing.dashboard.services import queries
from yuqing.dashboard.services.context import get_app
from yuqing.dashboard.settings import DashboardSettings

USER_KEY = "auth_user"
ACTIVE_KEY = "auth_last_active"
FLASH_KEY = "auth_flash"


def current_user_name() -> str | None:
    return st.session_state.get(USER_KEY)


def expired(settings: DashboardSettings, now: float | None = None) -> bool:
    last = st.session_state.get(ACTIVE_KEY)
    now = time.time() if now is None else now
    return last is not None and now - float(last) > settings.idle_minutes * 60


def touch() -> None:
    st.session_state[ACTIVE_KEY] = time.time()


def logout(message: str | None = None) -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]  # nothing of the old session (filters, selections) leaks to the next user
    if message:
        st.session_state[FLASH_KEY] = message


def resolve_user(settings: DashboardSettings):
    """The logged-in, still active :class:`~yuqing.model.User`, or None (expiring idle sessions on the way)."""
    name = current_user_name()
    if name is None:
        return None
    if expired(settings):
        logout(f"会话已超过 {settings.idle_minutes} 分钟无操作，已自动退出，请重新登录")
        return None
    user = queries.load_user(get_app(), name)
    if user is None:
        logout("账号已停用或不存在，请联系管理员")
        return None
    touch()
    return user


def client_address() -> str:
    """The client's address for login throttling. Streamlit gives the connection's address (None for localhost
    and outside a session): those share the bucket "unknown". Forwarding headers are not read, since any client
    can forge them."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001  (no script-run context, e.g. bare mode)
        address = None
    return address if isinstance(address, str) and address else "unknown"  # AppTest gives a mock


def login_page() -> None:
    from yuqing.dashboard.settings import parse_dashboard
    from yuqing.users import LoginThrottled

    settings = parse_dashboard(get_app().config)
    st.title(settings.title)
    st.caption("请使用管理员分配的账号登录（账号由 `yuqing users add` 创建）")
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.warning(flash)
    with st.form("login"):
        name = st.text_input("用户名", key="login_name")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        if not name.strip() or not password:
            st.error("请输入用户名和密码")
            return
        try:
            user = queries.authenticate(get_app(), name, password, address=client_address())
        except LoginThrottled as exc:
            st.error(str(exc))
            return
        if user is None:
            # One message for unknown user, wrong password and disabled account: no account probing.
            st.error("用户名或密码错误，或账号已停用")
            return
        st.session_state[USER_KEY] = user.name
        touch()
        st.rerun()
