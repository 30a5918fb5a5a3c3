"""Browser test: the real app under `streamlit run`, driven by Debian's chromium through playwright.

Logs in as each role, saves screenshots (path printed; default var/screenshots/dashboard/), and checks that a
department user never sees another department's alert, not even by typing another page's URL.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.dashboard.conftest import APP, CONFIG, DEPT, OTHER_DEPT, PASSWORD, build_store
from yuqing.paths import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"需要 Debian 的 chromium（{CHROMIUM}）：apt-get install -y chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    pytest.importorskip("playwright.sync_api", reason="需要 Python 包 playwright（不下载浏览器，使用系统 chromium）")
    home = tmp_path_factory.mktemp("browser_home")
    build_store(home, documents=300)
    port = _free_port()
    env = {**os.environ, "YUQING_HOME": str(home), "YUQING_CONFIG": str(CONFIG)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", APP, "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("streamlit 未能启动")
                time.sleep(0.5)
        yield url, home
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def server(served):
    return served[0]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots() -> Path:
    path = Path(os.environ.get("YUQING_SCREENSHOTS", REPO_ROOT / "var" / "screenshots" / "dashboard"))
    path.mkdir(parents=True, exist_ok=True)
    print(f"\n截图目录：{path}")
    return path


def _login(browser, url: str, name: str, *, path: str = "", ready: str = "text=退出登录"):
    page = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page.set_default_timeout(90_000)  # every wait and click: a first render on a busy 2-core machine can pass 30 s
    page.goto(url + "/" + path)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector(ready, timeout=60_000)
    return page


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(1500)


@pytest.mark.parametrize("name, heading", [("leader1", "舆情热度看板"), ("officer1", "预警工作台"),
                                           ("admin1", "用户管理"), ("dept1", "本部门预警")])
def test_each_role_logs_in_and_sees_its_home(server, browser, shots, name, heading):
    page = _login(browser, server, name)
    page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
    _settle(page)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    page.close()


def test_big_screen(server, browser, shots):
    page = _login(browser, server, "leader1", path="?screen=1", ready="text=舆情态势")
    page.get_by_text("舆情态势").first.wait_for(timeout=60_000)
    _settle(page)
    assert not page.locator("[data-testid=stSidebar]").is_visible()
    page.screenshot(path=str(shots / "screen.png"), full_page=True)
    page.close()


def test_department_never_sees_another_departments_alert(server, browser, shots):
    page = _login(browser, server, "dept1")
    _settle(page)
    page.get_by_text("全部", exact=True).click()
    _settle(page)
    body = page.inner_text("body")
    assert DEPT in body
    assert OTHER_DEPT not in body
    page.screenshot(path=str(shots / "dept1_all.png"), full_page=True)
    for path in ("workbench", "search", "heat_board"):  # another role's page by URL: not served
        page.goto(f"{server}/{path}")
        _settle(page)
        text = page.inner_text("body")
        assert OTHER_DEPT not in text and "预警工作台" not in text.split("本部门预警")[0]
    page.close()


def test_markdown_in_an_alert_title_is_neither_a_link_nor_a_fetched_image(served, browser, shots):
    """A post titled like a phishing link with a tracking image: shown as text, nothing fetched, nothing clickable."""
    from yuqing.app import App
    from yuqing.clock import now

    url, home = served
    hostile = "[点此查看官方通知](http://x.invalid/phish) ![b](http://x.invalid/beacon.png) <img src=http://x.invalid/i.png>"
    from yuqing import jobs
    from yuqing.model import document_id

    app = App.load(CONFIG, home)
    try:
        t = now()
        post = {"url": "http://board.invalid/hostile-1", "source": "a_city_board", "kind": "post", "title": hostile,
                "content": f"原帖正文 {hostile} 联系 www.x.invalid 或 a@x.invalid", "published_at": t.isoformat(),
                "region": "A3区"}
        # The post goes through the real stages (analysis, events); the officer raises the alert on its event.
        jobs.ingest(app, io.StringIO(json.dumps(post, ensure_ascii=False) + "\n"), t)
        jobs.process(app, t)
        (doc,) = app.store.documents.get_documents([document_id(post["url"])])
        assert doc.event_id
        app.alerts.raise_manual(app.store.workflow.get_user("officer1"), hostile, f"原帖：{hostile}", level=1,
                                event_id=doc.event_id, now=t)
    finally:
        app.close()
    requested: list[str] = []
    page = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page.on("request", lambda r: requested.append(r.url))
    page.goto(url + "/")
    page.get_by_label("用户名").fill("officer1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("text=退出登录", timeout=60_000)
    _settle(page)
    # The alert page's heading (the first alert: level 1, newest) shows the title as written.
    page.locator("h3", has_text="[点此查看官方通知](http://x.invalid/phish) ![b]").first.wait_for(timeout=60_000)
    # Open the post (its expander label quotes the title; its body the text with a www. address and an e-mail).
    summaries = page.locator("[data-testid=stExpander] summary", has_text="点此查看官方通知")
    assert summaries.count() >= 2  # the event and the post
    for i in range(summaries.count()):
        summaries.nth(i).click()
    page.locator("p", has_text="原帖正文").first.wait_for(timeout=60_000)
    _settle(page)
    assert page.locator("a[href*='x.invalid']").count() == 0
    assert page.locator("img[src*='x.invalid']").count() == 0
    assert [r for r in requested if "x.invalid" in r] == []
    page.screenshot(path=str(shots / "hostile_title.png"), full_page=True)
    page.close()
