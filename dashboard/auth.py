"""Login, logout, idle expiry, and the session cookie that keeps a login across a reload, a deep link or a new tab.

Passwords are checked by :func:`yuqing.users.authenticate` (argon2, one verification whatever the name, throttled
per account and per client address). A successful login gets a signed, expiring session token
(:mod:`yuqing.sessions`: a row in the workflow store, HMAC key in the store) which the browser keeps in a cookie;
a new Streamlit session (F5, a pasted URL, ``?screen=1``) reads it with ``st.context.cookies``. The session keeps
only the user name; the account is re-read from the store on every run, so a deactivated account is logged out
at its next click and its token stops working. Logging out (or going idle) revokes the token in the store, so the
old cookie or a copy of it is worthless, and clears the cookie.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import streamlit as st

from yuqing import sessions
from yuqing.clock import now as clock_now
from yuqing.dashboard.services import queries
from yuqing.dashboard.services.context import get_app
from yuqing.dashboard.settings import DashboardSettings

USER_KEY = "auth_user"
ACTIVE_KEY = "auth_last_active"
FLASH_KEY = "auth_flash"
TOKEN_KEY = "auth_token"
TOUCHED_KEY = "auth_touched"
COOKIE_KEY = "auth_cookie"  # the cookie script still to send: ("set", token, max_age) or ("clear",)
DEAD_KEY = "auth_dead_cookie"  # a cookie this tab knows is no longer good (the browser may send it until cleared)
COOKIE = "yuqing_session"
TOUCH_EVERY = 60  # seconds between writes of a session's last activity to the store


def current_user_name() -> str | None:
    return st.session_state.get(USER_KEY)


def expired(settings: DashboardSettings, now: float | None = None) -> bool:
    last = st.session_state.get(ACTIVE_KEY)
    now = time.time() if now is None else now
    return last is not None and now - float(last) > settings.idle_minutes * 60


def touch() -> None:
    st.session_state[ACTIVE_KEY] = time.time()


def _workflow():
    return get_app().store.workflow


def logout(message: str | None = None) -> None:
    token = st.session_state.get(TOKEN_KEY) or _cookie_token()
    if token:
        try:
            sessions.revoke(_workflow(), token, clock_now())
        except Exception:  # noqa: BLE001  (the store being down must not keep anyone logged in on this tab)
            pass
    for key in list(st.session_state.keys()):
        del st.session_state[key]  # nothing of the old session (filters, selections) leaks to the next user
    st.session_state[COOKIE_KEY] = ("clear",)
    st.session_state[DEAD_KEY] = _cookie_token()
    if message:
        st.session_state[FLASH_KEY] = message


def _cookie_token() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001  (no script-run context, e.g. bare mode)
        return None
    return value if isinstance(value, str) and value else None


def _from_cookie(settings: DashboardSettings) -> str | None:
    """The account name of a live session cookie sent by this browser (a reload or a new tab), else None."""
    token = _cookie_token()
    if token is None or token == st.session_state.get(DEAD_KEY):
        return None  # logged out in this tab: the connection still carries the old cookie
    name = sessions.verify(_workflow(), token, clock_now(), idle=timedelta(minutes=settings.idle_minutes))
    if name is None:
        st.session_state[COOKIE_KEY] = ("clear",)
        st.session_state[DEAD_KEY] = token
        st.session_state[FLASH_KEY] = "登录已过期或已退出，请重新登录"
        return None
    st.session_state[USER_KEY] = name
    st.session_state[TOKEN_KEY] = token
    touch()
    return name


def resolve_user(settings: DashboardSettings):
    """The logged-in, still active :class:`~yuqing.model.User`, or None (expiring idle sessions on the way)."""
    name = current_user_name() or _from_cookie(settings)
    if name is None:
        return None
    if expired(settings):
        logout(f"会话已超过 {settings.idle_minutes} 分钟无操作，已自动退出，请重新登录")
        return None
    token = st.session_state.get(TOKEN_KEY)
    if token is not None and sessions.verify(_workflow(), token, clock_now()) is None:
        logout("登录已在其他窗口退出或已过期，请重新登录")  # revoked elsewhere: this tab ends too
        return None
    user = queries.load_user(get_app(), name)
    if user is None:
        logout("账号已停用或不存在，请联系管理员")
        return None
    touch()
    if token is not None and time.time() - float(st.session_state.get(TOUCHED_KEY, 0)) > TOUCH_EVERY:
        sessions.touch(_workflow(), token, clock_now())
        st.session_state[TOUCHED_KEY] = time.time()
    return user


def send_cookie() -> None:
    """Write or clear the session cookie in the browser if a login or logout asked for it (once).

    ``st.html`` with JavaScript runs in the page itself (not an iframe), so the cookie belongs to the dashboard's
    origin and is sent with the next connection, where ``st.context.cookies`` reads it."""
    pending = st.session_state.pop(COOKIE_KEY, None)
    if pending is None:
        return
    if pending[0] == "set":
        _, token, max_age = pending
        value = f"{COOKIE}={token}; Path=/; Max-Age={int(max_age)}; SameSite=Strict"
    else:
        value = f"{COOKIE}=; Path=/; Max-Age=0; SameSite=Strict"
    script = (f"<script>document.cookie = {json.dumps(value)} + "
              "(location.protocol === 'https:' ? '; Secure' : '');</script>")
    st.html(script, unsafe_allow_javascript=True)


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
    send_cookie()
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
        lifetime = timedelta(hours=settings.session_hours)
        issued = sessions.issue(_workflow(), user.name, clock_now(), lifetime=lifetime)
        st.session_state.pop(DEAD_KEY, None)
        st.session_state[USER_KEY] = user.name
        st.session_state[TOKEN_KEY] = issued.token
        st.session_state[TOUCHED_KEY] = time.time()
        st.session_state[COOKIE_KEY] = ("set", issued.token, lifetime.total_seconds())
        touch()
        st.rerun()
