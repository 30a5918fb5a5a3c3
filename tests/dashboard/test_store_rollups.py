"""The heat board's daily rollups give the same answers as counting the documents themselves: keyword_daily (the
keyword cloud) and doc_daily (daily volume by sentiment, topic/region/... distributions), for whole-day and
partial-day windows, with filters, after re-analysis and re-crawls, and when a migration builds them from old rows."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

import pytest

from yuqing.clock import TZ, day_start, local_day
from yuqing.model import Document, DocumentKind
from yuqing.storage.base import DocumentFilter
from yuqing.storage.sqlite import SQLiteStore

T0 = datetime(2024, 10, 28, 15, 30, tzinfo=TZ)
WORDS = ["供暖", "停水", "物业", "噪音", "学位", "公交", "燃气", "医保"]
TOPICS = ["城乡建设", "教育文体", None]
SENTIMENTS = ["negative", "neutral", "positive", None]
REGIONS = ["A1区", "A2区", None]


def make_docs(n: int = 300, seed: int = 3) -> tuple[list[Document], dict[str, list[str]]]:
    rng = random.Random(seed)
    docs, keywords = [], {}
    for i in range(n):
        at = T0 - timedelta(hours=rng.uniform(0, 24 * 9))
        doc = Document(url=f"http://t.invalid/{i}", source=rng.choice(["board", "news"]), title=f"标题{i}",
                       content=f"内容{i}", published_at=at, region=rng.choice(REGIONS),
                       kind=rng.choice([DocumentKind.POST, DocumentKind.ARTICLE]))
        docs.append(doc)
        keywords[doc.id] = rng.sample(WORDS, rng.randint(0, 3))
    return docs, keywords


def labels(doc_id: str, seed: int = 0) -> dict:
    rng = random.Random(f"{doc_id}{seed}")
    return {"sentiment": {"label": rng.choice(SENTIMENTS), "score": 0.5}, "topic": {"label": rng.choice(TOPICS)},
            "department": rng.choice(["A市住建局", None])}


def save(store: SQLiteStore, keywords: dict[str, list[str]], seed: int = 0) -> dict[str, dict]:
    analyses = {i: {"text": "x", "title_tokens": ["x"], "content_words": ["x"], "keywords": kws, **labels(i, seed)}
                for i, kws in keywords.items()}
    store.save_analyses(list(analyses.items()), T0)
    return analyses


def by_day(docs, analyses, flt: DocumentFilter) -> list[dict]:
    days: dict[str, Counter] = {}
    for d in selected(docs, analyses, flt):
        c = days.setdefault(local_day(d.published_at), Counter())
        c["total"] += 1
        c[(analyses.get(d.id, {}).get("sentiment") or {}).get("label")] += 1
    return [{"day": day, "total": c["total"], "negative": c["negative"], "neutral": c["neutral"],
             "positive": c["positive"]} for day, c in sorted(days.items())]


FIELDS = {"source": lambda d, a: d.source, "kind": lambda d, a: d.kind.value, "region": lambda d, a: d.region,
          "topic": lambda d, a: (a.get("topic") or {}).get("label"), "department": lambda d, a: a.get("department"),
          "sentiment": lambda d, a: (a.get("sentiment") or {}).get("label")}


def selected(docs, analyses, flt: DocumentFilter) -> list[Document]:
    out = []
    for d in docs:
        a = analyses.get(d.id, {})
        if any(getattr(flt, f) and FIELDS[f](d, a) != getattr(flt, f) for f in FIELDS):
            continue
        if (flt.since and d.published_at < flt.since) or (flt.until and d.published_at >= flt.until):
            continue
        out.append(d)
    return out


def check_counts(store: SQLiteStore, docs, analyses) -> None:
    for since, until in windows():
        for extra in ({}, {"topic": "城乡建设"}, {"region": "A2区", "sentiment": "negative"}, {"kind": "post"}):
            flt = DocumentFilter(since=since, until=until, **extra)
            assert store.count_by_day(flt) == by_day(docs, analyses, flt), flt
            for field, value in FIELDS.items():
                want = Counter(value(d, analyses.get(d.id, {})) or "未知" for d in selected(docs, analyses, flt))
                got = store.count_by(field, flt, limit=50)
                assert dict(got) == want, (field, flt)
                assert [n for _, n in got] == sorted((n for _, n in got), reverse=True)


def expected(docs: list[Document], keywords: dict[str, list[str]], since, until) -> Counter:
    return Counter(k for d in docs for k in keywords[d.id]
                   if (since is None or d.published_at >= since) and (until is None or d.published_at < until))


def windows() -> list[tuple[datetime | None, datetime | None]]:
    today = day_start(T0.date())
    return [(None, None), (today - timedelta(days=6), today + timedelta(days=1)),  # whole days only
            (T0 - timedelta(days=7), T0),  # partial days at both ends
            (today - timedelta(days=3), T0), (T0 - timedelta(days=2), today), (None, T0 - timedelta(days=4)),
            (T0 - timedelta(days=5), None), (T0 - timedelta(hours=5), T0),  # within one day: no whole day
            (today - timedelta(hours=3), today + timedelta(hours=2))]  # two partial days, no whole one


def check(store: SQLiteStore, docs, keywords) -> None:
    for since, until in windows():
        got = store.top_keywords(DocumentFilter(since=since, until=until), limit=100)
        assert dict(got) == expected(docs, keywords, since, until), (since, until)
        assert [n for _, n in got] == sorted((n for _, n in got), reverse=True)


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "t.db")
    yield s
    s.close()


def test_rollup_matches_documents_and_follows_reanalysis(store):
    docs, keywords = make_docs()
    store.upsert_documents(docs, T0)
    save(store, keywords)
    check(store, docs, keywords)
    # Re-analysis changes some documents' keywords (and leaves others the same): old words leave the counts.
    rng = random.Random(9)
    changed = {d.id: rng.sample(WORDS, rng.randint(0, 2)) for d in docs[::3]}
    save(store, {**changed, docs[1].id: keywords[docs[1].id]})
    keywords.update(changed)
    check(store, docs, keywords)
    # Words nobody uses any more leave no zero rows behind.
    assert store.db.execute("SELECT count(*) FROM keyword_daily WHERE n <= 0").fetchone()[0] == 0


def test_daily_counts_match_documents_through_reanalysis_and_recrawl(store):
    docs, keywords = make_docs()
    store.upsert_documents(docs, T0)
    check_counts(store, docs, {})  # not analysed yet: no sentiment or topic
    analyses = save(store, keywords)
    check_counts(store, docs, analyses)
    # Re-analysis moves documents between topics and sentiments.
    analyses.update(save(store, {d.id: keywords[d.id] for d in docs[::4]}, seed=1))
    check_counts(store, docs, analyses)
    # A re-crawl with new content and another region; an unchanged re-crawl changes nothing.
    moved = [Document(url=d.url, source=d.source, title=d.title, content=d.content + "（更新）", kind=d.kind,
                      published_at=d.published_at, region="A3区") for d in docs[::5]]
    store.upsert_documents(moved + docs[1:3], T0)
    docs = [next((m for m in moved if m.id == d.id), d) for d in docs]
    check_counts(store, docs, analyses)
    assert store.db.execute("SELECT count(*) FROM doc_daily WHERE n <= 0").fetchone()[0] == 0


def test_other_filters_still_count_from_documents(store):
    docs, keywords = make_docs(60)
    store.upsert_documents(docs, T0)
    save(store, keywords)
    assert store.top_keywords(DocumentFilter(source="nope", since=T0 - timedelta(days=30))) == []
    board = [d for d in docs if d.source == "board"]
    assert 0 < len(board) < len(docs)
    assert dict(store.top_keywords(DocumentFilter(source="board"), limit=100)) == expected(board, keywords, None, None)


def test_migration_builds_the_rollup_from_existing_documents(tmp_path):
    path = tmp_path / "old.db"
    docs, keywords = make_docs(120)
    first = SQLiteStore(path)
    first.upsert_documents(docs, T0)
    analyses = save(first, keywords)
    # As a store from before the rollups existed: no tables, migrations 6 and 7 not applied.
    first.db.execute("DROP TABLE keyword_daily")
    first.db.execute("DROP TABLE doc_daily")
    first.db.execute("DELETE FROM schema_version WHERE version IN (6, 7)")
    first.close()
    again = SQLiteStore(path)
    try:
        check(again, docs, keywords)
        check_counts(again, docs, analyses)
        # and the rebuilt rollup keeps following changes
        analyses.update(save(again, {d.id: keywords[d.id] for d in docs[::3]}, seed=2))
        check_counts(again, docs, analyses)
    finally:
        again.close()
