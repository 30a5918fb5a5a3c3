"""督办事项: the supervising office's page. Everything escalated (督办) to the office, open and closed, filterable;
overdue per responsible department (table and chart); its 督办意见, given on an alert from here (the only action the
office has on another department's alert; the responsible department acts)."""

import streamlit as st

from yuqing.dashboard import alert_view
from yuqing.dashboard.common import csv_button, page_context, show_table
from yuqing.dashboard.services import supervision
from yuqing.dashboard.textfmt import escape_label, one_line

ctx = page_context(__file__)
if not supervision.may_open(ctx.app, ctx.user):
    st.error("无权访问此页面：仅督办部门、舆情专员和管理员可以查看督办事项")
    st.stop()
alert_view.flash()
office = supervision.supervisor_name(ctx.app)
st.caption(escape_label(f"督办部门：{office}" if office else "配置中没有督办部门（supervisor = true），督办无处可报"))

now = ctx.now
try:
    everything = supervision.escalated(ctx.app, ctx.user)
except Exception as exc:  # AlertsUnavailable / PermissionDenied carry Chinese messages
    st.error(escape_label(exc))
    st.stop()
overdue = supervision.overdue_table(everything, now)
c1, c2, c3, c4 = st.columns(4)
c1.metric("督办中", sum(r["督办中"] for r in overdue))
c2.metric("已超期", sum(r["已超期"] for r in overdue))
c3.metric("已办结", sum(r["已办结"] for r in overdue))
c4.metric("督办意见", sum(r["督办意见"] for r in overdue))

st.subheader("各责任部门超期情况")
show_table(overdue, key="sv_overdue")
if overdue:
    st.bar_chart(supervision.overdue_chart_data(overdue), x="责任部门", y=[p for p, _ in supervision.CHART_PARTS],
                 color=[c for _, c in supervision.CHART_PARTS], horizontal=True, x_label="", y_label="预警数",
                 height=110 + 36 * len(overdue))

st.subheader("督办事项")
f1, f2 = st.columns(2)
status_label = f1.segmented_control("状态", list(supervision.STATUS_FILTERS), default="未办结", key="sv_status") or "未办结"
departments = sorted({r["责任部门"] for r in overdue})
department = f2.selectbox("责任部门", ["全部", *departments], key="sv_department")
views = supervision.escalated(ctx.app, ctx.user, status=supervision.STATUS_FILTERS[status_label],
                              department=None if department in ("全部", "（未分派）") else department)
if department == "（未分派）":
    views = [v for v in views if not v.department]
rows = supervision.rows(views, now)
show_table(rows, key="sv_table")
csv_button(rows, "督办事项.csv", key="sv_csv")

st.subheader("督办意见")
show_table(supervision.note_rows(everything), key="sv_notes")

if views:
    st.divider()
    titles = {v.id: one_line(f"{v.id} · {v.department or '（未分派）'} · {v.title}") for v in views}
    chosen = st.selectbox("查看预警并提出督办意见", list(titles), format_func=titles.get, key="sv_pick")
    alert_view.render(ctx, chosen)
