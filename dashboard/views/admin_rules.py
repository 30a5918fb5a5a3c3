"""Alert rules as the alerts stage reads them from configuration, and the silences in force."""

import streamlit as st

from yuqing.dashboard.common import page_context, show_table
from yuqing.dashboard.services import queries

ctx = page_context(__file__)
rows, error = queries.rules_table(ctx.app)
if error:
    st.error(f"预警规则配置有误：{error}")
st.caption(f"规则在配置文件 {ctx.app.config.path} 的 [alerts] 中维护。")
show_table(rows, key="rules")
st.subheader("生效中的静默")
show_table(queries.silences_table(ctx.app, ctx.now), key="rules_silences")
