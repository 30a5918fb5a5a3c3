"""AppTest for every page and role: login, role filtering, filters and each workflow action."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import DEPT, OTHER_DEPT, PASSWORD


def titles(at) -> list[str]:
    return [t.value for t in at.title]


def no_exception(at) -> None:
    assert not at.exception, [e.message for e in at.exception]


def table(at, index: int = 0):
    return at.dataframe[index].value


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def find(widgets, label_prefix: str):
    return next(w for w in widgets if w.label.startswith(label_prefix))


# -- login --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, page", [("admin1", "用户管理"), ("officer1", "预警工作台"), ("leader1", "舆情热度看板"),
                                        ("dept1", "本部门预警")])
def test_login_lands_on_the_role_home_page(as_user, name, page):
    at = as_user(name)
    no_exception(at)
    assert titles(at) == [page]


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(as_user):
    at = as_user("officer1", "not-the-password")
    assert titles(at) == ["政务舆情监测与回应系统"]
    assert "用户名或密码错误" in at.error[0].value
    at2 = as_user("nobody", PASSWORD)
    assert at2.error[0].value == at.error[0].value


def test_empty_login_asks_for_both_fields(as_user):
    at = as_user("", "")
    assert "请输入用户名和密码" in at.error[0].value


def test_idle_session_expires(as_user):
    at = as_user("officer1")
    assert titles(at) == ["预警工作台"]
    at.session_state["auth_last_active"] = at.session_state["auth_last_active"] - 31 * 60
    at.run()
    assert titles(at) == ["政务舆情监测与回应系统"]
    assert "无操作" in at.warning[0].value


def test_deactivated_account_is_logged_out_on_next_click(as_user, store):
    at = as_user("officer1")
    user = store.workflow.get_user("officer1")
    user.active = False
    store.workflow.update_user(user)
    at.run()
    assert titles(at) == ["政务舆情监测与回应系统"]


def test_logout(as_user):
    at = as_user("leader1")
    at.button(key="logout").click().run()
    assert titles(at) == ["政务舆情监测与回应系统"]
    assert "auth_user" not in at.session_state


# -- navigation by role -------------------------------------------------------------------------------------------
def test_department_user_cannot_open_officer_or_admin_pages(as_user):
    at = as_user("dept1")
    for page in ("views/workbench.py", "views/admin_users.py", "views/heat_board.py", "views/search.py"):
        with pytest.raises(ValueError):
            at.switch_page(page)


def test_officer_cannot_open_admin_pages(as_user):
    at = as_user("officer1")
    with pytest.raises(ValueError):
        at.switch_page("views/admin_users.py")


@pytest.mark.parametrize("name, pages", [
    ("admin1", ["admin_users", "admin_departments", "admin_sources", "admin_rules", "heat_board", "workbench",
                "manual_alert", "search", "reports", "screen"]),
    ("officer1", ["workbench", "manual_alert", "search", "heat_board", "screen", "reports"]),
    ("leader1", ["heat_board", "screen", "workbench", "search", "reports"]),
    ("dept1", ["dept_desk", "dept_history"]),
])
def test_every_page_of_every_role_renders(as_user, name, pages):
    at = as_user(name)
    for page in pages:
        at.switch_page(f"views/{page}.py").run()
        no_exception(at)
        assert not [e.value for e in at.error if "无权" in e.value], page


# -- heat board ---------------------------------------------------------------------------------------------------
def test_heat_board_figures_come_from_the_store(as_user, store):
    from yuqing.clock import now

    at = as_user("leader1")
    metrics = {m.label: m.value for m in at.metric}
    today = now().date().isoformat()
    expected = next((r["total"] for r in store.documents.count_by_day(__import__(
        "yuqing.storage.base", fromlist=["DocumentFilter"]).DocumentFilter()) if r["day"] == today), 0)
    assert metrics["今日舆情量"] == f"{expected:,}"
    total_open, _ = store.workflow.list_alerts(status=[s for s in ("new", "dispatched", "accepted", "returned",
                                                                   "responded", "reopened")], limit=0)
    assert metrics["未办结预警"] == str(total_open)
    events = table(at, 0)
    assert list(events["热度"]) == sorted(events["热度"], reverse=True)
    assert len(events) == 10
    league = table(at, 1)
    assert set(league["部门"]) <= {d for d in store.workflow.department_league() and
                                   [r["department"] for r in store.workflow.department_league()]}


def test_heat_board_time_range_changes_the_trend(as_user):
    at = as_user("leader1")
    at.segmented_control(key="board_days").set_value(7).run()
    no_exception(at)
    assert at.session_state["board_days"] == 7


def test_screen_mode_hides_navigation_and_uses_large_dark_layout(as_user):
    at = as_user("leader1")
    at.query_params["screen"] = "1"
    at.run()
    no_exception(at)
    html = " ".join(m.value for m in at.markdown)
    assert "舆情态势" in html and "#0a1428" in html
    assert not at.segmented_control  # no controls on the big screen
    assert len(at.metric) == 5


# -- workbench ----------------------------------------------------------------------------------------------------
def test_workbench_level_and_status_filters(as_user, store):
    at = as_user("officer1")
    at.selectbox(key="wb_level").set_value(1).run()
    rows = table(at)
    assert len(rows) and set(rows["级别"]) == {"一级（特别重大/重大）"}
    at.selectbox(key="wb_level").set_value(None).run()
    at.multiselect(key="wb_status").set_value(["closed"]).run()
    rows = table(at)
    total, _ = store.workflow.list_alerts(status=["closed"], limit=0)
    assert len(rows) == total and set(rows["状态"]) == {"已办结"}


def test_workbench_department_filter(as_user):
    at = as_user("officer1")
    at.selectbox(key="wb_department").set_value(DEPT).run()
    rows = table(at)
    assert len(rows) and set(rows["责任部门"]) == {DEPT}


def _pick(at, key: str, alert_id: str):
    at.selectbox(key=key).set_value(alert_id).run()
    return at


def _act(at, alert_id: str, action: str, **inputs):
    at.radio(key=f"act_{alert_id}").set_value(action).run()
    for label, value in inputs.items():
        widgets = [*at.text_input, *at.text_area, *at.selectbox, *at.radio, *at.number_input]
        find(reversed(widgets), label).set_value(value)  # the form's widgets come after the filters
    next(b for b in at.button if b.label.startswith("确认")).click().run()
    no_exception(at)
    return at


def test_officer_dispatches_a_new_alert(as_user, store):
    new = store.workflow.list_alerts(status="new", limit=1)[1][0]
    at = _pick(as_user("officer1"), "wb_pick", new.id)
    _act(at, new.id, "dispatch", 责任部门=OTHER_DEPT, 说明="请核实")
    assert "已派发" in at.success[0].value
    after = store.workflow.get_alert(new.id)
    assert after.status.value == "dispatched" and after.department == OTHER_DEPT


def test_officer_evaluates_a_response_and_sees_reply_quality(as_user, store):
    responded = store.workflow.list_alerts(status="responded", limit=1)[1][0]
    at = _pick(as_user("officer1"), "wb_pick", responded.id)
    at.radio(key=f"act_{responded.id}").set_value("evaluate").run()
    assert any(m.label.startswith("答复质量") for m in at.metric)
    _act(at, responded.id, "evaluate", 评价="满意")
    after = store.workflow.get_alert(responded.id)
    assert after.status.value == "closed" and after.rating == "满意"


def test_officer_escalates_and_silences(as_user, store):
    dispatched = next(a for a in store.workflow.list_alerts(status="dispatched", limit=50)[1] if a.event_id)
    at = _pick(as_user("officer1"), "wb_pick", dispatched.id)
    _act(at, dispatched.id, "escalate", 说明="请加快")
    assert store.workflow.get_alert(dispatched.id).escalated
    _act(at, dispatched.id, "silence", 静默原因="已在处置", 静默时长=12.0)
    from yuqing.clock import now

    assert any(s["event_id"] == dispatched.event_id for s in store.workflow.active_silences(now()))


def test_workflow_error_is_shown_in_chinese(as_user, store):
    accepted = store.workflow.list_alerts(status="accepted", limit=1)[1][0]
    at = _pick(as_user("officer1"), "wb_pick", accepted.id)
    _act(at, accepted.id, "close")  # closing an unanswered alert needs a reason
    assert "必须说明理由" in at.error[0].value
    assert store.workflow.get_alert(accepted.id).status.value == "accepted"


def test_alert_detail_masks_personal_information(as_user, store):
    from yuqing.storage.base import DocumentFilter

    at = as_user("officer1")
    rendered = " ".join(e.label for e in at.expander) + " ".join(m.value for m in at.markdown)
    assert "13812345678" not in rendered
    total, docs = store.documents.list_documents(DocumentFilter(), limit=5)
    assert total > 0


def test_officer_reveals_raw_text_with_a_reason_and_it_is_audited(as_user, store, dash_home):
    import html

    from tests.dashboard.conftest import CONFIG
    from yuqing.app import App
    from yuqing.clock import now

    app = App.load(CONFIG, dash_home)
    try:
        alert = app.alerts.raise_manual(store.workflow.get_user("officer1"), "市民张三13812345678反映停水",
                                        "来电：13812345678", level=3, department=DEPT, now=now())
    finally:
        app.close()
    at = _pick(as_user("officer1"), "wb_pick", alert.id)
    shown = html.unescape(" ".join(m.value for m in at.markdown))
    assert "13812345678" not in shown and "138****5678" in shown
    submit = next(b for b in at.button if b.label == "查看原文")
    submit.click().run()  # no reason: refused, nothing revealed
    assert any("必须填写理由" in e.value for e in at.error)
    assert not [e for e in store.workflow.audit_for(alert.id) if e.action == "reveal"]
    at.text_input(key=f"reveal_why_{alert.id}").set_value("需回电核实诉求人")
    next(b for b in at.button if b.label == "查看原文").click().run()
    no_exception(at)
    assert "13812345678" in html.unescape(" ".join(m.value for m in at.markdown))
    assert any("已记入审计日志" in w.value for w in at.warning)
    (entry,) = [e for e in store.workflow.audit_for(alert.id) if e.action == "reveal"]
    assert entry.actor == "officer1" and "需回电核实诉求人" in entry.note


def test_department_and_leader_pages_offer_no_raw_text(as_user, store):
    dept_alert = store.workflow.list_alerts(department=DEPT, status="dispatched", limit=1)[1][0]
    at = _pick(as_user("dept1"), "dd_pick", dept_alert.id)
    assert not [b for b in at.button if b.label == "查看原文"]
    at = as_user("leader1")
    at.switch_page("views/workbench.py").run()
    assert not [b for b in at.button if b.label == "查看原文"]


def test_supervising_office_desk_shows_escalated_alerts_and_overdue_by_department(as_user, store):
    from yuqing.users import create_user

    sup = "A市人民政府督查室"
    create_user(store.workflow, "duban1", "department", PASSWORD, department=sup, display_name="督查室")
    target = next(a for a in store.workflow.list_alerts(department=OTHER_DEPT, status="dispatched", limit=50)[1]
                  if not a.escalated)

    def expected() -> set[str]:
        awaiting = ["dispatched", "accepted", "returned", "reopened"]
        return {a.id for a in store.workflow.list_alerts(status=awaiting, limit=500)[1]
                if a.escalated or a.department == sup}

    at = as_user("duban1")
    no_exception(at)
    assert set(table(at, 1)["编号"]) == expected() and target.id not in expected()
    at = _pick(as_user("officer1"), "wb_pick", target.id)
    _act(at, target.id, "escalate", 说明="请加快办理")
    at = as_user("duban1")
    no_exception(at)
    assert "各责任部门超期情况" in [s.value for s in at.subheader]
    overdue = table(at, 0)
    assert OTHER_DEPT in overdue["责任部门"].tolist()
    assert set(table(at, 1)["编号"]) == expected() and target.id in expected()
    at.selectbox(key="dd_pick").set_value(target.id).run()
    no_exception(at)
    assert not [b for b in at.button if b.label.startswith("确认")]  # it sees, the responsible department acts
    escalated_open = [a for a in store.workflow.list_alerts(status=[s for s in ("new", "dispatched", "accepted",
                      "returned", "responded", "reopened")], limit=500)[1] if a.escalated]
    assert {m.label: m.value for m in at.metric}["督办中"] == str(len(escalated_open))
    at.button_group(key="dd_view").set_value("督办事项").run()
    no_exception(at)
    only_escalated = {a.id for a in store.workflow.list_alerts(
        status=["dispatched", "accepted", "returned", "reopened"], limit=500)[1] if a.escalated}
    assert set(table(at, 1)["编号"]) == only_escalated and target.id in only_escalated


def test_manual_alert_and_silence_forms(as_user, store):
    at = as_user("officer1")
    at.switch_page("views/manual_alert.py").run()
    at.text_input(key="m_title").input("某小区连续停水")
    at.text_area(key="m_reason").input("多位居民电话反映")
    at.selectbox(key="m_department").set_value(DEPT)
    button(at, "创建预警").click().run()
    no_exception(at)
    assert "已创建人工预警" in at.success[0].value
    created = [a for a in store.workflow.list_alerts(limit=500)[1] if a.title == "某小区连续停水"]
    assert created and created[0].department == DEPT and created[0].status.value == "dispatched"
    at.text_input(key="si_keyword").input("演练")
    button(at, "设置静默").click().run()
    assert "静默原因" in at.error[0].value or "理由" in at.error[0].value
    at.text_input(key="si_reason").input("应急演练期间")
    button(at, "设置静默").click().run()
    assert "已静默" in at.success[0].value
    assert len(table(at)) == 1


# -- department desk ----------------------------------------------------------------------------------------------
def test_department_sees_only_its_own_alerts(as_user, store):
    at = as_user("dept1")
    at.segmented_control(key="dd_view").set_value("全部").run()
    rows = table(at)
    own_total, _ = store.workflow.list_alerts(department=DEPT, limit=0)
    assert len(rows) == own_total > 0
    assert set(rows["责任部门"]) == {DEPT}
    others = [a.id for a in store.workflow.list_alerts(limit=500)[1] if a.department != DEPT]
    assert others and not set(others) & set(at.selectbox(key="dd_pick").options)


def _dept_alert(store, status: str):
    return next(a for a in store.workflow.list_alerts(status=status, department=DEPT, limit=50)[1])


def test_department_accepts_then_responds_with_link(as_user, store):
    alert = _dept_alert(store, "dispatched")
    at = _pick(as_user("dept1"), "dd_pick", alert.id)
    assert "剩余" in " ".join(table(at)["时限"]) or "超期" in " ".join(table(at)["时限"])
    _act(at, alert.id, "accept")
    assert store.workflow.get_alert(alert.id).status.value == "accepted"
    _act(at, alert.id, "respond", 回应内容="已组织维修，今日恢复供水", 公开回应链接="https://example.gov.cn/n/2")
    assert store.workflow.get_alert(alert.id).status.value == "responded"
    response = store.workflow.responses_for(alert.id)[-1]
    assert response.link == "https://example.gov.cn/n/2" and response.author == "dept1"


def test_department_return_needs_a_reason(as_user, store):
    alert = _dept_alert(store, "dispatched")
    at = _pick(as_user("dept1"), "dd_pick", alert.id)
    _act(at, alert.id, "return")
    assert "退单必须填写理由" in at.error[0].value
    _act(at, alert.id, "return", 退单理由="属于区级职责")
    assert store.workflow.get_alert(alert.id).status.value == "returned"


def test_department_history_and_stats(as_user, store):
    at = as_user("dept1")
    at.switch_page("views/dept_history.py").run()
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    total, _ = store.workflow.list_alerts(department=DEPT, limit=0)
    assert metrics["累计预警"] == str(total)
    assert set(table(at)["责任部门"]) == {DEPT}


# -- search -------------------------------------------------------------------------------------------------------
def test_search_highlights_and_never_renders_crawled_markup(as_user):
    at = as_user("officer1")
    at.switch_page("views/search.py").run()
    at.text_input(key="s_query").input("珍珠泉").run()
    no_exception(at)
    html = " ".join(m.value for m in at.markdown)
    assert "<mark>珍珠泉</mark>" in html
    assert "<script>" not in html and "&#60;script&#62;" in html
    assert "**加粗**" not in html and "[链接](http" not in html  # the post's Markdown is neutralised too
    assert "&#42;&#42;加粗&#42;&#42;" in html
    assert "13912345678" not in html  # PII masked


def test_search_filters(as_user):
    at = as_user("officer1")
    at.switch_page("views/search.py").run()
    at.text_input(key="s_query").input("反映").run()  # the generated posts' word for a complaint, and for thanks
    unfiltered = at.caption[0].value
    at.selectbox(key="s_sentiment").set_value("positive").run()
    filtered = at.caption[0].value
    n = lambda s: int(s.split("找到 ")[1].split(" ")[0])  # noqa: E731
    assert 0 < n(filtered) < n(unfiltered)


# -- admin --------------------------------------------------------------------------------------------------------
def test_admin_creates_and_disables_an_account(as_user, store):
    at = as_user("admin1")
    find(at.text_input, "用户名").input("newdept")
    find(at.selectbox, "角色").set_value("department")
    find(at.selectbox, "所属部门").set_value(DEPT)
    find(at.text_input, "初始密码").input("a-long-password")
    button(at, "创建").click().run()
    no_exception(at)
    assert "已创建账号" in at.success[0].value
    user = store.workflow.get_user("newdept")
    assert user and user.department == DEPT and user.password_hash.startswith("$argon2")
    at.selectbox(key="u_target").set_value("newdept")
    at.button(key="u_disable").click().run()
    assert not store.workflow.get_user("newdept").active


def test_admin_short_password_is_refused(as_user, store):
    at = as_user("admin1")
    find(at.text_input, "用户名").input("shorty")
    find(at.text_input, "初始密码").input("123")
    button(at, "创建").click().run()
    assert "至少需要" in at.error[0].value and store.workflow.get_user("shorty") is None


def test_admin_reference_pages(as_user):
    at = as_user("admin1")
    at.switch_page("views/admin_sources.py").run()
    assert "a_city_news" in set(table(at)["来源"])
    at.switch_page("views/admin_departments.py").run()
    assert DEPT in set(table(at)["部门"])
    at.switch_page("views/admin_rules.py").run()
    no_exception(at)
    assert len(table(at)) >= 1


# -- reports and export -------------------------------------------------------------------------------------------
def test_reports_page_builds_both_files(as_user):
    at = as_user("leader1")
    at.switch_page("views/reports.py").run()
    at.button(key="r_build").click().run()
    no_exception(at)
    assert {b.label for b in at.get("download_button")} >= {"下载 Word（.docx）", "下载 Excel（.xlsx）"}


def test_tables_offer_csv_export(as_user):
    at = as_user("officer1")
    assert any(b.label == "导出 CSV" for b in at.get("download_button"))


def test_a_page_run_outside_the_login_gate_refuses(dash_home):
    from streamlit.testing.v1 import AppTest

    from yuqing.paths import REPO_ROOT

    at = AppTest.from_file(str(REPO_ROOT / "dashboard" / "views" / "workbench.py"), default_timeout=60).run()
    assert [e.value for e in at.error] == ["无权访问此页面"]
    assert not at.dataframe


# -- 依申请公开 extension -------------------------------------------------------------------------------------------
def test_department_requests_an_extension_and_the_officer_approves_it(as_user, store):
    # The officer registers a 依申请公开 item from the manual-alert form with the disclosure deadline policy.
    at = as_user("officer1")
    at.switch_page("views/manual_alert.py").run()
    at.text_input(key="m_title").input("依申请公开：某地块规划许可")
    at.text_area(key="m_reason").input("申请人依申请公开，20 个工作日内答复")
    at.selectbox(key="m_level").set_value(3)
    at.selectbox(key="m_department").set_value(DEPT)
    at.selectbox(key="m_policy").set_value("disclosure")
    button(at, "创建预警").click().run()
    no_exception(at)
    (item,) = [a for a in store.workflow.list_alerts(limit=500)[1] if a.title == "依申请公开：某地块规划许可"]
    assert item.policy == "disclosure" and item.status.value == "dispatched"
    opinion = _dept_alert(store, "dispatched")
    if opinion.id == item.id:
        opinion = next(a for a in store.workflow.list_alerts(status="dispatched", department=DEPT, limit=50)[1]
                       if a.policy != "disclosure")
    original = item.deadlines["response"]

    at = _pick(as_user("dept1"), "dd_pick", opinion.id)
    assert "extend" not in at.radio(key=f"act_{opinion.id}").options  # 48-hour opinion alerts cannot be extended
    at = _pick(at, "dd_pick", item.id)
    _act(at, item.id, "extend")
    assert "申请延期必须填写理由" in at.error[0].value
    _act(at, item.id, "extend", 延期理由="需书面征求第三方意见")
    no_exception(at)
    assert "已提交延期申请" in at.success[0].value
    assert store.workflow.get_alert(item.id).details["extension"]["status"] == "pending"
    assert "extend" not in at.radio(key=f"act_{item.id}").options  # one request at a time

    at = as_user("officer1")
    pending = table(at, 0)
    assert list(pending["编号"]) == [item.id] and list(pending["理由"]) == ["需书面征求第三方意见"]
    at = _pick(at, "wb_pick", item.id)
    _act(at, item.id, "reject_extension")
    assert "驳回延期申请必须填写理由" in at.error[0].value
    _act(at, item.id, "approve_extension", 审批意见="同意")
    no_exception(at)
    assert "已批准延期" in at.success[0].value
    after = store.workflow.get_alert(item.id)
    assert after.details["extension"]["status"] == "granted" and after.deadlines["response"] > original
    assert [e.action for e in store.workflow.audit_for(item.id)][-2:] == ["extend", "approve_extension"]


def test_pending_extension_past_its_deadline_is_flagged_for_rejection(dash_home):
    from datetime import timedelta

    from dashboard.services import queries
    from tests.dashboard.conftest import CONFIG
    from yuqing.app import App
    from yuqing.clock import now

    app = App.load(CONFIG, dash_home)
    try:
        officer, dept = app.store.workflow.get_user("officer1"), app.store.workflow.get_user("dept1")
        item = app.alerts.raise_manual(officer, "依申请公开：某项目环评", "申请人依申请公开", level=3, department=DEPT,
                                       policy="disclosure", now=now())
        app.alerts.act(dept, item.id, "extend", text="需征求第三方意见", now=now())
        assert queries.pending_extensions(app, dept) == []  # departments do not decide
        (row,) = queries.pending_extensions(app, officer, now())
        assert row["编号"] == item.id and row["状态"] == "待审批" and row["提示"] == ""
        late = item.deadlines["response"] + timedelta(minutes=1)
        (row,) = queries.pending_extensions(app, officer, late)
        assert row["提示"] == "原答复期限已过，只能驳回"
        names = [n for n, _ in queries.available_actions(officer, app.store.workflow.get_alert(item.id), app=app, now=late)]
        assert "reject_extension" in names and "approve_extension" not in names
    finally:
        app.close()
