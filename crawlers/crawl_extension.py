"""Base class of Yuqing's Scrapy extensions (source health, the distributed queue's idle check).

Each extension is switched on or off by the crawl's settings and listens to some of the crawler's signals, each
handled by the method of the same name; the base builds it and connects them, instead of every ``from_crawler``
doing both by hand.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scrapy import signals
from scrapy.exceptions import NotConfigured


class CrawlExtension:
    #: Names of the Scrapy signals the extension handles (``scrapy.signals.<name>``, handled by ``self.<name>``).
    SIGNALS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def enabled(cls, settings: Any) -> bool:
        """Does this crawl use the extension? When not, Scrapy is told so (NotConfigured) and skips it."""
        return True

    @classmethod
    def from_crawler(cls, crawler):
        if not cls.enabled(crawler.settings):
            raise NotConfigured
        ext = cls(crawler)
        for name in cls.SIGNALS:
            crawler.signals.connect(getattr(ext, name), signal=getattr(signals, name))
        return ext
