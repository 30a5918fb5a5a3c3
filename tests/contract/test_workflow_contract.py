"""Workflow-store contract: SQLite and PostgreSQL behave the same (versions, uniqueness, audit, nesting, league)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest

from yuqing.clock import TZ
from yuqing.model import Alert, AlertStatus, Assignment, AuditEntry, Department, Response, Role, User
from yuqing.storage.base import ConcurrentUpdateError, DuplicateError, StoreError

T0 = datetime(2024, 10, 8, 9, 0, tzinfo=TZ)


def alert(i, event="ev-1", **kw):
    return Alert(id=f"al-{i}", rule="heat", level=kw.pop("level", 2), title=f"预警{i}", reason="热度 80 超过阈值 60",
                 event_id=event, created_at=kw.pop("created_at", T0 + timedelta(minutes=i)), **kw)


def raw_sql(store, sql):
    """Run SQL directly, bypassing the store's methods (to prove the database itself enforces a rule)."""
    if hasattr(store, "_q"):
        with store.transaction():
            store._q(sql)
    else:
        store.db.execute(sql)


def db_errors():
    errors = [sqlite3.DatabaseError]
    try:
        import psycopg
        errors.append(psycopg.Error)
    except ImportError:
        pass
    return tuple(errors)


def test_version_check_and_one_open_alert_per_event(workflow):
    workflow.insert_alert(alert(1))
    with pytest.raises(DuplicateError):
        workflow.insert_alert(alert(2))
    with pytest.raises(DuplicateError):
        workflow.insert_alert(alert(1, event="ev-other"))
    first, second = workflow.get_alert("al-1"), workflow.get_alert("al-1")
    first.department = "A市教育局"
    assert workflow.update_alert(first, first.version).version == 2
    second.department = "A市商务局"
    with pytest.raises(ConcurrentUpdateError) as info:
        workflow.update_alert(second, second.version)
    assert "已被他人修改" in str(info.value)
    assert workflow.get_alert("al-1").department == "A市教育局"
    with pytest.raises(StoreError):
        workflow.update_alert(alert(9), 1)
    closed = workflow.get_alert("al-1")
    closed.status = AlertStatus.CLOSED
    workflow.update_alert(closed, closed.version)
    workflow.insert_alert(alert(2))  # a closed alert no longer blocks a new one for the event
    assert workflow.open_alert_for_event("ev-1").id == "al-2"
    assert workflow.insert_alert(alert(3, event=None)) is None  # alerts without an event are never unique-blocked
    workflow.insert_alert(alert(4, event=None))


def test_alert_round_trip_and_listing(workflow):
    deadlines = {"first_response": T0 + timedelta(hours=5), "press": T0 + timedelta(hours=24)}
    workflow.insert_alert(alert(1, deadlines=deadlines, details={"heat": 81.5, "parts": [1, 2]}, warned=["x"],
                                department="A市教育局", level=1))
    workflow.insert_alert(alert(2, event="ev-2", department="A市商务局", level=3))
    workflow.insert_alert(alert(3, event="ev-3", department="A市教育局", level=3, status=AlertStatus.DISPATCHED))
    got = workflow.get_alert("al-1")
    assert got.deadlines == deadlines and got.details == {"heat": 81.5, "parts": [1, 2]} and got.warned == ["x"]
    assert workflow.get_alert("nope") is None
    total, rows = workflow.list_alerts(limit=2)
    assert total == 3 and [a.id for a in rows] == ["al-1", "al-3"]
    assert workflow.list_alerts(department="A市教育局")[0] == 2
    assert [a.id for a in workflow.list_alerts(status=["dispatched", "closed"])[1]] == ["al-3"]
    assert [a.id for a in workflow.list_alerts(status="new", level=3)[1]] == ["al-2"]
    assert workflow.list_alerts(since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=3))[0] == 1
    assert workflow.workflow_stats()["open_alerts"] == 3


def test_audit_log_is_append_only(workflow):
    workflow.append_audit(AuditEntry(alert_id="al-1", actor="officer", action="dispatch", at=T0, to_status="dispatched"))
    workflow.append_audit(AuditEntry(alert_id="al-1", actor="dept", action="accept", at=T0 + timedelta(hours=1)))
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(db_errors()) as info:
            raw_sql(workflow, sql)
        assert "审计日志只能追加" in str(info.value)
    assert [e.action for e in workflow.audit_for("al-1")] == ["dispatch", "accept"]
    assert workflow.audit_for("al-1")[0].to_status == "dispatched"


