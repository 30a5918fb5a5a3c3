"""Department history and statistics: everything assigned to us, our league row."""

import streamlit as st

from yuqing.dashboard.common import csv_button, page_context, paginate, show_table
from yuqing.dashboard.services import board, queries
from yuqing.dashboard.textfmt import escape_label
from yuqing.model import AlertStatus

ctx = page_context(__file__)
stats = board.department_stats(ctx.app, ctx.user.department, ctx.now)
row = stats["league"] or {}
c1, c2, c3, c4 = st.columns(4)
c1.metric("累计预警", row.get("预警数", 0))
c2.metric("回应率", "—" if row.get("回应率") is None else f"{row['回应率']:.1%}")
c3.metric("按时率", "—" if row.get("按时率") is None else f"{row['按时率']:.1%}")
c4.metric("平均回应时长", "—" if row.get("平均回应时长（小时）") is None else f"{row['平均回应时长（小时）']} 小时")
if row:
    st.caption(f"评价：满意 {row['满意']} · 基本满意 {row['基本满意']} · 不满意 {row['不满意']} · 被督办 {row['被督办']}")

st.subheader("办理记录")
status = st.segmented_control("状态", ["已回应", "已办结", "全部"], default="全部", key="dh_status") or "全部"
# Only alerts dispatched to us: one the router put under our name but the office never dispatched is not ours.
dispatched_once = sorted(s.value for s in AlertStatus if s is not AlertStatus.NEW)
statuses = {"已回应": ["responded"], "已办结": ["closed"], "全部": dispatched_once}[status]
try:
    total, _ = queries.list_alerts(ctx.app, ctx.user, status=statuses, limit=1)
    limit, offset = paginate(total, ctx.settings.page_size, key="dh_page")
    total, alerts = queries.list_alerts(ctx.app, ctx.user, status=statuses, limit=limit, offset=offset)
except Exception as exc:  # AlertsUnavailable carries a Chinese message
    st.error(escape_label(exc))
    st.stop()
rows = [queries.alert_row(a, ctx.now) for a in alerts]
show_table(rows, key="dh_table")
csv_button(rows, "本部门办理记录.csv", key="dh_csv")
