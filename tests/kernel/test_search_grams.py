"""The SQLite bigram index behind exact search (yuqing.storage.sqlite_grams): migration 16 over a store analysed
before it existed, its back-fill resumed after an interruption, search exact throughout."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone

import jieba
import pytest

from yuqing.model import Document, DocumentKind
from yuqing.query import parse
from yuqing.storage.grams import gram_text, lookup_phrases
from yuqing.storage.sqlite import SQLiteStore

T0 = datetime(2024, 3, 1, 8, tzinfo=timezone.utc)
EXPRESSIONS = ["小区", "物业 NOT 小区", "标题:小区 OR 噪音", "业主", "区内", "A市", "公積金", '"小区内"']


def test_bigrams_are_those_of_the_folded_text():
    assert gram_text("小區內，A市") == "小区 区内 a市"
    assert lookup_phrases("小区内") == ["小区 区内"]
    assert lookup_phrases("供暖 不热") == ["供暖", "不热"]  # a space is no plain character: two phrases
    assert lookup_phrases("市") == [] and lookup_phrases("a-1") == []


@pytest.fixture
def messages(shared_data):
    path = shared_data / "gov_messages" / "messages_with_replies.csv"
    if not path.is_file():
        pytest.skip("共享数据中没有 gov_messages/messages_with_replies.csv")
    with path.open(encoding="utf-8") as fh:
        rows = [r for _, r in zip(range(150), csv.DictReader(fh))]
    return [Document(url=f"http://board/{r['留言编号']}", source="board", kind=DocumentKind.POST, title=r["留言主题"],
                     content=r["留言详情"], published_at=T0 + timedelta(hours=i)) for i, r in enumerate(rows)]


def _analyse(store, docs):
    store.upsert_documents(docs, T0)
    store.save_analyses([(d.id, {"text": d.content, "title_tokens": jieba.lcut(d.title),
                                 "content_words": jieba.lcut(d.content)}) for d in docs], T0)


def _exact(store, docs):
    for expr in EXPRESSIONS:
        query = parse(expr)
        assert {h.id for h in store.search_query(query, limit=1000)[1]} == {d.id for d in docs if query.matches(d)}, expr


def _as_before_migration_16(path):
    """The store as a version without the bigram index left it (analysed documents, no grams)."""
    import sqlite3

    db = sqlite3.connect(path)
    db.executescript("DROP INDEX documents_grams_todo; ALTER TABLE documents DROP COLUMN grams; "
                     "DROP TABLE documents_grams; DELETE FROM schema_version WHERE version = 16;")
    db.close()


def test_migration_16_back_fills_an_analysed_store_resumably(tmp_path, messages):
    path = tmp_path / "yuqing.db"
    store = SQLiteStore(path)
    _analyse(store, messages)
    store.close()
    _as_before_migration_16(path)

    class Stop(Exception):
        pass

    def interrupt(done):
        raise Stop(done)

    original = SQLiteStore.backfill_grams
    try:  # the first open is interrupted after one batch of 40 (a killed process)
        SQLiteStore.backfill_grams = lambda self, **_: original(self, 40, interrupt)
        with pytest.raises(Stop):
            SQLiteStore(path)
    finally:
        SQLiteStore.backfill_grams = original
    half = SQLiteStore.__new__(SQLiteStore)  # look at the half-done store without resuming
    half.path, half.query_tokenizer = path, store.query_tokenizer
    import threading

    half._local, half._all_connections, half._lock = threading.local(), [], threading.Lock()
    assert half.db.execute("SELECT count(*) FROM documents WHERE grams = 1").fetchone()[0] == 40
    assert half.grams_pending() and half.gram_candidates(parse("小区")) is None  # scan meanwhile: still exact
    _exact(half, messages)
    half.close()
    reopened = SQLiteStore(path)  # resumes: the other 110, once each
    assert not reopened.grams_pending() and reopened.gram_candidates(parse("小区")) is not None
    assert reopened.db.execute("SELECT count(*) FROM documents WHERE grams = 1").fetchone()[0] == len(messages)
    assert reopened.backfill_grams() == 0
    _exact(reopened, messages)
    reopened.close()


def test_the_back_fill_stops_at_its_time_budget_and_the_next_call_goes_on(tmp_path, messages):
    """Opening a large upgraded store spends at most a slice on the index (``OPEN_BACKFILL_SECONDS``); each
    ``process`` run goes on. A zero budget indexes exactly one batch per call, and search stays exact meanwhile."""
    path = tmp_path / "yuqing.db"
    store = SQLiteStore(path)
    _analyse(store, messages)
    store.close()
    _as_before_migration_16(path)
    original = SQLiteStore.backfill_grams
    try:
        SQLiteStore.backfill_grams = lambda self, **_: 0  # open without any back-fill
        store = SQLiteStore(path)
    finally:
        SQLiteStore.backfill_grams = original
    assert store.backfill_grams(batch=25, max_seconds=0) == 25 and store.grams_pending()
    _exact(store, messages)
    assert store.backfill_grams(batch=25, max_seconds=0) == 25
    assert store.backfill_grams() == len(messages) - 50 and not store.grams_pending()
    _exact(store, messages)
    store.close()
