"""Tamper-evident audit log: a forged INSERT, a deleted row, an edited row and a dropped or disabled append-only
trigger are each found by ``yuqing audit verify`` (SQLite and PostgreSQL), and a tick after tampering raises exactly
one operator alert to the officers."""

from __future__ import annotations

import json
import socket
import uuid
from datetime import datetime, timedelta

import pytest

from tests.backends import postgres_dsn, postgres_workflow
from yuqing.app import App
from yuqing.clock import TZ, to_utc_text
from yuqing.config import DEFAULT_CONFIG, load_config
from yuqing.model import AuditEntry, User
from yuqing.storage.migrations import audit_hash
from yuqing.storage.sqlite import SQLiteStore

T0 = datetime(2024, 5, 13, 9, 0, tzinfo=TZ)


@pytest.fixture(params=["sqlite", "postgresql"])
def workflow(request, tmp_path):
    if request.param == "sqlite":
        store = SQLiteStore(tmp_path / "audit.db")
        yield store
        store.close()
        return
    store = postgres_workflow("yqaudit")
    yield store
    store.drop_schema()
    store.close()


def is_pg(store) -> bool:
    return hasattr(store, "_q")


def sql(store, statement: str, params=()):
    """Straight to the database, around the store's methods: what an intruder with database access does."""
    if is_pg(store):
        return store._q(statement.replace("?", "%s"), params or None)
    return store.db.execute(statement, params)


def fill(store, n: int = 5) -> None:
    for i in range(n):
        store.append_audit(AuditEntry(alert_id="E20240513-0001", actor="officer", action="dispatch",
                                      at=T0 + timedelta(minutes=i), from_status="new", to_status="dispatched",
                                      note=f"第{i}次操作：派发至A3区住房和城乡建设局"))


def kinds(report) -> list[tuple[str, int | None]]:
    return [(p["kind"], p["id"]) for p in report["problems"]]


def drop_guard(store) -> None:
    """Remove the guard against DELETE (and UPDATE on PostgreSQL, where one trigger covers both)."""
    sql(store, "DROP TRIGGER audit_no_update ON audit_log" if is_pg(store) else "DROP TRIGGER audit_no_delete")


def test_an_intact_chain_verifies(workflow):
    fill(workflow)
    report = workflow.verify_audit()
    assert report["ok"] and report["problems"] == [] and (report["rows"], report["checked"]) == (5, 5)


def test_a_forged_insert_is_found(workflow):
    fill(workflow)
    # The append-only triggers let INSERT through: a row written around the store has no hash.
    sql(workflow, "INSERT INTO audit_log (alert_id, actor, action, at, from_status, to_status, note) "
                  "VALUES ('E20240513-0001', 'leader', 'evaluate', ?, 'responded', 'closed', '满意')",
        (to_utc_text(T0 + timedelta(hours=1)),))
    report = workflow.verify_audit()
    assert not report["ok"] and kinds(report) == [("inserted", 6)]
    assert "伪造插入" in report["problems"][0]["message"]


