"""Shared page setup, in one place: page config, configuration errors, login gate, role-filtered navigation,
the sidebar, and :func:`page_context` which every page calls first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import streamlit as st

from yuqing.dashboard import auth, nav
from yuqing.dashboard.settings import DashboardSettings, parse_dashboard

HERE = Path(__file__).resolve().parent
CTX_KEY = "_page_ctx"

SCREEN_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], footer,
[data-testid="collapsedControl"], [data-testid="stSidebarCollapsedControl"] {display: none !important;}
.stApp, [data-testid="stAppViewContainer"] {background: #0a1428 !important; color: #e8f0ff !important;}
.block-container {padding: .6rem 1.6rem !important; max-width: 100% !important;}
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] {gap: .7rem !important;}
.stApp h1, .stApp h2, .stApp h3, .stApp p, .stApp span, .stApp div, .stApp label, .stApp th, .stApp td {color: #e8f0ff;}
.stApp h1 {font-size: 2.3rem !important; text-align: center; letter-spacing: .2rem; padding: .2rem 0 !important;}
.stApp h3 {font-size: 1.45rem !important; padding: .2rem 0 !important;}
.screen-time {font-size: 1.1rem; letter-spacing: 0; margin-left: 1.5rem; opacity: .8; font-weight: 400;}
[data-testid="stMetricValue"] {font-size: 2.6rem !important; color: #ffd34d !important;}
[data-testid="stMetricValue"] div, [data-testid="stMetricLabel"] div, [data-testid="stMetricLabel"] p
    {overflow: visible !important; white-space: normal !important; text-overflow: clip !important;}
[data-testid="stMetricLabel"] p {font-size: 1.3rem !important;}
[data-testid="stMetricDelta"] {display: none !important;}
[data-testid="stMetric"] {background: #12254a; border-radius: 10px; padding: 8px 18px;}
.screen-row {font-size: 1.2rem; padding: 3px 0; border-bottom: 1px solid #1f3a6b; overflow-wrap: anywhere;}
table.screen-table {width: 100%; border-collapse: collapse; font-size: 1.1rem; background: #0a1428;}
table.screen-table th {background: #12254a; color: #9fc3ff; font-weight: 600; text-align: left; padding: 5px 8px;
    border-bottom: 1px solid #1f3a6b;}
table.screen-table td {padding: 5px 8px; border-bottom: 1px solid #1f3a6b; background: #0a1428;}
table.screen-table td:not(:first-child), table.screen-table th:not(:first-child) {text-align: right; white-space: nowrap;}
</style>
"""


# Every page: metric labels and values wrap instead of ending in 「…」 (「按时回应率（30…」).
BASE_CSS = """
<style>
[data-testid="stMetricValue"] div, [data-testid="stMetricLabel"] div, [data-testid="stMetricLabel"] p
    {overflow: visible !important; white-space: normal !important; text-overflow: clip !important;}
</style>
"""


@dataclass
class PageContext:
    app: Any
    user: Any  # yuqing.model.User, re-read this run
    settings: DashboardSettings
    key: str  # store identity for cache keys
    screen: bool

    @property
    def now(self) -> datetime:
        from yuqing.dashboard.services.context import env_now_override
        from yuqing.clock import now

        return now(env_now_override())

    def minute(self) -> datetime:
        """Now, to the minute: cached queries keyed by it are shared by reruns within the minute."""
        return self.now.replace(second=0, microsecond=0)


def screen_mode() -> bool:
    return str(st.query_params.get("screen", "")).lower() in {"1", "true", "yes"}


def _url_path(spec_path: str) -> str:
    """The URL path Streamlit gives a page file (``views/workbench.py`` → ``workbench``)."""
    return Path(spec_path).stem


