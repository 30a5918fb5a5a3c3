"""Social fields (issue 19, migration 30): shares, the author's account and the reposted original are stored and
read back alike on every document backend; a re-crawl with new counts updates them without new analysis; retention
masks the account id like the name."""

from __future__ import annotations

from datetime import datetime, timedelta

from yuqing.clock import TZ
from yuqing.model import Document, DocumentKind

T0 = datetime(2024, 11, 3, 9, 0, tzinfo=TZ)


def _post(i: int, **kw) -> Document:
    base = dict(url=f"http://weibo.example/p/{i}", source="weibo_city", title=f"微博{i}", content="地铁站积水严重",
                kind=DocumentKind.POST, published_at=T0 + timedelta(minutes=i), author=f"市民{i}号")
    return Document(**{**base, **kw})


def test_social_fields_round_trip(documents):
    official = _post(1, likes=120, replies=33, reposts=57, views=9000, author_id="uid-5501", author_verified=True,
                     author_official=True, author_followers=120_000)
    repost = _post(2, reposts=0, author_id="uid-77", author_followers=0,
                   repost_of="http://weibo.example/p/1")
    plain = _post(3)  # a board post: the platform says nothing about the account
    result = documents.upsert_documents([official, repost, plain], T0)
    assert result.inserted == 3
    got = {d.id: d for d in documents.get_documents([official.id, repost.id, plain.id])}
    a, b, c = got[official.id], got[repost.id], got[plain.id]
    assert (a.likes, a.replies, a.reposts, a.views) == (120, 33, 57, 9000)
    assert (a.author_id, a.author_verified, a.author_official, a.author_followers) == ("uid-5501", True, True, 120_000)
    assert a.repost_of is None and b.repost_of == "http://weibo.example/p/1"
    assert (b.author_followers, b.author_verified, b.author_official) == (0, False, False)  # 0 followers is not unknown
    assert (c.reposts, c.author_id, c.author_verified, c.author_followers) == (0, None, False, None)
    assert documents.get_document(official.id).author_followers == 120_000


def test_new_share_count_updates_without_reanalysis(documents):
    doc = _post(4, reposts=3, likes=1)
    documents.upsert_documents([doc], T0)
    again = documents.upsert_documents([_post(4, reposts=40, likes=1)], T0 + timedelta(hours=1))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)  # counts only: no new analysis
    assert documents.get_document(doc.id).reposts == 40
    same = documents.upsert_documents([_post(4, reposts=40, likes=1)], T0 + timedelta(hours=2))
    assert same.unchanged == 1 and documents.get_document(doc.id).reposts == 40


def test_retention_masks_the_account_id(documents):
    doc = _post(5, author="王小明", author_id="wangxiaoming88", content="电话13812345678")
    documents.upsert_documents([doc], T0)
    assert documents.purge_raw(T0 + timedelta(days=1), now=T0 + timedelta(days=2)) == 1
    got = documents.get_document(doc.id)
    assert got.author_id and got.author_id != "wangxiaoming88" and got.author_id.startswith("wa")
    assert "wangxiaoming88" not in got.author_id and got.author != "王小明"