def test_a_forged_insert_with_a_well_computed_hash_is_found(workflow):
    fill(workflow)
    head = sql(workflow, "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = head["hash"] if is_pg(workflow) else head[0]
    row = {"alert_id": "E20240513-0001", "actor": "leader", "action": "evaluate",
           "at": to_utc_text(T0 + timedelta(hours=1)), "from_status": "responded", "to_status": "closed", "note": "满意"}
    sql(workflow, "INSERT INTO audit_log (alert_id, actor, action, at, from_status, to_status, note, prev_hash, hash) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*row.values(), prev, audit_hash(prev, row)))
    report = workflow.verify_audit()
    assert not report["ok"] and kinds(report) == [("inserted", 6)]


def test_a_deleted_row_is_found(workflow):
    fill(workflow)
    drop_guard(workflow)
    sql(workflow, "DELETE FROM audit_log WHERE id = 3")
    report = workflow.verify_audit()
    assert not report["ok"]
    assert kinds(report) == [("trigger", None), ("deleted", 4)]
    assert "DELETE" in report["problems"][0]["message"] and "被删除" in report["problems"][1]["message"]


def test_a_deleted_last_row_is_found(workflow):
    fill(workflow)
    drop_guard(workflow)
    sql(workflow, "DELETE FROM audit_log WHERE id = 5")
    report = workflow.verify_audit()
    assert kinds(report) == [("trigger", None), ("deleted", 5)]


def test_an_edited_row_is_found(workflow):
    fill(workflow)
    if is_pg(workflow):
        sql(workflow, "ALTER TABLE audit_log DISABLE TRIGGER audit_no_update")
    else:
        sql(workflow, "DROP TRIGGER audit_no_update")
    sql(workflow, "UPDATE audit_log SET actor = 'admin', note = '派发（已更正）' WHERE id = 2")
    report = workflow.verify_audit()
    assert kinds(report) == [("trigger", None), ("edited", 2)]
    assert "UPDATE" in report["problems"][0]["message"] and "被修改" in report["problems"][1]["message"]


def test_an_edit_that_rehashes_its_row_still_breaks_the_chain(workflow):
    fill(workflow)
    if is_pg(workflow):
        sql(workflow, "ALTER TABLE audit_log DISABLE TRIGGER USER")
    else:
        sql(workflow, "DROP TRIGGER audit_no_update")
    row = sql(workflow, "SELECT * FROM audit_log WHERE id = 2").fetchone()
    forged = {**dict(row), "note": "未派发"}
    sql(workflow, "UPDATE audit_log SET note = ?, hash = ? WHERE id = 2", ("未派发", audit_hash(row["prev_hash"], forged)))
    assert kinds(workflow.verify_audit()) == [("trigger", None), ("deleted", 3)]  # row 3 no longer follows row 2


@pytest.mark.parametrize("how", ["drop", "disable", "neuter"])
def test_a_dropped_or_disabled_trigger_is_found(workflow, how):
    fill(workflow)
    if how == "drop":
        sql(workflow, "DROP TRIGGER audit_no_update ON audit_log" if is_pg(workflow) else "DROP TRIGGER audit_no_update")
    elif how == "disable":
        if is_pg(workflow):
            sql(workflow, "ALTER TABLE audit_log DISABLE TRIGGER audit_no_truncate")
        else:  # SQLite cannot disable a trigger: the same name with a condition that never holds
            sql(workflow, "DROP TRIGGER audit_no_delete")
            sql(workflow, "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log WHEN 0 "
                          "BEGIN SELECT RAISE(ABORT, '审计日志只能追加'); END")
    else:  # the trigger stays, its body no longer refuses anything
        if is_pg(workflow):
            sql(workflow, "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                          "$$ BEGIN RETURN OLD; END $$")
        else:
            sql(workflow, "DROP TRIGGER audit_no_update")
            sql(workflow, "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log BEGIN SELECT 1; END")
    report = workflow.verify_audit()
    assert not report["ok"] and [k for k, _ in kinds(report)] == ["trigger"]
    assert "触发器" in report["problems"][0]["message"]


def test_incremental_verification_catches_tampering_after_the_checkpoint(workflow):
    fill(workflow)
    first = workflow.verify_audit(incremental=True)
    workflow.mark_audit_verified(first["last_id"], first["last_hash"], first["rows"])
    fill(workflow, 2)
    again = workflow.verify_audit(incremental=True)
    assert again["ok"] and (again["from_id"], again["checked"]) == (5, 2)
    drop_guard(workflow)
    sql(workflow, "DELETE FROM audit_log WHERE id = 2")  # before the checkpoint: the row count gives it away
    assert ("deleted", None) in kinds(workflow.verify_audit(incremental=True))
    assert ("deleted", 3) in kinds(workflow.verify_audit())  # the full walk names the row


# -- the command line and the tick --------------------------------------------------------------------------------
def write_config(home, *, pg_schema: str | None = None):
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    head, _, _ = text.partition("\n[notifications]\n")
    if pg_schema:
        head = head.replace('workflow = "sqlite"', 'workflow = "postgresql"', 1)
        head += f'\n[storage.postgresql]\ndsn = "{postgres_dsn()}"\nschema = "{pg_schema}"\n'
    with socket.socket() as s:  # an officer webhook nobody answers: the notice stays queued, which is enough here
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = home / "yuqing.toml"
    path.write_text(head + "\n[notifications]\nenabled = true\ndigest_minutes = 0\n[notifications.webhook]\n"
                    f'timeout = 2.0\n[[notifications.officers]]\nchannel = "webhook"\n'
                    f'target = "http://127.0.0.1:{port}/officers"\n', encoding="utf-8")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request, tmp_path, monkeypatch):
    schema = f"yqaudit_{uuid.uuid4().hex[:10]}" if request.param == "postgresql" else None
    path = write_config(tmp_path, pg_schema=schema)
    monkeypatch.setenv("YUQING_HOME", str(tmp_path))
    application = App(load_config(path, home=tmp_path))
    application.config_path = path
    wf = application.store.workflow
    wf.add_user(User(name="officer", role="officer", password_hash="(unused)", display_name="值班员", created_at=T0))
    yield application
    if schema:
        application.store.workflow.drop_schema()
    application.close()


def cli(app, capsys, *argv):
    from yuqing.cli import main

    code = main(["--config", str(app.config_path), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_audit_verify_command(app, capsys):
    officer = app.store.workflow.get_user("officer")
    app.alerts.raise_manual(officer, "小区供暖中断", "多位居民反映", level=2, now=T0)
    code, out, _ = cli(app, capsys, "audit", "verify")
    assert code == 0 and "审计日志完好" in out
    wf = app.store.workflow
    sql(wf, "INSERT INTO audit_log (alert_id, actor, action, at, note) VALUES ('X', 'admin', 'close', ?, '')",
        (to_utc_text(T0),))
    code, _, err = cli(app, capsys, "audit", "verify")
    assert code == 1 and "伪造插入" in err and "第一处断裂：审计记录 #" in err
    code, out, _ = cli(app, capsys, "audit", "verify", "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and report["problems"][0]["kind"] == "inserted"


def test_a_tick_after_tampering_raises_exactly_one_operator_alert(app):
    from yuqing import jobs

    wf = app.store.workflow
    officer = wf.get_user("officer")
    app.alerts.raise_manual(officer, "小区供暖中断", "多位居民反映", level=2, now=T0)
    report = jobs.tick(app, T0 + timedelta(minutes=1))
    assert report["audit"]["ok"] and report["audit"]["alert"] is None
    sql(wf, "INSERT INTO audit_log (alert_id, actor, action, at, note) VALUES ('X', 'admin', 'close', ?, '')",
        (to_utc_text(T0 + timedelta(minutes=2)),))
    reports = [jobs.tick(app, T0 + timedelta(minutes=m)) for m in (3, 4, 5)]
    assert all(not r["audit"]["ok"] for r in reports)
    _, alerts = wf.list_alerts(limit=100)
    operator = [a for a in alerts if a.details.get("rule_type") == "audit_chain"]
    assert len(operator) == 1
    (alert,) = operator
    assert {r["audit"]["alert"] for r in reports} == {alert.id}
    assert alert.level == 1 and alert.department is None and alert.status.value == "new"
    assert "伪造插入" in alert.reason
    notices = [d for d in wf.list_deliveries(alert.id) if d["kind"] == "new"]
    assert [(d["channel"], d["target"].endswith("/officers")) for d in notices] == [("webhook", True)]


def test_a_dropped_audit_table_is_reported_not_a_traceback(workflow):
    fill(workflow)
    sql(workflow, "DROP TABLE audit_log")
    report = workflow.verify_audit()
    assert not report["ok"] and "无法读取审计日志" in report["problems"][0]["message"]