_URL_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def requested_page() -> str | None:
    """The page name in the address bar when this session started on it (F5, a pasted or bookmarked URL), or the
    one remembered from the login form; None when the user navigated by the menu (Streamlit then sends a page hash
    it knows)."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
        from streamlit.util import calc_hash

        pages = get_script_run_ctx().pages_manager
        name, page_hash = pages.intended_page_name, pages.intended_page_script_hash
    except Exception:  # noqa: BLE001  (bare mode, or a Streamlit without this internal: no deep links)
        return None
    if page_hash:
        remembered = st.session_state.get(REQUESTED_KEY)
        return remembered if remembered and calc_hash(remembered) == page_hash else None
    return name if name and set(name) <= _URL_SAFE and len(name) <= 64 else None


REQUESTED_KEY = "_requested_page"
NOTICE_KEY = "_page_notice"


def _login_navigation() -> None:
    """Not logged in: the login form, under the address asked for, so that after logging in the same URL (query
    parameters included) opens the page asked for instead of Streamlit's English 「Page not found」."""
    requested = requested_page()
    pages = [st.Page(auth.login_page, title="登录", icon=":material/login:", url_path="login", default=True)]
    if requested and requested != "login":
        st.session_state[REQUESTED_KEY] = requested
        pages.append(st.Page(auth.login_page, title="登录", url_path=requested, visibility="hidden"))
    st.navigation(pages, position="hidden").run()


def _redirect(requested: str, target: Any):
    def page() -> None:
        if requested != "login":  # a bookmarked login page, already logged in: just go home
            st.session_state[NOTICE_KEY] = f"页面「{requested}」不存在或您无权访问，已为您打开「{target.title}」"
        st.switch_page(target)

    page.__name__ = f"redirect_{requested}"
    return page


def run_app() -> None:
    from yuqing.dashboard.services.context import app_key, get_app
    from yuqing.config import ConfigError
    from yuqing.storage.base import StoreError

    screen = screen_mode()
    st.set_page_config(page_title="政务舆情监测与回应系统", page_icon="📡", layout="wide",
                       initial_sidebar_state="collapsed" if screen else "auto")
    try:
        app = get_app()
        app.refresh()  # a configuration changed in the dashboard (by anyone, in any process) shows on this run
        settings = parse_dashboard(app.config)
    except (ConfigError, StoreError) as exc:
        st.error(f"看板无法启动：{exc}")
        st.info("请检查 YUQING_CONFIG（配置文件）与 YUQING_HOME（数据目录）环境变量后刷新页面。")
        st.stop()
    user = auth.resolve_user(settings)
    if user is None:
        _login_navigation()
        return
    auth.send_cookie()
    role = user.role.value
    specs = nav.pages_for(role, supervisor=role == nav.DEPARTMENT and _is_supervisor(app, user))
    requested = requested_page()
    st.session_state.pop(REQUESTED_KEY, None)
    st.session_state[CTX_KEY] = PageContext(app=app, user=user, settings=settings, screen=screen,
                                            key=f"{app_key()}|v{app.config_version}")  # cached per configuration
    if screen and any(s.path == "views/screen.py" for s in specs):
        st.markdown(SCREEN_CSS, unsafe_allow_html=True)
        pages = [st.Page(str(HERE / "views/screen.py"), title="大屏模式", default=True)]
        if requested and requested != "screen":  # ?screen=1 added to any page's address shows the 大屏 there
            pages.append(st.Page(str(HERE / "views/screen.py"), title="大屏模式", url_path=requested,
                                 visibility="hidden"))
        st.navigation(pages, position="hidden").run()
        return
    groups: dict[str, list[Any]] = {}
    default = None
    for spec in specs:
        page = st.Page(str(HERE / spec.path), title=spec.title, icon=spec.icon,
                       default=spec.path == nav.DEFAULT_PAGE[role])
        default = page if spec.path == nav.DEFAULT_PAGE[role] else default
        groups.setdefault(spec.group, []).append(page)
    if requested and requested not in {_url_path(s.path) for s in specs} and default is not None:
        # A page of another role, or no page at all: the role's own first page with a Chinese notice, never
        # Streamlit's English 「Page not found」.
        groups.setdefault(next(iter(groups)), []).append(st.Page(
            _redirect(requested, default), title="页面跳转", url_path=requested, visibility="hidden"))
    page = st.navigation(groups, expanded=True)  # every page listed: no 「View more」 (English) hiding the admin pages
    st.markdown(BASE_CSS, unsafe_allow_html=True)
    _sidebar(user)
    page.run()


def _is_supervisor(app: Any, user: Any) -> bool:
    from yuqing.dashboard.services.queries import is_supervisor_user

    return is_supervisor_user(app, user)


