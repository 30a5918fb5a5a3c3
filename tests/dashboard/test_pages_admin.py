"""AppTest for the admin pages: readable tables, forms that change the live configuration (checked, audited, in
force without a restart), the checker's Chinese message at the field, and the departments without an account."""

from __future__ import annotations

import re

from tests.dashboard.conftest import CONFIG, DEPT, OTHER_DEPT
from tests.dashboard.pagekit import button, no_exception, table

REPR = re.compile(r"\[\(|\(\d+, [\d.]+|HeatRule|KeywordRule|Rule object|\{'|None")


def texts(elements) -> list[str]:
    """Messages as the user reads them (labels are Markdown-escaped: backslashes, zero-width spaces)."""
    return [e.value.replace("\\", "").replace("\u200b", "") for e in elements]


def _open(as_user, page):
    at = as_user("admin1")
    at.switch_page(f"views/{page}.py").run()
    no_exception(at)
    return at


def _no_reprs(at):
    for df in at.dataframe:
        text = df.value.to_string()
        assert not REPR.search(text), text[:500]


def _app(home):
    from yuqing.app import App

    app = App.load(CONFIG, home)
    app.refresh()
    return app


def test_rules_page_shows_thresholds_and_word_lists_as_readable_chinese(as_user):
    at = _open(as_user, "admin_rules")
    rules = table(at)
    assert {"规则", "类型", "状态", "阈值"} <= set(rules.columns)
    heat = rules[rules["规则"] == "热度分级"].iloc[0]
    assert heat["类型"] == "热度分级" and "一级（特别重大/重大）：热度不低于 80，至少 20 篇" in heat["阈值"]
    _no_reprs(at)
    at.selectbox(key="rule_pick").set_value("敏感词").run()
    no_exception(at)
    lists = next(df.value for df in at.dataframe if "词表" in df.value.columns)
    assert "爆炸（排除：信息爆炸、人口爆炸）" in lists[lists["词表"] == "安全事故"].iloc[0]["词条"]
    _no_reprs(at)


def test_a_threshold_changed_in_the_form_is_stored_audited_and_in_force(as_user, dash_home):
    at = _open(as_user, "admin_rules")
    at.selectbox(key="rule_pick").set_value("热度分级").run()
    at.number_input(key="tiers_0_2_value").set_value(33.5)
    button(at, "保存阈值").click().run()
    no_exception(at)
    assert "已保存为配置第 1 版" in texts(at.success)[0]
    assert "热度不低于 33.5" in table(at)[table(at)["规则"] == "热度分级"].iloc[0]["阈值"]
    app = _app(dash_home)
    try:
        (heat,) = [r for r in app.alerts.settings.rules if r.name == "热度分级"]
        assert (3, 33.5, 3) in heat.tiers
        (entry,) = app.store.workflow.audit_for("config")
        assert entry.actor == "admin1" and "热度分级" in entry.note and "33.5" in entry.note
    finally:
        app.close()


def test_a_bad_threshold_is_refused_with_the_checkers_message_at_the_field(as_user, dash_home):
    at = _open(as_user, "admin_rules")
    at.selectbox(key="rule_pick").set_value("热度分级").run()
    at.number_input(key="tiers_0_0_docs").set_value(0)
    button(at, "保存阈值").click().run()
    no_exception(at)
    assert not at.success
    assert any("应不小于 1" in t and "tiers[0].min_docs" in t for t in texts(at.error)), texts(at.error)
    app = _app(dash_home)
    try:
        assert app.store.workflow.config_version() == 0
    finally:
        app.close()


def test_a_word_list_is_added_in_the_form(as_user, dash_home):
    at = _open(as_user, "admin_rules")
    at.selectbox(key="rule_pick").set_value("敏感词").run()
    at.text_input(key="words_（新建词表）_name").input("涉房")
    at.text_area(key="words_（新建词表）_words").input("烂尾\n断供（排除：断供风险）")
    button(at, "保存词表").click().run()
    no_exception(at)
    assert "已保存为配置第 1 版" in texts(at.success)[0]
    lists = next(df.value for df in at.dataframe if "词表" in df.value.columns)
    assert lists[lists["词表"] == "涉房"].iloc[0]["词条"] == "烂尾、断供（排除：断供风险）"


