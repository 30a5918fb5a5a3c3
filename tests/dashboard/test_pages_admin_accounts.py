"""AppTest for 用户管理's account changes: each is audited once, as the acting administrator, with no secret, and
writes the same entry ``yuqing users`` writes for the same change (through yuqing.accounts); deactivating revokes
the account's sessions at once; an administrator cannot demote or deactivate themself."""

from __future__ import annotations

import getpass
import io
import shutil
import socket
from datetime import timedelta

import pytest

from tests.dashboard.conftest import CONFIG, OTHER_DEPT
from tests.dashboard.pagekit import button, find, no_exception, table
from tests.dashboard.test_pages_admin import texts

OPERATOR = f"system:{getpass.getuser()}@{socket.gethostname()}"
NEW_PW = "reset-正确口令-2"


@pytest.fixture
def twin(dash_home, tmp_path, monkeypatch):
    """A copy of the same store, changed through ``yuqing users`` (returns the CLI runner and the copy's home)."""
    from yuqing.cli import main

    home = tmp_path / "twin"
    shutil.copytree(dash_home, home)

    def users(*argv, stdin=None):
        with monkeypatch.context() as m:
            m.setenv("YUQING_HOME", str(home))
            if stdin is not None:
                m.setattr("sys.stdin", io.StringIO(stdin))
            return main(["--config", str(CONFIG), "users", *argv])

    return users, home


def _open_store(home):
    from yuqing.app import App

    return App.load(CONFIG, home).store


def _entries(store, name):
    return [(e.alert_id, e.action, e.note) for e in store.workflow.audit_for(f"user:{name}")]


def _users_page(as_user):
    at = as_user("admin1")
    at.switch_page("views/admin_users.py").run()
    no_exception(at)
    return at


def _issue(store, name):
    from yuqing import sessions
    from yuqing.clock import now

    return sessions.issue(store.workflow, name, now(), lifetime=timedelta(hours=12))


def test_deactivate_revokes_sessions_and_matches_the_cli_entry(as_user, store, twin):
    users, home = twin
    token = _issue(store, "dept2").token
    twin_store = _open_store(home)
    _issue(twin_store, "dept2")
    at = _users_page(as_user)
    at.selectbox(key="u_target").set_value("dept2").run()
    button(at, "停用").click().run()
    no_exception(at)
    assert "已停用账号「dept2」，其登录会话已全部注销" in texts(at.success)[0]
    assert dict(zip(table(at)["用户名"], table(at)["状态"]))["dept2"] == "停用"
    from yuqing import sessions
    from yuqing.clock import now

    assert sessions.verify(store.workflow, token, now()) is None
    [entry] = store.workflow.audit_for("user:dept2")
    assert (entry.actor, entry.action) == ("admin1", "account_deactivate")
    assert f"修改前：角色 责任部门，部门 {OTHER_DEPT}，启用；修改后：角色 责任部门，部门 {OTHER_DEPT}，停用" in entry.note
    assert users("deactivate", "dept2") == 0
    assert _entries(twin_store, "dept2") == _entries(store, "dept2")
    assert [e.actor for e in twin_store.workflow.audit_for("user:dept2")] == [OPERATOR]
    twin_store.close()
    assert store.workflow.verify_audit()["ok"]


def test_create_and_reset_password_are_audited_without_the_secret_as_the_cli_does(as_user, store, twin):
    users, home = twin
    at = _users_page(as_user)
    find(at.text_input, "用户名").input("staff9")
    find(at.selectbox, "角色").set_value("officer")
    find(at.text_input, "初始密码").input("first-正确口令-0")
    button(at, "创建").click().run()
    no_exception(at)
    assert "已创建账号「staff9」" in texts(at.success)[0]
    at.selectbox(key="u_target").set_value("staff9").run()
    find(at.text_input, "新密码").input(NEW_PW)
    button(at, "重置密码").click().run()
    no_exception(at)
    assert "已重置「staff9」的密码" in texts(at.success)[0]
    log = store.workflow.audit_for("user:staff9")
    assert [(e.actor, e.action) for e in log] == [("admin1", "account_add"), ("admin1", "account_password")]
    stored = store.workflow.get_user("staff9")
    for e in log:
        for secret in ("first-正确口令-0", NEW_PW, stored.password_hash, "$argon2"):
            assert secret not in e.note
    assert users("add", "staff9", "--role", "officer", "--password-stdin", stdin="first-正确口令-0\n") == 0
    assert users("passwd", "staff9", "--password-stdin", stdin=NEW_PW + "\n") == 0
    twin_store = _open_store(home)
    assert _entries(twin_store, "staff9") == _entries(store, "staff9")
    twin_store.close()


def test_an_admin_cannot_demote_or_deactivate_themself_and_nothing_is_written(as_user, store):
    at = _users_page(as_user)
    at.selectbox(key="u_target").set_value("admin1").run()
    button(at, "停用").click().run()
    assert any("不能停用自己的账号" in t for t in texts(at.error)), texts(at.error)
    names = list(table(at)["用户名"])
    form = f"account_{names.index('admin1')}"
    at.selectbox(key=f"{form}_role").set_value("officer")
    button(at, "修改角色与部门").click().run()
    no_exception(at)
    assert any("不能取消自己的管理员角色" in t for t in texts(at.error)), texts(at.error)
    assert store.workflow.audit_for("user:admin1") == []
    admin = store.workflow.get_user("admin1")
    assert admin.active and admin.role.value == "admin"
