"""AppTest for the department desk, search, administration, reports and the 依申请公开 extension (the officer's
pages are in test_pages.py)."""

from __future__ import annotations


from tests.dashboard.conftest import DEPT
from tests.dashboard.pagekit import _act, _pick, button, find, no_exception, table


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
    assert "a_city_news" in set(table(at)["来源标识"])
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

    from yuqing.dashboard.services import queries
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