def test_transactions_nest(workflow):
    with workflow.transaction():
        workflow.set_state("t", "outer", "1")
        with pytest.raises(DuplicateError):
            with workflow.transaction():
                workflow.set_state("t", "inner", "1")
                workflow.insert_alert(alert(1))
                workflow.insert_alert(alert(2))  # same event: the inner block rolls back, the outer continues
        workflow.set_state("t", "after", "1")
    assert workflow.get_state("t", "outer") == "1" and workflow.get_state("t", "after") == "1"
    assert workflow.get_state("t", "inner") is None and workflow.get_alert("al-1") is None
    with pytest.raises(RuntimeError):
        with workflow.transaction():
            workflow.set_state("t", "doomed", "1")
            with workflow.transaction():
                workflow.insert_alert(alert(5))
            raise RuntimeError("boom")
    assert workflow.get_state("t", "doomed") is None and workflow.get_alert("al-5") is None


def test_users_and_departments(workflow):
    user = User(name="li", role=Role.OFFICER, password_hash="h", display_name="李", created_at=T0)
    workflow.add_user(user)
    with pytest.raises(DuplicateError):
        workflow.add_user(user)
    user.role, user.active = Role.LEADER, False
    workflow.update_user(user)
    assert workflow.get_user("li") == user
    assert workflow.get_user("nobody") is None
    with pytest.raises(StoreError):
        workflow.update_user(User(name="ghost", role=Role.ADMIN, password_hash="h"))
    workflow.add_user(User(name="an", role=Role.DEPARTMENT, password_hash="h2", department="A市教育局", created_at=T0))
    assert [u.name for u in workflow.list_users()] == ["an", "li"] and workflow.list_users()[1] == user
    workflow.sync_departments([Department("A市教育局", topics=["教育文体"], contact={"email": "e@a.gov.cn"}),
                               Department("A市督查室", supervisor=True), Department("旧部门")])
    workflow.sync_departments([Department("A市教育局", topics=["教育文体"], contact={"email": "e@a.gov.cn"}),
                               Department("A市督查室", supervisor=True)])
    assert workflow.list_departments() == [Department("A市教育局", topics=["教育文体"], contact={"email": "e@a.gov.cn"}),
                                           Department("A市督查室", supervisor=True)]
    assert workflow.workflow_stats()["users"] == 2 and workflow.workflow_stats()["departments"] == 2
    workflow.sync_departments([])  # configuration is the source of truth: no departments configured, none kept
    assert workflow.list_departments() == []


def test_response_loop_and_league(workflow):
    due = {"reply": T0 + timedelta(hours=48)}
    for i, dept in enumerate(["A市教育局", "A市教育局", "A市商务局"], start=1):
        workflow.insert_alert(alert(i, event=f"ev-{i}", department=dept, deadlines=due, dispatched_at=T0,
                                    escalated=i == 2))
    workflow.add_assignment(Assignment("al-1", "A市商务局", "officer", T0))
    workflow.add_assignment(Assignment("al-1", "A市教育局", "officer", T0 + timedelta(hours=1), note="改派"))
    assert [a.active for a in workflow.assignments_for("al-1")] == [False, True]
    r1 = workflow.add_response(Response("al-1", "A市教育局", "wang", "已答复", T0 + timedelta(hours=10)))
    r2 = workflow.add_response(Response("al-1", "A市教育局", "wang", "补充答复", T0 + timedelta(hours=12)))
    workflow.add_response(Response("al-2", "A市教育局", "wang", "迟到的答复", T0 + timedelta(hours=60)))
    assert r2 > r1
    first = workflow.responses_for("al-1")[0]
    first.rating, first.rated_by, first.rated_at = "不满意", "officer", T0 + timedelta(hours=11)
    workflow.update_response(first)
    second = workflow.responses_for("al-1")[1]
    second.rating, second.rated_by, second.rated_at = "满意", "officer", T0 + timedelta(hours=13)
    workflow.update_response(second)
    league = {row["department"]: row for row in workflow.department_league()}
    edu = league["A市教育局"]
    assert (edu["alerts"], edu["responded"], edu["on_time"], edu["escalated"]) == (2, 2, 1, 1)
    assert (edu["satisfied"], edu["dissatisfied"], edu["basically_satisfied"]) == (1, 0, 0)
    assert edu["avg_hours"] == pytest.approx((10 + 60) / 2)
    assert league["A市商务局"]["responded"] == 0 and league["A市商务局"]["avg_hours"] is None
    assert list(league) == ["A市教育局", "A市商务局"]
    assert workflow.department_league(since=T0 + timedelta(minutes=3))[0]["alerts"] == 1


