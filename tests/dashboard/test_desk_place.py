"""A desk that keeps its place (AppTest on the real sample store): the view stays on the alert acted on, a deep
link opens its alert, a department's lists hold only what is theirs and still open, reports count only their
period and default to the same day on the command line and in the dashboard."""

from __future__ import annotations

from datetime import timedelta

from tests.dashboard.conftest import DEPT
from tests.dashboard.pagekit import _act, _pick, no_exception, table


def test_after_an_action_the_view_stays_on_the_alert_acted_on(as_user, store):
    responded = store.workflow.list_alerts(status="responded", limit=1)[1][0]
    at = _pick(as_user("officer1"), "wb_pick", responded.id)
    first = at.selectbox(key="wb_pick").options[0]
    assert at.query_params["alert"] in (responded.id, [responded.id])
    _act(at, responded.id, "evaluate", 评价="满意")
    assert store.workflow.get_alert(responded.id).status.value == "closed"
    # Closed, so no longer in the default (open) list: still the alert on screen, not the list's first.
    assert responded.id not in set(table(at)["编号"])
    assert at.selectbox(key="wb_pick").value == responded.id != first
    assert any(responded.id in s.value or "已评价" in s.value or "满意" in s.value for s in at.success)


def test_a_deep_link_opens_its_alert(dash_home, store):
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.conftest import APP, PASSWORD

    last = store.workflow.list_alerts(status=["dispatched", "accepted"], limit=50)[1][-1]
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["alert"] = last.id
    at.run()
    at.text_input(key="login_name").input("officer1")
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    no_exception(at)
    assert at.selectbox(key="wb_pick").value == last.id


def test_a_returned_alert_leaves_the_departments_todo(as_user, store):
    alert = next(a for a in store.workflow.list_alerts(status="dispatched", department=DEPT, limit=50)[1])
    at = _pick(as_user("dept1"), "dd_pick", alert.id)
    open_before = int(next(m.value for m in at.metric if m.label == "未办结"))
    _act(at, alert.id, "return", 退单理由="属于区级职责，请改派")
    assert store.workflow.get_alert(alert.id).status.value == "returned"
    at.run()
    assert alert.id not in set(table(at)["编号"])  # 待办
    assert int(next(m.value for m in at.metric if m.label == "未办结")) == open_before - 1
    at.segmented_control(key="dd_view").set_value("全部").run()
    rows = table(at)
    row = rows[rows["编号"] == alert.id].iloc[0]
    assert row["时限"].endswith("已退单（待专员重新派发）")  # no live countdown for what is not theirs any more


def test_department_lists_hold_only_alerts_dispatched_to_it(as_user, store):
    """An alert routed to the department but never dispatched (status new) is the office's, not in its lists."""
    new = next((a for a in store.workflow.list_alerts(status="new", limit=50)[1]), None)
    assert new is not None
    new.department = DEPT  # routed to us, not dispatched
    store.workflow.update_alert(new, new.version)
    at = as_user("dept1")
    at.segmented_control(key="dd_view").set_value("全部").run()
    assert new.id not in set(table(at)["编号"])
    at.switch_page("views/dept_history.py").run()
    no_exception(at)
    assert new.id not in set(table(at)["编号"])


def test_reports_count_only_their_period_and_share_one_default_day(dash_home, store):
    from yuqing.app import App
    from yuqing.clock import now as clock_now
    from yuqing.dashboard.report import build_brief, default_day, period
    from yuqing.storage.base import DocumentFilter
    from yuqing.viewparts import masked
    from tests.dashboard.conftest import CONFIG

    now = clock_now()
    assert default_day(now) == now.date() - timedelta(days=1)
    app = App.load(CONFIG, dash_home)
    try:
        day = now.date() - timedelta(days=12)  # the sample posts span 20 days; events run on after this day
        brief = build_brief(app, "daily", day, now)
        start, end = period("daily", day)
        for row in brief.events:
            assert row["本期文档数"] > 0
        in_day = {e.id for e in app.store.documents.list_events(limit=500, since=start)
                  if app.store.documents.event_daily_counts([e.id], DocumentFilter(since=start, until=end))[e.id]}
        assert len(brief.events) == min(10, len(in_day))
        by_id = {e.id: e for e in app.store.documents.list_events(limit=500, since=start)}
        assert {r["事件"] for r in brief.events} <= {masked(by_id[i].title) for i in in_day}
        # What the report listed before (the hottest events seen since the day began) includes later days' events.
        later = [e for e in app.store.documents.list_events(limit=10, since=start, order="heat") if e.id not in in_day]
        assert later, "the sample store should have events active only after the reported day"
    finally:
        app.close()


def test_report_tables_show_ratios_as_percentages(dash_home, tmp_path):
    """The department table of the 日报: 回应率 1.0 is 「100.0%」 beside 「50.0%」 (never 「1.0」/「0.0」), nothing 「None」."""
    import docx
    from openpyxl import load_workbook

    from tests.dashboard.conftest import CONFIG
    from yuqing.app import App
    from yuqing.clock import now as clock_now
    from yuqing.dashboard.report import build_brief, write_report

    now = clock_now()
    app = App.load(CONFIG, dash_home)
    try:
        brief = build_brief(app, "weekly", now.date(), now)
    finally:
        app.close()
    assert any(r["回应率"] in (0.0, 1.0) for r in brief.departments)  # the values that printed as 「1.0」/「0.0」
    document = docx.Document(str(write_report(brief, tmp_path / "w.docx")))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "部门")
    header = [c.text for c in table.rows[0].cells]
    for row in table.rows[1:]:
        cells = dict(zip(header, (c.text for c in row.cells)))
        for col in ("回应率", "按时率", "满意度"):
            assert cells[col] == "—" or cells[col].endswith("%"), cells
        assert "None" not in cells.values()
    book = load_workbook(str(write_report(brief, tmp_path / "w.xlsx")))
    sheet = book["部门排行"]
    cols = [c.value for c in sheet[1]]
    rate = cols.index("回应率") + 1
    assert all(sheet.cell(r, rate).number_format == "0.0%" for r in range(2, sheet.max_row + 1))


def test_cli_and_dashboard_report_the_same_default_day(as_user, dash_home, tmp_path, capsys):
    from tests.dashboard.conftest import CONFIG
    from yuqing.app import App
    from yuqing.clock import now as clock_now
    from yuqing.dashboard.report import report_main

    yesterday = clock_now().date() - timedelta(days=1)
    at = as_user("leader1")
    at.switch_page("views/reports.py").run()
    no_exception(at)
    assert at.date_input(key="r_date").value == yesterday
    app = App.load(CONFIG, dash_home)
    try:
        assert report_main(["daily", "--out", str(tmp_path / "d.docx")], app) == 0
    finally:
        app.close()
    assert f"{yesterday:%Y年%m月%d日}" in capsys.readouterr().out
