"""Department desk: my department's alerts with countdown colours; accept, return with a reason, respond."""

import streamlit as st

from dashboard import alert_view
from dashboard.common import csv_button, page_context, paginate, show_table
from dashboard.services import queries

ctx = page_context(__file__)
alert_view.flash()
st.caption(f"本部门：{ctx.user.department}")

now = ctx.now
counts = queries.alert_counts(ctx.app, now, department=ctx.user.department)
c1, c2, c3 = st.columns(3)
c1.metric("未办结", counts["open"])
c2.metric("已超期", counts["overdue"])
c3.metric("被督办", counts["escalated"])

view = st.segmented_control("范围", ["待办", "全部"], default="待办", key="dd_view") or "待办"
statuses = sorted(queries.AWAITING) if view == "待办" else None
total, _ = queries.list_alerts(ctx.app, ctx.user, status=statuses, limit=1)
limit, offset = paginate(total, ctx.settings.page_size, key="dd_page")
total, alerts = queries.list_alerts(ctx.app, ctx.user, status=statuses, limit=limit, offset=offset)
rows = [queries.alert_row(a, now) for a in alerts]
show_table(rows, key="dd_table")
csv_button(rows, "本部门预警.csv", key="dd_csv")
st.caption("时限颜色：红＝已超期　橙＝4 小时内到期　黄＝24 小时内到期　绿＝时间充裕")

if alerts:
    st.divider()
    titles = {a.id: f"{a.id} · {a.title}" for a in alerts}
    chosen = st.selectbox("办理预警", list(titles), format_func=titles.get, key="dd_pick")
    alert_view.render(ctx, chosen)