def test_silences_and_deliveries(workflow):
    workflow.add_silence({"rule": "heat", "starts_at": T0, "ends_at": T0 + timedelta(hours=2), "created_by": "li"})
    assert len(workflow.active_silences(T0 + timedelta(hours=1))) == 1
    assert workflow.active_silences(T0 + timedelta(hours=3)) == []
    base = {"alert_id": "al-1", "channel": "email", "target": "e@a.gov.cn", "payload": {"标题": "预警"},
            "next_attempt_at": T0, "created_at": T0}
    first = workflow.add_delivery({**base, "dedupe_key": "al-1/email/new"})
    assert workflow.add_delivery({**base, "dedupe_key": "al-1/email/new"}) == first
    other = workflow.add_delivery(dict(base))
    assert other != first and workflow.add_delivery(dict(base)) not in (first, other)  # no key: never deduplicated
    workflow.update_delivery(first, status="sent", attempts=1, delivered_at=T0 + timedelta(minutes=1))
    workflow.update_delivery(other, next_attempt_at=T0 + timedelta(hours=1), last_error="timeout")
    due = workflow.due_deliveries(T0 + timedelta(minutes=5))
    assert len(due) == 1 and due[0]["payload"] == {"标题": "预警"}
    with pytest.raises(StoreError):
        workflow.update_delivery(first, bogus=1)
    listed = workflow.list_deliveries("al-1")
    assert [d["id"] for d in listed][-1] == first and listed[-1]["delivered_at"] == T0 + timedelta(minutes=1)


def test_crawl_health_and_state(workflow):
    workflow.record_crawl("board", {"finished_at": T0, "pages": 5, "items": 3, "errors": {"timeout": 1}})
    workflow.record_crawl("board", {"finished_at": T0 + timedelta(hours=1), "pages": 1, "items": 0,
                                    "errors": {"timeout": 2, "http_500": 1}, "failed": True})
    health = workflow.record_crawl("board", {"finished_at": T0 + timedelta(hours=2), "pages": 2, "items": 0})
    assert (health["runs"], health["pages_fetched"], health["items_stored"]) == (3, 8, 3)
    assert health["errors"] == {"timeout": 3, "http_500": 1}
    assert (health["consecutive_failures"], health["consecutive_empty"]) == (0, 1)
    assert health["last_success"] == T0 + timedelta(hours=2)
    # A quiet site still lists its known pages: no new items is not "empty"; listing no links at all is.
    health = workflow.record_crawl("board", {"finished_at": T0 + timedelta(hours=3), "items": 0, "listed": 20})
    assert health["consecutive_empty"] == 0
    health = workflow.record_crawl("board", {"finished_at": T0 + timedelta(hours=4), "items": 0, "listed": 0})
    assert health["consecutive_empty"] == 1
    assert [h["source"] for h in workflow.source_health()] == ["board"]
    # A source whose very first pass fails: counted, never a success.
    health = workflow.record_crawl("news", {"finished_at": T0, "pages": 1, "errors": {"dns": 1}, "failed": True})
    assert (health["runs"], health["consecutive_failures"], health["consecutive_empty"]) == (1, 1, 0)
    assert health["last_success"] is None and health["last_run"] == T0 and health["errors"] == {"dns": 1}
    assert [h["source"] for h in workflow.source_health()] == ["board", "news"]
    workflow.set_state("crawl", "board", "page=3")
    workflow.set_state("crawl", "board", "page=4")
    assert workflow.get_state("crawl", "board") == "page=4" and workflow.get_state("crawl", "x") is None


def test_migrations_are_idempotent(workflow):
    version = workflow.schema_version()
    assert workflow.migrate() == version == workflow.schema_version()


def test_postgresql_placeholders_refuse_percent():
    """Shared statements are written with ``?``; a literal ``%`` would be misread by psycopg, so it is refused."""
    from yuqing.storage.postgresql import _placeholders

    assert _placeholders("SELECT * FROM users WHERE name = ? AND role = ?") == \
        "SELECT * FROM users WHERE name = %s AND role = %s"
    with pytest.raises(StoreError):
        _placeholders("SELECT * FROM users WHERE name LIKE '%li' AND role = ?")


