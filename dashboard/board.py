"""The heat board's panels, shared by the leader page and the 大屏 (same data, dark large layout, no controls)."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from yuqing.dashboard import brief_panel, charts
from yuqing.dashboard.common import PageContext, csv_button, show_table
from yuqing.dashboard.services import cached


def _pct(x: float | None) -> str:
    from yuqing.dashboard.textfmt import pct

    return pct(x)


def metrics(ctx: PageContext) -> None:
    ov = cached.overview(ctx.key, ctx.minute())
    cols = st.columns(5)
    cols[0].metric("今日舆情量", f"{ov['today']:,}", delta=ov["today"] - ov["yesterday"], delta_color="off")
    cols[1].metric("负面占比", _pct(ov["negative_share"]),
                   delta=f"{(ov['negative_share'] - ov['negative_share_yesterday']) * 100:+.1f} 个百分点",
                   delta_color="inverse")
    cols[2].metric("未办结预警", ov["open_alerts"], delta=f"待派发 {ov['new_alerts']}", delta_color="off")
    cols[3].metric("超期预警", ov["overdue_alerts"])
    cols[4].metric("按时回应率（30天）", _pct(ov["on_time_rate"]))


def top_events(ctx: PageContext, *, limit: int = 10, compact: bool = False) -> list[dict]:
    rows = cached.top_events(ctx.key, ctx.minute(), 7, limit)
    if compact:
        for i, r in enumerate(rows, 1):
            st.markdown(f"<div class='screen-row'>{i}. {_escape(r['事件'])} · 热度 {r['热度']} · {r['文档数']} 篇</div>",
                        unsafe_allow_html=True)
        if not rows:
            st.write("暂无热点事件")
        return rows
    show_table(rows, key="top_events", column_config={"走势": charts.sparkline_column("近7天走势")})
    brief_panel.event_links(ctx, rows)
    return rows


def dark_table(rows: list[dict]) -> None:
    """A plain HTML table for the 大屏's dark theme: cells formatted like every table (textfmt.cell), escaped."""
    from yuqing.dashboard.textfmt import cell

    if not rows:
        st.markdown("<div class='screen-row'>暂无数据</div>", unsafe_allow_html=True)
        return
    cols = list(rows[0])
    head = "".join(f"<th>{_escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_escape(str(cell(c, r[c])))}</td>" for c in cols) + "</tr>" for r in rows)
    st.markdown(f"<table class='screen-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
                unsafe_allow_html=True)


def screen_charts(ctx: PageContext, days: int) -> None:
    """The 大屏's bottom row: trend, topics and regions side by side (no tabs: nobody clicks a wall screen)."""
    until = ctx.minute().replace(hour=0, minute=0) + timedelta(days=1)
    since = until - timedelta(days=days)
    trend_col, topic_col, region_col = st.columns([4, 3, 4])
    with trend_col:
        st.markdown(f"### 近{days}天舆情量与情感")
        st.altair_chart(charts.volume_chart(cached.trend(ctx.key, since, until), dark=True, height=300),
                        width="stretch")
    for col, field, label in ((topic_col, "topic", "主题"), (region_col, "region", "地区")):
        with col:
            st.markdown(f"### {label}分布")
            st.altair_chart(charts.bar_chart(cached.distribution(ctx.key, field, since, until, 8), label, dark=True,
                                             height=300), width="stretch")


def _escape(text: str) -> str:
    from yuqing.dashboard.textfmt import escape_text

    return escape_text(text)


def trend_and_distribution(ctx: PageContext, days: int, *, dark: bool = False) -> None:
    until = ctx.minute().replace(hour=0, minute=0) + timedelta(days=1)
    since = until - timedelta(days=days)
    left, right = st.columns([3, 2])
    with left:
        st.subheader("舆情量与情感走势")
        st.altair_chart(charts.volume_chart(cached.trend(ctx.key, since, until), dark=dark), width="stretch")
    with right:
        tab_topic, tab_region = st.tabs(["主题分布", "地区分布"])
        with tab_topic:
            st.altair_chart(charts.bar_chart(cached.distribution(ctx.key, "topic", since, until), "主题", dark=dark),
                            width="stretch")
        with tab_region:
            st.altair_chart(charts.bar_chart(cached.distribution(ctx.key, "region", since, until), "地区", dark=dark),
                            width="stretch")


def keyword_cloud(ctx: PageContext, days: int, *, dark: bool = False) -> None:
    from yuqing.dashboard.fonts import NO_FONT_MESSAGE

    # Whole calendar days (today and the days before), like the trend: the store answers those from its daily rollup.
    until = ctx.minute().replace(hour=0, minute=0) + timedelta(days=1)
    pairs = cached.keywords(ctx.key, until - timedelta(days=days), until, 80)
    png = cached.wordcloud_png(cloud_weights(pairs), dark)
    if png is not None:
        st.image(png, width="stretch")
    elif pairs:
        if not dark:
            st.caption(NO_FONT_MESSAGE + "；以下为气泡图")
        st.altair_chart(charts.keyword_bubbles(pairs, dark=dark), width="stretch")
    else:
        st.info("暂无关键词")


def cloud_weights(pairs: list[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """Counts as weights 1–100 relative to the top word: the cloud only uses relative sizes, so a few more posts
    keep the same key and the drawn picture is reused across refreshes instead of redrawn every TTL."""
    top = max((n for _, n in pairs), default=0)
    return tuple((str(w), max(1, round(100 * n / top))) for w, n in pairs) if top > 0 else ()


def department_league(ctx: PageContext, days: int, *, compact: bool = False) -> None:
    rows = cached.league(ctx.key, ctx.minute() - timedelta(days=days))
    if compact:  # the 大屏: its own dark table (st.dataframe is a white grid on the dark theme)
        rows = [{"部门": r["部门"], "预警": r["预警数"], "回应率": r["回应率"], "按时率": r["按时率"],
                 "平均时长（时）": r["平均回应时长（小时）"], "满意度": r["满意度"]} for r in rows[:8]]
        dark_table(rows)
        return
    # Ratios as 「50.0%」 like every other table (show_table formats them); 「—」 where there is nothing to rate.
    show_table(rows, key="league")
    if not compact:
        csv_button(rows, "部门排行.csv", key="league_csv")
