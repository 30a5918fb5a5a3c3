"""Department desk: my department's alerts with countdown colours; accept, return with a reason, respond.

The supervising office (督查室, the department configured with ``supervisor = true``) sees here only its own
alerts, like any department; what is escalated (督办) to it is on its own page, 督办事项 (views/supervision.py)."""

import streamlit as st

from yuqing.dashboard import alert_view, similar_view
from yuqing.dashboard.common import csv_button, page_context, paginate, show_table
from yuqing.dashboard.services import queries
from yuqing.dashboard.textfmt import escape_label, one_line
from yuqing.model import AlertStatus

DEPARTMENT_TODO = sorted(queries.AWAITING - {AlertStatus.RETURNED.value})
DISPATCHED_ONCE = sorted(s.value for s in AlertStatus if s is not AlertStatus.NEW)


def department_row(alert, now):
    """The queue row as the department sees it: a returned alert's clock is the office's now, not theirs."""
    row = queries.alert_row(alert, now)
    if alert.status == AlertStatus.RETURNED.value:
        row.update({"时限": "○ 已退单（待专员重新派发）", "_colour": "grey"})
    return row

ctx = page_context(__file__)
alert_view.flash()
supervisor = queries.is_supervisor_user(ctx.app, ctx.user)
st.caption(f"本部门：{escape_label(ctx.user.department)}" + ("（督办部门：督办至本部门的预警见「督办事项」页面）" if supervisor else ""))

now = ctx.now
try:
    counts = queries.user_alert_counts(ctx.app, ctx.user, now, status=DEPARTMENT_TODO if not supervisor else "open")
except Exception as exc:  # AlertsUnavailable / PermissionDenied carry Chinese messages
    st.error(escape_label(exc))
    st.stop()
c1, c2, c3 = st.columns(3)
c1.metric("未办结", counts["open"])
c2.metric("已超期", counts["overdue"])
c3.metric("被督办", counts["escalated"])

views = ["待办", "全部"]
view = st.segmented_control("范围", views, default="待办", key="dd_view") or "待办"
# 待办: what the department still owes (a returned alert went back to the office); 全部: what was ever dispatched
# to it (an alert routed here but never dispatched is the office's, not ours).
statuses = {"待办": DEPARTMENT_TODO, "全部": DISPATCHED_ONCE}[view]
escalated = None
total, _ = queries.list_alerts(ctx.app, ctx.user, status=statuses, limit=1, escalated=escalated)
limit, offset = paginate(total, ctx.settings.page_size, key="dd_page")
total, alerts = queries.list_alerts(ctx.app, ctx.user, status=statuses, limit=limit, offset=offset,
                                    escalated=escalated)
rows = [department_row(a, now) for a in alerts]
show_table(rows, key="dd_table")
csv_button(rows, "本部门预警.csv", key="dd_csv")
st.caption("时限颜色：红＝已超期　橙＝4 小时内到期　黄＝24 小时内到期　绿＝时间充裕")

if alerts or st.query_params.get("alert"):
    st.divider()
    titles = {a.id: one_line(f"{a.id} · {a.title}") for a in alerts}
    chosen = alert_view.pick(ctx, "办理预警", list(titles), titles, key="dd_pick")
    alert_view.render(ctx, chosen)
    similar_view.render(ctx, chosen)
