"""Browser test of the supervising office's page: the real app under `streamlit run`, driven by Debian's chromium.

The 督查室 logs in, opens 督办事项 from the sidebar, sees what was escalated to it and the overdue table and chart,
gives a 督办意见 on an alert, and the note is stored, audited and shown. Another department has no such page.
Screenshots under $YUQING_SCREENSHOTS/sup17 (default var/screenshots/dashboard/sup17/); the path is printed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.dashboard.conftest import CONFIG, PASSWORD
from tests.dashboard.test_browser import CHROMIUM, _login, browser, served  # noqa: F401  (module-scoped fixtures)
from yuqing.paths import REPO_ROOT

SUP = "A市人民政府督查室"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"需要 Debian 的 chromium（{CHROMIUM}）：apt-get install -y chromium")]


@pytest.fixture(scope="module")
def shots() -> Path:
    base = Path(os.environ.get("YUQING_SCREENSHOTS", REPO_ROOT / "var" / "screenshots" / "dashboard"))
    path = base / "sup17"
    path.mkdir(parents=True, exist_ok=True)
    print(f"\n截图目录：{path}")
    return path


@pytest.fixture(scope="module")
def office(served):
    """The served store with a 督查室 account; returns (url, home, an open escalated alert of another department)."""
    from yuqing.app import App
    from yuqing.users import create_user

    url, home = served
    app = App.load(CONFIG, home)
    try:
        create_user(app.store.workflow, "duban1", "department", PASSWORD, department=SUP, display_name="督查室")
        _, alerts = app.store.workflow.list_alerts(status=["dispatched", "accepted", "returned", "reopened"],
                                                   limit=500)
        escalated = [a for a in alerts if a.escalated and a.department != SUP]
        assert escalated, "样本中应有已督办的预警（dashboard/sample.py 的办理计划含督办）"
    finally:
        app.close()
    return url, home, escalated


def _idle(page) -> None:
    """Streamlit has finished its run: no running indicator (waits on the page's state, never on the clock)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def test_the_office_sees_its_supervision_page_and_gives_a_note(office, browser, shots):  # noqa: F811
    from yuqing.app import App

    url, home, escalated = office
    page = _login(browser, url, "duban1")
    link = page.locator("[data-testid=stSidebarNav] a", has_text="督办事项")
    link.wait_for(timeout=60_000)
    link.click()
    page.get_by_role("heading", name="督办事项").first.wait_for(timeout=60_000)
    page.get_by_text("各责任部门超期情况").wait_for(timeout=60_000)
    page.locator("[data-testid=stDataFrame]").first.wait_for(timeout=60_000)
    page.locator("[data-testid=stVegaLiteChart], [data-testid=stArrowVegaLiteChart]").first.wait_for(timeout=60_000)
    _idle(page)
    body = page.inner_text("body")
    assert "督办中" in body and "已超期" in body and "督办意见" in body
    page.screenshot(path=str(shots / "supervision.png"), full_page=True)

    # The alert picked below the tables: its only action is the office's 督办意见.
    note = "请于明日12时前报送处置进展（浏览器测试）"
    page.get_by_label("督办意见（必填）").wait_for(timeout=60_000)
    assert page.get_by_role("button", name="确认督办意见").count() == 1
    assert page.get_by_role("button", name="确认签收").count() == 0
    page.get_by_label("督办意见（必填）").fill(note)
    page.get_by_role("button", name="确认督办意见").click()
    page.get_by_text("已提出督办意见").first.wait_for(timeout=60_000)
    _idle(page)
    page.screenshot(path=str(shots / "supervision_note.png"), full_page=True)
    page.close()

    app = App.load(CONFIG, home)
    try:
        entries = [e for a in escalated for e in app.store.workflow.audit_for(a.id)
                   if e.action == "supervise" and e.actor == "duban1"]
    finally:
        app.close()
    assert len(entries) == 1 and note in entries[0].note


def test_another_department_has_no_supervision_page(office, browser):  # noqa: F811
    url, _, _ = office
    page = _login(browser, url, "dept1")
    page.locator("[data-testid=stSidebarNav] a").first.wait_for(timeout=60_000)
    _idle(page)
    links = page.locator("[data-testid=stSidebarNav] a").all_inner_texts()
    assert links and not [t for t in links if "督办事项" in t]
    page.close()
