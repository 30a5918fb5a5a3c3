"""The SQLite store: idempotent ids, change detection, safe full-text search, atomic writes, version checks."""

from datetime import timedelta

import jieba
import pytest

from yuqing.clock import now as clock_now
from yuqing.model import Alert, AuditEntry, Document, Reply, canonical_url, document_id
from yuqing.storage.base import ConcurrentUpdateError, DocumentFilter, DuplicateError
from yuqing.storage.sqlite import SQLiteStore


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "t.db", query_tokenizer=jieba.lcut)
    yield s
    s.close()


def analyse(store, doc, label="negative"):
    tokens = jieba.lcut(doc.title + doc.content)
    store.save_analyses([(doc.id, {"text": doc.title + doc.content, "title_tokens": jieba.lcut(doc.title),
                                   "content_words": tokens, "sentiment": {"label": label, "score": 0.2},
                                   "topic": {"label": "城乡建设", "score": 0.9}, "keywords": tokens[:3]})],
                        clock_now())


def test_ids_are_sha256_of_canonical_url():
    a = "HTTP://Example.gov.cn:80/news/1.html?utm_source=x&b=2&a=1#top"
    assert canonical_url(a) == "http://example.gov.cn/news/1.html?a=1&b=2"
    assert document_id(a) == document_id("http://example.gov.cn/news/1.html?b=2&a=1")
    assert len(document_id(a)) == 64


def test_recrawl_never_duplicates_and_answer_updates(store):
    now = clock_now()
    post = Document(url="http://board/post/1", source="board", title="小区停车难", content="A3区幸福小区车位不足")
    assert store.upsert_documents([post], now).inserted == 1
    assert store.upsert_documents([post], now).unchanged == 1
    answered = Document(url="http://board/post/1", source="board", title="小区停车难", content="A3区幸福小区车位不足",
                        reply=Reply("经核实，已协调增设车位。", "A3区住建局", now))
    result = store.upsert_documents([answered], now + timedelta(hours=1))
    assert result.updated == 1 and store.document_stats()["documents"] == 1
    stored = store.get_document(post.id)
    assert stored.reply.department == "A3区住建局"
    assert [d.id for d in store.pending_documents()] == [post.id]


@pytest.mark.parametrize("query", ['"', "(", ")", "NEAR", "AND", "供暖 OR", '"供暖', "NEAR(供暖, 2)", "*", "-", "^", ":"])
def test_search_survives_operator_input(store, query):
    doc = Document(url="http://a/1", source="news", title="供暖不热", content="幸福小区供暖温度不达标")
    store.upsert_documents([doc], clock_now())
    analyse(store, doc)
    total, hits = store.search(query)
    assert total == len(hits)


def test_search_finds_and_filters(store):
    now = clock_now()
    docs = [Document(url=f"http://a/{i}", source=s, title=t, content=c)
            for i, (s, t, c) in enumerate([("board", "供暖不热", "幸福小区供暖温度不达标"),
                                           ("board", "学位不足", "A5区小学学位紧张"),
                                           ("news", "供暖收费", "供暖费上涨引发不满")])]
    store.upsert_documents(docs, now)
    for d in docs:
        analyse(store, d)
    total, hits = store.search("供暖")
    assert total == 2 and {h.id for h in hits} == {docs[0].id, docs[2].id}
    assert all("供暖" in h.snippet for h in hits)
    total, hits = store.search("供暖", DocumentFilter(source="board"))
    assert [h.id for h in hits] == [docs[0].id]
    # Re-analysis replaces the index entry instead of adding a second one.
    analyse(store, docs[0])
    assert store.search("供暖")[0] == 2


def test_failed_batch_writes_nothing(store):
    good = Document(url="http://a/ok", source="news", title="好", content="正常")

    class Broken(Document):
        def content_fingerprint(self):
            raise RuntimeError("boom")

    bad = Broken(url="http://a/bad", source="news", title="坏", content="x")
    with pytest.raises(RuntimeError):
        store.upsert_documents([good, bad], clock_now())
    assert store.document_stats()["documents"] == 0


def test_alert_version_check_and_one_open_alert_per_event(store):
    now = clock_now()
    alert = Alert(id="al-1", rule="heat", level=2, title="t", reason="r", event_id="ev-1", created_at=now)
    store.insert_alert(alert)
    with pytest.raises(DuplicateError):
        store.insert_alert(Alert(id="al-2", rule="heat", level=1, title="t", reason="r", event_id="ev-1", created_at=now))
    first = store.get_alert("al-1")
    second = store.get_alert("al-1")
    first.department = "A市教育局"
    store.update_alert(first, first.version)
    second.department = "A市商务局"
    with pytest.raises(ConcurrentUpdateError) as info:
        store.update_alert(second, second.version)
    assert "已被他人修改" in str(info.value)
    assert store.get_alert("al-1").department == "A市教育局"


def test_audit_log_is_append_only(store):
    import sqlite3

    store.append_audit(AuditEntry(alert_id="al-1", actor="officer", action="dispatch", at=clock_now()))
    with pytest.raises(sqlite3.DatabaseError):
        store.db.execute("UPDATE audit_log SET actor = 'x'")
    with pytest.raises(sqlite3.DatabaseError):
        store.db.execute("DELETE FROM audit_log")
    assert len(store.audit_for("al-1")) == 1


def test_migrations_are_idempotent(tmp_path):
    path = tmp_path / "m.db"
    first = SQLiteStore(path)
    version = first.schema_version()
    first.close()
    again = SQLiteStore(path)
    assert again.schema_version() == version
    again.close()
