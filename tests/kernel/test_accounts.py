"""Audited account changes (yuqing.accounts) and ``yuqing users``: each change writes exactly one audit entry with the
acting account and the state before and after, never the password or its hash; deactivating revokes the account's
dashboard sessions; the last active administrator is kept; the audit chain still verifies."""

from __future__ import annotations

import getpass
import io
import socket
from datetime import datetime, timedelta

import pytest

from yuqing import accounts, sessions
from yuqing.app import App
from yuqing.cli import main
from yuqing.clock import TZ
from yuqing.paths import REPO_ROOT
from yuqing.users import authenticate, create_user, system_operator

CONFIG = REPO_ROOT / "yuqing" / "default_config.toml"
DEPT = "A市住房和城乡建设局"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
ADMIN_PW, NEW_PW = "admin-正确口令-1", "reset-正确口令-2"
OPERATOR = f"system:{getpass.getuser()}@{socket.gethostname()}"


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("YUQING_HOME", str(tmp_path))
    app = App.load(CONFIG, tmp_path)
    create_user(app.store.workflow, "boss", "admin", ADMIN_PW)  # seeded directly: the one unaudited account
    yield app
    app.close()


def entries(app, name):
    return app.store.workflow.audit_for(f"user:{name}")


def no_secret(app, name, *passwords):
    user = app.store.workflow.get_user(name)
    for e in entries(app, name):
        text = " ".join(str(v) for v in (e.note, e.from_status, e.to_status, e.actor))
        assert user.password_hash not in text and "$argon2" not in text
        for password in passwords:
            assert password not in text


def test_each_change_writes_one_audit_entry_with_actor_and_before_after(app):
    wf, boss = app.store.workflow, app.store.workflow.get_user("boss")
    accounts.add_account(wf, boss, "dept9", "department", "first-正确口令-0", department=DEPT, now=NOW)
    [add] = entries(app, "dept9")
    assert (add.actor, add.action, add.at) == ("boss", "account_add", NOW)
    assert add.note == f"账号「dept9」修改前：（新账号）；修改后：角色 责任部门，部门 {DEPT}，启用"
    assert accounts.set_active(wf, boss, "dept9", False, now=NOW + timedelta(minutes=1))
    assert accounts.set_active(wf, boss, "dept9", True, now=NOW + timedelta(minutes=2))
    accounts.reset_password(wf, boss, "dept9", NEW_PW, now=NOW + timedelta(minutes=3))
    assert accounts.change_role(wf, boss, "dept9", "officer", None, now=NOW + timedelta(minutes=4))
    log = entries(app, "dept9")
    assert [e.action for e in log] == ["account_add", "account_deactivate", "account_activate", "account_password",
                                       "account_change"]
    assert {e.actor for e in log} == {"boss"}
    assert "修改前：角色 责任部门，部门 A市住房和城乡建设局，启用；修改后：角色 责任部门，部门 A市住房和城乡建设局，停用" in log[1].note
    assert log[4].note.endswith("修改后：角色 舆情专员，部门 无，启用")
    no_secret(app, "dept9", "first-正确口令-0", NEW_PW)
    assert authenticate(wf, "dept9", NEW_PW) is not None
    # Nothing changed: no entry. The audit chain still verifies.
    assert not accounts.change_role(wf, boss, "dept9", "officer", None, now=NOW)
    assert not accounts.set_active(wf, boss, "dept9", True, now=NOW)
    assert len(entries(app, "dept9")) == 5
    assert wf.verify_audit()["ok"]


def test_refused_changes_write_nothing(app):
    wf, boss = app.store.workflow, app.store.workflow.get_user("boss")
    officer = create_user(wf, "o1", "officer", "officer-正确口令-1")
    with pytest.raises(accounts.AccountError, match="只有管理员"):
        accounts.add_account(wf, officer, "x1", "officer", "xxxx-正确口令", now=NOW)
    with pytest.raises(accounts.AccountError, match="只有管理员"):
        accounts.reset_password(wf, officer, "boss", "taken-over-123", now=NOW)
    with pytest.raises(accounts.AccountError, match="至少需要 8 个字符"):
        accounts.reset_password(wf, boss, "o1", "short", now=NOW)
    with pytest.raises(accounts.AccountError, match="必须选择所属部门"):
        accounts.change_role(wf, boss, "o1", "department", None, now=NOW)
    with pytest.raises(accounts.AccountError, match="不存在"):
        accounts.set_active(wf, boss, "nobody", False, now=NOW)
    assert entries(app, "o1") == [] and entries(app, "x1") == [] and entries(app, "boss") == []
    # A demoted (stored) admin loses the power at once, whatever the caller still holds.
    accounts.add_account(wf, boss, "boss2", "admin", "second-正确口令-2", now=NOW)
    boss2 = wf.get_user("boss2")
    accounts.change_role(wf, boss, "boss2", "officer", None, now=NOW)
    with pytest.raises(accounts.AccountError, match="只有管理员"):
        accounts.set_active(wf, boss2, "o1", False, now=NOW)


