"""Script-rendered pages: a source with ``render = true`` is fetched by Debian's Chromium through scrapy-playwright.

Rendering is paid for only by the crawls that need it. The playwright download handler (and with it playwright, its
driver process and Chromium) is installed only when some source of the crawl renders (:func:`render_settings`, called
by :func:`yuqing.crawlers.run.child_main`); a crawl of plain sources never imports scrapy_playwright. Within a
rendering crawl only that source's own requests carry ``playwright`` meta (:func:`render_meta`); robots.txt and any
other request still go through Scrapy's ordinary HTTP handler, and Chromium is launched on the first rendered page.

The browser is always the system's (``[crawl] chromium``, default ``/usr/bin/chromium``, passed as playwright's
``executable_path``): nothing is downloaded and PLAYWRIGHT_BROWSERS_PATH is not needed. ``[crawl] render_concurrency``
caps the pages open at once (one browser context per source); ``[crawl] render_timeout`` bounds both the navigation
and the wait for the page's content (the source's ``render_wait`` CSS selector, else the network going idle). A page
that does not render in time is reported in source health as ``render_timeout``, other browser failures as
``render_error`` (see :func:`yuqing.crawlers.extensions.classify_failure`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from yuqing.checker import ConfigError
from yuqing.config import Config
from yuqing.model import Source

HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Headless flags that keep Chromium from phoning home or needing a user namespace sandbox inside containers.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
# What a page's text never needs: not fetching these is most of what rendering would otherwise cost in bandwidth.
SKIPPED_RESOURCES = frozenset({"image", "media", "font"})


def renders(source: Source) -> bool:
    return bool(source.settings.get("render"))


def render_sources(config: Config, names: list[str]) -> list[Source]:
    return [s for s in (config.source(n) for n in names) if renders(s)]


def check_chromium(config: Config) -> str:
    """The configured Chromium, or a ConfigError saying how to get it (never a download)."""
    path = config.crawl.get("chromium") or DEFAULT_CHROMIUM
    p = Path(path)
    if not (p.is_file() and p.stat().st_mode & 0o111):
        raise ConfigError(config.path, "crawl.chromium",
                          f"找不到可执行的 Chromium「{path}」：渲染来源（render = true）需要系统自带的 Chromium，"
                          "请安装（Debian：apt-get install -y chromium）或在 [crawl] chromium 中填写其路径")
    return str(p)


def render_settings(config: Config, names: list[str]) -> dict[str, Any]:
    """Scrapy settings that install rendering, or {} when no source among ``names`` renders."""
    if not render_sources(config, names):
        return {}
    chromium = check_chromium(config)
    timeout_ms = int(config.crawl["render_timeout"] * 1000)
    return {
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "TWISTED_REACTOR": ASYNCIO_REACTOR,
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": chromium, "headless": True, "args": CHROMIUM_ARGS},
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": config.crawl["render_concurrency"],
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_ms,
        "PLAYWRIGHT_ABORT_REQUEST": skip_resource,
        "YUQING_RENDER_TIMEOUT_MS": timeout_ms,
    }


def skip_resource(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: the browser does not fetch images, media or fonts."""
    return request.resource_type in SKIPPED_RESOURCES


def render_meta(source: Source, settings: Any) -> dict[str, Any]:
    """Request meta that has the request rendered: navigate, then wait for the content to be there."""
    from scrapy_playwright.page import PageMethod

    timeout_ms = settings.getint("YUQING_RENDER_TIMEOUT_MS", 30000)
    wait = source.settings.get("render_wait")
    method = (PageMethod("wait_for_selector", wait, state="attached", timeout=timeout_ms) if wait
              else PageMethod("wait_for_load_state", "networkidle", timeout=timeout_ms))
    return {"playwright": True, "playwright_page_methods": [method],
            "playwright_page_goto_kwargs": {"wait_until": "load", "timeout": timeout_ms}}

