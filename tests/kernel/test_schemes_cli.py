"""``yuqing schemes …`` on a store of real messages: JSON output, back-fill on add, masked matched documents, Chinese
errors with the position and exit codes, the audit trail and who may change schemes."""

from __future__ import annotations

import io
import json
import shutil

import pytest

from tests.kernel.test_schemes import CONFIG, MESSAGES, NOW, _scan, template  # noqa: F401 (template: a fixture)
from yuqing.app import App
from yuqing.cli import main
from yuqing.users import create_user

PASSWORD = "correct-horse-9"


@pytest.fixture
def home(template, tmp_path, monkeypatch):  # noqa: F811
    path = tmp_path / "home"
    shutil.copytree(template, path)
    monkeypatch.setenv("YUQING_HOME", str(path))
    return path


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["--config", str(CONFIG), "schemes", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_show_matches_edit_delete(home, capsys):
    code, out, err = run(capsys, "add", "停车难", "--expr", "停车 OR 车位", "--owner", "王科长", "--source",
                         "a_city_board", "--json")
    assert code == 0, err
    added = json.loads(out)
    assert added["name"] == "停车难" and added["version"] == 1
    assert added["backfill"]["done"] and added["backfill"]["examined"] == MESSAGES // 2  # the one source only
    assert "回溯方案「停车难」" in err  # progress on stderr
    matched = added["backfill"]["matched"]
    assert matched > 0

    code, out, _ = run(capsys, "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [(s["name"], s["matches"], s["backfill_status"]) for s in listed] == [("停车难", matched, "已完成")]
    assert listed[0]["sources"] == ["a_city_board"] and listed[0]["owner"] == "王科长"

    code, out, _ = run(capsys, "show", "停车难", "--json", "--now", NOW.isoformat())
    shown = json.loads(out)
    assert code == 0 and shown["matches"] == matched and len(shown["trend"]) == 14
    assert sum(d["total"] for d in shown["trend"]) <= matched and shown["trend"][-1]["day"] == "2024-03-01"

    code, out, _ = run(capsys, "matches", "停车难", "--json", "--limit", "5")
    page = json.loads(out)
    assert code == 0 and page["total"] == matched and len(page["documents"]) == min(5, matched)
    for doc in page["documents"]:
        assert doc["source"] == "a_city_board" and ("停车" in doc["title"] + doc["text"] or "车位" in doc["title"] + doc["text"])

    code, out, err = run(capsys, "edit", "停车难", "--expr", "物业", "--all-sources", "--json")
    edited = json.loads(out)
    assert code == 0 and edited["version"] == 2 and edited["backfill"]["examined"] == MESSAGES
    app = App.load(CONFIG, home)
    try:
        assert edited["backfill"]["matched"] == len(_scan(app, app.store.documents.get_scheme("停车难")))
        trail = app.store.workflow.audit_for("scheme:停车难")
        assert [e.action for e in trail] == ["scheme_add", "scheme_edit"]
        assert trail[0].actor.startswith("system:")
        assert json.loads(trail[1].note)["expression"] == {"from": "停车 OR 车位", "to": "物业"}
    finally:
        app.close()

    code, out, _ = run(capsys, "delete", "停车难")
    assert code == 0 and "已删除" in out
    code, out, _ = run(capsys, "list", "--json")
    assert json.loads(out) == []


def test_matches_are_masked_views(home, capsys, monkeypatch):
    app = App.load(CONFIG, home)
    from yuqing.jobs import ingest, process

    ingest(app, [json.dumps({"id": "pii", "source": "a_city_board", "title": "路灯不亮请处理",
                             "content": "路灯坏了，我叫张三，电话13812345678", "published_at": NOW.isoformat()},
                            ensure_ascii=False)], NOW)
    process(app, NOW)
    app.close()
    assert run(capsys, "add", "路灯", "--expr", "路灯")[0] == 0
    code, out, _ = run(capsys, "matches", "路灯", "--json")
    assert code == 0 and "13812345678" not in out and "张三" not in out and "路灯不亮请处理" in out


@pytest.mark.parametrize("argv, code, message", [
    (("add", "坏方案", "--expr", "供暖 AND (停水"), 2, "方案表达式错误：第"),
    (("add", "坏方案", "--expr", "供暖 AND"), 2, "方案表达式错误"),
    (("add", "坏方案"), 2, "需要 --expr"),
    (("add", "bad name", "--expr", "供暖"), 2, "方案名称「bad name」无效"),
    (("add", "坏方案", "--expr", "供暖", "--source", "nowhere"), 2, "来源「nowhere」不存在"),
    (("add", "坏方案", "--expr", "供暖", "--start", "明天"), 2, "ISO 8601"),
    (("add", "坏方案", "--expr", "供暖", "--start", "2024-03-01", "--end", "2024-02-01"), 2, "结束时间应晚于开始时间"),
    (("show", "没有"), 1, "方案「没有」不存在"),
    (("matches", "没有", "--json"), 1, "方案「没有」不存在"),
    (("delete", "没有"), 2, "方案「没有」不存在"),
    (("edit", "没有", "--owner", "x"), 2, "方案「没有」不存在"),
    (("show",), 2, "缺少方案名称"),
    (("matches", "x", "--limit", "0"), 2, "--limit"),
])
def test_errors_are_chinese_with_exit_codes(home, capsys, argv, code, message):
    got, out, err = run(capsys, *argv)
    assert got == code and message in err and "Traceback" not in err
    if argv[0] == "add":
        assert json.loads(run(capsys, "list", "--json")[1]) == []


def test_a_bad_expression_points_at_the_position(home, capsys):
    code, _, err = run(capsys, "add", "坏方案", "--expr", "供暖 AND (停水")
    lines = err.splitlines()
    assert code == 2 and lines[1] == "  供暖 AND (停水" and lines[2].endswith("^")


def test_only_officers_and_admins_change_schemes(home, capsys, monkeypatch):
    app = App.load(CONFIG, home)
    create_user(app.store.workflow, "officer9", "officer", PASSWORD, now=NOW)
    create_user(app.store.workflow, "dept9", "department", PASSWORD, department="A市水务局", now=NOW)
    app.close()
    code, _, err = run(capsys, "add", "水", "--expr", "停水", "--as", "dept9", "--password-stdin",
                       stdin=PASSWORD + "\n", monkeypatch=monkeypatch)
    assert code == 1 and "无权" in err
    code, _, err = run(capsys, "add", "水", "--expr", "停水", "--as", "officer9", "--password-stdin",
                       stdin="wrong-password\n", monkeypatch=monkeypatch)
    assert code == 1 and "密码错误" in err
    code, _, err = run(capsys, "add", "水", "--expr", "停水", "--as", "officer9", "--password-stdin", "--no-backfill",
                       stdin=PASSWORD + "\n", monkeypatch=monkeypatch)
    assert code == 0, err
    app = App.load(CONFIG, home)
    try:
        assert [e.actor for e in app.store.workflow.audit_for("scheme:水")] == ["officer9"]
        assert not app.store.documents.get_scheme("水").backfill_done  # left to the scheduler
    finally:
        app.close()


def test_delete_refused_while_an_alert_rule_is_scoped_to_the_scheme(home, capsys, tmp_path):
    """Deleting a scheme a rule names would leave the alerts configuration invalid: refused, nothing removed."""
    assert run(capsys, "add", "供暖", "--expr", "供暖 OR 暖气")[0] == 0
    config = tmp_path / "scoped.toml"
    config.write_text(CONFIG.read_text(encoding="utf-8") + '\n[[alerts.rules]]\nname = "供暖声量"\ntype = "scheme_volume"\n'
                      'scheme = "供暖"\nlevel = 2\n', encoding="utf-8")
    code = main(["--config", str(config), "schemes", "delete", "供暖"])
    err = capsys.readouterr().err
    assert code == 2 and "仍被预警规则「供暖声量」限定" in err and "Traceback" not in err
    app = App.load(config, home)
    try:
        assert app.store.documents.get_scheme("供暖") is not None
    finally:
        app.close()
