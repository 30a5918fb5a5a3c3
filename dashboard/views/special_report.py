"""舆情专报: select events, add the 领导批示, download a Word document (brief, 传播路径 chart, alerts, responses)."""

import streamlit as st

from yuqing.dashboard.common import page_context
from yuqing.dashboard.services.events import event_choices
from yuqing.dashboard.special import Instruction, SpecialReportError, build_special, special_bytes
from yuqing.dashboard.textfmt import escape_label, escape_text

ctx = page_context(__file__)
choices = event_choices(ctx.app, limit=100)
if not choices:
    st.info("暂无事件")
    st.stop()
names = {e.id: f"{e.title}（热度 {e.heat:.1f}，{e.doc_count} 条）" for e in choices}
wanted = [i for i in str(st.query_params.get("event", "") or "").split(",") if i in names]
picked = st.multiselect("选择事件（按所选顺序编入专报）", list(names), default=wanted, format_func=names.get,
                        key="sp_events", max_selections=20)
title = st.text_input("专报标题", placeholder=f"舆情专报（{ctx.now:%Y年%m月%d日}）", key="sp_title", max_chars=100)
c1, c2 = st.columns([1, 1])
leader = c1.text_input("批示领导", key="sp_leader", max_chars=50)
day = c2.text_input("批示日期", key="sp_date", max_chars=30)
text = st.text_area("批示意见", key="sp_instruction", max_chars=2000)
if st.button("生成专报", type="primary", key="sp_build", disabled=not picked):
    with st.spinner("正在生成专报…"):
        try:
            report = build_special(ctx.app, picked, title=title, author=ctx.user.display_name or ctx.user.name,
                                   instruction=Instruction(leader, text, day), now=ctx.now)
        except SpecialReportError as exc:
            st.error(escape_label(exc))
            st.stop()
        st.session_state["sp_built"] = {"title": report.title, "docx": special_bytes(report),
                                        "events": [s.detail.event.title for s in report.sections],
                                        "charts": [s.chart for s in report.sections if s.chart]}
built = st.session_state.get("sp_built")
if built:
    st.markdown(f"### {escape_text(built['title'])}", unsafe_allow_html=True)
    st.markdown(escape_text("收录事件：" + "；".join(built["events"])), unsafe_allow_html=True)
    for png in built["charts"][:3]:
        st.image(png)
    st.download_button("下载专报（.docx）", built["docx"], file_name=f"{built['title']}.docx", key="sp_docx",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
