"""Sources and crawl health: failing or silent sources stand out."""

import streamlit as st

from yuqing.dashboard.common import csv_button, page_context, show_table
from yuqing.dashboard.services import queries

ctx = page_context(__file__)
rows = queries.sources_table(ctx.app, ctx.now)
bad = queries.sources_needing_attention(ctx.app)
if bad:
    st.error("以下来源需要处理：" + "、".join(bad))
show_table(rows, key="sources")
csv_button(rows, "来源健康.csv", key="sources_csv")
st.caption(f"连续失败或无新内容达 {ctx.app.config.crawl.get('failure_cycles', 3)} 轮即标红/标橙（配置项 crawl.failure_cycles）。")
