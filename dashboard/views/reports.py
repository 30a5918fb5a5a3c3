"""舆情简报: pick daily or weekly and a date, download Word or Excel."""

import streamlit as st

from yuqing.dashboard.common import page_context
from yuqing.dashboard.report import KIND_LABELS, ReportError, build_brief, default_day, narrative, report_bytes
from yuqing.dashboard.textfmt import escape_text

ctx = page_context(__file__)
c1, c2 = st.columns(2)
kind = c1.radio("类型", list(KIND_LABELS), format_func=KIND_LABELS.get, horizontal=True, key="r_kind")
day = c2.date_input("日期（默认昨天；周报为截至该日的 7 天）", value=default_day(ctx.now), key="r_date")
schemes = [s.name for s in ctx.app.store.documents.list_schemes()]
scheme = st.selectbox("监测方案（只统计该方案匹配的帖子、事件与预警）", [None, *schemes], key="r_scheme",
                      format_func=lambda n: "全部（不限方案）" if n is None else n)
if st.button("生成简报", type="primary", key="r_build"):
    with st.spinner("正在生成简报…"):
        try:
            brief = build_brief(ctx.app, kind, day, ctx.now, scheme=scheme)
        except ReportError as exc:  # e.g. the scheme was deleted meanwhile
            st.error(str(exc))
            st.stop()
        st.session_state["r_brief"] = {
            "title": brief.title, "narrative": narrative(brief), "charts": brief.charts,
            "docx": report_bytes(brief, ".docx"), "xlsx": report_bytes(brief, ".xlsx"),
            "font_missing": brief.font_missing}
built = st.session_state.get("r_brief")
if built:
    st.subheader(built["title"])
    st.markdown(escape_text(built["narrative"]), unsafe_allow_html=True)  # quotes event titles: text, not Markdown
    if built["font_missing"]:
        from yuqing.dashboard.fonts import NO_FONT_MESSAGE

        st.warning(NO_FONT_MESSAGE)
    for png in built["charts"].values():
        st.image(png)
    d1, d2 = st.columns(2)
    d1.download_button("下载 Word（.docx）", built["docx"], file_name=f"{built['title']}.docx", key="r_docx",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    d2.download_button("下载 Excel（.xlsx）", built["xlsx"], file_name=f"{built['title']}.xlsx", key="r_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
