"""Accounts: list, create (argon2-hashed), enable/disable, reset password."""

import streamlit as st

from yuqing.dashboard import alert_view
from yuqing.dashboard.adminforms import field_error, finish, form_error
from yuqing.dashboard.common import csv_button, page_context, show_table
from yuqing.dashboard.services import actions, admin, queries
from yuqing.dashboard.textfmt import escape_label
from yuqing.model import ROLE_LABELS, Role

ctx = page_context(__file__)
alert_view.flash()
rows = queries.users_table(ctx.app)
show_table(rows, key="users")
csv_button(rows, "用户.csv", key="users_csv")


def _finish(result: tuple[bool, str]) -> None:
    st.session_state[alert_view.FLASH] = result
    st.rerun()


left, right = st.columns(2)
with left:
    st.subheader("新建账号")
    with st.form("new_user", clear_on_submit=True):
        name = st.text_input("用户名")
        display = st.text_input("姓名（可选）")
        role = st.selectbox("角色", [r.value for r in Role], format_func=lambda r: ROLE_LABELS[Role(r)])
        department = st.selectbox("所属部门（责任部门账号必填）", [None, *queries.department_names(ctx.app)],
                                  format_func=lambda v: "无" if v is None else v)
        password = st.text_input("初始密码（至少 8 位）", type="password")
        if st.form_submit_button("创建", type="primary"):
            _finish(actions.create_account(ctx.app, ctx.user, name, role, password, department, display, ctx.now))
with right:
    st.subheader("账号维护")
    names = [r["用户名"] for r in rows]
    if names:
        target = st.selectbox("账号", names, key="u_target")
        c1, c2 = st.columns(2)
        if c1.button("停用", key="u_disable"):
            _finish(actions.set_active(ctx.app, ctx.user, target, False, ctx.now))
        if c2.button("启用", key="u_enable"):
            _finish(actions.set_active(ctx.app, ctx.user, target, True, ctx.now))
        with st.form("reset_pw", clear_on_submit=True):
            new_password = st.text_input("新密码（至少 8 位）", type="password")
            if st.form_submit_button("重置密码"):
                _finish(actions.reset_password(ctx.app, ctx.user, target, new_password, ctx.now))
        current = next(r for r in rows if r["用户名"] == target)
        roles = [r.value for r in Role]
        departments = [None, *queries.department_names(ctx.app)]
        with st.form(f"account_{names.index(target)}"):
            form = f"account_{names.index(target)}"
            form_error(form, {"role", "department"})
            role = st.selectbox("角色", roles, format_func=lambda r: ROLE_LABELS[Role(r)], key=f"{form}_role",
                                index=[ROLE_LABELS[Role(r)] for r in roles].index(current["角色"])
                                if current["角色"] in ROLE_LABELS.values() else 0)
            field_error(form, "role")
            dept = st.selectbox("所属部门", departments, format_func=lambda v: "无" if v is None else v,
                                index=departments.index(current["部门"]) if current["部门"] in departments else 0,
                                key=f"{form}_department")
            field_error(form, "department")
            if st.form_submit_button("修改角色与部门"):
                finish(form, admin.update_account(ctx.app, ctx.user, target, role, dept, ctx.now))
missing = admin.departments_without_accounts(ctx.app)
if missing:
    st.warning(escape_label(f"{len(missing)} 个部门尚无账号（其预警不会自动派发）：" + "、".join(missing)))