def test_sources_page_adds_pauses_and_refuses_a_bad_url_at_its_field(as_user, dash_home):
    at = _open(as_user, "admin_sources")
    at.text_input(key="source_new_name").input("b_city_news")
    at.text_input(key="source_new_title").input("B市人民政府网")
    at.text_area(key="source_new_urls").input("ftp://b.example/news/")
    button(at, "新增来源").click().run()
    no_exception(at)
    assert any("不是 http(s) 网址" in t for t in texts(at.error)), texts(at.error)
    at.text_area(key="source_new_urls").input("http://127.0.0.1:21399/news/index.html")
    button(at, "新增来源").click().run()
    no_exception(at)
    assert "新增来源「B市人民政府网」" in texts(at.success)[0]
    assert "B市人民政府网" in list(table(at)["名称"])
    at.selectbox(key="source_pause_pick").set_value("repost_site").run()
    button(at, "暂停采集").click().run()
    assert "暂停采集来源「repost_site」" in texts(at.success)[0]
    rows = table(at)
    assert rows[rows["来源标识"] == "repost_site"].iloc[0]["启用"] == "否"
    app = _app(dash_home)
    try:
        assert app.config.source("b_city_news").start_urls == ["http://127.0.0.1:21399/news/index.html"]
        assert app.config.source("repost_site").settings["enabled"] is False
    finally:
        app.close()


def test_trial_crawl_of_a_bad_address_says_why(as_user):
    at = _open(as_user, "admin_sources")
    at.text_input(key="trial_url").input("not a url")
    button(at, "试采").click().run()
    no_exception(at)
    assert any("不是有效的 http(s) 网址" in t for t in texts(at.error)), texts(at.error)


def test_departments_without_an_account_are_flagged_and_a_department_is_edited(as_user, dash_home):
    at = _open(as_user, "admin_departments")
    assert "尚无账号" in texts(at.warning)[0] and "A市教育局" in texts(at.warning)[0]
    rows = table(at)
    by_name = {r["部门"]: r for r in rows.to_dict("records")}
    assert by_name[DEPT]["账号"] == "dept1" and by_name[OTHER_DEPT]["账号"] == "dept2"
    assert "尚无账号" in by_name["A市教育局"]["账号"]
    _no_reprs(at)
    at.selectbox(key="department_edit_pick").set_value("A市教育局").run()
    form = "department_edit_" + str(list(rows["部门"]).index("A市教育局"))
    at.text_input(key=f"{form}_email").input("not-an-email")
    button(at, "保存修改").click().run()
    assert any("电子邮件" in t for t in texts(at.error)), texts(at.error)
    at.text_input(key=f"{form}_email").input("edu@a.gov.cn")
    at.text_area(key=f"{form}_regions").input("A1区、A2区")
    button(at, "保存修改").click().run()
    no_exception(at)
    assert "修改部门「A市教育局」" in texts(at.success)[0]
    edu = {r["部门"]: r for r in table(at).to_dict("records")}["A市教育局"]
    assert edu["负责地区"] == "A1区、A2区" and "edu@a.gov.cn" in edu["联系方式"]


def test_users_page_changes_role_and_department(as_user, store):
    at = _open(as_user, "admin_users")
    assert any("尚无账号" in t for t in texts(at.warning))
    at.selectbox(key="u_target").set_value("leader1").run()
    names = list(table(at)["用户名"])
    form = f"account_{names.index('leader1')}"
    at.selectbox(key=f"{form}_role").set_value("department")  # a form's widgets count when it is submitted
    button(at, "修改角色与部门").click().run()
    assert any("必须选择所属部门" in t for t in texts(at.error)), texts(at.error)
    at.selectbox(key=f"{form}_role").set_value("department")
    at.selectbox(key=f"{form}_department").set_value("A市教育局")
    button(at, "修改角色与部门").click().run()
    no_exception(at)
    assert "已修改账号「leader1」" in texts(at.success)[0]
    user = store.workflow.get_user("leader1")
    assert user.role.value == "department" and user.department == "A市教育局"
    assert [e.action for e in store.workflow.audit_for("user:leader1")] == ["account_change"]



def test_an_account_created_on_the_departments_page_lifts_the_flag(as_user, store):
    at = _open(as_user, "admin_departments")
    at.selectbox(key="dept_account_department").set_value("A市教育局")
    at.text_input(key="dept_account_name").input("edu1")
    at.text_input(key="dept_account_password").input("correct-horse-9")
    button(at, "创建部门账号").click().run()
    no_exception(at)
    assert "已创建账号「edu1」" in texts(at.success)[0]
    edu = {r["部门"]: r for r in table(at).to_dict("records")}["A市教育局"]
    assert edu["账号"] == "edu1" and "A市教育局" not in texts(at.warning)[0]
    assert store.workflow.get_user("edu1").department == "A市教育局"
