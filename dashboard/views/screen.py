"""大屏: the heat board for the command-centre screen — dark, large type, no controls, refreshes itself."""

import streamlit as st

from yuqing.dashboard import board
from yuqing.dashboard.common import SCREEN_CSS, page_context
from yuqing.dashboard.textfmt import escape_text

ctx = page_context(__file__)
if not ctx.screen:
    # Opened from the menu: same board in the screen style; ?screen=1 also hides the menu.
    st.markdown(SCREEN_CSS, unsafe_allow_html=True)
    st.caption("提示：在网址后加 ?screen=1 可全屏显示（隐藏菜单）")


@st.fragment(run_every=ctx.settings.screen_refresh_seconds)
def live() -> None:
    now = ctx.now
    st.markdown(f"<h1>{escape_text(ctx.settings.title)} · 舆情态势</h1>", unsafe_allow_html=True)
    st.markdown(f"<p style='text-align:center;font-size:1.4rem'>{now:%Y年%m月%d日 %H:%M} 更新</p>",
                unsafe_allow_html=True)
    board.metrics(ctx)
    left, right = st.columns([1, 1])
    with left:
        st.markdown("## 热点事件")
        board.top_events(ctx, limit=8, compact=True)
    with right:
        st.markdown("## 关键词")
        board.keyword_cloud(ctx, 7, dark=True)
    board.trend_and_distribution(ctx, 30, dark=True)
    st.markdown("## 部门回应排行")
    board.department_league(ctx, 30, compact=True)


live()
