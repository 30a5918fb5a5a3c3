"""分析更正: the hot events and any post by its id, corrected by an officer — topic, sentiment, department,
「不是问题」 — applied at once, audited and kept as training data (``yuqing corrections export``)."""

import streamlit as st

from yuqing.dashboard import corrections_view
from yuqing.dashboard.common import page_context, show_table
from yuqing.dashboard.services import corrections
from yuqing.dashboard.textfmt import escape_label, one_line

ctx = page_context(__file__)
corrections_view.flash()
st.caption("更正立即生效：帖子、事件、热点与统计随之改变；原模型结果保留在更正记录中，"
           "更正可用 yuqing corrections export 导出供 yuqing train 重新训练。")

tab_events, tab_post, tab_log = st.tabs(["热点事件", "单条帖子", "更正记录"])
with tab_events:
    events = corrections.events_to_correct(ctx.app, ctx.now)
    show_table(events, key="cor_events")
    if events:
        titles = {e["id"]: one_line(f"{e['事件']}（{e['帖子数']} 条帖子，热度 {e['热度']}）") for e in events}
        chosen = st.selectbox("更正事件（事件的全部帖子，最近 200 条）", list(titles), format_func=titles.get,
                              key="cor_event_pick")
        event = next(e for e in events if e["id"] == chosen)
        corrections_view.form(ctx, f"cor_event_{chosen}", event_id=chosen,
                              current={"topic": event["主题"], "department": event["责任部门"]})
with tab_post:
    doc_id = st.text_input("帖子编号", key="cor_doc_id", placeholder="帖子编号（预警详情、检索结果与 --json 输出中的 id）")
    found = corrections.post_to_correct(ctx.app, doc_id) if doc_id else None
    if doc_id and found is None:
        st.error(escape_label(f"帖子「{doc_id.strip()}」不存在或尚未分析"))
    elif found is not None:
        view, department = found
        st.markdown(f"**{escape_label(view.title)}**")
        st.caption(escape_label(view.snippet))
        note = corrections.not_issue_note(ctx.app, doc_id=view.id)
        if note:
            st.info(escape_label(note))
        corrections_view.form(ctx, f"cor_doc_{view.id}", doc_id=view.id,
                              current={"topic": view.topic, "sentiment": view.sentiment, "department": department})
with tab_log:
    show_table(corrections.recent_rows(ctx.app), key="cor_log")
