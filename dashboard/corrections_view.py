"""The 更正 form: an officer corrects the topic, sentiment and department of a post, an alert's posts or an event's
posts, or says 「不是问题」 (with a reason). Shown on the alert page (:func:`render_for_alert`, one line in
alert_view) and on the 分析更正 page (:func:`form`). Layout only: the work is in services/corrections.py."""

from __future__ import annotations

from typing import Any

import streamlit as st

from yuqing.dashboard.services import cached
from yuqing.dashboard.services import corrections as svc
from yuqing.dashboard.textfmt import escape_label, one_line

KEEP = "（不更正）"
FLASH = "correction_flash"


def flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        ok, text = message
        (st.success if ok else st.error)(escape_label(text))


def form(ctx: Any, key: str, *, doc_id: str | None = None, alert_id: str | None = None, event_id: str | None = None,
         current: dict[str, str | None] | None = None) -> None:
    """One correction form for one target; ``current``: the labels shown now (topic, sentiment, department)."""
    current = current or {}
    topics = svc.topic_choices(ctx.app)
    sentiments = svc.sentiment_choices()
    departments = svc.department_choices(ctx.app)
    with st.form(key, clear_on_submit=False):
        st.caption(escape_label("当前：主题 " + (current.get("topic") or "（无）") + " · 情感 "
                                + sentiments.get(current.get("sentiment") or "", current.get("sentiment") or "（无）")
                                + " · 责任部门 " + (current.get("department") or "（无）")))
        c1, c2, c3 = st.columns(3)
        topic = c1.selectbox("主题", [KEEP, *topics], key=f"{key}_topic")
        sentiment = c2.selectbox("情感", [KEEP, *sentiments], format_func=lambda s: sentiments.get(s, s),
                                 key=f"{key}_sentiment")
        department = c3.selectbox("责任部门", [KEEP, *departments], key=f"{key}_department")
        dismiss = st.checkbox("不是问题（办结预警，不再进入热点与预警）", key=f"{key}_not_issue")
        reason = st.text_input("「不是问题」的理由（勾选时必填，记入审计日志）", key=f"{key}_reason")
        submitted = st.form_submit_button("提交更正")
    if not submitted:
        return
    if dismiss and not reason.strip():
        st.error("标记「不是问题」必须填写理由")
        return
    values = {k: (None if v == KEEP else v) for k, v in (("topic", topic), ("sentiment", sentiment),
                                                           ("department", department))}
    ok, message = svc.correct(ctx.app, ctx.user, now=ctx.now, doc_id=doc_id, alert_id=alert_id, event_id=event_id,
                              not_issue_reason=reason.strip() if dismiss else None, **values)
    st.session_state[FLASH] = (ok, message)
    if ok:
        cached.clear()
    st.rerun()


def render_for_alert(ctx: Any, detail: Any) -> None:
    """The alert page's 更正: the alert's posts (an event's: all of them, the latest 200) or one of them."""
    if not svc.may_correct(ctx.user):
        return
    alert = detail.alert
    flash()
    with st.expander("更正分析结果（主题、情感、责任部门、不是问题）", expanded=False):
        whole = "本事件的全部帖子（最近 200 条）" if alert.event_id else "本预警的帖子"
        options = {"": whole, **{d.id: one_line(f"单条帖子：{d.title}")[:60] for d in detail.documents}}
        chosen = st.selectbox("更正对象", list(options), format_func=options.get, key=f"cor_target_{alert.id}")
        doc = next((d for d in detail.documents if d.id == chosen), None)
        event = detail.event
        current = ({"topic": doc.topic, "sentiment": doc.sentiment, "department": alert.department} if doc else
                   {"topic": event.topic if event else None, "sentiment": None, "department": alert.department})
        form(ctx, f"cor_{alert.id}_{chosen or 'all'}", doc_id=chosen or None, alert_id=None if chosen else alert.id,
             current=current)
