"""Departments: topics, regions, routing words, contacts and accounts; add and edit them without a restart.

A department with no active account is flagged: its alerts are not dispatched automatically (they wait for an
officer, with the reason), so the clock never runs for a department nobody can log in for."""

import streamlit as st

from yuqing.dashboard import alert_view
from yuqing.dashboard.adminforms import field_error, finish, form_error
from yuqing.dashboard.common import csv_button, page_context, show_table
from yuqing.dashboard.services import actions, admin, board
from yuqing.dashboard.textfmt import escape_label

ctx = page_context(__file__)
alert_view.flash()
missing = admin.departments_without_accounts(ctx.app)
if missing:
    st.warning(escape_label(f"{len(missing)} 个部门尚无账号，自动派发已暂停（预警待专员人工派发）：" + "、".join(missing)
                            + "。请在「用户管理」中为其创建账号。"))
rows = admin.department_rows(ctx.app)
show_table(rows, key="departments")
csv_button(rows, "部门.csv", key="departments_csv")

FIELDS = {"name", "topics", "regions", "aliases", "keywords", "supervisor", *admin.CONTACT_LABELS}


def department_form(form: str, entry: dict, original: str | None) -> None:
    with st.form(form):
        form_error(form, FIELDS)
        name = st.text_input("部门名称", value=entry.get("name", ""), key=f"{form}_name", disabled=original is not None)
        field_error(form, "name")
        values = {"name": entry.get("name") if original else name}
        for key, label in (("topics", "负责主题（主题模型的类别，每行一个或以、分隔）"), ("regions", "负责地区"),
                           ("aliases", "群众对该部门的称呼"), ("keywords", "主管事项的词")):
            values[key] = st.text_area(label, value="\n".join(entry.get(key, [])), key=f"{form}_{key}")
            field_error(form, key)
        for key, label in admin.CONTACT_LABELS.items():
            values[key] = st.text_input(f"{label}（可空）", value=entry.get(key, ""), key=f"{form}_{key}")
            field_error(form, key)
        values["supervisor"] = st.checkbox("督办部门（接收逾期督办）", value=bool(entry.get("supervisor")),
                                           key=f"{form}_supervisor")
        field_error(form, "supervisor")
        if st.form_submit_button("保存修改" if original else "新增部门", type="primary"):
            finish(form, admin.save_department(ctx.app, ctx.user, ctx.now, original, values))


add_tab, edit_tab = st.tabs(["新增部门", "修改部门"])
with add_tab:
    department_form("department_new", {}, None)
with edit_tab:
    names = [d.name for d in ctx.app.config.departments]
    target = st.selectbox("选择部门", names, key="department_edit_pick")
    if target:
        department_form(f"department_edit_{names.index(target)}", admin.department_entry(ctx.app, target), target)
if missing:
    st.subheader("为尚无账号的部门创建账号")
    with st.form("department_account", clear_on_submit=True):
        dept = st.selectbox("部门", missing, key="dept_account_department")
        name = st.text_input("用户名", key="dept_account_name")
        password = st.text_input("初始密码（至少 8 位）", type="password", key="dept_account_password")
        if st.form_submit_button("创建部门账号"):
            ok, message = actions.create_account(ctx.app, ctx.user, name, "department", password, dept, None, ctx.now)
            st.session_state[alert_view.FLASH] = (ok, message + ("；该部门的预警此后可自动派发" if ok else ""))
            st.rerun()
st.subheader("部门回应情况（全部时间）")
league = board.league(ctx.app, None)
show_table(league, key="dept_league")
