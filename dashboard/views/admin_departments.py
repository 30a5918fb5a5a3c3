"""Departments as configured ([[departments]] in the config file), with their accounts and league figures."""

import streamlit as st

from yuqing.dashboard.common import csv_button, page_context, show_table
from yuqing.dashboard.services import board, queries

ctx = page_context(__file__)
st.caption(f"部门在配置文件 {ctx.app.config.path} 的 [[departments]] 中维护；修改后重启看板生效。")
rows = queries.departments_table(ctx.app)
show_table(rows, key="departments")
csv_button(rows, "部门.csv", key="departments_csv")
st.subheader("部门回应情况（全部时间）")
league = board.league(ctx.app, None)
show_table(league, key="dept_league")
