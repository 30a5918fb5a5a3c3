"""DocumentStore.search_query on every backend: the same documents as ``Query.matches`` over the corpus (the
reference semantics), with filters and pages, for real citizen messages (../shared/data/gov_messages) in
Simplified and Traditional, and user input that is never index syntax."""

from __future__ import annotations

import csv
from datetime import timedelta

import jieba
import pytest

from yuqing.model import Document, DocumentKind
from yuqing.query import parse
from yuqing.storage.base import DocumentFilter

from .test_documents_contract import T0

ROWS = 240


@pytest.fixture(scope="module")
def corpus(shared_data):
    """240 real messages (two sources, an hour apart each) plus 30 of them re-posted in Traditional characters."""
    import opencc

    path = shared_data / "gov_messages" / "messages_with_replies.csv"
    if not path.is_file():
        pytest.skip("共享数据中没有 gov_messages/messages_with_replies.csv")
    with path.open(encoding="utf-8") as fh:
        rows = [r for _, r in zip(range(ROWS), csv.DictReader(fh))]
    s2t = opencc.OpenCC("s2t")
    docs = [Document(url=f"http://board/{r['留言编号']}", source="board" if i % 3 else "mayor", kind=DocumentKind.POST,
                     title=r["留言主题"], content=r["留言详情"], published_at=T0 + timedelta(hours=i))
            for i, r in enumerate(rows)]
    docs += [Document(url=f"http://hk/{i}", source="repost", title=s2t.convert(d.title), content=s2t.convert(d.content),
                      published_at=T0 + timedelta(hours=i, minutes=30))
             for i, d in enumerate(docs[:30])]
    return docs


def _analyse_all(store, docs):
    """What the NLP stage stores for search: tokens of the normalised (Simplified) text, a SimHash."""
    import opencc

    t2s = opencc.OpenCC("t2s")
    store.upsert_documents(docs, T0)
    results = []
    for i, d in enumerate(docs):
        title, text = t2s.convert(d.title), t2s.convert(d.content)
        results.append((d.id, {"text": text, "title_tokens": jieba.lcut(title), "content_words": jieba.lcut(text),
                               "sentiment": {"label": "negative", "score": 0.2}, "simhash": f"{i:016x}"}))
    store.save_analyses(results, T0)


@pytest.fixture
def loaded(documents, corpus):
    _analyse_all(documents, corpus)
    return documents, corpus


EXPRESSIONS = [
    "物业", "小区 物业", "小区 AND 物业", "拆迁 OR 征收", "小区 物业 NOT 噪音", "(噪音 OR 扰民) 小区",
    "拆迁 NEAR/10 补偿", '"社保卡"', "标题:物业", "正文:物业 NOT 标题:物业", "公积金", "公積金", "A市", "學校 收費",
    "地域词：A市 A5区\n事件词：噪音、扰民，施工\n排除词：物业", "来源:mayor 物业", "来源:repost", "被垄断", "无此词汇甲乙",
]


def test_same_documents_as_the_reference_semantics(loaded):
    """Exactly the documents ``Query.matches`` accepts, on every backend: the bigram index proposes a superset
    (a word jieba cut across two tokens, 小|区内, included), verification keeps the matches."""
    store, docs = loaded
    wanted = 0
    for expr in EXPRESSIONS:  # one load per backend for all the expressions
        query = parse(expr)
        expected = {d.id for d in docs if query.matches(d)}
        total, hits = store.search_query(query, limit=1000)
        found = {h.id for h in hits}
        assert found == expected and total == len(found), expr
        assert all(h.terms == query.terms() for h in hits), expr
        wanted += len(expected)
    assert wanted > 300


def test_a_word_jieba_cut_across_tokens_is_found(documents):
    """「小区」 in 「清水小区内停车」 is segmented 清水|小|区内|停车: no token holds it, the search finds it all the same,
    in titles and bodies, scoped or not, in Traditional too, and beside a document that has it as a token."""
    split = Document(url="http://a/split", source="news", title="清水小区内停车难", content="我们小区内的路灯坏了",
                     published_at=T0)
    token = Document(url="http://a/token", source="news", title="老旧小区改造", content="老旧小区内部道路",
                     published_at=T0 + timedelta(hours=1))
    other = Document(url="http://a/other", source="news", title="道路改造通知", content="区内道路", published_at=T0)
    assert "小区" not in jieba.lcut(split.title) + jieba.lcut(split.content)
    _analyse_all(documents, [split, token, other])
    for expr, expected in (("小区", {split.id, token.id}), ("标题:小区 停车", {split.id}), ("正文:小区内的", {split.id}),
                           ("小區 NOT 改造", {split.id}), ("小区 NEAR/2 路灯", {split.id}), ("区内", {split.id, token.id, other.id})):
        total, hits = documents.search_query(parse(expr), limit=100)
        assert {h.id for h in hits} == expected and total == len(expected), expr


