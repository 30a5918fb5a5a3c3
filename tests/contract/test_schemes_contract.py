"""Scheme storage contract (监测方案): every document backend stores schemes and their matches alike, and every query
that takes a DocumentFilter honours ``DocumentFilter.scheme``."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import jieba
import pytest

from tests.contract.test_documents_contract import T0
from yuqing.model import Document, DocumentKind, Event, Scheme, SchemeError
from yuqing.storage.base import DocumentFilter

HEATING = Scheme(name="供暖专项", expression="供暖 OR 暖气", owner="officer1", sources=("board",),
                 created_at=T0, updated_at=T0)


def _docs():
    """Six posts over three days, two sources; the first four are about heating."""
    texts = [("board", "小区供暖不热", "暖气片冰凉，家里只有十五度", "negative"),
             ("board", "供暖费用问题", "今年供暖费上涨", "negative"),
             ("news", "市供暖办答复", "已督促热力公司排查", "positive"),
             ("board", "暖气漏水", "楼道暖气管漏水结冰", "neutral"),
             ("board", "道路积水", "下雨后路口积水严重", "negative"),
             ("news", "公交线路调整", "新开通两条公交线路", "neutral")]
    out = []
    for i, (source, title, content, label) in enumerate(texts):
        out.append((Document(url=f"http://x/{i}", source=source, title=title, content=content, kind=DocumentKind.POST,
                             region="A3区" if i % 2 else "A1区", published_at=T0 + timedelta(days=i // 2, hours=i)),
                    label))
    return out


def _analyse(store, pairs, *, matches=None, now=T0):
    results = []
    for doc, label in pairs:
        tokens = jieba.lcut(doc.title + doc.content)
        results.append((doc.id, {"text": doc.title + doc.content, "title_tokens": jieba.lcut(doc.title),
                                 "content_words": tokens, "sentiment": {"label": label, "score": 0.5},
                                 "topic": {"label": "城乡建设", "score": 0.9}, "keywords": tokens[:2]}))
    store.save_analyses(results, now, scheme_matches=matches)


@pytest.fixture
def filled(documents):
    pairs = _docs()
    documents.upsert_documents([d for d, _ in pairs], T0)
    _analyse(documents, pairs)
    return documents, [d for d, _ in pairs]


def test_schemes_round_trip_and_revision_changes(documents):
    assert documents.list_schemes() == [] and documents.get_scheme("供暖专项") is None
    first = documents.schemes_revision()
    timed = replace(HEATING, start=T0, end=T0 + timedelta(days=30), regions=("A3区", "A1区"))
    documents.save_scheme(timed)
    assert documents.get_scheme("供暖专项") == timed
    assert documents.schemes_revision() != first
    other = Scheme(name="交通", expression="公交", created_at=T0, updated_at=T0)
    documents.save_scheme(other)
    assert [s.name for s in documents.list_schemes()] == ["交通", "供暖专项"]
    before = documents.schemes_revision()
    assert documents.delete_scheme("交通") is True
    assert documents.delete_scheme("交通") is False
    assert documents.schemes_revision() != before
    assert [s.name for s in documents.list_schemes()] == ["供暖专项"]


def test_scheme_validation_in_chinese():
    with pytest.raises(SchemeError, match="方案名称"):
        Scheme(name="bad name", expression="供暖")
    with pytest.raises(SchemeError, match="表达式不能为空"):
        Scheme(name="ok", expression="  ")
    with pytest.raises(SchemeError, match="结束时间应晚于开始时间"):
        Scheme(name="ok", expression="供暖", start=T0, end=T0)
    with pytest.raises(SchemeError, match="带时区"):
        Scheme(name="ok", expression="供暖", start=T0.replace(tzinfo=None))


def test_backfill_steps_record_matches_idempotently_and_only_for_the_current_version(filled):
    store, docs = filled
    store.save_scheme(HEATING)
    ids = [d.id for d in docs[:4]]
    assert store.record_backfill("供暖专项", 1, ids[:2], cursor=ids[1]) is True
    assert store.record_backfill("供暖专项", 1, ids[:2], cursor=ids[1]) is True  # a rerun adds nothing twice
    assert store.get_scheme("供暖专项").backfill_cursor == ids[1]
    assert not store.get_scheme("供暖专项").backfill_done
    assert store.record_backfill("供暖专项", 1, ids[2:], cursor="~", done=True) is True
    stored = store.get_scheme("供暖专项")
    assert stored.backfill_done and stored.backfilled_version == 1
    assert store.scheme_match_counts() == {"供暖专项": 4}
    assert store.record_backfill("供暖专项", 2, ids, cursor="~") is False  # not the stored version
    assert store.record_backfill("没有", 1, ids, cursor="~") is False
    # A new version drops the old matches in the same write.
    store.save_scheme(replace(stored, expression="暖气", version=2, backfill_cursor=None))
    assert store.scheme_match_counts() == {}
    assert store.list_documents(DocumentFilter(scheme="供暖专项"))[0] == 0
    assert store.record_backfill("供暖专项", 2, [ids[0], ids[3], "no-such-document"], cursor="~", done=True)
    total, listed = store.list_documents(DocumentFilter(scheme="供暖专项"))
    assert total == 2 and {d.id for d in listed} == {ids[0], ids[3]}
    assert store.delete_scheme("供暖专项")
    assert store.scheme_match_counts() == {}


def test_save_analyses_records_exactly_the_matches_it_is_given(documents):
    pairs = _docs()
    documents.upsert_documents([d for d, _ in pairs], T0)
    documents.save_scheme(HEATING)
    documents.save_scheme(Scheme(name="交通", expression="公交 OR 道路"))
    calls = []

    def matches():
        calls.append(documents.schemes_revision())
        return {pairs[0][0].id: ["供暖专项"], pairs[4][0].id: ["交通"], pairs[5][0].id: ["交通", "已删除的方案"]}

    _analyse(documents, pairs, matches=matches)
    assert len(calls) == 1
    assert documents.scheme_match_counts() == {"供暖专项": 1, "交通": 2}
    # Analysed again: each document of the batch has exactly the new answer (the old match of pairs[0] goes).
    _analyse(documents, pairs[:1], matches=lambda: {pairs[0][0].id: ["交通"]})
    assert documents.scheme_match_counts() == {"交通": 3}
    assert documents.pending_documents() == []


def test_every_filtered_query_honours_the_scheme(filled):
    store, docs = filled
    store.save_scheme(HEATING)
    heating = docs[:4]
    store.record_backfill("供暖专项", 1, [d.id for d in heating], cursor="~", done=True)
    flt = DocumentFilter(scheme="供暖专项")
    total, listed = store.list_documents(flt, limit=10)
    assert total == 4 and {d.id for d in listed} == {d.id for d in heating}
    assert store.list_documents(DocumentFilter(scheme="供暖专项", source="news"))[0] == 1
    assert store.list_documents(DocumentFilter(scheme="没有这个方案"))[0] == 0
    # Aggregates: the daily rollups know no schemes, so whole-day windows must still count only the matches.
    whole_days = DocumentFilter(scheme="供暖专项", since=T0 - timedelta(days=1), until=T0 + timedelta(days=10))
    for f in (flt, whole_days):
        assert sum(r["total"] for r in store.count_by_day(f)) == 4
        assert dict(store.count_by("source", f)) == {"board": 3, "news": 1}
        assert dict(store.count_by("sentiment", f)) == {"negative": 2, "positive": 1, "neutral": 1}
        keywords = dict(store.top_keywords(f))
        assert "公交" not in keywords and "积水" not in keywords and keywords
    total, hits = store.search("暖气", flt)
    assert total == 2 and {h.id for h in hits} == {docs[0].id, docs[3].id}
    assert store.search("积水", flt)[0] == 0
    assert sorted(store.document_ids(flt)) == sorted(d.id for d in heating)
    ids = store.document_ids(flt, limit=2)
    assert ids == sorted(ids) and store.document_ids(flt, after=ids[-1]) == sorted(d.id for d in heating)[2:]
    assert set(store.engagement_histogram(flt)) == {"board", "news"}
    assert {d.id for d in store.engaged_documents(flt, ("likes",), 0)} == {d.id for d in heating}


def test_events_listed_for_a_scheme(filled):
    store, docs = filled
    store.save_scheme(HEATING)
    store.save_events([Event(id="e-heat", title="供暖", keywords=["供暖"], doc_count=2, first_seen=T0, last_seen=T0),
                       Event(id="e-road", title="积水", keywords=["积水"], doc_count=1, first_seen=T0, last_seen=T0)],
                      T0)
    store.link_documents({docs[0].id: ("e-heat", None), docs[1].id: ("e-heat", None), docs[4].id: ("e-road", None)})
    store.record_backfill("供暖专项", 1, [docs[0].id, docs[1].id], cursor="~", done=True)
    assert [e.id for e in store.list_events(scheme="供暖专项")] == ["e-heat"]
    assert {e.id for e in store.list_events()} == {"e-heat", "e-road"}
    counts = store.event_daily_counts(["e-heat", "e-road"], DocumentFilter(scheme="供暖专项"))
    assert sum(n for _, n in counts["e-heat"]) == 2 and counts["e-road"] == []


def test_backfill_and_live_matching_on_every_backend(documents):
    """The back-fill walk and the live matcher over each backend give what Query.matches says, after a kill too."""
    from yuqing.query import parse
    from yuqing.scheme_matching import SchemeMatcher, backfill

    pairs = _docs()
    documents.upsert_documents([d for d, _ in pairs[:4]], T0)
    _analyse(documents, pairs[:4])
    scheme = Scheme(name="供暖", expression="供暖 OR 暖气 NOT 漏水", regions=("A1区", "A3区"))
    documents.save_scheme(scheme)
    seen = []

    def killed(report):
        seen.append(report.examined)
        if len(seen) == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backfill(documents, "供暖", batch=2, progress=killed)
    assert not documents.get_scheme("供暖").backfill_done
    report = backfill(documents, "供暖", batch=2)
    assert report.done and report.examined == 2
    query = parse(scheme.expression)
    expected = {d.id for d, _ in pairs[:4] if scheme.admits(d) and query.matches(d)}
    assert expected == {pairs[0][0].id, pairs[1][0].id, pairs[2][0].id}
    assert {d.id for d in documents.list_documents(DocumentFilter(scheme="供暖"))[1]} == expected
    # New documents, analysed with the matcher: the heating one is matched in the same write, the other is not.
    documents.upsert_documents([d for d, _ in pairs[4:]], T0)
    extra = Document(url="http://x/new", source="board", title="供暖不热", content="十二度", region="A3区",
                     published_at=T0)
    documents.upsert_documents([extra], T0)
    new = [*pairs[4:], (extra, "negative")]
    _analyse(documents, new, matches=SchemeMatcher(documents).source_for([d for d, _ in new]))
    assert {d.id for d in documents.list_documents(DocumentFilter(scheme="供暖"))[1]} == expected | {extra.id}


def test_matching_documents_walk_in_id_order_with_what_matching_reads(filled):
    store, docs = filled
    by_id = {d.id: d for d in docs}
    walked, after = [], None
    while True:
        page = store.matching_documents(DocumentFilter(source="board"), after=after, limit=2)
        if not page:
            break
        walked += page
        after = page[-1].id
    assert [d.id for d in walked] == sorted(d.id for d in docs if d.source == "board")
    for d in walked:
        original = by_id[d.id]
        assert (d.title, d.content, d.source, d.region, d.url, d.kind) == (
            original.title, original.content, original.source, original.region, original.url, original.kind)
        assert d.published_at == original.published_at
