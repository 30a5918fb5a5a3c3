"""Browser test of the search page (the real app under `streamlit run`, Debian's chromium through playwright): a
Traditional query finds the Simplified posts the store holds, and a bad expression shows its caret. Screenshots
under $YUQING_SCREENSHOTS or var/screenshots/dashboard/search/ (path printed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.dashboard.conftest import CONFIG
from tests.dashboard.test_browser import CHROMIUM, _login, _settle, browser, served  # noqa: F401  (fixtures)
from yuqing.paths import REPO_ROOT

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"需要 Debian 的 chromium（{CHROMIUM}）：apt-get install -y chromium")


@pytest.fixture(scope="module")
def shots() -> Path:
    base = os.environ.get("YUQING_SCREENSHOTS")
    path = Path(base) / "search" if base else REPO_ROOT / "var" / "screenshots" / "dashboard" / "search"
    path.mkdir(parents=True, exist_ok=True)
    print(f"\n截图目录：{path}")
    return path


def _search(page, text: str) -> None:
    box = page.get_by_label("检索表达式", exact=True).and_(page.get_by_test_id("stTextInputField"))
    box.fill(text)
    box.press("Enter")
    _settle(page)


def test_traditional_query_finds_the_simplified_posts(served, browser, shots):  # noqa: F811
    from yuqing.app import App
    from yuqing.query import parse

    url, home = served
    app = App.load(CONFIG, home)
    try:
        # What the store holds, in Simplified: the posts the Traditional query must find.
        expected = app.store.documents.search_query(parse("小区 物业"), limit=1000)[1]
    finally:
        app.close()
    assert expected, "样例数据中应有同时提到小区和物业的帖子"
    page = _login(browser, url, "officer1")
    _settle(page)
    page.locator("[data-testid=stSidebarNav]").get_by_text("全文检索").click()  # through the menu, as an officer does
    page.get_by_label("检索表达式", exact=True).and_(page.get_by_test_id("stTextInputField")).wait_for(timeout=60_000)
    _settle(page)
    _search(page, "小區 物業")
    page.wait_for_selector("text=篇相关文档", timeout=60_000)
    first = expected[0].title.split()[0][:12]
    page.wait_for_selector(f"text={first}", timeout=60_000)  # the hits render after the count line
    body = page.inner_text("body")
    assert f"找到 {len(expected)} 篇相关文档" in body
    assert first in body  # the Simplified post itself is listed
    assert page.locator("mark", has_text="物业").count() > 0  # highlighted in its Simplified text
    page.screenshot(path=str(shots / "traditional_query.png"), full_page=True)

    _search(page, "(小区 OR 物业")
    page.wait_for_selector("text=缺少右括号", timeout=60_000)
    code = page.locator("[data-testid=stCode]").first.inner_text()
    assert "(小区 OR 物业" in code and code.rstrip().endswith("^")
    page.screenshot(path=str(shots / "parse_error.png"), full_page=True)
    page.close()
