"""Browser test of the event page (事件详情): the real app under `streamlit run`, Debian's chromium via playwright.

Opens the page from the navigation (it shows the hottest event and names it in the address, ?event=ID, the deep link
the heat board and the alert page use) and checks the brief (each sentence with its 〔原帖〕 link to the post it came from) and the 传播路径 chart are drawn. Screenshot:
$YUQING_SCREENSHOTS or var/screenshots/dashboard/brief18/event.png (path printed).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.dashboard.conftest import CONFIG
from tests.dashboard.test_browser import _login, browser, served  # noqa: F401  (fixtures)
from yuqing.paths import REPO_ROOT

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(),
                                reason="需要 Debian 的 chromium（/usr/bin/chromium）：apt-get install -y chromium")


@pytest.fixture(scope="module")
def event_shots() -> Path:
    base = os.environ.get("YUQING_SCREENSHOTS")
    path = Path(base) if base else REPO_ROOT / "var" / "screenshots" / "dashboard" / "brief18"
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_event_page_brief_and_spread_chart(served, browser, event_shots):  # noqa: F811
    from yuqing.app import App

    url, home = served
    app = App.load(CONFIG, home)
    try:
        event = next(e for e in app.store.documents.list_events(limit=50)
                     if e.state.get("brief") and e.doc_count >= 3)
        hottest = app.store.documents.list_events(limit=1)[0]
        brief = event.state["brief"]
        quoted = brief["key_sentences"] + brief["demands"]
        _, docs = app.store.documents.list_documents(limit=500, event_id=event.id)
        urls = {d.id: d.url for d in docs}
    finally:
        app.close()
    page = _login(browser, url, "officer1")
    page.get_by_role("link", name="事件详情").click()  # the sidebar's navigation
    page.wait_for_url(f"**/event?event={hottest.id}", timeout=60_000)  # the page names the event in its address
    if event.id != hottest.id:  # pick an event with several posts: a path worth drawing
        page.locator(".st-key-event_pick").click()
        page.get_by_role("option", name=event.title[:10]).first.click()
        page.wait_for_url(f"**/event?event={event.id}", timeout=60_000)
    page.set_viewport_size({"width": 1600, "height": 3000})  # the whole page in the screenshot
    brief_box = page.locator(".st-key-event_brief")
    brief_box.wait_for(timeout=60_000)
    # Every sentence is shown with a link to the post it came from.
    for s in quoted:
        link = brief_box.locator(f"a:has-text('原帖 {s['doc_id'][:8]}')").first
        link.wait_for(timeout=60_000)
        assert link.get_attribute("href") == urls[s["doc_id"]]
    text = brief_box.inner_text()
    assert quoted[0]["text"][:12] in text
    # The 传播路径 chart is drawn (vega renders a canvas or svg inside the chart's container).
    page.locator(".st-key-spread_chart canvas, .st-key-spread_chart svg").first.wait_for(timeout=60_000)
    page.get_by_text("首发：").first.wait_for(timeout=60_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    shot = event_shots / "event.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\n截图：{shot}")
    page.close()
