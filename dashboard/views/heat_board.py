"""Leader's heat board: live panels refresh themselves (st.fragment run_every)."""

import streamlit as st

from yuqing.dashboard import auth, board
from yuqing.dashboard.common import page_context

ctx = page_context(__file__)
days = st.segmented_control("时间范围", [7, 30, 90], default=30, format_func=lambda d: f"近{d}天", key="board_days") or 30
st.caption(f"数据每 {ctx.settings.refresh_seconds} 秒自动刷新 · 大屏模式：在网址后加 ?screen=1")


@st.fragment(run_every=ctx.settings.refresh_seconds)
def live() -> None:
    if auth.expired(ctx.settings):
        st.rerun(scope="app")  # the full run logs the idle session out
    board.metrics(ctx)
    st.subheader("热点事件 TOP 10")
    board.top_events(ctx)
    board.trend_and_distribution(ctx, days)
    left, right = st.columns([3, 2])
    with left:
        st.subheader("部门回应排行")
        board.department_league(ctx, days)
    with right:
        st.subheader("关键词云")
        board.keyword_cloud(ctx, min(days, 7))


live()
