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