def test_the_terms_narrow_results_as_plain_scans_say(loaded):
    store, docs = loaded
    originals = [d for d in docs if d.source != "repost"]
    has_both = {i for i, d in enumerate(originals) if "小区" in d.title + d.content and "物业" in d.title + d.content}
    reposts = sum(1 for i in has_both if i < 30)  # the first 30 are also in the store in Traditional characters
    both = store.search_query(parse("小区 物业"), limit=1000)[0]
    assert both == len(has_both) + reposts
    assert 0 < both < store.search_query(parse("物业"), limit=1000)[0]


def test_traditional_and_simplified_find_each_other(loaded):
    store, docs = loaded
    simplified = {h.id for h in store.search_query(parse("小区 物业"), limit=1000)[1]}
    traditional = {h.id for h in store.search_query(parse("小區 物業"), limit=1000)[1]}
    assert simplified == traditional
    reposts = {d.id for d in docs if d.source == "repost"}
    assert simplified & reposts  # Traditional posts found by a Simplified query
    assert simplified - reposts  # Simplified posts found by a Traditional one


def test_filters_and_pages(loaded):
    store, docs = loaded
    query = parse("小区 OR 物业")
    flt = DocumentFilter(source="board", since=T0 + timedelta(hours=50), until=T0 + timedelta(hours=300))
    expected = {d.id for d in docs if query.matches(d) and d.source == "board"
                and flt.since <= d.published_at < flt.until}
    total, hits = store.search_query(query, flt, limit=1000)
    found = {h.id for h in hits}
    assert found == expected and total == len(found)
    pages = [h.id for start in range(0, total, 7) for h in store.search_query(query, flt, limit=7, offset=start)[1]]
    assert pages == [h.id for h in hits]  # pages cut one ranking
    assert store.search_query(query, flt, limit=5, offset=total)[1] == []
    hit = hits[0]
    assert hit.simhash and hit.snippet and hit.url.startswith("http://")


def test_only_analysed_documents_are_searched(documents):
    doc = Document(url="http://a/new", source="news", title="物业费上涨", content="小区物业费上涨", published_at=T0)
    documents.upsert_documents([doc], T0)
    assert documents.search_query(parse("物业")) == (0, [])
    assert documents.search_query(parse("来源:news")) == (0, [])


@pytest.mark.parametrize("expr", ['"NEAR(供暖 不热)"', '"*"', '"title_tokens:供暖"', '"{\\"query\\": 1}"', '"供暖" OR "^"',
                                  '"a\'b"', "“OR”", '"\\\\"', "标题:\"(\""])
def test_typed_text_is_never_index_syntax(documents, expr):
    doc = Document(url="http://a/1", source="news", title="供暖不热 NEAR(供暖 不热)", content="幸福小区供暖温度不达标 *",
                   published_at=T0)
    _analyse_all(documents, [doc])
    query = parse(expr)
    total, hits = documents.search_query(query)
    assert total == len(hits) == (1 if query.matches(doc) else 0)


def test_a_recrawl_and_retention_keep_the_index_exact(documents):
    """A re-crawl that changes an analysed post's text is searched by its new text at once (before the NLP stage sees
    it again); retention masking a post leaves search equal to ``Query.matches`` on what is stored."""
    doc = Document(url="http://a/recrawl", source="news", title="小区停车难", content="小区内车位不足，电话13812345678",
                   published_at=T0)
    _analyse_all(documents, [doc])
    assert documents.search_query(parse("车位"))[0] == 1
    changed = Document(url=doc.url, source="news", title="小区电梯故障", content="小区内电梯停运三天", published_at=T0)
    documents.upsert_documents([changed], T0 + timedelta(hours=1))
    assert [h.id for h in documents.search_query(parse("电梯停运"))[1]] == [doc.id]
    assert documents.search_query(parse("车位"))[0] == 0
    documents.purge_raw(T0 + timedelta(days=1), now=T0 + timedelta(days=2))
    stored = documents.get_document(doc.id)
    for expr in ("电梯", "小区 电梯", "故障", "停车"):
        expected = {doc.id} if parse(expr).matches(stored) else set()
        assert {h.id for h in documents.search_query(parse(expr))[1]} == expected, expr
