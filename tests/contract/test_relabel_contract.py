"""Document-store contract for officers' corrections: ``relabel_documents`` on every document backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.contract.test_documents_contract import T0, analyse
from yuqing.model import Document, DocumentKind
from yuqing.storage.base import DocumentFilter, StoreError


def test_relabel_documents_changes_views_and_aggregates(documents):
    """An officer's correction (yuqing.corrections) is the effective analysis at once: the document, the filters and
    the daily and grouped counts all read the corrected labels; a document never analysed is left alone."""
    posts = [Document(url=f"http://board/relabel/{i}", source="board", title=f"小区停水{i}", content="三天没有水",
                      kind=DocumentKind.POST, published_at=T0) for i in range(3)]
    fresh = Document(url="http://board/relabel/new", source="board", title="未分析", content="还没分析", published_at=T0)
    documents.upsert_documents([*posts, fresh], T0)
    for p in posts:
        analyse(documents, p, label="negative", topic="城乡建设")
    flt = DocumentFilter(since=T0 - timedelta(days=1), until=T0 + timedelta(days=1))
    before = dict(documents.count_by("topic", flt))
    assert before["城乡建设"] == 3
    changed = documents.relabel_documents({posts[0].id: {"topic": "环境保护", "sentiment": "neutral"},
                                           posts[1].id: {"department": "A市生态环境局"},
                                           fresh.id: {"topic": "环境保护"}, "missing": {"topic": "环境保护"}},
                                          T0 + timedelta(minutes=5))
    assert changed == 2
    a = documents.get_document(posts[0].id).analysis
    assert a["topic"]["label"] == "环境保护" and a["sentiment"]["label"] == "neutral"
    assert documents.get_document(posts[1].id).analysis["department"] == "A市生态环境局"
    assert documents.get_document(fresh.id).analysis is None
    assert dict(documents.count_by("topic", flt)) == {**before, "城乡建设": 2, "环境保护": 1}
    by_sentiment = dict(documents.count_by("sentiment", flt))
    assert (by_sentiment["negative"], by_sentiment["neutral"]) == (2, 1)
    assert dict(documents.count_by("department", flt)).get("A市生态环境局") == 1
    (day,) = documents.count_by_day(flt)
    assert (day["total"], day["negative"], day["neutral"]) == (4, 2, 1)
    total, found = documents.list_documents(DocumentFilter(topic="环境保护"))
    assert total == 1 and found[0].id == posts[0].id
    with pytest.raises(StoreError):
        documents.relabel_documents({posts[0].id: {"keywords": "x"}}, T0)
