"""事件详情: one event's brief (each sentence linked to its post), 传播路径 chart, posts and open alert.
Deep link: ?event=事件编号 (the heat board and the alert page link here)."""

import html

import streamlit as st

from yuqing.dashboard.common import page_context, show_table, source_label
from yuqing.dashboard.services.events import event_choices, event_page
from yuqing.dashboard.textfmt import escape_label, escape_text
from yuqing.viewparts import fmt_local

SENTIMENT = {"negative": "负面", "neutral": "中性", "positive": "正面"}
ctx = page_context(__file__)
choices = event_choices(ctx.app)
wanted = str(st.query_params.get("event", "") or "")
ids = [e.id for e in choices]
if wanted and wanted not in ids:
    ids.insert(0, wanted)
titles = {e.id: f"{e.title}（热度 {e.heat:.1f}，{e.doc_count} 条）" for e in choices}
if not ids:
    st.info("暂无事件")
    st.stop()
picked = st.selectbox("事件", ids, index=ids.index(wanted) if wanted in ids else 0, key="event_pick",
                      format_func=lambda i: titles.get(i, i))
if picked != wanted:
    st.query_params["event"] = picked  # the address always names the event shown, so it can be shared
detail = event_page(ctx.app, picked)
if detail is None:
    st.error(f"未找到事件 {picked}：它可能已被合并或删除，请从列表中另选一个事件")
    st.stop()

event = detail.event
st.markdown(f"### {escape_text(event.title)}", unsafe_allow_html=True)
cols = st.columns(4)
cols[0].metric("热度", f"{event.heat:.1f}")
cols[1].metric("帖子数", event.doc_count)
cols[2].metric("来源数", event.source_count)
cols[3].metric("走势", detail.brief.trend if detail.brief else "—")


def _post_link(doc_id: str) -> str:
    url = detail.post_urls.get(doc_id, "")
    label = f"〔原帖 {html.escape(doc_id[:8])}〕"
    if url.startswith(("http://", "https://")):
        return f' <a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{label}</a>'
    return f" {label}"


st.markdown("#### 事件简报")
brief = detail.brief
if brief is None:
    st.info("该事件的简报尚未生成：下一轮分析后生成")
else:
    with st.container(border=True, key="event_brief"):
        if brief.rewritten:
            st.markdown("**综述**（模型改写，以下摘录为准）：" + escape_text(brief.rewritten), unsafe_allow_html=True)
        for line in brief.facts():
            st.markdown(escape_text(line), unsafe_allow_html=True)
        for s in brief.sentences:
            tag = "要点" if s.kind == "key" else "诉求"
            st.markdown(f"**{tag}**：{escape_text(s.text)}{_post_link(s.doc_id)}", unsafe_allow_html=True)

st.markdown("#### 传播路径")
spread = detail.spread
if spread is None or spread.first is None:
    st.info("该事件的传播路径尚未生成")
else:
    from yuqing.dashboard import charts
    from yuqing.dashboard.spread_chart import spread_chart

    first = spread.first
    st.markdown(escape_text(f"首发：{fmt_local(first.at)} · {source_label(ctx.app, first.source)} ·「{spread.first_title}」")
                + _post_link(first.doc_id), unsafe_allow_html=True)
    st.caption(f"转载/相似帖 {spread.reposts} 条；热度跃升 {len(spread.jumps)} 次")
    with st.container(key="spread_chart"):
        st.altair_chart(spread_chart(spread), width="stretch")
    left, right = st.columns(2)
    with left:
        st.altair_chart(charts.bar_chart([(source_label(ctx.app, n), c) for n, c, _ in spread.sources[:10]], "来源"), width="stretch")
    with right:
        st.altair_chart(charts.bar_chart([(n, c) for n, c, _ in spread.source_types], "来源类型"), width="stretch")

if detail.alert is not None:
    a = detail.alert
    st.markdown("#### 预警")
    st.markdown(escape_text(f"{a.title} · {a.level_label} · {a.status_label} · {a.department or '未派发'}"),
                unsafe_allow_html=True)
    for d in a.deadlines:
        st.caption(escape_label(f"{d.label}：{d.text}"))

st.markdown("#### 帖子")
show_table([{"时间": fmt_local(p.published_at), "来源": source_label(ctx.app, p.source), "标题": p.title, "情感": SENTIMENT.get(p.sentiment or "", ""),
             "编号": p.id[:12]} for p in detail.posts], key="event_posts")
