"""Who may act: passwords for `--as`, the local system operator, no clock override outside tests, no backdating,
no self-evaluation, deactivated accounts refused by the services, login throttling and the dummy verification."""

from __future__ import annotations

import getpass
import io
import json
import socket
from datetime import timedelta
from pathlib import Path

import pytest

from yuqing.alerts.cli import alerts_main
from yuqing.alerts.service import AlertService
from tests.alerts.alerts_testkit import DEPT_A3, T0, make_app, password_for  # noqa: F401  (make_app: a fixture)
from tests.backends import postgres_workflow
from yuqing import users
from yuqing.identity import CLOCK_OVERRIDE_ENV
from yuqing.model import AlertStatus
from yuqing.storage.sqlite import SQLiteStore
from yuqing.users import (
    ACCOUNT_FAILURE_LIMIT, ADDRESS_FAILURE_LIMIT, LOCKOUT, LoginThrottled, UserError, authenticate, create_user,
)
from yuqing.workflow import PermissionDenied, WorkflowError

ADMIN_PASSWORD = "admin-口令-2024"


def dispatched(make_app):
    """A manual alert the officer raised and dispatched to the A3 district at T0."""
    app = make_app()
    svc = AlertService.from_config(app.config, app.store)
    officer = app.store.workflow.get_user("officer")
    alert = svc.raise_manual(officer, "幸福小区电梯停运", "多名居民反映", level=2, department=DEPT_A3, now=T0)
    assert alert.status is AlertStatus.DISPATCHED
    return app, svc, alert


def cli(app, argv, stdin_text=None):
    return alerts_main(argv, app, stdin=io.StringIO(stdin_text) if stdin_text is not None else io.StringIO(""))


def actors(app, alert_id):
    return [(e.actor, e.action) for e in app.store.workflow.audit_for(alert_id)]


# -- the command line -----------------------------------------------------------------------------------------------
def test_as_without_password_is_refused_with_how_to(make_app, capsys):
    app, _, alert = dispatched(make_app)
    assert cli(app, ["act", alert.id, "accept", "--as", "a3zj"]) == 3
    err = capsys.readouterr().err
    assert "需要验证该用户的密码" in err and "--password-stdin" in err and "Traceback" not in err
    assert cli(app, ["list", "--as", "a3zj", "--json"]) == 3  # reads too: --as is a claim that needs proof
    assert "--password-stdin" in capsys.readouterr().err
    assert cli(app, ["act", alert.id, "accept", "--password-stdin"], "x\n") == 3  # a password for nobody
    assert "需要与 --as" in capsys.readouterr().err
    assert app.store.workflow.get_alert(alert.id).status is AlertStatus.DISPATCHED


def test_wrong_or_missing_password_is_refused_and_counts_towards_the_lock(make_app, capsys):
    app, _, alert = dispatched(make_app)
    assert cli(app, ["act", alert.id, "accept", "--as", "a3zj", "--password-stdin"], "") == 3
    assert "没有读到密码" in capsys.readouterr().err
    for _ in range(ACCOUNT_FAILURE_LIMIT):
        assert cli(app, ["act", alert.id, "accept", "--as", "a3zj", "--password-stdin"], "guess-123\n") == 3
        assert "用户名或密码错误" in capsys.readouterr().err
    # Locked now: even the right password is turned away, with the time to retry.
    assert cli(app, ["act", alert.id, "accept", "--as", "a3zj", "--password-stdin"], password_for("a3zj") + "\n") == 3
    err = capsys.readouterr().err
    assert "登录失败次数过多" in err and "之后重试" in err
    assert app.store.workflow.get_alert(alert.id).status is AlertStatus.DISPATCHED
    assert all(actor == "officer" for actor, _ in actors(app, alert.id))


def test_right_password_acts_as_that_user(make_app, capsys):
    app, _, alert = dispatched(make_app)
    argv = ["act", alert.id, "accept", "--as", "a3zj", "--password-stdin", "--json"]
    assert cli(app, argv, password_for("a3zj") + "\r\n") == 0  # a Windows line end is not part of the password
    assert json.loads(capsys.readouterr().out)["status"] == "accepted"
    assert actors(app, alert.id)[-1] == ("a3zj", "accept")
    # Reads as a department user see that department's alerts only.
    assert cli(app, ["list", "--as", "edu", "--password-stdin", "--json"], password_for("edu") + "\n") == 0
    assert json.loads(capsys.readouterr().out)["alerts"] == []


