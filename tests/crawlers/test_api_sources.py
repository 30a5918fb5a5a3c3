"""JSON API sources (``type = "api"``) crawled against the sample web's 12345 portal and 微博-like API, with the
mappings written only in TOML (tests/crawlers/configs/api_sources.toml): every record stored once with its
engagement and author fields, a second pass that stops at known records, replies picked up later, and faults
reported in source health."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from yuqing.crawlers.run import crawl
from yuqing.crawlers.sample_sites.clocks import ManualClock
from yuqing.crawlers.sample_sites.server import serve
from yuqing.config import load_config
from yuqing.storage import open_store
from yuqing.storage.base import DocumentFilter

CONFIG = Path(__file__).parent / "configs" / "api_sources.toml"
START = datetime(2024, 11, 20, 10, 0).astimezone()
SITE_OPTIONS = dict(history=70, city_articles=5, a3_articles=5, burst_delay=10**6, live_interval=20.0)


def api_config(home: Path, sites):
    path = home / "yuqing.toml"
    path.write_text(CONFIG.read_text(encoding="utf-8").replace("BASE", sites.base_url), encoding="utf-8")
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
    s = serve(port=0, seed=11, clock=clock, faults=True, **SITE_OPTIONS).start()
    s.test_clock = clock
    yield s
    s.stop()


def test_weibo_like_api_engagement_authors_reposts_and_incremental_pass(tmp_path, sites):
    config = api_config(tmp_path, sites)
    first = crawl(config, ["weibo_api"], home=tmp_path)["weibo_api"]
    truth = {r["url"]: r for r in sites.social.expected_weibo()}
    docs = stored(config, "weibo_api")
    assert set(docs) == set(truth) and first["inserted"] == len(truth)  # every status once
    assert not first["failed"] and first["errors"] == {}
    assert any(r["repost_of"] for r in truth.values()) and any(r["official"] for r in truth.values())
    for url, rec in truth.items():
        d = docs[url]
        assert (d.content, d.author, d.author_id, d.region) == (rec["content"], rec["author"], rec["author_id"],
                                                                rec["region"])
        assert (d.likes, d.reposts, d.replies) == (rec["likes"], rec["reposts"], rec["comments"])
        assert (d.author_verified, d.author_official, d.author_followers) == (rec["verified"], rec["official"],
                                                                             rec["followers"])
        assert d.repost_of == rec["repost_of"] and d.published_at == rec["published_at"]
        assert d.title and rec["content"].startswith(d.title.rstrip("…"))  # 微博 has no title: its first words

    # Second pass, nothing new: only the first list page is fetched.
    second = crawl(config, ["weibo_api"], home=tmp_path)["weibo_api"]
    assert (second["inserted"], second["updated"]) == (0, 0)
    assert second["fetched_urls"] == [sites.api_urls()["weibo_api"][0]]

    # New posts (and the accounts' reposts of them) appear: picked up, nothing duplicated.
    sites.test_clock.advance(3600)
    truth = {r["url"] for r in sites.social.expected_weibo()}
    third = crawl(config, ["weibo_api"], home=tmp_path)["weibo_api"]
    assert third["inserted"] == len(truth - set(docs)) > 0
    assert set(stored(config, "weibo_api")) == truth


def test_hotline_portal_cursor_paging_details_and_replies_later(tmp_path, sites):
    config = api_config(tmp_path, sites)
    first = crawl(config, ["hotline_api"], home=tmp_path)["hotline_api"]
    truth = {r["url"]: r for r in sites.social.expected_hotline()}
    docs = stored(config, "hotline_api")
    assert set(docs) == set(truth) and first["inserted"] == len(truth)
    assert not first["failed"] and first["errors"] == {}
    assert sum("cursor=" in u for u in first["fetched_urls"]) == (len(truth) - 1) // 20  # cursor pages followed
    for url, rec in truth.items():
        d = docs[url]
        assert (d.title, d.content, d.status, d.category, d.region) == (rec["subject"], rec["content"], rec["state"],
                                                                        rec["category"], rec["street"])
        assert (d.author, d.author_id) == (rec["citizen"]["name"], rec["citizen"]["uid"])
        assert (d.likes, d.replies, d.views) == (rec["supportCount"], rec["commentCount"], rec["viewCount"])
        assert d.published_at == datetime.strptime(rec["acceptTime"], "%Y-%m-%d %H:%M:%S").replace(
            tzinfo=d.published_at.tzinfo) and d.published_at.utcoffset().total_seconds() == 8 * 3600
        if rec["reply"]:
            assert (d.reply.text, d.reply.department) == (rec["reply"]["text"], rec["reply"]["unit"])
        else:
            assert d.reply is None
    open_cases = {u for u, r in truth.items() if r["reply"] is None}
    assert open_cases

    second = crawl(config, ["hotline_api"], home=tmp_path)["hotline_api"]
    assert (second["inserted"], second["updated"]) == (0, 0)
    lists = [u for u in second["fetched_urls"] if "/hotline/api/cases?" in u]
    assert lists == [sites.api_urls()["hotline_api"][0]]  # stops at the first page of known cases
    assert len(second["fetched_urls"]) == 1 + len(open_cases)  # plus the open cases' details, re-checked

    # New cases arrive (live posts), then some open ones are answered: same documents, now with the reply.
    sites.test_clock.advance(65)
    new = set(r["url"] for r in sites.social.expected_hotline()) - set(docs)
    assert new and crawl(config, ["hotline_api"], home=tmp_path)["hotline_api"]["inserted"] == len(new)
    docs = stored(config, "hotline_api")
    open_cases = {u for u, d in docs.items() if d.reply is None}
    sites.test_clock.advance(900)
    truth = {r["url"]: r for r in sites.social.expected_hotline()}
    answered = {u for u in open_cases if truth[u]["reply"]}
    assert answered
    fourth = crawl(config, ["hotline_api"], home=tmp_path)["hotline_api"]
    after = stored(config, "hotline_api")
    assert set(after) == set(truth)
    assert fourth["updated"] >= len(answered)
    for u in answered:
        assert after[u].id == docs[u].id and after[u].reply.text == truth[u]["reply"]["text"]
        assert after[u].status == truth[u]["state"]


def test_api_faults_reported_in_source_health(tmp_path, sites):
    config = api_config(tmp_path, sites)
    result = crawl(config, ["weibo_faults", "weibo_empty", "hotline_faults"], home=tmp_path)

    limited = result["weibo_faults"]
    # Pages 1 and 2 answered 429 once each, waited out (Retry-After: 1) and stored; page 3 is a login wall.
    assert limited["errors"].get("rate_limited") == 3 and limited["errors"].get("login_wall") == 1
    assert limited["inserted"] == 40
    row = health(config, "weibo_faults")  # what `yuqing sources` and the dashboard's sources page read
    assert row["errors"].get("rate_limited") == 3 and row["errors"].get("login_wall") == 1

    empty = result["weibo_empty"]
    assert empty["errors"] == {"empty_page": 1} and empty["inserted"] == 0 and empty["listed"] == 0
    assert health(config, "weibo_empty")["consecutive_empty"] == 1
    assert health(config, "weibo_empty")["errors"] == {"empty_page": 1}

    broken = result["hotline_faults"]
    assert broken["errors"] == {"bad_json": 1} and broken["inserted"] == 20  # the first page's cases are kept
    assert health(config, "hotline_faults")["errors"] == {"bad_json": 1}


def test_sources_test_shows_one_page_mapped_and_masked(tmp_path, sites, capsys, monkeypatch):
    from yuqing.cli import main

    monkeypatch.setenv("YUQING_HOME", str(tmp_path))
    config = api_config(tmp_path, sites)
    with config.path.open("a", encoding="utf-8") as f:  # the application (not a crawl) needs a department
        f.write('\n[[departments]]\nname = "市住建局"\ntopics = ["城乡建设"]\n')
    args = ["--config", str(config.path), "sources", "test"]
    assert main([*args, "weibo_api", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    truth = sites.social.expected_weibo()[:20]
    assert [r["url"] for r in out["records"]] == [t["url"] for t in truth] and out["problems"] == []
    # Names and account ids masked, counts as they are (links stay openable: a 微博 link holds the account id, as
    # the platform's own links do).
    shown = json.dumps([{**r, "url": "", "social": {**r["social"], "repost_of": ""}} for r in out["records"]],
                       ensure_ascii=False)
    for t in truth:
        assert t["author_id"] not in shown and t["author"] not in shown
    first = out["records"][0]
    assert (first["likes"], first["social"]["reposts"]) == (truth[0]["likes"], truth[0]["reposts"])
    assert "*" in first["author"] and "*" in first["social"]["author_id"]

    assert main([*args, "hotline_api"]) == 0  # the text form, with the first three cases' details
    text = capsys.readouterr().out
    assert "得到 20 条记录；下一页游标：" in text and "点赞" in text
    assert main([*args, "weibo_empty"]) == 1
    assert "没有映射出任何记录" in capsys.readouterr().out
    assert main([*args, "weibo_faults"]) == 1
    assert "HTTP 429" in capsys.readouterr().err
    assert main([*args, "nosuch"]) == 2
    assert "nosuch" in capsys.readouterr().err


def test_offset_paging_and_epoch_times(tmp_path):
    """A 领导留言板-style API on a throw-away site: offset paging with the page size asked for, times in epoch
    milliseconds, nested counts; every record once, then only the first page on the next pass."""
    from urllib.parse import parse_qs, urlsplit

    from sitekit import LocalSite

    T = 1_732_060_800_000  # 2024-11-20 08:00 Beijing, in ms
    rows = [{"tid": 9000 + i, "subject": f"第{i}号留言：路灯不亮", "body": f"路段{i}的路灯坏了两周。",
             "ts": T - i * 60_000, "stat": {"zan": i, "zhuan": i % 3, "ping": i % 5}} for i in range(45)]

    def page(path):
        parts = urlsplit(path)
        if parts.path != "/api/msgs":
            return None
        q = parse_qs(parts.query)
        off, limit = int(q.get("offset", ["0"])[0]), int(q.get("limit", ["10"])[0])
        return 200, json.dumps({"list": rows[off:off + limit], "total": len(rows)}).encode(), "application/json"

    with LocalSite(page) as site:
        (tmp_path / "yuqing.toml").write_text(f'''
[[sources]]
name = "leader_board"
type = "api"
start_urls = ["{site.url}/api/msgs"]
politeness = {{ delay = 0.0, concurrency = 4, timeout = 5, retries = 0 }}
[sources.api]
records = "list"
paging = "offset"
offset_param = "offset"
size_param = "limit"
page_size = 20
item_url = "/msg/{{tid}}"
[sources.api.fields]
title = "subject"
content = "body"
time = "ts"
likes = "stat.zan"
reposts = "stat.zhuan"
comments = "stat.ping"
''', encoding="utf-8")
        config = load_config(tmp_path / "yuqing.toml", tmp_path)
        first = crawl(config, home=tmp_path)["leader_board"]
        docs = stored(config, "leader_board")
        assert first["inserted"] == 45 == len(docs) and first["errors"] == {}
        assert sorted(u.rsplit("offset=", 1)[-1] if "offset=" in u else "0" for u in first["fetched_urls"]) == \
            ["0", "20", "40"]
        d = docs[f"{site.url}/msg/9007"]
        assert (d.title, d.likes, d.reposts, d.replies) == ("第7号留言：路灯不亮", 7, 1, 2)
        assert d.published_at.timestamp() == (T - 7 * 60_000) / 1000
        second = crawl(config, home=tmp_path)["leader_board"]
        assert (second["inserted"], len(second["fetched_urls"])) == (0, 1)


def test_mapping_units_name_the_failing_field():
    from yuqing.config_api import ApiSpec
    from yuqing.crawlers.spiders.apimap import MappingError, api_time, fill, map_record

    spec = ApiSpec(records="data", item_url="/w/{user.id}/{mid}", time_format="%Y-%m-%d %H:%M",
                   fields={"content": "text", "time": "t", "repost_of": "rt", "likes": "n.likes", "author": "user"})
    record = {"text": "第一行很长" * 10 + "\n第二行", "t": "2024-11-20 10:00", "mid": "9", "user": "甲",
              "rt": {"mid": "7", "user": {"id": 42}}, "n": {"likes": 3}}
    out = map_record(spec, record, "https://w.example/api")
    assert out["title"] == ("第一行很长" * 8) + "…" and out["repost_of"] == "https://w.example/w/42/7"
    assert out["published_at"].isoformat() == "2024-11-20T10:00:00+08:00" and out["likes"] == 3
    with pytest.raises(MappingError, match="字段 time（t）"):
        map_record(spec, {**record, "t": "昨天"}, "https://w.example/api")
    with pytest.raises(MappingError, match="字段 author（user）：得到的是对象"):
        map_record(spec, {**record, "user": {"id": 1}}, "https://w.example/api")
    assert fill(spec.item_url, {"mid": "9"}, "https://w.example/") is None  # no user.id: no URL, reported
    assert api_time(1732068000) == api_time("1732068000000") == api_time("2024-11-20T10:00:00+08:00")
