"""Browser tests of a desk that keeps its place: the login survives F5 and deep links, logout kills the token, a
page another role owns lands on the role's home with a Chinese notice, and the 大屏 fits 1920×1080.

The real app under ``streamlit run`` (fixture ``served`` of test_browser.py), Debian's chromium through playwright;
screenshots under $YUQING_SCREENSHOTS or var/screenshots/dashboard/desk17/ (the path is printed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.dashboard.conftest import CONFIG, PASSWORD
from tests.dashboard.test_browser import ARGS, CHROMIUM, _settle, browser, served  # noqa: F401  (fixtures)
from yuqing.paths import REPO_ROOT

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"需要 Debian 的 chromium（{CHROMIUM}）：apt-get install -y chromium")

NOT_FOUND = ("Page not found", "page not found", "You have requested page")


@pytest.fixture(scope="module")
def desk_shots() -> Path:
    base = os.environ.get("YUQING_SCREENSHOTS")
    path = Path(base) / "desk17" if base else REPO_ROOT / "var" / "screenshots" / "dashboard" / "desk17"
    path.mkdir(parents=True, exist_ok=True)
    print(f"\n截图目录：{path}")
    return path


def _alert_ids(home: Path, department: str | None = None) -> list[str]:
    from yuqing.app import App

    app = App.load(CONFIG, home)
    try:
        _, alerts = app.store.workflow.list_alerts(status=["new", "dispatched", "accepted"], department=department,
                                                   limit=50)
        return [a.id for a in alerts]
    finally:
        app.close()


def _fill_login(page, name: str) -> None:
    page.get_by_label("用户名").wait_for(timeout=60_000)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("text=退出登录", timeout=60_000)


def _shown(page, alert_id: str) -> None:
    """The alert picker shows this alert (the one whose detail the page renders)."""
    page.wait_for_function("id => Array.from(document.querySelectorAll('[data-testid=stSelectbox] input'))"
                           ".some(i => i.value.startsWith(id))", arg=alert_id, timeout=60_000)


def _body(page) -> str:
    return page.inner_text("body")


def _context(browser, width: int = 1600, height: int = 1000):
    """A fresh browser context (its own cookies) in Chinese, waiting up to 90 s for any click or selector: a first
    render on a busy 2-core machine can pass playwright's 30 s default."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    context.set_default_timeout(90_000)
    return context


def test_f5_on_a_deep_link_keeps_the_login_and_the_alert(served, browser, desk_shots):
    url, home = served
    alert_id = _alert_ids(home)[-1]  # not the first of the queue: the page must open the one asked for
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{url}/workbench?alert={alert_id}")
    _fill_login(page, "leader1")  # the login form answers under the address asked for (not the leader's home) …
    page.get_by_role("heading", name="预警工作台").wait_for(timeout=60_000)
    _settle(page)
    assert "/workbench" in page.url and f"alert={alert_id}" in page.url  # … and then opens that page
    _shown(page, alert_id)
    page.reload()  # F5
    page.get_by_role("heading", name="预警工作台").wait_for(timeout=60_000)
    _settle(page)
    body = _body(page)
    assert "退出登录" in body and "用户名" not in body
    assert alert_id in page.url
    _shown(page, alert_id)
    page.screenshot(path=str(desk_shots / "deep_link_after_f5.png"), full_page=True)
    clipped = page.evaluate("() => Array.from(document.querySelectorAll('.yq-facts *, [data-testid=stMetric] *'))"
                            ".filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)"
                            ".map(e => e.innerText)")
    assert page.locator(".yq-facts").count() == 1 and clipped == []
    other = context.new_page()  # a new tab on another page of the same role
    other.goto(f"{url}/search")
    other.get_by_role("heading", name="全文检索").wait_for(timeout=60_000)
    _settle(other)
    assert not any(m in _body(other) for m in NOT_FOUND)
    context.close()


def test_logout_revokes_the_token(served, browser, desk_shots):
    url, _ = served
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{url}/heat_board")
    _fill_login(page, "leader1")
    page.get_by_role("heading", name="舆情热度看板").wait_for(timeout=60_000)
    _settle(page)
    cookies = [c for c in context.cookies() if c["name"] == "yuqing_session"]
    assert len(cookies) == 1 and cookies[0]["sameSite"] == "Strict"
    page.get_by_role("button", name="退出登录").click()
    page.get_by_label("用户名").wait_for(timeout=60_000)
    _settle(page)
    assert not [c for c in context.cookies() if c["name"] == "yuqing_session" and c["value"]]
    page.reload()
    page.get_by_label("用户名").wait_for(timeout=60_000)
    context.close()
    # The old token, replayed by another browser on the old URL, opens nothing.
    thief = _context(browser)
    thief.add_cookies([{k: cookies[0][k] for k in ("name", "value", "domain", "path")}])
    page = thief.new_page()
    page.goto(f"{url}/heat_board")
    page.get_by_label("用户名").wait_for(timeout=60_000)
    _settle(page)
    body = _body(page)
    assert "退出登录" not in body and "舆情热度看板" not in body
    assert "请重新登录" in body
    page.screenshot(path=str(desk_shots / "replayed_token_after_logout.png"), full_page=True)
    thief.close()


