"""The keyword cloud's daily rollup (keyword_daily) gives the same counts as unpacking every document's keywords,
for whole-day and partial-day windows, after re-analysis, and when a migration builds it from existing rows."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

import pytest

from yuqing.clock import TZ, day_start
from yuqing.model import Document
from yuqing.storage.base import DocumentFilter
from yuqing.storage.sqlite import SQLiteStore

T0 = datetime(2024, 10, 28, 15, 30, tzinfo=TZ)
WORDS = ["供暖", "停水", "物业", "噪音", "学位", "公交", "燃气", "医保"]


def make_docs(n: int = 300, seed: int = 3) -> tuple[list[Document], dict[str, list[str]]]:
    rng = random.Random(seed)
    docs, keywords = [], {}
    for i in range(n):
        at = T0 - timedelta(hours=rng.uniform(0, 24 * 9))
        doc = Document(url=f"http://t.invalid/{i}", source="board", title=f"标题{i}", content=f"内容{i}", published_at=at)
        docs.append(doc)
        keywords[doc.id] = rng.sample(WORDS, rng.randint(0, 3))
    return docs, keywords


def save(store: SQLiteStore, keywords: dict[str, list[str]]) -> None:
    store.save_analyses([(i, {"text": "x", "title_tokens": ["x"], "content_words": ["x"], "keywords": kws,
                              "sentiment": {"label": "neutral", "score": 0.5}}) for i, kws in keywords.items()], T0)


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


def test_other_filters_still_count_from_documents(store):
    docs, keywords = make_docs(60)
    store.upsert_documents(docs, T0)
    save(store, keywords)
    assert store.top_keywords(DocumentFilter(source="nope", since=T0 - timedelta(days=30))) == []
    assert dict(store.top_keywords(DocumentFilter(source="board"), limit=100)) == expected(docs, keywords, None, None)


def test_migration_builds_the_rollup_from_existing_documents(tmp_path):
    path = tmp_path / "old.db"
    docs, keywords = make_docs(120)
    first = SQLiteStore(path)
    first.upsert_documents(docs, T0)
    save(first, keywords)
    # As a store from before the rollup existed: no table, migration 6 not applied.
    first.db.execute("DROP TABLE keyword_daily")
    first.db.execute("DELETE FROM schema_version WHERE version = 6")
    first.close()
    again = SQLiteStore(path)
    try:
        check(again, docs, keywords)
    finally:
        again.close()
