"""Engagement aggregates (the engagement rule's source norms): every backend gives exactly what the data says."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest

from yuqing.clock import TZ
from yuqing.model import Document, DocumentKind
from yuqing.storage.base import DocumentFilter, StoreError

T0 = datetime(2024, 10, 28, 9, 0, tzinfo=TZ)  # crosses a month boundary → two monthly indices in Elasticsearch


def _likes(rng: random.Random, busy: bool) -> int:
    """Board-like counts: most posts have none, a few some, rare ones many (a busy source has more of everything)."""
    u = rng.random()
    if u < (0.3 if busy else 0.7):
        return 0
    if u < 0.97:
        return rng.randrange(1, 60 if busy else 12)
    return rng.randrange(100, 2000)


def corpus(seed: int = 3):
    rng = random.Random(seed)
    docs, dups = [], {}
    for i in range(160):
        source = ["city_board", "county_board", "news"][i % 3]
        at = T0 + timedelta(hours=rng.randrange(0, 24 * 10), seconds=i)
        doc = Document(url=f"http://e/{i}", source=source, title=f"留言{i}", content="小区噪音扰民",
                       kind=DocumentKind.ARTICLE if source == "news" else DocumentKind.POST, published_at=at,
                       likes=_likes(rng, source == "city_board"), replies=rng.randrange(0, 4) if source != "news" else 0,
                       dislikes=rng.randrange(0, 3), views=rng.randrange(0, 500))
        docs.append(doc)
        if i % 11 == 5:
            dups[doc.id] = docs[i - 1].id  # a repost of the previous post: not part of any norm
    docs.append(Document(url="http://e/star", source="city_board", title="明星帖", content="支持", kind=DocumentKind.POST,
                         published_at=T0 + timedelta(days=4, seconds=7), likes=1762, replies=35))
    return docs, dups


@pytest.fixture
def engaged(documents):
    docs, dups = corpus()
    for start in range(0, len(docs), 50):
        documents.upsert_documents(docs[start:start + 50], T0)
    documents.link_documents({d: ("ev-x", orig) for d, orig in dups.items()})
    return documents, docs, dups


def expected_histogram(docs, dups, fields, flt):
    out = defaultdict(Counter)
    for d in docs:
        if d.id in dups:
            continue
        if flt.since and d.published_at < flt.since or flt.until and d.published_at >= flt.until:
            continue
        if flt.kind and d.kind.value != flt.kind:
            continue
        out[d.source][sum(getattr(d, f) for f in fields)] += 1
    return {s: sorted(c.items()) for s, c in sorted(out.items())}


@pytest.mark.parametrize("fields", [("likes", "replies"), ("likes",), ("likes", "dislikes", "replies", "views")])
@pytest.mark.parametrize("flt", [DocumentFilter(), DocumentFilter(kind="post"),
                                 DocumentFilter(since=T0 + timedelta(days=2), until=T0 + timedelta(days=6))],
                         ids=["all", "posts", "window"])
def test_histogram_is_exact(engaged, fields, flt):
    store, docs, dups = engaged
    got = store.engagement_histogram(flt, fields)
    assert got == expected_histogram(docs, dups, fields, flt)
    assert "news" not in got if flt.kind == "post" else "news" in got
    if flt.since is None:  # the star post is in its source's norm
        assert max(v for v, _ in got["city_board"]) >= 1762


def test_engaged_documents_are_the_ones_above_the_floor_in_order(engaged):
    store, docs, dups = engaged
    fields = ("likes", "replies")
    total = lambda d: d.likes + d.replies  # noqa: E731
    want = sorted((d for d in docs if d.id not in dups and total(d) >= 100),
                  key=lambda d: (-total(d), -d.published_at.timestamp(), d.id))
    got = store.engaged_documents(DocumentFilter(), fields, 100, limit=50)
    assert [d.id for d in got] == [d.id for d in want]
    assert got[0].title == "明星帖" and got[0].likes == 1762
    assert [d.id for d in store.engaged_documents(DocumentFilter(), fields, 100, limit=2)] == [d.id for d in want[:2]]
    window = DocumentFilter(source="city_board", since=T0 + timedelta(days=3), until=T0 + timedelta(days=5))
    assert [d.id for d in store.engaged_documents(window, fields, 100)] == [
        d.id for d in want if d.source == "city_board" and window.since <= d.published_at < window.until]
    # A floor no post reaches: nothing, on every backend.
    assert store.engaged_documents(DocumentFilter(), fields, 10**6) == []


def test_unknown_count_field_is_refused_in_chinese(engaged):
    store, _, _ = engaged
    with pytest.raises(StoreError, match="互动指标"):
        store.engagement_histogram(DocumentFilter(), ("likes", "shares"))
    with pytest.raises(StoreError, match="互动指标"):
        store.engaged_documents(DocumentFilter(), (), 10)
