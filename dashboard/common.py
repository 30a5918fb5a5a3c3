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
.block-container {padding: 1rem 2rem !important; max-width: 100% !important;}
.stApp h1, .stApp h2, .stApp h3, .stApp p, .stApp span, .stApp div, .stApp label {color: #e8f0ff;}
.stApp h1 {font-size: 3rem !important; text-align: center; letter-spacing: .3rem;}
[data-testid="stMetricValue"] {font-size: 3.2rem !important; color: #ffd34d !important;}
[data-testid="stMetricLabel"] p {font-size: 1.5rem !important;}
[data-testid="stMetricDelta"] {display: none !important;}
[data-testid="stMetric"] {background: #12254a; border-radius: 10px; padding: 14px 20px;}
.screen-row {font-size: 1.45rem; padding: 4px 0; border-bottom: 1px solid #1f3a6b;}
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
        st.navigation([st.Page(auth.login_page, title="登录", icon=":material/login:", url_path="login")], position="hidden").run()
        return
    role = user.role.value
    specs = nav.pages_for(role)
    st.session_state[CTX_KEY] = PageContext(app=app, user=user, settings=settings, screen=screen,
                                            key=f"{app_key()}|v{app.config_version}")  # cached per configuration
    if screen and any(s.path == "views/screen.py" for s in specs):
        st.markdown(SCREEN_CSS, unsafe_allow_html=True)
        st.navigation([st.Page(str(HERE / "views/screen.py"), title="大屏模式", default=True)], position="hidden").run()
        return
    groups: dict[str, list[Any]] = {}
    for spec in specs:
        groups.setdefault(spec.group, []).append(st.Page(
            str(HERE / spec.path), title=spec.title, icon=spec.icon, default=spec.path == nav.DEFAULT_PAGE[role]))
    page = st.navigation(groups)
    _sidebar(user)
    page.run()


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
    return ctx


def paginate(total: int, page_size: int, key: str) -> tuple[int, int]:
    """A page picker under a table; returns (limit, offset)."""
    pages = max(1, -(-total // page_size))
    page = st.number_input(f"页码（共 {pages} 页，{total} 条）", min_value=1, max_value=pages, value=1, step=1,
                           key=key) if pages > 1 else 1
    return page_size, (int(page) - 1) * page_size


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
    df = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_") and k != "id"} for r in rows])
    data: Any = df
    if "_colour" in rows[0] and "时限" in df.columns:
        # Countdown colours as cell backgrounds (emoji badges are not in every browser's fonts).
        colours = [COLOUR_CSS.get(r["_colour"], "") for r in rows]
        data = df.style.apply(lambda col: colours if col.name == "时限" else [""] * len(col), axis=0)
    st.dataframe(data, hide_index=True, width="stretch", key=key, height=height or "auto", **kwargs)


COLOUR_CSS = {"red": "background-color: #f8c9c9", "orange": "background-color: #fde0b8",
              "yellow": "background-color: #fdf5b8", "green": "background-color: #d4f2d4", "grey": ""}
