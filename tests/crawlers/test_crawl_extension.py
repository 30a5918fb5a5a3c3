"""The extension base: an extension is skipped when its setting says so, and each declared signal reaches the
method of the same name."""

from __future__ import annotations

import pytest
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from yuqing.crawlers.crawl_extension import CrawlExtension
from yuqing.crawlers.distributed import SharedQueueIdle
from yuqing.crawlers.extensions import CrawlHealth


def test_extensions_are_skipped_when_their_setting_is_off():
    with pytest.raises(NotConfigured):
        CrawlHealth.from_crawler(get_crawler(settings_dict={"YUQING_HEALTH_ENABLED": False}))
    with pytest.raises(NotConfigured):
        SharedQueueIdle.from_crawler(get_crawler())  # local queue: no shared queue to wait for


def test_declared_signals_reach_the_methods_of_the_same_name():
    crawler = get_crawler()
    health = CrawlHealth.from_crawler(crawler)
    assert CrawlHealth.of(crawler) is health
    request = Request("http://s.invalid/news/1.html")
    for url in ("http://s.invalid/news/1.html", "http://s.invalid/robots.txt"):
        crawler.signals.send_catch_log(signals.response_received, response=HtmlResponse(url, request=request),
                                       request=request, spider=None)
    assert health.pages == 1 and health.fetched == ["http://s.invalid/news/1.html"]  # robots.txt is not a page


def test_a_signal_name_that_scrapy_does_not_have_fails_loudly():
    class Misspelt(CrawlExtension):
        SIGNALS = ("spider_openned",)

        def __init__(self, crawler):
            pass

        def spider_openned(self, spider):
            pass

    with pytest.raises(AttributeError, match="spider_openned"):
        Misspelt.from_crawler(get_crawler())
