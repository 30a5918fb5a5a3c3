"""SQLite-only store guarantees: idempotent ids, atomic writes, version checks, append-only audit, migrations.

Change detection and full-text search are in tests/contract, which runs them on SQLite and every other backend."""

import jieba
import pytest

from yuqing.clock import now as clock_now
from yuqing.model import Alert, AuditEntry, canonical_url, document_id
from yuqing.storage.base import ConcurrentUpdateError, DuplicateError
from yuqing.storage.sqlite import SQLiteStore


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "t.db", query_tokenizer=jieba.lcut)
    yield s
    s.close()


def test_ids_are_sha256_of_canonical_url():
    a = "HTTP://Example.gov.cn:80/news/1.html?utm_source=x&b=2&a=1#top"
    assert canonical_url(a) == "http://example.gov.cn/news/1.html?a=1&b=2"
    assert document_id(a) == document_id("http://example.gov.cn/news/1.html?b=2&a=1")
    assert len(document_id(a)) == 64


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




_OPENER = """
import sys
from yuqing.clock import now
from yuqing.model import Document
from yuqing.storage.sqlite import SQLiteStore
path, n = sys.argv[1], sys.argv[2]
print("ready", flush=True)
sys.stdin.readline()  # every worker opens the new file at the same moment
store = SQLiteStore(path)
store.upsert_documents([Document(url=f"https://example.gov.cn/p/{n}", source="s", title=f"标题{n}", content="正文")],
                       now("2024-11-21T10:00:00+08:00"))
store.close()
"""


def test_processes_opening_a_new_store_together_all_succeed(tmp_path):
    """Several processes creating one new database at once: none fails with "database is locked" (WAL switch)."""
    import subprocess
    import sys

    path = str(tmp_path / "new.db")
    workers = 6
    procs = [subprocess.Popen([sys.executable, "-c", _OPENER, path, str(i)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(workers)]
    try:
        for p in procs:  # wait until every worker has imported everything, then release them together
            assert p.stdout.readline().strip() == "ready", p.stderr.read()
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        results = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0] * workers, [err for _out, err in results]
    store = SQLiteStore(path)
    try:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("SELECT count(*) FROM documents").fetchone()[0] == workers
    finally:
        store.close()
