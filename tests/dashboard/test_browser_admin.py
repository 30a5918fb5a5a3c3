"""Browser tests of the admin pages (the real app under `streamlit run`, Debian's chromium through playwright):
add a source and 试采 a sample-site page; change a rule threshold in the UI and see the next tick of an application
that was already running use it; screenshots of each admin page (path printed)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from tests.dashboard.conftest import APP, CONFIG, build_store
from tests.dashboard.test_browser import CHROMIUM, _login, _settle, browser  # noqa: F401  (browser: fixture)
from yuqing.paths import REPO_ROOT

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"需要 Debian 的 chromium（{CHROMIUM}）：apt-get install -y chromium")
DASHBOARD_PORT, SITES_PORT = 21321, 21322  # this part's port range (21300–21399)


def _wait(url: str, proc: subprocess.Popen, what: str) -> None:
    deadline = time.time() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{what} 未能启动")
            time.sleep(0.5)


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, 15)
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def sites():
    proc = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "sample-sites", "--port", str(SITES_PORT), "--no-live"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{SITES_PORT}"
    try:
        _wait(url + "/news/index.html", proc, "样例站点")
        yield url
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    pytest.importorskip("playwright.sync_api", reason="需要 Python 包 playwright（不下载浏览器，使用系统 chromium）")
    home = tmp_path_factory.mktemp("browser_admin_home")
    build_store(home, documents=300)
    env = {**os.environ, "YUQING_HOME": str(home), "YUQING_CONFIG": str(CONFIG)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", APP, "--server.port", str(DASHBOARD_PORT), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{DASHBOARD_PORT}"
    try:
        _wait(url + "/_stcore/health", proc, "streamlit")
        yield url, home
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def shots() -> Path:
    base = Path(os.environ["YUQING_SCREENSHOTS"]) if os.environ.get("YUQING_SCREENSHOTS") else \
        REPO_ROOT / "var" / "screenshots" / "dashboard"
    path = base / "adm17"
    path.mkdir(parents=True, exist_ok=True)
    print(f"\n截图目录：{path}")
    return path


def _app(home):
    from yuqing.app import App

    app = App.load(CONFIG, home)
    app.refresh()
    return app


# The tables are canvases (glide-data-grid): wait until one has painted its cells before a screenshot.
PAINTED = """() => [...document.querySelectorAll('[data-testid=stDataFrame] canvas')].some(c => {
    const g = c.getContext('2d'); if (!g || !c.width || !c.height) return false;
    const d = g.getImageData(0, 0, Math.min(c.width, 600), Math.min(c.height, 200)).data;
    for (let i = 4; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1]) return true;
    return false; })"""


def _page(browser, url: str, title: str):
    page = _login(browser, url, "admin1")
    page.get_by_role("link", name=title, exact=True).click()
    # .first: while the page reruns, the previous render's heading can still be in the DOM beside the new one.
    page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=60_000)
    _settle(page)
    return page


@pytest.mark.parametrize("title, shot", [("用户管理", "admin_users"), ("部门", "admin_departments"),
                                         ("来源与采集健康", "admin_sources"), ("预警规则与静默", "admin_rules")])
def test_each_admin_page_renders_readable_tables(served, browser, shots, title, shot):
    page = _page(browser, served[0], title)
    page.wait_for_function(PAINTED, timeout=60_000)
    body = page.inner_text("body")
    assert "Traceback" not in body and "HeatRule" not in body and "tiers=[" not in body
    page.screenshot(path=str(shots / f"{shot}.png"), full_page=True)
    page.close()


def test_add_a_source_and_trial_crawl_a_sample_site_page(served, sites, browser, shots):
    page = _page(browser, served[0], "来源与采集健康")
    page.get_by_label("来源代码（字母、数字、- 和 _，同时是爬虫名）").first.fill("b_city_news")
    page.get_by_label("来源名称").first.fill("B市人民政府网")
    page.get_by_label("起始网址（每行一个）").first.fill(f"{sites}/news/index.html")
    page.get_by_role("button", name="新增来源").click()
    page.get_by_text("新增来源「B市人民政府网」").wait_for(timeout=60_000)
    _settle(page)
    page.screenshot(path=str(shots / "admin_sources_added.png"), full_page=True)
    app = _app(served[1])  # another process sees the new source (tables are drawn on a canvas: checked in the store)
    try:
        assert app.config.source("b_city_news").start_urls == [f"{sites}/news/index.html"]
    finally:
        app.close()

    index = urllib.request.urlopen(f"{sites}/news/index.html", timeout=10).read().decode("utf-8")
    article = sites + re.search(r'href="(/news/\d{4}/\d{2}/t[\d_]+\.html)"', index).group(1)
    expected = json.loads(subprocess.run([sys.executable, "-m", "yuqing.cli", "extract", article, "--json"],
                                         capture_output=True, text=True, timeout=120, check=True).stdout)
    page.get_by_label("网址", exact=True).fill(article)
    page.get_by_role("button", name="试采").click()
    page.get_by_role("heading", name="正文").wait_for(timeout=90_000)
    _settle(page)
    body = page.inner_text("body")
    assert expected["title"] and expected["title"] in body
    assert expected["content"][:30] in body
    page.screenshot(path=str(shots / "admin_sources_trial.png"), full_page=True)

    page.get_by_label("网址", exact=True).fill(f"{sites}/news/index.html")  # a list page: the links the crawl would follow
    page.get_by_role("button", name="试采").click()
    page.get_by_role("heading", name="将跟随的链接").wait_for(timeout=90_000)
    _settle(page)
    assert re.search(r"文章链接：[1-9]\d* 个，下一页链接：[1-9]\d* 个", page.inner_text("body"))
    page.screenshot(path=str(shots / "admin_sources_trial_list.png"), full_page=True)
    page.close()


def test_a_threshold_changed_in_the_ui_is_used_by_the_next_tick_without_a_restart(served, browser, shots):
    from yuqing import jobs
    from yuqing.app import App
    from yuqing.clock import now as clock_now

    url, home = served
    running = App.load(CONFIG, home)  # e.g. the scheduler, started before the change
    try:
        running.refresh()
        before = running.config_version
        page = _page(browser, url, "预警规则与静默")
        field = page.get_by_label("热度不低于").nth(2)  # the third tier (三级)
        field.fill("0.5")
        page.get_by_role("button", name="保存阈值").click()
        page.get_by_text("已保存为配置第").wait_for(timeout=60_000)
        _settle(page)
        page.screenshot(path=str(shots / "admin_rules_changed.png"), full_page=True)
        page.close()

        report = jobs.tick(running, clock_now() + timedelta(minutes=1))
        assert running.config_version == before + 1
        heat = [a for a in (running.store.workflow.get_alert(i) for i in report["alerts"]) if a.rule == "热度分级"]
        assert heat, f"下一轮没有按新阈值产生热度预警：{report['alerts']}"
        assert any("阈值 0.5" in a.reason for a in heat), [a.reason for a in heat]
    finally:
        running.close()