def _sidebar(user: Any) -> None:
    from yuqing.dashboard.textfmt import escape_label, escape_text
    from yuqing.model import ROLE_LABELS

    with st.sidebar:
        st.markdown(f"**{escape_text(user.display_name or user.name)}**", unsafe_allow_html=True)
        st.caption(escape_label(f"{ROLE_LABELS.get(user.role, user.role.value)}"
                                + (f" · {user.department}" if user.department else "")))
        if st.button("退出登录", key="logout"):
            auth.logout("已退出登录")
            st.rerun()


def page_context(page_path: str) -> PageContext:
    """Every page's first line: the context, after checking this role may open this page."""
    # Popped, not read: a context is valid for the one run in which run_app() checked the login and role, so a
    # page script executed any other way (a stale rerun, a direct URL) finds none and refuses.
    ctx: PageContext | None = st.session_state.pop(CTX_KEY, None)
    rel = Path(page_path).resolve().relative_to(HERE).as_posix()
    spec = nav.spec_for(rel)
    if ctx is None or spec is None or ctx.user.role.value not in spec.roles:
        st.error("无权访问此页面")
        st.stop()
    if not ctx.screen:
        st.title(spec.title)
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(notice)
    return ctx


def paginate(total: int, page_size: int, key: str) -> tuple[int, int]:
    """A page picker under a table; returns (limit, offset)."""
    pages = max(1, -(-total // page_size))
    page = st.number_input(f"页码（共 {pages} 页，{total} 条）", min_value=1, max_value=pages, value=1, step=1,
                           key=key) if pages > 1 else 1
    return page_size, (int(page) - 1) * page_size


def source_label(app: Any, name: str | None) -> str:
    """A source as users know it: its configured title (「A市领导留言板」), never its id (a_city_board)."""
    titles = {s.name: s.title for s in app.config.sources if s.title}
    return "全部" if name is None else titles.get(name, name)


def csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    """CSV with a BOM so Excel opens the Chinese correctly; internal columns (``_…``) are dropped; text a spreadsheet
    would evaluate (=, +, -, @ …) is written as text: crawled titles are not formulas."""
    import csv
    import io

    from yuqing.dashboard.textfmt import safe_cell

    if not rows:
        return b""
    cols = [c for c in rows[0] if not c.startswith("_") and c != "id"]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore")
    writer.writerow({c: safe_cell(c) for c in cols})
    for r in rows:
        writer.writerow({c: safe_cell("、".join(map(str, v)) if isinstance(v, list) else v)
                         for c, v in r.items() if c in cols})
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def csv_button(rows: list[dict[str, Any]], filename: str, key: str, label: str = "导出 CSV") -> None:
    if not rows:
        return
    st.download_button(label, csv_bytes(rows), file_name=filename, mime="text/csv", key=key)


def show_table(rows: list[dict[str, Any]], *, key: str, height: int | None = None, **kwargs: Any) -> None:
    import pandas as pd

    if not rows:
        st.info("暂无数据")
        return
    from yuqing.dashboard.textfmt import EMPTY, cell

    df = pd.DataFrame([{k: cell(k, v) for k, v in r.items() if not k.startswith("_") and k != "id"} for r in rows])
    for col in df.columns:  # a numeric column with 「—」 in it is shown as text (Arrow cannot mix the two)
        if df[col].dtype == object and (df[col] == EMPTY).any():
            df[col] = df[col].map(lambda v: v if isinstance(v, (str, list)) else f"{v:g}" if isinstance(v, float) else str(v))
    data: Any = df
    if "_colour" in rows[0] and "时限" in df.columns:
        # Countdown colours as cell backgrounds (emoji badges are not in every browser's fonts).
        colours = [COLOUR_CSS.get(r["_colour"], "") for r in rows]
        data = df.style.apply(lambda col: colours if col.name == "时限" else [""] * len(col), axis=0)
    st.dataframe(data, hide_index=True, width="stretch", key=key, height=height or "auto", **kwargs)


COLOUR_CSS = {"red": "background-color: #f8c9c9", "orange": "background-color: #fde0b8",
              "yellow": "background-color: #fdf5b8", "green": "background-color: #d4f2d4", "grey": ""}
