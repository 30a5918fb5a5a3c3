"""Document-store contract: every backend behaves like the SQLite reference (counts, filters, aggregations)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import jieba
import pytest

from yuqing.clock import TZ, local_day
from yuqing.model import Document, DocumentKind, Event, Reply
from yuqing.storage.base import DocumentFilter, StoreError
from yuqing.storage.sqlite import SQLiteStore

T0 = datetime(2024, 10, 28, 9, 0, tzinfo=TZ)  # crosses a month boundary → two monthly indices in Elasticsearch


def analyse(store, doc, label="negative", topic="城乡建设", keywords=None, now=T0):
    tokens = jieba.lcut(doc.title + doc.content)
    store.save_analyses([(doc.id, {"text": doc.title + doc.content, "title_tokens": jieba.lcut(doc.title),
                                   "content_words": tokens, "sentiment": {"label": label, "score": 0.2},
                                   "topic": {"label": topic, "score": 0.9},
                                   "keywords": keywords if keywords is not None else tokens[:3]})], now)


def test_recrawl_never_duplicates_and_answer_updates(documents):
    post = Document(url="http://board/post/1", source="board", title="小区停车难", content="A3区幸福小区车位不足",
                    kind=DocumentKind.POST, published_at=T0)
    assert documents.upsert_documents([post], T0).inserted == 1
    assert documents.upsert_documents([post], T0).unchanged == 1
    analyse(documents, post)
    assert documents.pending_documents() == []
    answered = Document(url="http://board/post/1", source="board", title="小区停车难", content="A3区幸福小区车位不足",
                        kind=DocumentKind.POST, published_at=T0, reply=Reply("经核实，已协调增设车位。", "A3区住建局", T0))
    result = documents.upsert_documents([answered], T0 + timedelta(hours=1))
    assert result.updated == 1 and result.updated_ids == [post.id]
    assert documents.document_stats()["documents"] == 1
    stored = documents.get_document(post.id)
    assert stored.reply.department == "A3区住建局"
    assert stored.analysis["reply_first_seen"] == T0 + timedelta(hours=1)
    assert stored.analysis["first_seen"] == T0
    assert [d.id for d in documents.pending_documents()] == [post.id]


def test_count_changes_update_without_reprocessing(documents):
    post = Document(url="http://board/post/2", source="board", title="噪音扰民", content="夜间施工", likes=1,
                    published_at=T0)
    documents.upsert_documents([post], T0)
    analyse(documents, post)
    post.likes, post.views = 9, 120
    result = documents.upsert_documents([post], T0 + timedelta(minutes=5))
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 1)
    stored = documents.get_document(post.id)
    assert (stored.likes, stored.views) == (9, 120)
    assert documents.pending_documents() == []  # counts alone never send a post back to NLP


def test_a_post_stored_as_an_article_becomes_a_post_without_reprocessing(documents):
    article = Document(url="http://board/post/3", source="board", title="路灯不亮", content="晚上路灯一直不亮",
                       published_at=T0)
    documents.upsert_documents([article], T0)
    analyse(documents, article)
    post = Document(url=article.url, source="board", title=article.title, content=article.content,
                    kind=DocumentKind.POST, published_at=T0)
    assert documents.upsert_documents([post], T0 + timedelta(minutes=5)).unchanged == 1  # same content: no NLP again
    assert documents.get_document(post.id).kind is DocumentKind.POST and documents.pending_documents() == []
    assert [d.id for d in documents.unanswered_posts(T0 + timedelta(hours=1))] == [post.id]
    demoted = Document(url=article.url, source="board", title=article.title, content=article.content, published_at=T0)
    documents.upsert_documents([demoted], T0 + timedelta(minutes=10))  # never demoted back by a record that lacks kind
    assert documents.get_document(post.id).kind is DocumentKind.POST


def test_same_id_twice_in_one_batch(documents):
    a = Document(url="http://n/1", source="news", title="旧标题", content="x", published_at=T0)
    b = Document(url="http://n/1", source="news", title="新标题", content="x", published_at=T0)
    result = documents.upsert_documents([a, b], T0)
    assert (result.inserted, result.updated) == (1, 1)
    assert documents.get_document(a.id).title == "新标题"
    assert documents.document_stats()["documents"] == 1


def test_analysis_fields_round_trip(documents):
    """Every field of an NLP result comes back the same on every backend; keys without a field of their own are
    kept in the analysis."""
    doc = Document(url="http://board/post/9", source="board", title="供暖不热", content="家里暖气温度太低",
                   kind=DocumentKind.POST, published_at=T0)
    ok = Document(url="http://board/post/10", source="board", title="路灯不亮", content="小区路灯坏了", published_at=T0)
    documents.upsert_documents([doc, ok], T0)
    at = T0 + timedelta(minutes=7)
    documents.save_analyses([
        (doc.id, {"text": "供暖不热 家里暖气温度太低", "title_tokens": ["供暖", "不热"],
                  "content_words": ["家里", "暖气", "温度", "太低"], "sentiment": {"label": "negative", "score": 0.1},
                  "topic": {"label": "城乡建设", "score": 0.8}, "department": "A市住建局",
                  "department_reason": "关键词：供暖", "keywords": ["暖气", "供暖"], "simhash": "12345",
                  "reply_quality": {"score": 0.5}, "analysis_error": "模型超时", "model": "v2"}),
        (ok.id, {"text": "路灯不亮", "content_words": ["路灯"], "keywords": []}),
        ("missing-id", {"text": "不存在的文档"}),
    ], at)
    a = documents.get_document(doc.id).analysis
    assert (a["text"], a["content_words"], a["department"], a["department_reason"]) == (
        "供暖不热 家里暖气温度太低", ["家里", "暖气", "温度", "太低"], "A市住建局", "关键词：供暖")
    assert a["sentiment"] == {"label": "negative", "score": 0.1} and a["topic"] == {"label": "城乡建设", "score": 0.8}
    assert (a["keywords"], a["simhash"], a["reply_quality"]) == (["暖气", "供暖"], "12345", {"score": 0.5})
    assert (a["analysis_error"], a["model"], a["analyzed_at"]) == ("模型超时", "v2", at)
    assert documents.pending_documents() == []
    assert documents.search("暖气", limit=5)[0] == 1 and documents.search("供暖", limit=5)[0] == 1
    assert documents.get_document(ok.id).analysis["reply_quality"] is None
    assert documents.document_stats()["analysis_failed"] == 1  # `yuqing stats` shows it on every backend


def test_html_ids_and_lookup(documents):
    docs = [Document(url=f"http://n/{i}", source="news", title=f"标题{i}", content="正文",
                     published_at=T0 + timedelta(minutes=i),
                     html=f"<p>{i}</p>") for i in range(3)]
    documents.upsert_documents(docs, T0)
    assert documents.get_document(docs[1].id, with_html=True).html == "<p>1</p>"
    assert documents.get_document(docs[1].id).html is None
    assert documents.get_document("missing") is None
    wanted = [docs[2].id, "missing", docs[0].id]
    assert [d.id for d in documents.get_documents(wanted)] == [docs[2].id, docs[0].id]
    assert documents.known_document_ids(wanted) == {docs[0].id, docs[2].id}
    assert [d.html for d in documents.pending_documents()] == ["<p>0</p>", "<p>1</p>", "<p>2</p>"]


@pytest.mark.parametrize("query", ['"', "(", ")", "NEAR", "AND", "供暖 OR", '"供暖', "NEAR(供暖, 2)", "*", "-", "^",
                                   ":", "{\"query\": 1}", "\\", "供暖/"])
def test_search_survives_operator_input(documents, query):
    doc = Document(url="http://a/1", source="news", title="供暖不热", content="幸福小区供暖温度不达标", published_at=T0)
    documents.upsert_documents([doc], T0)
    analyse(documents, doc)
    total, hits = documents.search(query)
    assert total == len(hits)
    if query in ('"供暖', "供暖/"):  # punctuation around a real term is ignored, not an error
        assert [h.id for h in hits] == [doc.id]


def test_search_finds_and_filters(documents):
    docs = [Document(url=f"http://a/{i}", source=s, title=t, content=c, published_at=T0 + timedelta(hours=i))
            for i, (s, t, c) in enumerate([("board", "供暖不热", "幸福小区供暖温度不达标"),
                                           ("board", "学位不足", "A5区小学学位紧张"),
                                           ("news", "供暖收费", "供暖费上涨引发不满")])]
    documents.upsert_documents(docs, T0)
    for d in docs:
        analyse(documents, d)
    total, hits = documents.search("供暖")
    assert total == 2 and {h.id for h in hits} == {docs[0].id, docs[2].id}
    assert all("供暖" in h.snippet for h in hits)
    total, hits = documents.search("供暖", DocumentFilter(source="board"))
    assert [h.id for h in hits] == [docs[0].id]
    assert documents.search("供暖 学位")[0] == 0  # every term must match
    assert documents.search("供暖", DocumentFilter(until=T0 + timedelta(hours=1)))[0] == 1
    analyse(documents, docs[0])  # re-analysis replaces the index entry
    assert documents.search("供暖")[0] == 2
    total, page = documents.search("供暖", limit=1, offset=1)
    assert total == 2 and len(page) == 1


def test_failed_batch_writes_nothing(documents):
    good = Document(url="http://a/ok", source="news", title="好", content="正常")

    class Broken(Document):
        def content_fingerprint(self):
            raise RuntimeError("boom")

    bad = Broken(url="http://a/bad", source="news", title="坏", content="x")
    with pytest.raises(RuntimeError):
        documents.upsert_documents([good, bad], T0)
    assert documents.document_stats()["documents"] == 0


# -- a generated corpus, loaded into the backend and into a SQLite reference ----------------------------------------
SOURCES = ["a_city_news", "a3_news", "board", "repost"]
TOPICS = ["城乡建设", "教育文体", "交通运输", None]
SENTIMENTS = ["negative", "neutral", "positive"]
WORDS = ["供暖", "停车", "学位", "噪音", "公交", "物业", "拆迁", "医保"]


def corpus(n=140, seed=7):
    rng = random.Random(seed)
    docs, analyses, links = [], [], {}
    for i in range(n):
        at = T0 + timedelta(hours=rng.randrange(0, 24 * 9), minutes=rng.randrange(60), seconds=i)  # no ties: order is defined
        kind = DocumentKind.POST if i % 3 == 0 else DocumentKind.ARTICLE
        reply = Reply("已办理", "A市住建局", at + timedelta(days=1)) if kind is DocumentKind.POST and i % 2 else None
        words = rng.sample(WORDS, 3)
        doc = Document(url=f"http://c/{i}", source=rng.choice(SOURCES), kind=kind, title="".join(words[:2]),
                       content="市民反映" + "".join(words), published_at=at, region=rng.choice(["A市", "A3区", None]),
                       reply=reply)
        docs.append(doc)
        if i % 10 != 9:  # a tenth stay unanalysed
            topic = rng.choice(TOPICS)
            analyses.append((doc.id, {"text": doc.title + doc.content, "title_tokens": words[:2],
                                      "content_words": ["市民", "反映", *words], "keywords": words[:2],
                                      "sentiment": {"label": rng.choice(SENTIMENTS), "score": 0.5},
                                      "topic": {"label": topic, "score": 0.8} if topic else {},
                                      "department": rng.choice(["A市住建局", "A市教育局", None])}))
            if i % 4:
                links[doc.id] = (f"ev-{i % 5}", docs[i - 1].id if i % 8 == 1 else None)
    return docs, analyses, links


def load(store, data):
    docs, analyses, links = data
    for start in range(0, len(docs), 50):
        store.upsert_documents(docs[start:start + 50], T0)
    store.save_analyses(analyses, T0)
    store.link_documents(links)


@pytest.fixture
def loaded(documents, tmp_path):
    data = corpus()
    reference = SQLiteStore(tmp_path / "reference.db", query_tokenizer=jieba.lcut)
    load(documents, data)
    load(reference, data)
    yield documents, reference, data
    reference.close()


FILTERS = [DocumentFilter(), DocumentFilter(source="board"), DocumentFilter(sentiment="negative", kind="post"),
           DocumentFilter(topic="教育文体", region="A3区"), DocumentFilter(department="A市住建局"),
           DocumentFilter(since=T0 + timedelta(days=2), until=T0 + timedelta(days=5, hours=3))]


def test_aggregations_agree_with_the_data(loaded):
    store, _, (docs, analyses, links) = loaded
    by_id = dict(analyses)
    days = Counter(local_day(d.published_at) for d in docs)
    assert {r["day"]: r["total"] for r in store.count_by_day(DocumentFilter())} == days
    negative = Counter(local_day(d.published_at) for d in docs
                       if by_id.get(d.id, {}).get("sentiment", {}).get("label") == "negative")
    assert {r["day"]: r["negative"] for r in store.count_by_day(DocumentFilter()) if r["negative"]} == negative
    assert dict(store.count_by("source", DocumentFilter())) == Counter(d.source for d in docs)
    topics = Counter((by_id.get(d.id, {}).get("topic") or {}).get("label") or "未知" for d in docs)
    assert dict(store.count_by("topic", DocumentFilter())) == topics
    keywords = Counter(k for _, a in analyses for k in a["keywords"])
    assert dict(store.top_keywords(DocumentFilter(), limit=100)) == keywords
    daily = defaultdict(Counter)
    for d in docs:
        if d.id in links:
            daily[links[d.id][0]][local_day(d.published_at)] += 1
    got = store.event_daily_counts(["ev-1", "ev-2", "nope"], DocumentFilter())
    assert got["nope"] == [] and dict(got["ev-1"]) == daily["ev-1"] and dict(got["ev-2"]) == daily["ev-2"]
    assert [day for day, _ in got["ev-1"]] == sorted(daily["ev-1"])
    stats = store.document_stats()
    assert (stats["documents"], stats["pending"]) == (len(docs), len(docs) - len(analyses))


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in vars(f).items() if v) or "all")
def test_same_queries_same_results_as_sqlite(loaded, flt):
    store, ref, _ = loaded
    assert store.count_by_day(flt) == ref.count_by_day(flt)
    for field in ("source", "topic", "department", "region", "sentiment", "kind"):
        assert dict(store.count_by(field, flt, limit=50)) == dict(ref.count_by(field, flt, limit=50)), field
    assert dict(store.top_keywords(flt, limit=50)) == dict(ref.top_keywords(flt, limit=50))
    ev = [f"ev-{i}" for i in range(5)]
    assert store.event_daily_counts(ev, flt) == ref.event_daily_counts(ev, flt)
    total, listed = store.list_documents(flt, limit=500)
    ref_total, ref_listed = ref.list_documents(flt, limit=500)
    assert total == ref_total and [d.id for d in listed] == [d.id for d in ref_listed]
    for q in ("供暖", "停车 物业", "市民"):
        assert {h.id for h in store.search(q, flt, limit=500)[1]} == {h.id for h in ref.search(q, flt, limit=500)[1]}
        assert store.search(q, flt)[0] == ref.search(q, flt)[0]


def test_alert_queries_agree_with_sqlite(loaded):
    store, ref, _ = loaded
    since = T0 + timedelta(days=3)
    ev = [f"ev-{i}" for i in range(5)]
    assert store.event_hourly_counts(ev, since) == ref.event_hourly_counts(ev, since)
    before = T0 + timedelta(days=6)
    assert [d.id for d in store.unanswered_posts(before, since=T0 + timedelta(days=1))] == \
        [d.id for d in ref.unanswered_posts(before, since=T0 + timedelta(days=1))]
    assert [d.id for d in store.unanswered_posts(before, limit=5)] == [d.id for d in ref.unanswered_posts(before, limit=5)]
    assert [d.id for d in store.unclustered_documents()] == [d.id for d in ref.unclustered_documents()]
    assert [d.id for d in store.pending_documents(limit=7)] == [d.id for d in ref.pending_documents(limit=7)]


def test_listing_pages_cover_everything_once(loaded):
    store, ref, (docs, _, links) = loaded
    seen = []
    for offset in range(0, len(docs) + 20, 30):
        total, page = store.list_documents(limit=30, offset=offset)
        assert total == len(docs)
        seen.extend(d.id for d in page)
    assert seen == [d.id for d in ref.list_documents(limit=1000)[1]]
    assert sorted(seen) == sorted(d.id for d in docs)
    total, page = store.list_documents(event_id="ev-3", limit=100)
    assert total == sum(1 for ev, _ in links.values() if ev == "ev-3") == len(page)
    assert all(d.event_id == "ev-3" for d in page)


def test_documents_round_trip_identically(loaded):
    store, ref, (docs, _, _) = loaded
    ids = [d.id for d in docs[:12]]
    assert store.get_documents(ids) == ref.get_documents(ids)


def test_events_and_event_log(documents):
    events = [Event(id=f"ev-{i}", title=f"事件{i}", keywords=["供暖", str(i)], department="A市住建局" if i % 2 else None,
                    first_seen=T0, last_seen=T0 + timedelta(hours=i), doc_count=10 - i, heat=float(i * 1.5),
                    heat_parts={"volume": i}, state={"centroid": [i, 1]}) for i in range(5)]
    documents.save_events(events, T0)
    assert documents.get_event("ev-3").state == {"centroid": [3, 1]}
    assert documents.get_event("missing") is None
    assert [e.id for e in documents.list_events()] == ["ev-4", "ev-3", "ev-2", "ev-1", "ev-0"]
    assert [e.id for e in documents.list_events(order="size", limit=2)] == ["ev-0", "ev-1"]
    assert [e.id for e in documents.list_events(order="recent", department="A市住建局")] == ["ev-3", "ev-1"]
    assert {e.id for e in documents.active_events(T0 + timedelta(hours=2))} == {"ev-2", "ev-3", "ev-4"}
    with pytest.raises(StoreError):
        documents.list_events(order="bogus")
    events[0].heat = 99.0
    documents.save_events([events[0]], T0)
    assert documents.list_events(limit=1)[0].id == "ev-0" and documents.document_stats()["events"] == 5
    # An event merged into another keeps its record, with no documents: found by id, never listed or counted.
    documents.save_events([Event(id="ev-9", title="（已并入 ev-0）事件9", doc_count=0, heat=0.0, last_seen=None,
                                 state={"merged_into": "ev-0"})], T0)
    assert documents.get_event("ev-9").state == {"merged_into": "ev-0"}
    for order in ("heat", "recent", "size"):
        assert "ev-9" not in [e.id for e in documents.list_events(order=order, limit=10)]
    assert documents.document_stats()["events"] == 5
    for i in range(3):
        documents.log_event_change("ev-0", f"step{i}", {"n": i}, T0 + timedelta(minutes=i))
    assert [e["action"] for e in documents.event_log("ev-0")] == ["step0", "step1", "step2"]
    assert documents.event_log("ev-0")[2]["details"] == {"n": 2}


def test_count_by_rejects_unknown_field(documents):
    with pytest.raises(StoreError) as info:
        documents.count_by("title", DocumentFilter())
    assert "不能按" in str(info.value)


def test_purge_raw_masks_old_text_and_keeps_statistics(documents):
    """Retention: raw text older than the cut-off becomes its masked form, once; counts, labels, keywords and event
    links stay; search no longer finds the raw number; a re-crawl never writes the raw text back."""
    from yuqing.privacy import mask_name, mask_pii

    contact = "我叫张三，电话138-1234-5678，住幸福小区3栋2单元501室，身份证430102199003071234"
    secrets = ("1234-5678", "13812345678", "430102199003071234", "张三", "3栋2单元501")

    def post(n: int, days_ago: int, reply: bool = True) -> Document:
        at = T0 - timedelta(days=days_ago)
        return Document(url=f"http://board/post/r{n}", source="board", kind=DocumentKind.POST, author="张三",
                        title="小区噪音扰民，电话13812345678", content=contact, published_at=at, likes=3, views=50,
                        html=f"<p>{contact}</p>",
                        reply=Reply("已电话联系您（13812345678）并处理。", "A3区住建局", at) if reply else None)

    old, old_unanswered, recent = post(1, 40), post(2, 45, reply=False), post(3, 1)
    documents.upsert_documents([old, old_unanswered, recent], T0)
    for doc in (old, old_unanswered, recent):
        analyse(documents, doc, keywords=["噪音", "扰民"])
    documents.link_documents({old.id: ("ev-r", None), recent.id: ("ev-r", None)})
    flt = DocumentFilter(since=T0 - timedelta(days=60), until=T0 + timedelta(days=1))
    before = (documents.document_stats(), documents.count_by("sentiment", flt), documents.count_by_day(flt),
              documents.top_keywords(flt))
    assert documents.search("13812345678")[0] == 3

    assert documents.purge_raw(T0 - timedelta(days=30), now=T0) == 2
    assert documents.purge_raw(T0 - timedelta(days=30), now=T0 + timedelta(days=1)) == 0  # done once

    for doc in (old, old_unanswered):
        got = documents.get_document(doc.id, with_html=True)
        shown = [got.title, got.content, got.author, got.html, got.analysis["text"],
                 " ".join(got.analysis["content_words"]), got.reply.text if got.reply else ""]
        for secret in secrets:
            assert not any(secret in field for field in shown), secret
        assert (got.title, got.content, got.author) == (mask_pii(doc.title), mask_pii(doc.content), mask_name("张三"))
        assert got.html == mask_pii(doc.html)
        # What the statistics and the workflow need is unchanged.
        assert (got.likes, got.views, got.published_at, got.source) == (3, 50, doc.published_at, "board")
        assert got.analysis["sentiment"]["label"] == "negative" and got.analysis["topic"]["label"] == "城乡建设"
        assert got.analysis["keywords"] == ["噪音", "扰民"]
    assert documents.get_document(old.id).event_id == "ev-r"
    assert documents.get_document(old.id).reply.department == "A3区住建局"
    kept = documents.get_document(recent.id, with_html=True)
    assert (kept.title, kept.content, kept.author, kept.html) == (recent.title, recent.content, "张三", recent.html)
    assert (documents.document_stats(), documents.count_by("sentiment", flt), documents.count_by_day(flt),
            documents.top_keywords(flt)) == before
    assert [h.id for h in documents.search("13812345678")[1]] == [recent.id]

    # The board shows the old posts again: counts update, the raw text is not restored; a late answer is stored
    # masked and sent to analysis.
    again, late = post(1, 40), post(2, 45)
    again.views = 80
    result = documents.upsert_documents([again, late], T0 + timedelta(days=2))
    assert result.updated_ids == [old_unanswered.id]
    got = documents.get_document(old.id, with_html=True)
    assert got.views == 80 and got.title == mask_pii(old.title) and got.content == mask_pii(contact)
    assert got.html == mask_pii(old.html) and got.author == mask_name("张三")
    answered = documents.get_document(old_unanswered.id)
    assert answered.reply.text == mask_pii(late.reply.text) and "13812345678" not in answered.reply.text
    assert answered.content == mask_pii(contact)
    assert [d.id for d in documents.pending_documents()] == [old_unanswered.id]
    assert documents.upsert_documents([post(2, 45)], T0 + timedelta(days=3)).unchanged == 1