def test_the_last_active_admin_can_be_neither_deactivated_nor_demoted(app):
    wf, boss = app.store.workflow, app.store.workflow.get_user("boss")
    system = system_operator()  # the command line without --as acts as an administrator, but not past the guard
    accounts.authorize(wf, system)
    with pytest.raises(accounts.AccountError, match="最后一个启用的管理员"):
        accounts.set_active(wf, system, "boss", False, now=NOW)
    with pytest.raises(accounts.AccountError, match="最后一个启用的管理员"):
        accounts.change_role(wf, system, "boss", "officer", None, now=NOW)
    with pytest.raises(accounts.AccountError, match="不能取消自己的管理员角色"):
        accounts.change_role(wf, boss, "boss", "officer", None, now=NOW)
    assert wf.get_user("boss").active and entries(app, "boss") == []
    # With a second active admin the first may go; then the second is the last one.
    accounts.add_account(wf, boss, "boss2", "admin", "second-正确口令-2", now=NOW)
    assert accounts.set_active(wf, wf.get_user("boss2"), "boss", False, now=NOW)
    with pytest.raises(accounts.AccountError, match="最后一个启用的管理员"):
        accounts.change_role(wf, system, "boss2", "leader", None, now=NOW)


def test_deactivating_revokes_the_accounts_dashboard_sessions_at_once(app):
    wf, boss = app.store.workflow, app.store.workflow.get_user("boss")
    accounts.add_account(wf, boss, "dept9", "department", "first-正确口令-0", department=DEPT, now=NOW)
    tabs = [sessions.issue(wf, "dept9", NOW, lifetime=timedelta(hours=12)) for _ in range(2)]
    mine = sessions.issue(wf, "boss", NOW, lifetime=timedelta(hours=12))
    accounts.set_active(wf, boss, "dept9", False, now=NOW + timedelta(minutes=1))
    assert [sessions.verify(wf, t.token, NOW + timedelta(minutes=2)) for t in tabs] == [None, None]
    assert sessions.verify(wf, mine.token, NOW + timedelta(minutes=2)) == "boss"
    assert "注销登录会话 2 个" in entries(app, "dept9")[-1].note
    # Reactivating does not bring the old sessions back: the user logs in again.
    accounts.set_active(wf, boss, "dept9", True, now=NOW + timedelta(minutes=3))
    assert sessions.verify(wf, tabs[0].token, NOW + timedelta(minutes=4)) is None



def test_a_password_reset_ends_the_accounts_sessions(app):
    """A reset after a leak must lock out whoever holds the old session, not only the old password."""
    wf, boss = app.store.workflow, app.store.workflow.get_user("boss")
    accounts.add_account(wf, boss, "dept8", "department", "first-正确口令-0", department=DEPT, now=NOW)
    tab = sessions.issue(wf, "dept8", NOW, lifetime=timedelta(hours=12))
    accounts.reset_password(wf, boss, "dept8", "second-正确口令-1", now=NOW + timedelta(minutes=1))
    assert sessions.verify(wf, tab.token, NOW + timedelta(minutes=2)) is None
    note = entries(app, "dept8")[-1].note
    assert "已注销 1 个看板会话" in note and "second-正确口令-1" not in note

def users(capsys, monkeypatch, *argv, stdin=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["--config", str(CONFIG), "users", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_changes_are_audited_as_the_system_operator(app, capsys, monkeypatch):
    wf = app.store.workflow
    assert users(capsys, monkeypatch, "add", "dept9", "--role", "department", "--department", DEPT,
                 "--password-stdin", stdin="first-正确口令-0\n")[0] == 0
    assert users(capsys, monkeypatch, "deactivate", "dept9")[:2] == (0, "已停用用户 dept9，其登录会话已全部注销\n")
    assert users(capsys, monkeypatch, "deactivate", "dept9")[:2] == (0, "用户 dept9 本已停用，没有改动\n")
    assert users(capsys, monkeypatch, "activate", "dept9")[0] == 0
    assert users(capsys, monkeypatch, "passwd", "dept9", "--password-stdin", stdin=NEW_PW + "\n")[0] == 0
    log = entries(app, "dept9")
    assert [(e.actor, e.action) for e in log] == [(OPERATOR, a) for a in (
        "account_add", "account_deactivate", "account_activate", "account_password")]
    no_secret(app, "dept9", "first-正确口令-0", NEW_PW)
    assert authenticate(wf, "dept9", NEW_PW) is not None
    code, out, err = users(capsys, monkeypatch, "list")
    assert code == 0 and f"dept9\tdepartment\t{DEPT}\t启用" in out
    assert main(["--config", str(CONFIG), "audit", "verify"]) == 0
    assert "审计日志完好" in capsys.readouterr().out


@pytest.mark.parametrize("argv, stdin, code, message", [
    (["deactivate", "boss"], None, 1, "无法停用用户：「boss」是最后一个启用的管理员账号"),
    (["deactivate", "nobody"], None, 1, "无法停用用户：用户「nobody」不存在"),
    (["activate"], None, 2, "用法：yuqing users activate NAME"),
    (["passwd", "boss"], None, 2, "--password-stdin"),
    (["passwd", "boss", "--password-stdin"], "short\n", 1, "无法重置密码：密码至少需要 8 个字符"),
    (["add", "x", "--role", "department", "--password-stdin"], "long-enough-1\n", 1, "必须用 --department"),
])
def test_cli_errors_are_chinese_and_change_nothing(app, capsys, monkeypatch, argv, stdin, code, message):
    got, out, err = users(capsys, monkeypatch, *argv, stdin=stdin)
    assert got == code and message in err and "Traceback" not in err
    assert entries(app, "boss") == [] and entries(app, "x") == []
    assert authenticate(app.store.workflow, "boss", ADMIN_PW) is not None