def _queue(workflow, n, at=T0):
    return [workflow.add_delivery({"alert_id": f"al-{i}", "channel": "webhook", "target": "http://hook.example/a",
                                   "payload": {"kind": "new", "n": i}, "next_attempt_at": at, "created_at": at,
                                   "dedupe_key": f"al-{i}|new"}) for i in range(n)]


def test_a_delivery_is_claimed_by_one_worker_only(workflow):
    ids = _queue(workflow, 3)
    lease = T0 + timedelta(minutes=5)
    won = workflow.claim_deliveries(ids, "host:1:aaaa", T0, lease)
    assert [d["id"] for d in won] == ids
    assert {(d["status"], d["claimed_by"], d["attempts"], d["lease_until"]) for d in won} == {
        ("sending", "host:1:aaaa", 1, lease)}
    assert len({d["message_key"] for d in won}) == 1 and won[0]["message_key"].startswith("yuqing-")
    # The second worker read the same due list a moment earlier: its compare-and-set wins nothing.
    assert workflow.claim_deliveries(ids, "host:2:bbbb", T0, lease) == []
    assert workflow.due_deliveries(T0 + timedelta(minutes=1)) == []  # claimed, lease still running
    # Only the claimer may record the outcome.
    assert workflow.finish_delivery(ids[0], "host:2:bbbb", T0, status="sent") is False
    assert workflow.finish_delivery(ids[0], "host:1:aaaa", T0 + timedelta(seconds=2), status="sent") is True
    assert workflow.finish_delivery(ids[1], "host:1:aaaa", T0, status="pending", error="HTTP 500",
                                    next_attempt_at=T0 + timedelta(minutes=1)) is True
    assert workflow.finish_delivery(ids[2], "host:1:aaaa", T0, status="failed", error="拒收") is True
    by_id = {d["id"]: d for d in workflow.list_deliveries()}
    assert (by_id[ids[0]]["status"], by_id[ids[0]]["attempts"], by_id[ids[0]]["delivered_at"]) == (
        "sent", 1, T0 + timedelta(seconds=2))
    assert (by_id[ids[1]]["status"], by_id[ids[1]]["last_error"], by_id[ids[1]]["next_attempt_at"]) == (
        "pending", "HTTP 500", T0 + timedelta(minutes=1))
    assert (by_id[ids[2]]["status"], by_id[ids[2]]["last_error"]) == ("failed", "拒收")
    # The retry is due again after its backoff; its attempt is the second, under the same message key when the
    # message is made of the same deliveries.
    assert [d["id"] for d in workflow.due_deliveries(T0 + timedelta(minutes=1))] == [ids[1]]
    (again,) = workflow.claim_deliveries([ids[1]], "host:2:bbbb", T0 + timedelta(minutes=1), lease)
    assert again["attempts"] == 2
    log = workflow.delivery_attempts(ids[1])
    assert [(a["attempt"], a["worker"], a["outcome"]) for a in log] == [(1, "host:1:aaaa", "error"),
                                                                         (2, "host:2:bbbb", None)]
    with pytest.raises(StoreError):
        workflow.finish_delivery(ids[1], "host:2:bbbb", T0, status="bogus")


def test_an_expired_claim_can_be_taken_over_and_counts_as_an_attempt(workflow):
    ids = _queue(workflow, 2)
    first = workflow.claim_deliveries(ids, "host:1:dead", T0, T0 + timedelta(minutes=5))
    key = first[0]["message_key"]
    assert workflow.claim_deliveries(ids, "host:2:live", T0 + timedelta(minutes=4), T0 + timedelta(minutes=9)) == []
    later = T0 + timedelta(minutes=5)
    assert sorted(d["id"] for d in workflow.due_deliveries(later)) == ids
    taken = workflow.claim_deliveries(ids, "host:2:live", later, later + timedelta(minutes=5))
    assert [(d["attempts"], d["claimed_by"], d["message_key"]) for d in taken] == [(2, "host:2:live", key)] * 2
    # The dead sender wakes up late: its outcome no longer changes the delivery, but the attempt log says so.
    assert workflow.finish_delivery(ids[0], "host:1:dead", later, status="sent") is False
    assert workflow.finish_delivery(ids[0], "host:2:live", later, status="sent") is True
    log = workflow.delivery_attempts(ids[0])
    assert [(a["attempt"], a["worker"], a["outcome"]) for a in log] == [(1, "host:1:dead", "abandoned"),
                                                                         (2, "host:2:live", "sent")]
    assert log[0]["finished_at"] == later and "租约" in log[0]["error"] and "sent" in log[0]["error"]
    assert {a["message_key"] for a in log} == {key}


