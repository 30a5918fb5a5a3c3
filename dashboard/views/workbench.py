"""Officer's workbench: the alert queue with filters, and the selected alert with every workflow action."""

from datetime import datetime, time, timedelta

import streamlit as st

from yuqing.dashboard import alert_view
from yuqing.dashboard.common import csv_button, page_context, paginate, show_table
from yuqing.dashboard.services import queries
from yuqing.dashboard.textfmt import escape_label, one_line
from yuqing.clock import TZ
from yuqing.model import STATUS_LABELS, AlertStatus
from yuqing.vocab import LEVEL_LABELS

ctx = page_context(__file__)
alert_view.flash()

with st.container(border=True):
    c1, c2, c3, c4 = st.columns([3, 2, 3, 3])
    statuses = c1.multiselect("状态", [s.value for s in AlertStatus], default=queries.OPEN,
                              format_func=lambda s: STATUS_LABELS[AlertStatus(s)], placeholder="全部状态",
                              key="wb_status")
    level = c2.selectbox("级别", [None, 1, 2, 3, 4], format_func=lambda v: "全部" if v is None else LEVEL_LABELS[v],
                         key="wb_level")
    department = c3.selectbox("责任部门", [None, *queries.department_names(ctx.app)],
                              format_func=lambda v: "全部" if v is None else v, key="wb_department")
    today = ctx.now.date()
    period = c4.date_input("创建时间", value=(today - timedelta(days=30), today), key="wb_period")
since = until = None
if isinstance(period, (tuple, list)) and len(period) == 2:
    since = datetime.combine(period[0], time.min, TZ)
    until = datetime.combine(period[1], time.min, TZ) + timedelta(days=1)

pending = queries.pending_extensions(ctx.app, ctx.user, ctx.now)
if pending:
    with st.expander(f"待审批的依申请公开延期申请（{len(pending)}）", expanded=True):
        show_table(pending, key="wb_extensions")
        st.caption("在下方「查看预警」中选中该预警，即可批准或驳回；须在原答复期限内决定。")

page_size = ctx.settings.page_size
try:
    total, _ = queries.list_alerts(ctx.app, ctx.user, status=statuses or None, level=level, department=department,
                                   since=since, until=until, limit=1, offset=0)
    limit, offset = paginate(total, page_size, key="wb_page")
    total, alerts = queries.list_alerts(ctx.app, ctx.user, status=statuses or None, level=level,
                                        department=department, since=since, until=until, limit=limit, offset=offset)
except Exception as exc:  # AlertsUnavailable / PermissionDenied / WorkflowError carry Chinese messages
    st.error(escape_label(exc))
    st.stop()
now = ctx.now
rows = [queries.alert_row(a, now) for a in alerts]
st.caption(f"共 {total} 条预警")
show_table(rows, key="wb_table")
csv_button(rows, "预警列表.csv", key="wb_csv")

if alerts or pending or st.query_params.get("alert"):
    st.divider()
    ids = [*[p["编号"] for p in pending], *[a.id for a in alerts if a.id not in {p["编号"] for p in pending}]]
    titles = {a.id: one_line(f"{a.id} · {a.title}") for a in alerts} | {
        p["编号"]: one_line(f"{p['编号']} · 【待审批延期】{p['标题']}") for p in pending}
    chosen = alert_view.pick(ctx, "查看预警", ids, titles, key="wb_pick")
    alert_view.render(ctx, chosen)
