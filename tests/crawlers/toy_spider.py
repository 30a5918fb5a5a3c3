"""A spider outside the project's packages (tests/crawlers/test_spider_plugin.py names it in a source's ``spider``):
a news spider that keeps only articles whose URL has ``/keep/``."""

from __future__ import annotations

from yuqing.crawlers.spiders.news import NewsSpider


class KeepOnlyNewsSpider(NewsSpider):
    def request(self, url, callback, **kw):
        if callback == self.parse_article and "/keep/" not in url:
            return None
        return super().request(url, callback, **kw)


class NotASpider:
    pass
