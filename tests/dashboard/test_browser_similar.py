"""Browser test of 类案参考 on the department desk: the real app under `streamlit run` (Debian's chromium through
playwright), a store built by the real stages and a reference corpus imported from real shared messages with replies
by ``yuqing similar import``. Saves a screenshot (path printed; default var/screenshots/dashboard/sim18/)."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.dashboard.conftest import APP, CONFIG, DEPT, build_store
from tests.dashboard.test_browser import CHROMIUM, _free_port, _login, _settle, browser  # noqa: F401 (fixture)
from yuqing.paths import REPO_ROOT

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"需要 Debian 的 chromium（{CHROMIUM}）：apt-get install -y chromium")
REFERENCE_ROWS = 300  # real rows of messages_with_replies.csv imported for the page (quick on a busy machine)


@pytest.fixture(scope="module")
def served_similar(tmp_path_factory, shared_data):
    pytest.importorskip("playwright.sync_api", reason="需要 Python 包 playwright（不下载浏览器，使用系统 chromium）")
    from yuqing.app import App
    from yuqing.nlp.similar_cli import import_main

    home = tmp_path_factory.mktemp("browser_similar_home")
    build_store(home, documents=300)
    rows = list(csv.DictReader((shared_data / "gov_messages" / "messages_with_replies.csv").open(encoding="utf-8")))
    subset = home / "replies.csv"
    with subset.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:REFERENCE_ROWS])
    config = home / "yuqing.toml"
    config.write_text(CONFIG.read_text(encoding="utf-8") + f'\n[similar]\nreference = "{subset}"\n', encoding="utf-8")
    app = App.load(config, home)
    try:
        assert import_main([], app) == 0
        alert = next(a for a in app.store.workflow.list_alerts(department=DEPT, limit=100)[1]
                     if a.event_id and a.status.value in ("dispatched", "accepted", "returned", "reopened"))
    finally:
        app.close()
    port = _free_port()
    env = {**os.environ, "YUQING_HOME": str(home), "YUQING_CONFIG": str(config)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", APP, "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("streamlit 未能启动")
                time.sleep(0.5)  # polling a server's start-up, not synchronising with the page
        yield url, alert
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def shots() -> Path:
    base = os.environ.get("YUQING_SCREENSHOTS")
    path = Path(base) / "sim18" if base else REPO_ROOT / "var" / "screenshots" / "dashboard" / "sim18"
    path.mkdir(parents=True, exist_ok=True)
    print(f"\n截图目录：{path}")
    return path


def test_department_desk_shows_similar_cases_and_an_editable_draft(served_similar, browser, shots):  # noqa: F811
    url, alert = served_similar
    page = _login(browser, url, "dept1")
    _settle(page)
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="办理预警")
    picker.click()
    page.keyboard.type(alert.id)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="类案参考").wait_for(timeout=60_000)
    page.get_by_text("参考库：真实留言及官方答复").wait_for(timeout=60_000)
    _settle(page)
    section = page.inner_text("body").split("类案参考", 1)[1]
    assert "本市已答复的相似帖子" in section and "答复用时" in section and "模板答复" in section
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", page.inner_text("body"))  # phones masked in every view
    draft = page.get_by_role("textbox", name="答复草稿（可编辑）")
    draft.wait_for(timeout=60_000)
    assert draft.input_value().startswith("您好！") and "答复如下" in draft.input_value()
    draft.fill(draft.input_value() + "\n（部门补充：已派员核实。）")  # editable; submitting is the 「回应」 action's job
    assert draft.input_value().endswith("（部门补充：已派员核实。）")
    draft.scroll_into_view_if_needed()
    path = shots / "dept_desk_similar.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"截图：{path}")
    page.close()
