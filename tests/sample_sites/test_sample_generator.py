"""The generator: determinism, ground truth (issues, duplicates, reposts, PII, burst) and bulk corpora."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import opencc
import pytest

from yuqing.clock import TZ
from yuqing.samples.corpus import CATEGORIES
from yuqing.samples.posts import STATUS_OPEN, STATUS_REPLIED, make_issue
from yuqing.samples.problems import PROBLEMS
from yuqing.samples.timeline import Timeline, generate, generate_posts

START = datetime(2024, 11, 21, 10, 0, tzinfo=TZ)
PINYIN_RE = re.compile(r"[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


def _id_check_ok(number: str) -> bool:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(number[:17], weights)) % 11] == number[17]


def test_same_seed_same_content_different_seed_differs():
    now = START + timedelta(minutes=8)
    a = generate(7, now, start=START).records("http://x")
    b = generate(7, now, start=START).records("http://x")
    c = generate(8, now, start=START).records("http://x")
    assert a == b
    assert [r["title"] for r in a] != [r["title"] for r in c]


def test_snapshot_ids_unique_and_newest_first():
    tl = Timeline(3, START)
    snap = tl.snapshot(START + timedelta(minutes=10))
    ids = [p.id for p in snap.posts]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids, reverse=True), "ids must rise with publication time"
    times = [p.published_at for p in snap.posts]
    assert times == sorted(times, reverse=True)
    for site, articles in snap.articles.items():
        assert len({a.path for a in articles}) == len(articles), site


def test_live_ids_stable_as_time_passes():
    tl = Timeline(5, START, live_interval=7, burst_delay=30, burst_window=60)
    early = {p.id: p.title for p in tl.snapshot(START + timedelta(seconds=50)).posts}
    late = {p.id: p.title for p in tl.snapshot(START + timedelta(seconds=500)).posts}
    assert early.items() <= late.items()
    assert len(late) > len(early)


def test_burst_of_similar_angry_posts_about_one_issue():
    tl = Timeline(11, START, burst_delay=60, burst_size=30, burst_window=240)
    snap = tl.snapshot(START + timedelta(minutes=10))
    burst = [p for p in snap.posts if p.issue_key == snap.burst_issue_key and p.published_at > START]
    assert 20 <= len(burst) <= 40
    assert all(p.region == "A3区" and p.category == "城乡建设" for p in burst)
    span = max(p.published_at for p in burst) - min(p.published_at for p in burst)
    assert span <= timedelta(seconds=240)
    assert min(p.published_at for p in burst) >= START + timedelta(seconds=60)
    assert len({p.author for p in burst}) == len(burst), "each resident posts once"
    assert len({p.content for p in burst}) >= 0.9 * len(burst), "residents write in their own words"
    assert sum(p.sentiment == "negative" for p in burst) == len(burst)
    # Nothing of the burst exists before it starts.
    assert not [p for p in tl.snapshot(START + timedelta(seconds=59)).posts if p.issue_key == snap.burst_issue_key
                and p.published_at > START]


def test_issue_keys_separate_problems_at_the_same_place():
    import random
    problems = {p["key"]: p for p in PROBLEMS}
    heating = make_issue(random.Random(1), problems["heating"], "A3区", estate="翠湖花园")
    parking = make_issue(random.Random(1), problems["parking"], "A3区", estate="翠湖花园")
    again = make_issue(random.Random(2), problems["heating"], "A3区", estate="翠湖花园")
    assert heating.key != parking.key
    assert heating.key == again.key
    assert "翠湖花园" in heating.key


def test_duplicates_and_reposts_point_at_their_original():
    snap = generate(2, START + timedelta(days=3), start=START)
    records = snap.records("http://h")
    by_url = {r["url"]: r for r in records}
    dups = [r for r in records if r["duplicate_of"] and r["source"] == "A市领导留言板"]
    reposts = [r for r in records if r["source"] == "转载站"]
    assert dups and reposts
    for r in dups:
        orig = by_url[r["duplicate_of"]]
        assert (orig["title"], orig["content"]) == (r["title"], r["content"])
        assert orig["published_at"] < r["published_at"]
        assert orig["issue_key"] == r["issue_key"]
    t2s = opencc.OpenCC("t2s")
    annotated = 0
    for r in reposts:
        orig = by_url[r["duplicate_of"]]
        assert r["title"] != orig["title"] and t2s.convert(r["title"]) == orig["title"]
        annotated += bool(PINYIN_RE.search(r["content"]))
        assert r["issue_key"] == orig["issue_key"]
    assert annotated > 0, "some reposts carry 發(fā)-style pinyin"


def test_pii_is_planted_in_the_text_and_labelled():
    records = generate_posts(4, 3000)
    with_pii = [r for r in records if r["pii"]]
    assert len(with_pii) > 30
    for r in with_pii:
        for value in r["pii"]:
            assert value in r["content"]
            if len(value) == 18:
                assert _id_check_ok(value)
            else:
                assert re.fullmatch(r"1[3-9]\d{9}", value)
    assert any(len(v) == 18 for r in with_pii for v in r["pii"])
    assert any(len(v) == 11 for r in with_pii for v in r["pii"])


def test_generate_posts_bulk_format_and_labels():
    n = 6000
    records = generate_posts(9, n, START)
    assert len(records) == n
    assert len({r["url"] for r in records}) == n
    assert Counter(r["category"] for r in records).keys() == set(CATEGORIES)
    assert {"negative", "neutral", "positive"} == {r["sentiment"] for r in records}
    times = [datetime.fromisoformat(r["published_at"]) for r in records]
    assert times == sorted(times) and times[0] > START
    assert all(r["published_at"].endswith("+08:00") for r in records)
    for r in records:
        assert r["title"] and r["content"] and r["source"] and r["region"] and r["issue_key"]
        assert isinstance(r["likes"], int) and isinstance(r["replies"], int)
        if r["reply"] is not None:
            assert r["reply"]["text"] and r["reply"]["department"]
            assert datetime.fromisoformat(r["reply"]["time"]) > datetime.fromisoformat(r["published_at"])
    # Bursts: at least one group of 20+ posts on one issue within ten minutes.
    groups = defaultdict(list)
    for r, t in zip(records, times):
        groups[r["issue_key"]].append(t)
    bursty = [k for k, ts in groups.items() if len(ts) >= 20 and any(
        ts[i + 19] - ts[i] <= timedelta(minutes=10) for i in range(len(ts) - 19))]
    assert bursty
    # Same place+problem share a key; the key names the region of every post carrying it.
    assert all(r["issue_key"].split("|")[0] == r["region"] for r in records)
    assert sum(1 for r in records if r["duplicate_of"]) > 0.02 * n


def test_generate_posts_is_deterministic_and_can_drop_labels():
    a = generate_posts(1, 500, START)
    assert a == generate_posts(1, 500, START)
    plain = generate_posts(1, 500, START, labels=False)
    assert all("issue_key" not in r and "duplicate_of" not in r for r in plain)
    assert [r["content"] for r in plain] == [r["content"] for r in a]


def test_replies_respect_now():
    records = generate_posts(1, 800, START, now=START + timedelta(days=2))
    for r in records:
        if r["reply"]:
            assert datetime.fromisoformat(r["reply"]["time"]) <= START + timedelta(days=2)
            assert r["status"] == STATUS_REPLIED
    assert any(r["reply"] is None and r["status"] != STATUS_REPLIED for r in records)


def test_live_posts_get_answered_later():
    tl = Timeline(6, START, live_interval=10, live_reply_delay=(30, 90))
    t1 = START + timedelta(seconds=60)
    t2 = START + timedelta(seconds=600)
    open_then = {p.id for p in tl.snapshot(t1).posts if p.published_at > START and p.status(t1) == STATUS_OPEN}
    later = {p.id: p for p in tl.snapshot(t2).posts}
    answered = [i for i in open_then if later[i].status(t2) == STATUS_REPLIED]
    assert answered
    assert all(later[i].reply(t2)["department"] for i in answered)


def test_bad_n_rejected():
    with pytest.raises(ValueError, match="不能为负数"):
        generate_posts(1, -1)


def bench_generate_posts(n: int = 80000) -> None:
    """Benchmark (not a test): documents per second of generate_posts."""
    import time
    t0 = time.perf_counter()
    generate_posts(1, n)
    dt = time.perf_counter() - t0
    print(f"generate_posts: {n} 条 {dt:.2f} 秒，{n / dt:.0f} 条/秒")


if __name__ == "__main__":
    bench_generate_posts()
