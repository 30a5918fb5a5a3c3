"""The CLI functions the kernel wires in: alerts list/show/act, sla deadline, tick."""

from __future__ import annotations

import json
from datetime import timedelta

from yuqing.alerts.cli import alerts_main, sla_main, tick_main
from alerts_testkit import DEPT_A3, DEPT_EDU, T0, add_event, alerts_as, burst


def test_sla_deadline_json_and_text(capsys):
    assert sla_main(["deadline", "--policy", "consult", "--start", "2024-09-30T10:00:00+08:00", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"response": "2024-10-09T23:59:59+08:00", "provisional": False,
                                                  "provisional_years": []}
    assert sla_main(["deadline", "--policy", "level1", "--start", "2024-09-30T10:00"]) == 0
    out = capsys.readouterr().out
    assert "发布权威信息" in out and "2024-09-30T15:00:00+08:00" in out and "2024-10-01T10:00:00+08:00" in out
    assert sla_main(["deadline", "--policy", "level9", "--start", "2024-09-30T10:00"]) == 1
    assert "没有名为「level9」的时限策略" in capsys.readouterr().err
    assert sla_main(["deadline", "--policy", "consult", "--start", "下周一"]) == 1
    assert "不是有效的 ISO 8601" in capsys.readouterr().err


def test_tick_list_show_and_act(make_app, capsys):
    app = make_app()
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 14))
    assert tick_main(["--now", T0.isoformat(), "--json"], app) == 0
    tick = json.loads(capsys.readouterr().out)
    assert tick["evaluate"]["created"] == 1
    assert alerts_main(["list", "--json"], app) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["total"] == 1 and listing["pages"] == 1
    (row,) = listing["alerts"]
    assert row["level"] == 2 and row["status"] == "dispatched" and row["department"] == DEPT_A3
    assert row["event_id"] == "ev-lift" and row["deadlines"] == {"response": (T0 + timedelta(hours=48)).isoformat()}
    assert row["created_at"] == T0.isoformat()
    assert alerts_main(["list", "--status", "closed", "--json"], app) == 0
    assert json.loads(capsys.readouterr().out)["alerts"] == []

    # Wrong department: refused, non-zero, Chinese message naming both departments.
    code = alerts_as(["act", row["id"], "accept", "--as", "edu", "--now", T0.isoformat()], app)
    err = capsys.readouterr().err
    assert code == 3 and f"{DEPT_EDU}的用户无权处理分派给{DEPT_A3}的预警" in err
    assert alerts_as(["act", row["id"], "respond", "--as", "a3zj", "--text", "已修复电梯",
                        "--now", (T0 + timedelta(hours=5)).isoformat()], app) == 0
    assert "已回应" in capsys.readouterr().out
    assert alerts_as(["act", row["id"], "evaluate", "--as", "officer", "--rating", "满意",
                        "--now", (T0 + timedelta(hours=6)).isoformat(), "--json"], app) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "closed"
    assert alerts_main(["show", row["id"], "--json"], app) == 0
    detail = json.loads(capsys.readouterr().out)
    assert [e["action"] for e in detail["audit"]] == ["create", "dispatch", "respond", "evaluate"]
    assert detail["event"]["id"] == "ev-lift" and len(detail["documents"]) == 5
    assert detail["responses"][0]["rating"] == "满意"
    # Stale version on the command line → conflict message, non-zero.
    assert alerts_as(["act", row["id"], "reopen", "--as", "officer", "--note", "复查", "--version", "1"], app) == 1
    assert "已被他人修改" in capsys.readouterr().err
    assert alerts_as(["act", row["id"], "accept", "--as", "nobody"], app) == 3
    assert "用户名或密码错误" in capsys.readouterr().err
