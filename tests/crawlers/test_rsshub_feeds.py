"""Feed sources reading RSSHub's route formats, crawled against the sample web's RSSHub-style feeds
(crawlers/sample_sites/rsshub.py; configuration tests/crawlers/configs/rsshub_sources.toml): per route, every item
stored once with author, account id, verified/official flags, counts and the reposted original as the route's
ground truth says; a second pass stores nothing twice and refreshes the counts; an empty feed and a 503 show in
source health; ``format = "auto"`` recognises the routes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from yuqing.config import ConfigError, load_config
from yuqing.crawlers.run import crawl
from yuqing.crawlers.sample_sites.clocks import ManualClock
from yuqing.crawlers.sample_sites.rsshub import ROUTES
from yuqing.crawlers.sample_sites.server import serve
from yuqing.crawlers.spiders.rsshub import FORMATS, detect_format, html_text, read_channel, read_item
from yuqing.config_feed import FEED_FORMATS
from yuqing.storage import open_store
from yuqing.storage.base import DocumentFilter

CONFIG = Path(__file__).parent / "configs" / "rsshub_sources.toml"
START = datetime(2024, 11, 20, 10, 0).astimezone()
SITE_OPTIONS = dict(history=70, city_articles=30, a3_articles=5, burst_delay=10**6, live_interval=20.0)


def feed_config(home: Path, sites, text: str | None = None):
    path = home / "yuqing.toml"
    path.write_text((text or CONFIG.read_text(encoding="utf-8")).replace("BASE", sites.base_url), encoding="utf-8")
    return load_config(path, home)


def stored(config, source: str) -> dict:
    store = open_store(config)
    try:
        total, docs = store.documents.list_documents(DocumentFilter(source=source), limit=10000)
        assert total == len(docs)
        return {d.url: store.documents.get_document(d.id) for d in docs}
    finally:
        store.close()


def health(config, source: str) -> dict:
    store = open_store(config)
    try:
        return next(h for h in store.workflow.source_health() if h["source"] == source)
    finally:
        store.close()


@pytest.fixture()
def sites():
    clock = ManualClock(START)
    s = serve(port=0, seed=11, clock=clock, **SITE_OPTIONS).start()
    yield s
    s.stop()


def check_route(docs: dict, truth: list[dict]) -> None:
    assert set(docs) == {r["url"] for r in truth}  # every item once
    for rec in truth:
        d = docs[rec["url"]]
        assert (d.author, d.author_id) == (rec["author"], rec["author_id"]), rec["url"]
        assert (d.author_verified, d.author_official) == (rec["verified"], rec["official"]), rec["url"]
        assert (d.reposts, d.replies, d.likes) == (rec["reposts"], rec["replies"], rec["likes"]), rec["url"]
        assert d.repost_of == rec["repost_of"], rec["url"]
        assert d.title.strip() and d.content.strip()
        for markup in ("<", "&ensp;", "&lt;", "原博："):  # text is text: no markup, no RSSHub furniture
            assert markup not in d.content and markup not in d.title, (markup, d.content)


@pytest.mark.parametrize("name", list(ROUTES))
def test_each_route_stored_once_with_authors_counts_and_reposts_then_incremental(tmp_path, sites, name):
    config = feed_config(tmp_path, sites)
    first = crawl(config, [name], home=tmp_path)[name]
    truth = sites.rsshub.expected(name)
    assert truth and first["inserted"] == len(truth) and not first["failed"] and first["errors"] == {}
    assert first["fetched_urls"] == config.source(name).start_urls  # the feed only: platform pages never fetched
    check_route(stored(config, name), truth)

    second = crawl(config, [name], home=tmp_path)[name]  # nothing changed: nothing stored, nothing rewritten
    assert (second["inserted"], second["updated"]) == (0, 0)

    sites.rsshub.bump()  # counts grow between passes: the same documents, counts refreshed where the feed has them
    third = crawl(config, [name], home=tmp_path)[name]
    truth = sites.rsshub.expected(name)
    assert third["inserted"] == 0
    docs = stored(config, name)
    check_route(docs, truth)
    assert len(docs) == len(truth)


def test_weibo_routes_carry_what_the_routes_write(sites):
    """The facts the parametrised test relies on are really in the sample feeds (so it can fail)."""
    user = sites.rsshub.expected("rsshub_weibo_user")
    keyword = sites.rsshub.expected("rsshub_weibo_keyword")
    assert all(r["repost_of"] for r in user) and all(r["verified"] and r["official"] for r in user)
    assert any(r["likes"] for r in keyword) and not any(r["repost_of"] for r in keyword)  # no 原博 link there
    assert len({r["author"] for r in keyword}) > 3 and not any(r["verified"] for r in keyword)
    assert {r["author"] for r in sites.rsshub.expected("rsshub_douyin")} == {"A市文旅"}  # from the channel title


def test_faults_empty_feed_and_503_in_source_health(tmp_path, sites):
    config = feed_config(tmp_path, sites)
    result = crawl(config, ["rsshub_empty", "rsshub_503"], home=tmp_path)
    assert result["rsshub_empty"]["errors"] == {"empty_feed": 1} and result["rsshub_empty"]["inserted"] == 0
    assert health(config, "rsshub_empty")["errors"] == {"empty_feed": 1}
    assert result["rsshub_503"]["errors"] == {"http_503": 1} and result["rsshub_503"]["failed"]
    assert health(config, "rsshub_503")["errors"] == {"http_503": 1}


def test_auto_format_recognises_rsshub_routes_and_leaves_plain_feeds_alone(tmp_path, sites):
    text = CONFIG.read_text(encoding="utf-8")
    for name, (_path, fmt, _opts) in ROUTES.items():
        channel, _items = read_channel(sites.rsshub.render(name).encode())
        assert detect_format(channel) == fmt, name
    plain, _ = read_channel(b"<rss><channel><title>t</title><link>https://weibo.com/1/</link></channel></rss>")
    assert detect_format(plain) == "plain"  # not generated by RSSHub
    config = feed_config(tmp_path, sites, text.replace('format = "rsshub-weibo", ', 'format = "auto", '))
    assert config.source("rsshub_weibo_user").settings["feed"]["format"] == "auto"
    crawl(config, ["rsshub_weibo_user"], home=tmp_path)
    check_route(stored(config, "rsshub_weibo_user"), sites.rsshub.expected("rsshub_weibo_user"))


def test_feed_options_checked_with_chinese_messages(tmp_path, sites):
    text = CONFIG.read_text(encoding="utf-8").replace('format = "rsshub-gov"', 'format = "rsshub-kuaishou"')
    with pytest.raises(ConfigError) as err:
        feed_config(tmp_path, sites, text)
    assert "sources[8].feed.format" in str(err.value) and "不是订阅源格式" in str(err.value)
    text = CONFIG.read_text(encoding="utf-8").replace('format = "rsshub-gov"', 'format = "rsshub-gov", vip = true')
    with pytest.raises(ConfigError):
        feed_config(tmp_path, sites, text)
    assert set(FEED_FORMATS) == {"auto", "plain", *FORMATS}


def test_item_reading_details():
    assert html_text('<p>第一段<img src="a.jpg"></p><video src="v.mp4">视频</video><p>第二&amp;段</p>') == "第一段\n第二&段"
    assert html_text("<script>alert(1)</script>正文") == "正文"
    item = (b'<rss><channel><generator>RSSHub</generator><link>https://weibo.com/7/</link><item>'
            b'<title>T</title><link>https://weibo.com/7/Ab</link><description>&lt;b&gt;x&lt;/b&gt;</description>'
            b'<stats><reposts_count>1.5\xe4\xb8\x87</reposts_count><comments_count>n/a</comments_count></stats>'
            b'</item><item><title>no link</title></item></channel></rss>')
    channel, (good, bad) = read_channel(item)
    fields = read_item(good, channel, "rsshub-weibo", "http://s/")
    assert (fields["reposts"], fields.get("replies"), fields["author_id"], fields["content"]) == (15000, None, "7", "x")
    with pytest.raises(ValueError):
        read_item(bad, channel, "rsshub-weibo", "http://s/")
