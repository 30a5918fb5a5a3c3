"""Similar-case contract (``DocumentStore.similar_documents``, 类案参考): every document backend ranks replied posts
by BM25 over the stored jieba tokens, with the same filters, exclusions and safety as the SQLite reference."""

from __future__ import annotations

from datetime import timedelta

import jieba
import pytest

from tests.contract.test_documents_contract import T0, analyse
from yuqing.model import Document, DocumentKind, Reply
from yuqing.storage.base import DocumentFilter

CASES = [  # (title, content, reply or None, topic)
    ("小区供暖不热", "幸福小区供暖温度不达标，家里只有十五度，老人孩子受冻", "经核实，已责令供热公司排查管网。", "城乡建设"),
    ("供暖温度低", "阳光小区供暖一直不热，暖气片冰凉", "经现场检测，已更换循环泵，温度恢复。", "城乡建设"),
    ("供暖收费太高", "供暖费上涨引发不满", None, "城乡建设"),
    ("学位不足", "A5区小学学位紧张，孩子上学难", "经了解，区教育局已协调新增学位。", "教育文体"),
    ("工资拖欠", "建筑工地拖欠农民工工资三个月", "已责令施工单位限期支付。", "劳动和社会保障"),
]


@pytest.fixture
def stocked(documents):
    docs = []
    for i, (title, content, reply, topic) in enumerate(CASES):
        docs.append(Document(url=f"http://board/similar/{i}", source="board", title=title, content=content,
                             kind=DocumentKind.POST, published_at=T0 + timedelta(hours=i),
                             reply=Reply(reply, "住建局", T0 + timedelta(days=3)) if reply else None))
    documents.upsert_documents(docs, T0)
    for d, (_, _, _, topic) in zip(docs, CASES):
        analyse(documents, d, topic=topic)
    return documents, docs


def ids(hits):
    return [d.id for d, _ in hits]


def test_ranks_replied_posts_by_shared_terms(stocked):
    store, docs = stocked
    hits = store.similar_documents(jieba.lcut("我们小区供暖不热，温度太低"), limit=10)
    assert set(ids(hits)[:2]) == {docs[0].id, docs[1].id}  # the two heating posts with replies come first
    assert docs[2].id not in ids(hits)  # no official reply: not a case to learn from
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    doc, _ = hits[0]
    assert doc.reply is not None and doc.reply.text and doc.analysis["topic"]["label"] == "城乡建设"
    with_unreplied = store.similar_documents(jieba.lcut("供暖收费"), replied_only=False, limit=10)
    assert docs[2].id in ids(with_unreplied)


def test_filters_exclusions_and_limit(stocked):
    store, docs = stocked
    terms = jieba.lcut("供暖 学位 工资")
    assert set(ids(store.similar_documents(terms, limit=10))) == {docs[0].id, docs[1].id, docs[3].id, docs[4].id}
    assert ids(store.similar_documents(terms, DocumentFilter(topic="教育文体"))) == [docs[3].id]
    assert docs[0].id not in ids(store.similar_documents(terms, exclude_ids=[docs[0].id]))
    assert len(store.similar_documents(terms, limit=2)) == 2
    assert store.similar_documents(terms, limit=0) == []
    store.link_documents({docs[1].id: (None, docs[0].id)})  # a near-duplicate is not a second case
    assert docs[1].id not in ids(store.similar_documents(terms, limit=10))


@pytest.mark.parametrize("terms", [[], ["，", "。"], ['"', "AND", "NEAR(", "*"], ['供暖"OR 1', "NOT"]])
def test_any_terms_are_safe(stocked, terms):
    store, _ = stocked
    assert isinstance(store.similar_documents(terms), list)