def test_another_roles_page_lands_home_with_a_chinese_notice(served, browser, desk_shots):
    url, _ = served
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{url}/")
    _fill_login(page, "dept1")
    _settle(page)
    for path in ("workbench", "no_such_page"):
        page.goto(f"{url}/{path}")
        page.get_by_role("heading", name="本部门预警").wait_for(timeout=60_000)
        page.get_by_text("不存在或您无权访问").first.wait_for(timeout=60_000)
        _settle(page)
        body = _body(page)
        assert not any(m in body for m in NOT_FOUND), body[:400]
        assert "预警工作台" not in body
    page.screenshot(path=str(desk_shots / "forbidden_page_notice.png"), full_page=True)
    context.close()


def test_screen_hint_works_without_logging_out(served, browser, desk_shots):
    url, _ = served
    context = _context(browser, 1920, 1080)
    page = context.new_page()
    page.goto(f"{url}/heat_board")
    _fill_login(page, "leader1")
    page.get_by_text("在网址后加 ?screen=1").first.wait_for(timeout=60_000)
    page.goto(page.url.split("?")[0] + "?screen=1")  # what the hint tells the leader to do
    page.get_by_text("舆情态势").first.wait_for(timeout=60_000)
    _settle(page)
    assert "用户名" not in _body(page)
    assert not page.locator("[data-testid=stSidebar]").is_visible()
    context.close()


OVERFLOW_JS = """() => {
  const out = [];
  const doc = document.scrollingElement;
  if (doc.scrollWidth > innerWidth || doc.scrollHeight > innerHeight)
    out.push(`document ${doc.scrollWidth}×${doc.scrollHeight} > ${innerWidth}×${innerHeight}`);
  // Streamlit scrolls inside its main area, not the document: that must not scroll either.
  for (const el of document.querySelectorAll('[data-testid=stMain], [data-testid=stAppViewContainer]'))
    if (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)
      out.push(`${el.dataset.testid} ${el.scrollWidth}×${el.scrollHeight} > ${el.clientWidth}×${el.clientHeight}`);
  const clipped = '[data-testid=stMetric] *, table.screen-table td, table.screen-table th, .screen-row, h1, h3';
  for (const el of document.querySelectorAll(clipped))
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
      out.push(`clipped: ${el.tagName} 「${el.innerText.slice(0, 40)}」 ${el.scrollWidth} > ${el.clientWidth}`);
  const r = document.querySelector('table.screen-table');
  if (r && getComputedStyle(r.querySelector('td')).backgroundColor === 'rgb(255, 255, 255)')
    out.push('department table is white on the dark theme');
  return out;
}"""


def test_big_screen_fits_1920x1080(served, browser, desk_shots):
    url, _ = served
    context = _context(browser, 1920, 1080)
    page = context.new_page()
    page.goto(f"{url}/?screen=1")
    page.get_by_label("用户名").wait_for(timeout=60_000)
    page.get_by_label("用户名").fill("leader1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("舆情态势").first.wait_for(timeout=60_000)
    page.locator("table.screen-table").first.wait_for(timeout=60_000)
    page.locator("[data-testid=stVegaLiteChart], [data-testid=stArrowVegaLiteChart]").nth(2).wait_for(timeout=60_000)
    _settle(page)
    path = desk_shots / "screen_1920x1080.png"
    page.screenshot(path=str(path))
    print(f"大屏截图：{path}")
    assert page.locator("[data-testid=stMetric]").count() == 5
    problems = page.evaluate(OVERFLOW_JS)
    assert not problems, "\n".join(problems)
    body = _body(page)
    assert "None" not in body and "nan" not in body
    context.close()


def test_a_deactivated_users_cookie_stops_working(served, browser, desk_shots):
    from yuqing.app import App

    url, home = served
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{url}/dept_history")
    _fill_login(page, "dept2")
    page.get_by_role("heading", name="办理记录与统计").wait_for(timeout=60_000)
    _settle(page)
    app = App.load(CONFIG, home)
    try:
        user = app.store.workflow.get_user("dept2")
        user.active = False
        app.store.workflow.update_user(user)
        page.reload()  # a new session from the cookie: the account is checked again
        page.get_by_label("用户名").wait_for(timeout=60_000)
        _settle(page)
        assert "办理记录与统计" not in _body(page)
        page.screenshot(path=str(desk_shots / "deactivated_after_f5.png"), full_page=True)
    finally:
        user.active = True
        app.store.workflow.update_user(user)
        app.close()
        context.close()
