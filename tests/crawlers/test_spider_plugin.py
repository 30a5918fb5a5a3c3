"""A source with its own page logic is one module plus configuration: ``spider = "pkg.mod.Class"`` in [[sources]]."""

from __future__ import annotations

import tomllib

import pytest

from yuqing.crawlers.spiders.loader import spider_class
from tests.crawlers.toy_spider import KeepOnlyNewsSpider
from yuqing.config import DEFAULT_CONFIG, parse_config


def source_with(tmp_path, spider: str):
    data = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    data["sources"] = [{"name": "toy_news", "type": "news", "start_urls": ["http://example.com/news/index.html"],
                        "spider": spider}]
    return parse_config(data, tmp_path / "yuqing.toml", home=tmp_path).sources[0]


def test_a_source_names_its_own_spider_class(tmp_path):
    cls = spider_class(source_with(tmp_path, "tests.crawlers.toy_spider.KeepOnlyNewsSpider"))
    assert issubclass(cls, KeepOnlyNewsSpider) and cls.name == "toy_news"
    spider = cls()
    assert spider.request("http://example.com/news/keep/1.html", spider.parse_article) is not None
    assert spider.request("http://example.com/news/drop/2.html", spider.parse_article) is None


def test_a_class_that_is_not_a_spider_is_refused_in_chinese(tmp_path):
    with pytest.raises(TypeError, match="必须继承"):
        spider_class(source_with(tmp_path, "tests.crawlers.toy_spider.NotASpider"))
