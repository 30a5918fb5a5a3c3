"""A source added in the dashboard (the live configuration's overlay, not the file) is crawled by the crawl child,
which builds its spiders from the file plus the stored overlay."""

from __future__ import annotations

from datetime import datetime

from tests.crawlers.test_crawl import sites, stored, write_config  # noqa: F401  (sites: fixture)
from yuqing import config_store
from yuqing.app import App
from yuqing.clock import TZ
from yuqing.crawlers.run import crawl, enabled_sources

NOW = datetime(2024, 11, 20, 10, 0, tzinfo=TZ)


def test_a_source_added_through_the_store_is_crawled_and_a_paused_one_is_not(tmp_path, sites):
    path = write_config(tmp_path, sites, ["city_rss"])
    path.write_text(path.read_text(encoding="utf-8") + '\n[[departments]]\nname = "A市住房和城乡建设局"\n', encoding="utf-8")
    app = App.load(path, tmp_path)
    try:
        news = next(s for s in sites.sources() if s["name"] == "city_news")
        entry = {"name": "city_news", "type": news["type"], "start_urls": news["start_urls"],
                 "politeness": {"delay": 0.0, "concurrency": 8, "timeout": 3, "retries": 0}}

        def edit(raw):
            raw["sources"].append(entry)
            raw["sources"][0]["enabled"] = False  # city_rss paused

        config_store.change(app, "admin1", NOW, "新增 city_news，暂停 city_rss", edit)
        assert enabled_sources(app.config, None) == ["city_news"]
        result = crawl(app.config, home=tmp_path)  # the child reads the configuration file: the overlay is in the store
        assert set(result) == {"city_news"} and not result["city_news"].get("error")
        truth = {r["url"] for r in sites.expected()["records"] if "/news/20" in r["url"] and "/a3/" not in r["url"]}
        assert set(stored(app.config, "city_news")) == truth
        assert stored(app.config, "city_rss") == {}
    finally:
        app.close()
