"""Browser test of 监测方案: the real app under `streamlit run`, Debian's chromium via playwright.

An officer opens 方案管理, types an expression with a missing bracket (the error names the position and a caret points
at it), then a good one, saves it (stored, audited, back-filled at once on this small store), follows the link to the
scheme's page (named in the address, ?scheme=NAME) and sees its matched posts. Screenshots of the admin page and the
scheme page (and of the refused expression): $YUQING_SCREENSHOTS or var/screenshots/dashboard/schp17/ (path printed).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.dashboard.conftest import CONFIG
from tests.dashboard.test_browser import _login, browser, served  # noqa: F401  (fixtures)
from yuqing.paths import REPO_ROOT

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path("/usr/bin/chromium").exists(),
                                 reason="需要 Debian 的 chromium（/usr/bin/chromium）：apt-get install -y chromium")]

NAME, EXPRESSION = "欠薪监测", "拖欠 工资"


@pytest.fixture(scope="module")
def scheme_shots() -> Path:
    base = os.environ.get("YUQING_SCREENSHOTS")
    path = Path(base) if base else REPO_ROOT / "var" / "screenshots" / "dashboard" / "schp17"
    path.mkdir(parents=True, exist_ok=True)
    print(f"\n截图目录：{path}")
    return path


def _expected_titles(home: Path) -> list[str]:
    """The posts the expression accepts, by a plain scan of the served store (the reference)."""
    from yuqing.app import App
    from yuqing.query import parse

    app = App.load(CONFIG, home)
    try:
        query = parse(EXPRESSION)
        _, docs = app.store.documents.list_documents(limit=100_000)
        return [d.title for d in docs if query.matches(d)]
    finally:
        app.close()


def test_create_a_scheme_in_the_ui_and_see_its_matched_posts(served, browser, scheme_shots):  # noqa: F811
    url, home = served
    expected = _expected_titles(home)
    assert expected, "the generated board posts include unpaid-wage complaints"
    page = _login(browser, url, "officer1")
    page.get_by_role("link", name="方案管理").click()  # the sidebar's navigation
    page.get_by_role("heading", name="方案管理").wait_for(timeout=60_000)

    # A missing bracket: refused, the message names the position and a caret points at it.
    page.get_by_label("方案名称").fill(NAME)
    page.get_by_label("表达式", exact=True).fill("拖欠 AND (工资")
    page.get_by_role("button", name="保存方案").click()
    page.get_by_text("缺少右括号").first.wait_for(timeout=60_000)
    assert "第 11 个字符处" in page.locator("[data-testid=stAlert]", has_text="缺少右括号").first.inner_text()
    assert "^" in page.locator("[data-testid=stCode]").last.inner_text()
    page.screenshot(path=str(scheme_shots / "scheme_admin_error.png"), full_page=True)

    page.get_by_label("表达式", exact=True).fill(EXPRESSION)
    page.get_by_role("button", name="保存方案").click()
    page.get_by_text(f"已新建监测方案「{NAME}」").first.wait_for(timeout=60_000)
    page.get_by_text("历史数据回溯已完成").first.wait_for(timeout=60_000)
    page.set_viewport_size({"width": 1600, "height": 2000})
    page.screenshot(path=str(scheme_shots / "scheme_admin.png"), full_page=True)

    # The link to the scheme's page: the address names the scheme, the posts it matched are listed.
    page.get_by_role("link", name=f"查看方案「{NAME}」的页面").click()
    page.wait_for_url(f"**/scheme?scheme={quote(NAME)}", timeout=60_000)
    page.get_by_role("heading", name="匹配的帖子").wait_for(timeout=60_000)
    page.get_by_text(f"{len(expected)} 篇").first.wait_for(timeout=60_000)  # 累计匹配
    body = page.inner_text("body")
    shown = [t for t in expected if t in body]
    assert shown, "matched posts are listed on the scheme page"
    page.set_viewport_size({"width": 1600, "height": 3600})
    page.wait_for_selector("[data-testid=stVegaLiteChart]", timeout=60_000)
    page.screenshot(path=str(scheme_shots / "scheme_page.png"), full_page=True)
    page.close()

    from yuqing.app import App

    app = App.load(CONFIG, home)
    try:
        scheme = app.store.documents.get_scheme(NAME)
        assert scheme is not None and scheme.expression == EXPRESSION and scheme.owner == "officer1"
        assert app.store.documents.scheme_match_counts()[NAME] == len(expected)
        assert [e.action for e in app.store.workflow.audit_for(f"scheme:{NAME}")] == ["scheme_add"]
    finally:
        app.close()
