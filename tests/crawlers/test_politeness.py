"""A source's concurrency setting is what the site actually sees (Scrapy 2.19 alone lets more through)."""

from __future__ import annotations

import threading
import time

import pytest

from yuqing.crawlers.run import crawl
from tests.crawlers.sitekit import HTML, LocalSite
from yuqing.config import load_config

ARTICLES = 16


class CountingSite(LocalSite):
    """A news list linking to slow article pages; records the most requests in flight at once."""

    def __init__(self, latency: float = 0.3):
        self.in_flight = self.max_in_flight = 0
        self.latency, self.lock = latency, threading.Lock()
        super().__init__(self.page)

    def page(self, path: str) -> tuple[int, bytes, str] | None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if path == "/robots.txt":
                return None
            if path == "/news/index.html":
                links = "".join(f'<li><a href="/news/2024/11/t20241120_{i:06d}.html">A市发布第{i}号关于冬季供暖保障工作的通知</a>'
                                f'<span>2024-11-20</span></li>' for i in range(ARTICLES))
                return 200, f"<html><head><meta charset='utf-8'><title>通知公告</title></head><body><ul>{links}</ul></body></html>".encode(), HTML
            time.sleep(self.latency)
            para = "为切实做好今冬明春供暖保障工作，确保群众温暖过冬，现就有关事项通知如下。" * 6
            return 200, (f"<html><head><meta charset='utf-8'><title>关于供暖保障的通知</title></head><body>"
                         f"<h1>关于做好冬季供暖保障工作的通知</h1><p>发布时间：2024-11-20 10:00 来源：A市住建局</p>"
                         f"<div class='content'><p>{para}</p><p>{para}</p></div></body></html>").encode(), HTML
        finally:
            with self.lock:
                self.in_flight -= 1


@pytest.fixture()
def site():
    with CountingSite() as s:
        yield s


def test_source_concurrency_is_respected(site, tmp_path):
    (tmp_path / "yuqing.toml").write_text(
        '[[sources]]\nname = "slow_site"\ntype = "news"\n'
        f'start_urls = ["{site.url}/news/index.html"]\n'
        "politeness = { delay = 0.0, concurrency = 2, timeout = 10, retries = 0 }\n", encoding="utf-8")
    config = load_config(tmp_path / "yuqing.toml", home=tmp_path)
    result = crawl(config, ["slow_site"], home=tmp_path)
    stats = result["slow_site"] if "slow_site" in result else result
    assert site.max_in_flight <= 2, f"the site saw {site.max_in_flight} requests at once (limit 2)"
    assert stats["pages"] >= ARTICLES  # and the crawl still fetched every article
