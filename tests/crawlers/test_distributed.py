"""Distributed crawling (crawl.queue = "redis"): two workers split one pass over the sample board.

Redis at ``YUQING_TEST_REDIS_URL`` (``.ci/run`` starts one). Outside CI a missing Redis skips with the reason; in CI
(``CI=true``) it fails, so a broken service set-up can never pass as green.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from yuqing.crawlers.bench_distributed import add_latency
from yuqing.crawlers.distributed import check_pass_id, clear_pass, merge_runs, new_pass_id
from yuqing.crawlers.extensions import MAX_ERROR_URLS
from yuqing.crawlers.run import crawl
from yuqing.crawlers.sample_sites.clocks import ManualClock
from yuqing.crawlers.sample_sites.server import serve
from tests.backends import REDIS_URL
from tests.backends import redis_url as reachable_redis_url
from yuqing.config import ConfigError, load_config
from yuqing.storage import open_store
from yuqing.storage.base import DocumentFilter

START = datetime(2024, 11, 20, 10, 0).astimezone()
# ~130 pages (list pages + posts); each response is delayed so both workers are still busy when the second opens.
SITE_OPTIONS = dict(history=120, city_articles=10, a3_articles=5, burst_delay=10**6, live_interval=20.0)


@pytest.fixture(scope="module")
def redis_url():
    return reachable_redis_url()


@pytest.fixture()
def sites():
    s = serve(port=0, seed=23, clock=ManualClock(START), **SITE_OPTIONS).start()
    add_latency(s, 0.03)
    yield s
    s.stop()


def write_config(home: Path, sites, redis_url: str, queue: str = "redis") -> Path:
    src = next(s for s in sites.sources() if s["name"] == "board")
    path = home / "yuqing.toml"
    path.write_text(f'[crawl]\nqueue = "{queue}"\nredis_url = "{redis_url}"\n\n[[sources]]\nname = "board"\n'
                    f'type = "board"\nstart_urls = {json.dumps(src["start_urls"])}\nregion = "A市"\n'
                    "politeness = { delay = 0.0, concurrency = 2, timeout = 5, retries = 0 }\n", encoding="utf-8")
    return path


def stored_urls(config) -> list[str]:
    store = open_store(config)
    try:
        total, docs = store.documents.list_documents(DocumentFilter(source="board"), limit=10000)
        return [d.url for d in docs]
    finally:
        store.close()


def health(config) -> dict:
    store = open_store(config)
    try:
        return next(h for h in store.workflow.source_health() if h["source"] == "board")
    finally:
        store.close()


def test_two_workers_store_every_post_once_and_fetch_no_url_twice(tmp_path, sites, redis_url):
    config = load_config(write_config(tmp_path, sites, redis_url), tmp_path)
    truth = {r["url"] for r in sites.expected()["records"] if "/board/post/" in r["url"]}
    pass_id = new_pass_id()
    try:
        result = crawl(config, ["board"], home=tmp_path, workers=2, pass_id=pass_id)["board"]
    finally:
        clear_pass(redis_url, "board", pass_id)

    assert not result.get("error") and not result["failed"] and result["errors"] == {}
    urls = stored_urls(config)
    assert len(urls) == len(set(urls)) and set(urls) == truth
    assert result["inserted"] == len(truth) and result["updated"] == 0

    a, b = result["workers"]
    assert {a["helper"], b["helper"]} == {False, True}  # exactly one worker seeded the pass
    assert a["pages"] > 0 and b["pages"] > 0  # both took work from the shared queue
    fetched_a, fetched_b = set(a["fetched_urls"]), set(b["fetched_urls"])
    assert len(fetched_a) == len(a["fetched_urls"]) and len(fetched_b) == len(b["fetched_urls"])
    assert not fetched_a & fetched_b
    assert truth <= fetched_a | fetched_b
    assert a["inserted"] + b["inserted"] == len(truth)

    # Source health records the pass once, with both workers' pages.
    h = health(config)
    assert h["runs"] == 1 and h["pages_fetched"] == a["pages"] + b["pages"]
    assert h["items_stored"] == len(truth) and h["consecutive_failures"] == 0


def test_next_pass_fetches_the_lists_again_and_finds_the_new_post(tmp_path, sites, redis_url):
    """The duplicate filter is per pass: a new pass re-reads the list pages (and stops paginating at known posts)."""
    config = load_config(write_config(tmp_path, sites, redis_url), tmp_path)
    passes = [new_pass_id(), new_pass_id()]
    try:
        crawl(config, ["board"], home=tmp_path, workers=2, pass_id=passes[0])
        sites.clock.advance(300)  # the live board publishes new posts
        truth = {r["url"] for r in sites.expected()["records"] if "/board/post/" in r["url"]}
        before = set(stored_urls(config))
        assert truth - before, "the sample board should have published new posts"
        second = crawl(config, ["board"], home=tmp_path, workers=2, pass_id=passes[1])["board"]
    finally:
        for p in passes:
            clear_pass(redis_url, "board", p)
    assert not second["failed"] and second["errors"] == {}
    urls = stored_urls(config)
    assert len(urls) == len(set(urls)) and set(urls) == truth
    assert second["inserted"] == len(truth - before)
    assert any("/board/list" in u for u in second["fetched_urls"])
    fetched = [set(w["fetched_urls"]) for w in second["workers"]]
    assert not fetched[0] & fetched[1]
    assert health(config)["runs"] == 2


def test_workers_need_the_redis_queue(tmp_path, sites):
    config = load_config(write_config(tmp_path, sites, REDIS_URL, queue="local"), tmp_path)
    with pytest.raises(ConfigError, match="crawl.queue"):
        crawl(config, ["board"], home=tmp_path, workers=2)


def test_pass_id_is_checked():
    assert check_pass_id("20241120T100000-ab12") == "20241120T100000-ab12"
    for bad in ("", "a:b", "%(spider)s", "x" * 65, "-lead"):
        with pytest.raises(ValueError, match="轮次标识"):
            check_pass_id(bad)


def test_merge_runs_adds_up_and_fails_when_no_worker_seeded():
    seeder = {"pages": 5, "items": 4, "inserted": 3, "updated": 1, "unchanged": 0, "listed": 20,
              "errors": {"http_404": 1}, "error_urls": [{"url": "u1"}], "failed": False, "helper": False,
              "reason": "finished", "active_seconds": 2.0, "elapsed_seconds": 5.0}
    helper = {"pages": 7, "items": 6, "inserted": 6, "updated": 0, "unchanged": 1, "listed": 0,
              "errors": {"http_404": 2, "timeout": 1}, "error_urls": [{"url": "u2"}], "failed": False, "helper": True,
              "reason": "finished", "active_seconds": 3.0, "elapsed_seconds": 4.0}
    merged = merge_runs([seeder, helper])
    assert (merged["pages"], merged["items"], merged["inserted"], merged["listed"]) == (12, 10, 9, 20)
    assert merged["errors"] == {"http_404": 3, "timeout": 1} and len(merged["error_urls"]) == 2
    assert not merged["failed"] and merged["active_seconds"] == 3.0 and merged["workers"] == 2
    assert merge_runs([helper])["failed"]  # nobody fetched the start pages
    assert merge_runs([seeder, {**helper, "failed": True}])["failed"]
    # A merged pass keeps as many failing URLs as one worker's health record does, the first worker's first.
    many = [{**seeder, "error_urls": [{"url": f"s{i}"} for i in range(MAX_ERROR_URLS)]},
            {**helper, "error_urls": [{"url": f"h{i}"} for i in range(5)]}]
    assert merge_runs(many)["error_urls"] == many[0]["error_urls"]
