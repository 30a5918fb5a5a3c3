"""Spider loader that makes one spider class per configured source (name = source name).

``scrapy list`` / ``scrapy crawl a_city_board`` work from the repository root with no spider modules to write: an
officer adds a [[sources]] entry and it is crawlable. A source may name its own spider class (``spider =
"package.module.Class"``); it is subclassed with the source attached.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from yuqing.crawlers.spiders.api import ApiSpider
from yuqing.crawlers.spiders.base import SourceSpider, source_settings
from yuqing.crawlers.spiders.board import BoardSpider
from yuqing.crawlers.spiders.feed import FeedSpider
from yuqing.crawlers.spiders.news import NewsSpider
from yuqing.config import Config, load_config
from yuqing.model import Source
from yuqing.plugins import load_object

SPIDER_TYPES = {"news": NewsSpider, "board": BoardSpider, "feed": FeedSpider, "api": ApiSpider}


def spider_class(source: Source) -> type[SourceSpider]:
    base = load_object(source.settings["spider"]) if source.settings.get("spider") else SPIDER_TYPES[source.type]
    if not (isinstance(base, type) and issubclass(base, SourceSpider)):
        raise TypeError(f"来源「{source.name}」的 spider 类 {source.settings['spider']} 必须继承 yuqing.crawlers.spiders.base.SourceSpider")
    hosts = sorted({urlsplit(u).hostname or "" for u in source.start_urls} - {""})
    return type(f"{source.name.title().replace('_', '').replace('-', '')}Spider", (base,), {
        "__module__": base.__module__,
        "name": source.name,
        "source": source,
        "allowed_hosts": hosts,
        "custom_settings": {**(getattr(base, "custom_settings", None) or {}), **source_settings(source)},
    })


class SourceSpiderLoader:
    """Implements Scrapy's spider-loader protocol (from_settings, load, list, find_by_request)."""

    def __init__(self, config: Config):
        self.config = config
        self._spiders = {s.name: spider_class(s) for s in config.sources}

    @classmethod
    def from_settings(cls, settings, **kwargs):
        path = settings.get("YUQING_CONFIG") or None
        home = settings.get("YUQING_HOME") or None
        return cls(load_config(path, Path(home) if home else None))

    def load(self, spider_name: str):
        try:
            return self._spiders[spider_name]
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name}（已配置的来源：{', '.join(self._spiders)}）") from None

    def list(self) -> list[str]:
        return list(self._spiders)

    def find_by_request(self, request) -> list[str]:
        host = urlsplit(request.url).hostname
        return [name for name, cls in self._spiders.items() if host in cls.allowed_hosts]
