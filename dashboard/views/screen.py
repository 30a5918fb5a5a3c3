"""大屏: the heat board for the command-centre screen — dark, large type, no controls, refreshes itself.

Laid out for 1920×1080 without scrolling: title and the five figures, then three columns (hot events, keyword
cloud, department league) and three charts (trend, topics, regions). The browser test renders it at 1920×1080 and
checks that nothing overflows and no figure is clipped."""

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
    st.markdown(f"<h1>{escape_text(ctx.settings.title)} · 舆情态势"
                f"<span class='screen-time'>{now:%Y年%m月%d日 %H:%M} 更新</span></h1>", unsafe_allow_html=True)
    board.metrics(ctx)
    left, middle, right = st.columns([4, 3, 4])
    with left:
        st.markdown("### 热点事件")
        board.top_events(ctx, limit=8, compact=True)
    with middle:
        st.markdown("### 关键词")
        board.keyword_cloud(ctx, 7, dark=True)
    with right:
        st.markdown("### 部门回应排行（近30天）")
        board.department_league(ctx, 30, compact=True)
    board.screen_charts(ctx, 30)


live()