def test_without_as_the_local_system_operator_acts_and_is_recorded_as_such(make_app, capsys):
    app, _, alert = dispatched(make_app)
    operator = f"system:{getpass.getuser()}@{socket.gethostname()}"
    assert cli(app, ["act", alert.id, "close", "--note", "经核实为不实信息"]) == 0
    assert "已办结" in capsys.readouterr().out
    assert actors(app, alert.id)[-1] == (operator, "close")
    assert cli(app, ["show", alert.id, "--json"]) == 0
    audit = json.loads(capsys.readouterr().out)["audit"]
    assert audit[-1]["actor"] == operator and audit[-1]["action"] == "close"
    # No account can take that name (so nobody can log in as, or be mistaken for, the system operator).
    with pytest.raises(UserError, match="冒号"):
        create_user(app.store.workflow, operator, "admin", ADMIN_PASSWORD)


def test_now_on_actions_needs_the_clock_override_switch(make_app, capsys, monkeypatch):
    app, _, alert = dispatched(make_app)
    monkeypatch.delenv(CLOCK_OVERRIDE_ENV, raising=False)
    later = (T0 + timedelta(hours=1)).isoformat()
    assert cli(app, ["act", alert.id, "accept", "--as", "a3zj", "--password-stdin", "--now", later],
               password_for("a3zj") + "\n") == 3
    err = capsys.readouterr().err
    assert "不能用 --now 指定时间" in err and CLOCK_OVERRIDE_ENV in err
    assert cli(app, ["raise", "--title", "t", "--reason", "r", "--now", later]) == 3
    assert CLOCK_OVERRIDE_ENV in capsys.readouterr().err
    assert app.store.workflow.get_alert(alert.id).status is AlertStatus.DISPATCHED
    # Without --now the action happens at the real time.
    assert cli(app, ["act", alert.id, "accept", "--as", "a3zj", "--password-stdin"], password_for("a3zj") + "\n") == 0
    assert "已签收" in capsys.readouterr().out
    assert app.store.workflow.audit_for(alert.id)[-1].at > T0
    # With the switch (what the test suite and the demo set) --now is honoured.
    monkeypatch.setenv(CLOCK_OVERRIDE_ENV, "1")
    assert cli(app, ["raise", "--title", "t", "--reason", "r", "--now", later, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"].startswith("M20240513-")


def test_an_action_cannot_predate_the_alerts_last_record(make_app, capsys):
    app, svc, alert = dispatched(make_app)
    a3zj = app.store.workflow.get_user("a3zj")
    with pytest.raises(WorkflowError, match="不能倒签"):
        svc.act(a3zj, alert.id, "respond", text="已修复", now=T0 - timedelta(hours=2))
    # Whatever the clock source: the command line with the override switch on is refused just the same.
    assert cli(app, ["act", alert.id, "respond", "--text", "已修复", "--as", "a3zj", "--password-stdin",
                     "--now", (T0 - timedelta(minutes=1)).isoformat()], password_for("a3zj") + "\n") == 1
    assert "不能倒签" in capsys.readouterr().err
    responded = svc.act(a3zj, alert.id, "respond", text="已修复", now=T0 + timedelta(hours=3))
    officer = app.store.workflow.get_user("officer")
    with pytest.raises(WorkflowError, match="不能倒签"):
        svc.act(officer, alert.id, "evaluate", rating="满意", now=T0 + timedelta(hours=2))
    assert app.store.workflow.get_alert(alert.id).version == responded.version
    assert svc.act(officer, alert.id, "evaluate", rating="满意", now=T0 + timedelta(hours=3)).status is AlertStatus.CLOSED


# -- the service ------------------------------------------------------------------------------------------------
def test_nobody_evaluates_a_response_they_wrote(make_app):
    app, svc, alert = dispatched(make_app)
    admin = create_user(app.store.workflow, "admin", "admin", ADMIN_PASSWORD)
    svc.act(admin, alert.id, "respond", text="管理员代部门回应：已修复", now=T0 + timedelta(hours=1))
    with pytest.raises(PermissionDenied, match="不能评价自己撰写的回应"):
        svc.act(admin, alert.id, "evaluate", rating="满意", now=T0 + timedelta(hours=2))
    assert app.store.workflow.get_alert(alert.id).status is AlertStatus.RESPONDED
    assert "evaluate" not in svc.get_alert(admin, alert.id, now=T0 + timedelta(hours=2)).actions
    officer = app.store.workflow.get_user("officer")
    assert "evaluate" in svc.get_alert(officer, alert.id, now=T0 + timedelta(hours=2)).actions
    closed = svc.act(officer, alert.id, "evaluate", rating="满意", now=T0 + timedelta(hours=2))
    assert closed.status is AlertStatus.CLOSED


def test_nobody_decides_their_own_extension_request(make_app):
    app = make_app()
    svc = AlertService.from_config(app.config, app.store)
    admin = create_user(app.store.workflow, "admin", "admin", ADMIN_PASSWORD)
    alert = svc.raise_manual(admin, "依申请公开：某路段改造资金", "申请人依申请公开", level=3, department=DEPT_A3,
                             policy="disclosure", now=T0)
    svc.act(admin, alert.id, "extend", text="需书面征求第三方意见", now=T0 + timedelta(days=1))
    for action in ("approve_extension", "reject_extension"):
        with pytest.raises(PermissionDenied, match="不能审批自己提交的延期申请"):
            svc.act(admin, alert.id, action, note="同意", now=T0 + timedelta(days=1))
        assert action not in svc.available_actions(admin, app.store.workflow.get_alert(alert.id), T0 + timedelta(days=1))
    officer = app.store.workflow.get_user("officer")
    granted = svc.act(officer, alert.id, "approve_extension", now=T0 + timedelta(days=1))
    assert granted.details["extension"]["status"] == "granted"


def test_a_deactivated_account_is_refused_by_the_service_whatever_copy_the_caller_holds(make_app):
    app, svc, alert = dispatched(make_app)
    wf = app.store.workflow
    stale = wf.get_user("a3zj")  # what a dashboard session or a long-running command still holds
    stored = wf.get_user("a3zj")
    stored.active = False
    wf.update_user(stored)
    later = T0 + timedelta(hours=1)
    with pytest.raises(PermissionDenied, match="已停用"):
        svc.act(stale, alert.id, "accept", now=later)
    with pytest.raises(PermissionDenied, match="已停用"):
        svc.list_alerts(stale)
    with pytest.raises(PermissionDenied, match="已停用"):
        svc.get_alert(stale, alert.id, now=later)
    officer_copy = wf.get_user("officer")
    officer = wf.get_user("officer")
    officer.active = False
    wf.update_user(officer)
    with pytest.raises(PermissionDenied, match="已停用"):
        svc.raise_manual(officer_copy, "t", "r", level=2, now=later)
    assert wf.get_alert(alert.id).status is AlertStatus.DISPATCHED
    # A role change takes effect at once too: the stored role decides, not the caller's copy.
    leader_copy = wf.get_user("leader")
    leader_copy.role = "admin"
    with pytest.raises(PermissionDenied, match="无权执行「办结」"):
        svc.act(leader_copy, alert.id, "close", note="x", now=later)
    # And the command line, which logs in afresh, refuses the deactivated account like a wrong password.
    assert alerts_main(["list", "--as", "a3zj", "--password-stdin"], app,
                       stdin=io.StringIO(password_for("a3zj") + "\n")) == 3


# -- login ------------------------------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def workflow(request, tmp_path):
    store = postgres_workflow("yqaccess") if request.param == "postgresql" else SQLiteStore(tmp_path / "access.db")
    create_user(store, "li", "officer", "li-正确口令-1")
    create_user(store, "wang", "officer", "wang-正确口令-2")
    yield store
    if request.param == "postgresql":
        store.drop_schema()
    store.close()


def test_login_locks_an_account_after_repeated_failures_and_unlocks_after_the_period(workflow):
    for i in range(ACCOUNT_FAILURE_LIMIT - 1):
        assert authenticate(workflow, "li", "wrong", now=T0 + timedelta(minutes=i)) is None
    # A success resets the account's count …
    assert authenticate(workflow, "li", "li-正确口令-1", now=T0 + timedelta(minutes=5)).name == "li"
    for i in range(ACCOUNT_FAILURE_LIMIT - 1):
        assert authenticate(workflow, "li", "wrong", now=T0 + timedelta(minutes=6)) is None
    assert authenticate(workflow, "li", "li-正确口令-1", now=T0 + timedelta(minutes=6)) is not None
    # … so only failures in a row lock it.
    failed_at = T0 + timedelta(minutes=10)
    for _ in range(ACCOUNT_FAILURE_LIMIT):
        assert authenticate(workflow, "li", "wrong", now=failed_at) is None
    with pytest.raises(LoginThrottled, match="之后重试") as locked:
        authenticate(workflow, "li", "li-正确口令-1", now=failed_at + timedelta(minutes=1))
    assert locked.value.until == failed_at + LOCKOUT
    assert (failed_at + LOCKOUT).strftime("%Y-%m-%d %H:%M") in str(locked.value)
    # Another account is not affected, and the lock ends after the period.
    assert authenticate(workflow, "wang", "wang-正确口令-2", now=failed_at) is not None
    assert authenticate(workflow, "li", "li-正确口令-1", now=failed_at + LOCKOUT).name == "li"
    # Failures spread wider than the window never lock.
    for i in range(ACCOUNT_FAILURE_LIMIT + 1):
        assert authenticate(workflow, "li", "wrong", now=T0 + timedelta(days=1, minutes=16 * i)) is None
    assert authenticate(workflow, "li", "li-正确口令-1", now=T0 + timedelta(days=1, minutes=16 * 7)) is not None


def test_login_locks_an_address_that_tries_many_names(workflow):
    at = T0 + timedelta(hours=1)
    for i in range(ADDRESS_FAILURE_LIMIT):  # unknown names count too: a lock says nothing about who exists
        assert authenticate(workflow, f"guess{i % 4}", "wrong", address="203.0.113.9", now=at) is None
    with pytest.raises(LoginThrottled, match="当前地址"):
        authenticate(workflow, "wang", "wang-正确口令-2", address="203.0.113.9", now=at)
    # From another address the same account logs in; after the period the address may try again.
    assert authenticate(workflow, "wang", "wang-正确口令-2", address="198.51.100.4", now=at) is not None
    assert authenticate(workflow, "wang", "wang-正确口令-2", address="203.0.113.9", now=at + LOCKOUT) is not None


def test_unknown_and_deactivated_names_cost_one_dummy_verification(workflow, monkeypatch):
    calls = []
    real = users.verify_password
    monkeypatch.setattr(users, "verify_password", lambda h, p: calls.append(h) or real(h, p))
    assert authenticate(workflow, "nobody", "li-正确口令-1", now=T0) is None
    assert calls == [users._dummy_hash()]
    li = workflow.get_user("li")
    li.active = False
    workflow.update_user(li)
    calls.clear()
    assert authenticate(workflow, "li", "li-正确口令-1", now=T0) is None  # the right password, but deactivated
    assert calls == [users._dummy_hash()]
    calls.clear()
    assert authenticate(workflow, "wang", "wang-正确口令-2", now=T0) is not None
    assert calls == [workflow.get_user("wang").password_hash]
    # The dummy has the same argon2 parameters as a real hash, so it costs the same.
    assert users._dummy_hash().split("$")[3] == workflow.get_user("wang").password_hash.split("$")[3]


def test_dashboard_login_is_throttled_with_a_chinese_retry_time(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from yuqing.app import App
    from yuqing.paths import REPO_ROOT

    CONFIG = REPO_ROOT / "yuqing" / "default_config.toml"
    APP = str(REPO_ROOT / "dashboard" / "app.py")
    import yuqing.dashboard.auth

    if Path(yuqing.dashboard.auth.__file__).resolve() != REPO_ROOT / "dashboard" / "auth.py":
        pytest.skip(f"看板代码来自另一份安装（{yuqing.dashboard.auth.__file__}），不是本仓库：请在本仓库执行 pip install -e .")

    monkeypatch.setenv("YUQING_HOME", str(tmp_path))
    monkeypatch.setenv("YUQING_CONFIG", str(CONFIG))
    monkeypatch.delenv("YUQING_NOW", raising=False)
    app = App.load(CONFIG, tmp_path)
    create_user(app.store.workflow, "zhao", "officer", "zhao-正确口令-3")
    app.store.close()
    at = AppTest.from_file(APP, default_timeout=120).run()

    def attempt(password):
        at.text_input(key="login_name").input("zhao")
        at.text_input(key="login_password").input(password)
        at.button[0].click().run()
        return at.error[0].value if at.error else None

    for _ in range(ACCOUNT_FAILURE_LIMIT):
        assert "用户名或密码错误" in attempt("wrong-guess")
    message = attempt("zhao-正确口令-3") or "（没有错误提示：登录成功了）"
    assert "登录失败次数过多" in message and "之后重试" in message
    assert not at.exception
