"""End-to-end crawls against a real sample-sites server on a free port (each crawl runs in a child process)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from yuqing.crawlers.run import crawl, source_report
from yuqing.crawlers.sample_sites.clocks import ManualClock
from yuqing.crawlers.sample_sites.server import serve
from yuqing.config import load_config
from yuqing.model import document_id
from yuqing.storage import open_store
from yuqing.storage.base import DocumentFilter

START = datetime(2024, 11, 20, 10, 0).astimezone()
SITE_OPTIONS = dict(history=80, city_articles=30, a3_articles=10, burst_delay=10**6, live_interval=20.0)


def write_config(home: Path, sites, names: list[str], extra: dict[str, str] | None = None,
                 failure_cycles: int = 3) -> Path:
    extra = extra or {}
    lines = [f"[crawl]\nfailure_cycles = {failure_cycles}\n"]
    for s in sites.sources():
        if s["name"] not in names:
            continue
        lines += ["[[sources]]", f'name = "{s["name"]}"', f'type = "{s["type"]}"',
                  f"start_urls = {json.dumps(s['start_urls'])}",
                  "politeness = { delay = 0.0, concurrency = 8, timeout = 3, retries = 0 }"]
        if s["region"]:
            lines.append(f'region = "{s["region"]}"')
        if s["name"] in extra:
            lines.append(extra[s["name"]])
        lines.append("")
    path = home / "yuqing.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def stored(config, source: str) -> dict:
    store = open_store(config)
    try:
        total, docs = store.documents.list_documents(DocumentFilter(source=source), limit=10000)
        assert total == len(docs)
        return {d.url: d for d in docs}
    finally:
        store.close()


def expected_posts(sites) -> dict:
    return {r["url"]: r for r in sites.expected()["records"] if "/board/post/" in r["url"]}


@pytest.fixture()
def sites():
    clock = ManualClock(START)
    s = serve(port=0, seed=11, clock=clock, **SITE_OPTIONS).start()
    s.test_clock = clock
    yield s
    s.stop()


def test_board_api_full_incremental_new_and_answered(tmp_path, sites):
    config = load_config(write_config(tmp_path, sites, ["board_api"],
                                      {"board_api": 'api = { detail = "/board/api/post/{id}" }'}), tmp_path)

    # Pass 1: every published post, exactly once, with its board fields and official reply.
    first = crawl(config, home=tmp_path)["board_api"]
    truth = expected_posts(sites)
    docs = stored(config, "board_api")
    assert set(docs) == set(truth)
    assert first["inserted"] == len(truth) and first["updated"] == 0
    assert not first["failed"] and first["errors"] == {}
    for url, rec in truth.items():
        doc = docs[url]
        assert doc.id == document_id(url)
        assert (doc.title, doc.author, doc.region, doc.status, doc.category) == \
            (rec["title"], rec["author"], rec["region"], rec["status"], rec["category"])
        assert (doc.views, doc.likes, doc.dislikes, doc.replies) == \
            (rec["views"], rec["likes"], rec["dislikes"], rec["replies"])
        assert doc.content == rec["content"]
        assert doc.published_at == datetime.fromisoformat(rec["published_at"])
        if rec["reply"]:
            assert doc.reply is not None and doc.reply.text == rec["reply"]["text"]
            assert doc.reply.department == rec["reply"]["department"]
            assert doc.reply.time == datetime.fromisoformat(rec["reply"]["time"])
        else:
            assert doc.reply is None
    open_after_first = {u for u, r in truth.items() if r["reply"] is None}
    assert open_after_first, "the generated board should have unanswered posts"

    # Pass 2, site unchanged: nothing new, and only list pages plus the still-open posts are fetched.
    second = crawl(config, home=tmp_path)["board_api"]
    assert second["inserted"] == 0 and second["updated"] == 0
    open_ids = {u.rsplit("/", 1)[1] for u in open_after_first}
    for url in second["fetched_urls"]:
        if "/board/api/list" in url:
            continue
        assert "/board/api/post/" in url and url.rsplit("/", 1)[1] in open_ids, url
    list_pages = [u for u in second["fetched_urls"] if "/board/api/list" in u]
    assert list_pages == [sites.urls()["board_api"][0]]  # page 1 holds nothing new: stop there
    assert len(second["fetched_urls"]) == 1 + len(open_after_first)

    # New posts published between passes are picked up.
    sites.test_clock.advance(65)
    truth = expected_posts(sites)
    new_urls = set(truth) - set(docs)
    assert new_urls
    third = crawl(config, home=tmp_path)["board_api"]
    assert third["inserted"] == len(new_urls)
    docs = stored(config, "board_api")
    assert set(docs) == set(truth)

    # Posts answered between passes are updated in place (same id) with the reply and its time.
    sites.test_clock.advance(900)
    truth = expected_posts(sites)
    answered = {u for u, r in truth.items() if r["reply"] and u in docs and docs[u].reply is None}
    assert answered, "advancing the clock should answer some open posts"
    fourth = crawl(config, home=tmp_path)["board_api"]
    assert fourth["updated"] >= len(answered)
    after = stored(config, "board_api")
    assert set(after) == set(truth)  # no duplicates: ids are per URL
    for url in answered:
        assert after[url].id == docs[url].id
        assert after[url].reply is not None and after[url].reply.text == truth[url]["reply"]["text"]
        assert after[url].status == truth[url]["status"]
    store = open_store(config)
    try:
        row = store.documents.db.execute("SELECT reply_first_seen FROM documents WHERE id = ?",
                                         (document_id(next(iter(answered))),)).fetchone()
        assert row[0], "the store records when the answer was first seen"
    finally:
        store.close()


def test_board_html_list_and_detail_pages(tmp_path, sites):
    config = load_config(write_config(tmp_path, sites, ["board"]), tmp_path)
    result = crawl(config, home=tmp_path)["board"]
    truth = expected_posts(sites)
    docs = stored(config, "board")
    assert set(docs) == set(truth)
    assert result["errors"] == {}
    for url, rec in truth.items():
        doc = docs[url]
        assert (doc.title, doc.author, doc.status, doc.region, doc.category) == \
            (rec["title"], rec["author"], rec["status"], rec["region"], rec["category"])
        assert (doc.views, doc.likes, doc.dislikes, doc.replies) == \
            (rec["views"], rec["likes"], rec["dislikes"], rec["replies"])
        assert doc.published_at == datetime.fromisoformat(rec["published_at"]).replace(microsecond=0)
        if rec["reply"]:
            assert doc.reply.text == rec["reply"]["text"]
            assert doc.reply.department == rec["reply"]["department"]
        else:
            assert doc.reply is None
        assert "".join(doc.content.split()) == "".join(rec["content"].split())  # HTML collapses whitespace


def test_news_site_full_then_only_first_list_page(tmp_path, sites):
    config = load_config(write_config(tmp_path, sites, ["city_news"]), tmp_path)
    first = crawl(config, home=tmp_path)["city_news"]
    truth = {r["url"]: r for r in sites.expected()["records"] if "/news/20" in r["url"] and "/a3/" not in r["url"]}
    docs = stored(config, "city_news")
    assert set(docs) == set(truth)
    assert all(docs[u].title == r["title"] for u, r in truth.items())
    assert all(docs[u].published_at == datetime.fromisoformat(r["published_at"]) for u, r in truth.items())
    raw = open_store(config)
    try:
        page = raw.documents.get_document(next(iter(docs.values())).id, with_html=True)
        assert page.html and "<html" in page.html.lower()  # raw page kept for re-processing
    finally:
        raw.close()
    assert first["pages"] == len(truth) + 2  # two list pages of 20 plus every article

    second = crawl(config, home=tmp_path)["city_news"]
    assert second["inserted"] == 0
    assert second["fetched_urls"] == sites.urls()["city_news"]
    health = {h["name"]: h for h in source_report(config, open_store(config))}["city_news"]
    assert health["runs"] == 2 and not health["needs_attention"]


def test_feed_entries_fetched_once(tmp_path, sites):
    config = load_config(write_config(tmp_path, sites, ["city_rss"]), tmp_path)
    first = crawl(config, home=tmp_path)["city_rss"]
    docs = stored(config, "city_rss")
    truth = {r["url"]: r for r in sites.expected()["records"] if "/news/20" in r["url"] and "/a3/" not in r["url"]}
    assert docs and set(docs) <= set(truth)
    assert first["inserted"] == len(docs) == first["listed"]
    assert all(docs[u].title == truth[u]["title"] for u in docs)
    second = crawl(config, home=tmp_path)["city_rss"]
    assert second["inserted"] == 0 and second["fetched_urls"] == sites.urls()["city_rss"]


def test_faults_mode_finishes_stores_good_and_reports_bad(tmp_path):
    with serve(port=0, seed=5, faults=True, live=False, fault_timeout=6.0, fault_slow=0.5, **SITE_OPTIONS) as sites:
        config = load_config(write_config(tmp_path, sites, ["faults"],
                                          {"faults": 'selectors = { links = "ul li a::attr(href)" }'}), tmp_path)
        result = crawl(config, home=tmp_path, timeout=120)["faults"]
        truth = sites.expected()["faults"]
    assert result["reason"] == "finished" and not result["failed"]
    docs = stored(config, "faults")
    reported = {e["url"]: e["kind"] for e in result["error_urls"]}
    for page in truth:
        if page["expect"] == "store":
            assert page["url"] in docs, page
            if page.get("title"):
                assert docs[page["url"]].title == page["title"]
        else:
            assert page["url"] in reported, page
    kinds = {p["kind"]: reported.get(p["url"]) for p in truth if p["expect"] == "report"}
    assert kinds == {"not_found": "http_404", "server_error": "http_500", "timeout": "timeout",
                     "redirect_loop": "redirect_loop", "truncated": "truncated", "huge": "too_large",
                     "binary": "not_html", "wrong_charset": "charset_mismatch"}
    # The page that lied about its charset is stored, decoded by its bytes.
    wrong = next(p for p in truth if p["kind"] == "wrong_charset")
    assert docs[wrong["url"]].title == wrong["title"]
    store = open_store(config)
    try:
        health = store.workflow.source_health()[0]
        assert health["errors"]["http_404"] == 1 and health["pages_fetched"] == result["pages"]
    finally:
        store.close()


def test_failing_source_is_flagged_after_failure_cycles(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "yuqing.toml").write_text(
        "[crawl]\nfailure_cycles = 2\n[[sources]]\nname = \"dead\"\ntype = \"news\"\n"
        f"start_urls = [\"http://127.0.0.1:{port}/news/index.html\"]\n"
        "politeness = { timeout = 2, retries = 0 }\n", encoding="utf-8")
    config = load_config(tmp_path / "yuqing.toml", tmp_path)
    first = crawl(config, home=tmp_path)["dead"]
    assert first["failed"] and first["errors"] == {"connection": 1}
    store = open_store(config)
    try:
        report = source_report(config, store)[0]
        assert report["consecutive_failures"] == 1 and not report["needs_attention"]
        second = crawl(config, home=tmp_path)["dead"]
        assert second["failed"]
        report = source_report(config, store)[0]
        assert report["needs_attention"] and "连续 2 轮抓取失败" in report["attention_reason"]
        assert report["last_error_urls"][0]["url"].endswith("/news/index.html")
    finally:
        store.close()
