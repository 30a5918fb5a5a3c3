"""Raise a manual alert, or silence a rule / source / keyword / event for a while."""

import streamlit as st

from yuqing.dashboard import alert_view
from yuqing.dashboard.common import page_context, show_table, source_label
from yuqing.dashboard.services import actions, cached, queries
from yuqing.vocab import LEVEL_LABELS

ctx = page_context(__file__)
alert_view.flash()
if not queries.has_alert_service(ctx.app):
    st.warning("预警服务未加载，暂不能创建预警或静默")
    st.stop()

left, right = st.columns(2)
with left:
    st.subheader("人工预警")
    with st.form("manual"):
        title = st.text_input("标题（必填）", key="m_title")
        reason = st.text_area("原因（必填）", placeholder="说明为何需要预警，例如：多个群众反映某小区连续三天停水", key="m_reason")
        level = st.selectbox("级别", [1, 2, 3, 4], index=1, format_func=LEVEL_LABELS.get, key="m_level")
        department = st.selectbox("责任部门（可稍后派发）", [None, *queries.department_names(ctx.app)],
                                  format_func=lambda v: "暂不指定" if v is None else v, key="m_department")
        policies = queries.policy_labels(ctx.app)
        policy = st.selectbox("时限策略", [None, *policies], key="m_policy",
                              format_func=lambda v: "按级别（默认）" if v is None else f"{v}：{policies[v]}",
                              help="依申请公开事项选 disclosure（20 个工作日，可申请延期一次 20 个工作日）")
        event_id = st.text_input("关联事件编号（可选）", key="m_event")
        submitted = st.form_submit_button("创建预警", type="primary")
    if submitted:
        ok, message = actions.raise_manual(ctx.app, ctx.user, title, reason, level=level, event_id=event_id or None,
                                           department=department, now=ctx.now, policy=policy)
        st.session_state[alert_view.FLASH] = (ok, message)
        if ok:
            cached.clear()
        st.rerun()

with right:
    st.subheader("静默")
    with st.form("silence"):
        rule = st.text_input("规则名（可选）", key="si_rule")
        source = st.selectbox("来源（可选）", [None, *[s.name for s in ctx.app.config.sources]],
                              format_func=lambda v: "不限" if v is None else source_label(ctx.app, v), key="si_source")
        keyword = st.text_input("关键词（可选）", key="si_keyword")
        event_id = st.text_input("事件编号（可选）", key="si_event")
        hours = st.number_input("静默时长（小时）", min_value=0.5, max_value=24 * 30.0, value=24.0, step=0.5, key="si_hours")
        reason = st.text_input("原因（必填）", key="si_reason")
        submitted = st.form_submit_button("设置静默")
    if submitted:
        ok, message = actions.silence(ctx.app, ctx.user, rule=rule, source=source, keyword=keyword, event_id=event_id,
                                      hours=float(hours), reason=reason, now=ctx.now)
        st.session_state[alert_view.FLASH] = (ok, message)
        st.rerun()

st.subheader("生效中的静默")
show_table(queries.silences_table(ctx.app, ctx.now), key="silences")