def test_concurrent_claims_split_the_work_without_overlap(workflow):
    """Two workers on their own connections (threads) race for the same 30 deliveries, one by one."""
    import threading

    ids = _queue(workflow, 30)
    barrier = threading.Barrier(2)
    won: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def worker(name):
        try:
            barrier.wait(timeout=60)
            for i in ids:
                won[name] += [d["id"] for d in workflow.claim_deliveries([i], f"h:{name}", T0, T0 + timedelta(hours=1))]
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in won]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert not set(won["a"]) & set(won["b"]) and sorted(won["a"] + won["b"]) == ids
    assert {d["attempts"] for d in workflow.list_deliveries()} == {1}


def test_audit_chain_verifies_and_concurrent_writers_keep_one_chain(workflow):
    import threading

    assert workflow.verify_audit()["ok"]  # empty
    errors: list[BaseException] = []

    def writer(name):
        try:
            for k in range(15):
                workflow.append_audit(AuditEntry(alert_id=f"al-{name}", actor=name, action="note", at=T0, note=f"{k}"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    # Verifying while the system writes never mistakes a row appended mid-walk for a forgery.
    during = []
    while any(t.is_alive() for t in threads):
        during.append(workflow.verify_audit())
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert [r["problems"] for r in during if not r["ok"]] == []
    report = workflow.verify_audit()
    assert report["ok"], report["problems"]
    assert (report["rows"], report["checked"]) == (30, 30)
    workflow.mark_audit_verified(report["last_id"], report["last_hash"], report["rows"])
    workflow.append_audit(AuditEntry(alert_id="al-x", actor="officer", action="note", at=T0))
    inc = workflow.verify_audit(incremental=True)
    assert inc["ok"] and inc["checked"] == 1 and inc["from_id"] == report["last_id"]


@pytest.mark.parametrize("guard_gone", [False, True])
def test_the_migration_chains_audit_rows_written_before_it(workflow, guard_gone):
    """A store taken back to schema 7 with audit rows: migration 9 hashes them in id order; the chain verifies.
    A store whose UPDATE guard was already dropped still migrates, and verification reports the missing guard."""
    raw_sql(workflow, "DROP TABLE audit_chain")
    raw_sql(workflow, "DROP TABLE delivery_attempts")
    for table, column in (("audit_log", "prev_hash"), ("audit_log", "hash"), ("deliveries", "claimed_by"),
                          ("deliveries", "lease_until"), ("deliveries", "message_key")):
        if column == "claimed_by" and not hasattr(workflow, "_q"):
            raw_sql(workflow, "DROP INDEX deliveries_lease")  # SQLite drops no indexed column
        raw_sql(workflow, f"ALTER TABLE {table} DROP COLUMN {column}")
    raw_sql(workflow, "DELETE FROM schema_version WHERE version IN (8, 9)")
    for k in range(3):
        raw_sql(workflow, "INSERT INTO audit_log (alert_id, actor, action, at, from_status, to_status, note) "
                          f"VALUES ('al-old', 'officer', 'note', '2024-10-08T01:0{k}:00.000000Z', NULL, NULL, '旧记录{k}')")
    if guard_gone:
        raw_sql(workflow, "DROP TRIGGER audit_no_update" + (" ON audit_log" if hasattr(workflow, "_q") else ""))
    workflow.migrate()
    report = workflow.verify_audit()
    assert report["checked"] == 3
    if guard_gone:
        assert [p["kind"] for p in report["problems"]] == ["trigger"] and "UPDATE" in report["problems"][0]["message"]
        return
    assert report["ok"], report["problems"]
    workflow.append_audit(AuditEntry(alert_id="al-old", actor="officer", action="note", at=T0, note="新记录"))
    assert workflow.verify_audit()["ok"] and [e.note for e in workflow.audit_for("al-old")][-1] == "新记录"
    # The guard is back after the migration lifted it to hash the old rows.
    with pytest.raises(db_errors()):
        raw_sql(workflow, "UPDATE audit_log SET actor = 'x'")
