"""类案参考 on the department desk: for the chosen alert, similar past posts with the official replies they got (how
long the reply took, whether it was a template, how it was evaluated) and a reply draft, prefilled in an editable text
area. The department still writes and submits its own response through the alert's 「回应」 action.

Layout only: the cases come from :func:`yuqing.similar.similar_for_alert` (a kernel service building masked views).
Every crawled or typed string is shown as text (a table cell, escaped Markdown or a text area), never interpreted."""

from __future__ import annotations

from typing import Any

import streamlit as st

from yuqing.dashboard.common import PageContext, show_table
from yuqing.dashboard.textfmt import escape_label, escape_text, fmt_time, one_line
from yuqing.similar import similar_for_alert
from yuqing.similar_views import SimilarCaseView

TEMPLATE_LABELS = {True: "是（套话）", False: "否", None: "未评估"}


def case_rows(cases: tuple[SimilarCaseView, ...]) -> list[dict[str, Any]]:
    return [{"标题": one_line(c.title), "答复部门": c.reply_department or "", "留言时间": fmt_time(c.published_at),
             "答复用时": f"{c.reply_days:g} 天" if c.reply_days is not None else "未知",
             "模板答复": TEMPLATE_LABELS[c.template], "评价": c.evaluation, "主题": c.topic or "",
             "相似度": c.similarity} for c in cases]


def _group(label: str, cases: tuple[SimilarCaseView, ...], key: str) -> None:
    st.markdown(f"**{escape_text(label)}**（{len(cases)} 条）", unsafe_allow_html=True)
    if not cases:
        st.caption("暂无")
        return
    show_table(case_rows(cases), key=key)
    for n, c in enumerate(cases, 1):
        with st.expander(f"{n}. {one_line(c.title)[:60]} · 答复用时 "
                         f"{f'{c.reply_days:g} 天' if c.reply_days is not None else '未知'} · {c.evaluation}"):
            st.markdown("**留言摘要**")
            st.markdown(escape_text(c.snippet), unsafe_allow_html=True)
            st.markdown("**官方答复**" + ("（模板化答复）" if c.template else ""))
            st.markdown(escape_text(c.reply), unsafe_allow_html=True)


def render(ctx: PageContext, alert_id: str, *, top: int = 5) -> None:
    st.subheader("类案参考")
    try:
        view = similar_for_alert(ctx.app, ctx.user, alert_id, top=top, now=ctx.now)
    except Exception as exc:  # PermissionDenied / SimilarError / a store error carry Chinese messages
        st.error(f"类案参考暂不可用：{escape_label(exc)}")
        return
    st.caption("按本预警帖文的分词检索有官方答复的相似留言（BM25" + (f"，主题：{escape_label(view.topic)}" if view.topic else "")
               + ("，已按语义向量重排" if view.reranked else "")
               + "）；答复草稿取自评分最高的非模板答复，仅供参考，请核实修改后通过「回应」提交。")
    for note in view.notes:
        st.caption(escape_label(note))
    _group("本市已答复的相似帖子", view.local, key=f"similar_local_{alert_id}")
    _group("参考库：真实留言及官方答复", view.reference, key=f"similar_ref_{alert_id}")
    st.text_area("答复草稿（可编辑）", value=view.draft, height=260, key=f"similar_draft_{alert_id}",
                 placeholder="没有可用的非模板答复，未生成草稿", help="草稿不会自动提交；请复制、修改后在上方「回应」中提交")
