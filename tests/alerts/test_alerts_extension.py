"""依申请公开 extension (政府信息公开条例 2019 第三十三条): the department asks with a reason before the deadline, the
office's head (an officer) approves or rejects; granted at most once; the deadline moves by 20 working days on the
Chinese calendar (调休 included); every step audited; CLI and the store backends behave the same."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from yuqing.alerts.cli import alerts_main, sla_main
from yuqing.alerts.service import AlertService, PermissionDenied, WorkflowError
from alerts_testkit import DEPT_A3, DEPT_EDU, T0, add_event, alerts_as, burst
from yuqing.clock import TZ

# Friday before National Day 2024. 20 working days (9/29 and 10/12 are 调休 working days, 10/1–10/7 off) end on
# Wednesday 10/23; 20 more end on Wednesday 11/20.
DISPATCHED = datetime(2024, 9, 20, 10, 0, tzinfo=TZ)
ORIGINAL_DUE = datetime(2024, 10, 23, 23, 59, 59, tzinfo=TZ)
EXTENDED_DUE = datetime(2024, 11, 20, 23, 59, 59, tzinfo=TZ)


def disclosure_item(make_app, **kw):
    app = make_app(**kw)
    svc = AlertService.from_config(app.config, app.store)
    users = {n: app.store.workflow.get_user(n) for n in ("officer", "leader", "a3zj", "edu")}
    alert = svc.raise_manual(users["officer"], "依申请公开：某小区建设工程规划许可证", "申请人依申请公开，需在法定期限内答复",
                             level=3, department=DEPT_A3, policy="disclosure", now=DISPATCHED)
    return app, svc, alert, users


def test_sla_and_fixture_agree_on_the_calendar(capsys):
    assert sla_main(["deadline", "--policy", "disclosure", "--start", DISPATCHED.isoformat(), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"response": ORIGINAL_DUE.isoformat(), "provisional": False,
                                                  "provisional_years": []}
    assert sla_main(["deadline", "--policy", "disclosure", "--start", DISPATCHED.isoformat(), "--extended", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"response": EXTENDED_DUE.isoformat(), "provisional": False,
                                                  "provisional_years": []}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_request_approve_once_and_the_deadline_moves_on_working_days(make_app, backend):
    app, svc, alert, u = disclosure_item(make_app, workflow=backend)
    wf = app.store.workflow
    assert alert.status.value == "dispatched" and alert.deadlines == {"response": ORIGINAL_DUE}
    assert "extend" in svc.available_actions(u["a3zj"], alert, DISPATCHED)
    assert "approve_extension" not in svc.available_actions(u["officer"], alert, DISPATCHED)

    asked = datetime(2024, 10, 16, 15, 0, tzinfo=TZ)
    with pytest.raises(WorkflowError, match="必须说明理由"):
        svc.act(u["a3zj"], alert.id, "extend", now=asked)
    pending = svc.act(u["a3zj"], alert.id, "extend", text="需征求第三方（开发商）意见", now=asked)
    assert pending.details["extension"]["status"] == "pending" and pending.deadlines == {"response": ORIGINAL_DUE}
    assert pending.details["extension"]["proposed"] == {"response": EXTENDED_DUE.isoformat()}
    assert [a.id for a in svc.pending_extensions(u["officer"])] == [alert.id]
    with pytest.raises(PermissionDenied):
        svc.pending_extensions(u["a3zj"])
    with pytest.raises(WorkflowError, match="已有待审批的延期申请"):
        svc.act(u["a3zj"], alert.id, "extend", text="再申请一次", now=asked)
    # Only the office decides; the leader and the department cannot.
    for who in ("a3zj", "leader"):
        with pytest.raises(PermissionDenied, match="无权执行「批准延期」"):
            svc.act(u[who], alert.id, "approve_extension", now=asked)

    granted = svc.act(u["officer"], alert.id, "approve_extension", note="同意延期", now=asked + timedelta(hours=1))
    assert granted.deadlines == {"response": EXTENDED_DUE} and granted.details["extension"]["status"] == "granted"
    stored = wf.get_alert(alert.id)
    assert stored.deadlines == {"response": EXTENDED_DUE} and stored.version == granted.version
    assert svc.pending_extensions(u["officer"]) == []
    with pytest.raises(WorkflowError, match="只能延长一次"):
        svc.act(u["a3zj"], alert.id, "extend", text="还需要时间", now=asked + timedelta(days=1))
    assert "extend" not in svc.available_actions(u["a3zj"], stored, asked + timedelta(days=1))

    audit = wf.audit_for(alert.id)
    assert [e.action for e in audit][-2:] == ["extend", "approve_extension"]
    assert audit[-2].actor == "a3zj" and "需征求第三方" in audit[-2].note
    assert audit[-1].actor == "officer" and "2024-10-23 23:59" in audit[-1].note and "2024-11-20 23:59" in audit[-1].note

    # The old deadline no longer counts: no breach, no 督办 the day after it.
    assert svc.check_deadlines(ORIGINAL_DUE + timedelta(days=1))["overdue"] == 0
    answered = svc.act(u["a3zj"], alert.id, "respond", text="已书面答复申请人", now=datetime(2024, 11, 1, 10, 0, tzinfo=TZ))
    assert "（按时）" in wf.audit_for(answered.id)[-1].note


def test_rejection_needs_a_reason_and_a_new_request_may_follow_before_the_deadline(make_app):
    app, svc, alert, u = disclosure_item(make_app)
    asked = datetime(2024, 10, 10, 9, 0, tzinfo=TZ)
    svc.act(u["a3zj"], alert.id, "accept", now=asked)
    svc.act(u["a3zj"], alert.id, "extend", text="材料较多", now=asked)
    with pytest.raises(WorkflowError, match="必须说明理由"):
        svc.act(u["officer"], alert.id, "reject_extension", now=asked)
    rejected = svc.act(u["officer"], alert.id, "reject_extension", note="理由不充分，可按期答复", now=asked)
    assert rejected.details["extension"]["status"] == "rejected" and rejected.deadlines == {"response": ORIGINAL_DUE}
    assert app.store.workflow.audit_for(alert.id)[-1].note.startswith("驳回延期申请：理由不充分")
    with pytest.raises(WorkflowError, match="没有待审批的延期申请"):
        svc.act(u["officer"], alert.id, "approve_extension", now=asked)
    again = svc.act(u["a3zj"], alert.id, "extend", text="需征求第三方意见（附函）", now=asked + timedelta(days=1))
    assert again.details["extension"]["status"] == "pending"
    assert len(again.details["extension_history"]) == 1


def test_deadline_passed_no_request_and_no_approval(make_app):
    app, svc, alert, u = disclosure_item(make_app)
    svc.act(u["a3zj"], alert.id, "extend", text="需征求第三方意见", now=ORIGINAL_DUE - timedelta(hours=1))
    late = ORIGINAL_DUE + timedelta(minutes=1)
    with pytest.raises(WorkflowError, match="原答复期限 2024-10-23 23:59 已过，不能再批准延期"):
        svc.act(u["officer"], alert.id, "approve_extension", now=late)
    svc.act(u["officer"], alert.id, "reject_extension", note="已超过答复期限", now=late)
    with pytest.raises(WorkflowError, match="已过，不能再申请延期"):
        svc.act(u["a3zj"], alert.id, "extend", text="补充申请", now=late)


def test_only_disclosure_items_and_only_the_assigned_department(make_app):
    app, svc, alert, u = disclosure_item(make_app)
    with pytest.raises(PermissionDenied, match=f"{DEPT_EDU}的用户无权处理分派给{DEPT_A3}的预警"):
        svc.act(u["edu"], alert.id, "extend", text="x", now=DISPATCHED)
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 14), negative=13)
    (opinion,) = svc.evaluate(T0)  # a level-2 政务舆情 alert: 48 hours, no extension in law
    assert opinion.policy == "level2"
    with pytest.raises(WorkflowError, match="只有依申请公开事项可以延长答复期限"):
        svc.act(u["a3zj"], opinion.id, "extend", text="需要更多时间", now=T0)
    assert "extend" not in svc.available_actions(u["a3zj"], opinion, T0)
    assert "extend" not in svc.get_alert(u["a3zj"], opinion.id, now=T0).actions


def test_cli_registers_a_disclosure_item(make_app, capsys):
    app = make_app()
    args = ["raise", "--title", "依申请公开：某路段改造资金", "--reason", "申请人依申请公开", "--level", "3",
            "--department", DEPT_A3, "--policy", "disclosure", "--now", DISPATCHED.isoformat()]
    assert alerts_as([*args, "--as", "a3zj"], app) == 3
    assert "无权发起人工预警" in capsys.readouterr().err
    assert alerts_as([*args[:-4], "--policy", "nope", "--as", "officer"], app) == 1
    assert "没有名为「nope」的时限策略" in capsys.readouterr().err
    assert alerts_as([*args, "--as", "officer"], app) == 0
    out = capsys.readouterr().out
    assert "已创建人工预警" in out and "时限策略 disclosure" in out and "2024-10-23 23:59" in out
    (alert,) = app.store.workflow.list_alerts()[1]
    assert alert.status.value == "dispatched" and alert.deadlines == {"response": ORIGINAL_DUE}


def test_cli_extension_round_trip_with_exit_codes(make_app, capsys):
    app, svc, alert, u = disclosure_item(make_app)
    now = "2024-10-16T15:00:00+08:00"
    assert alerts_as(["act", alert.id, "extend", "--as", "a3zj", "--now", now], app) == 1
    assert "申请延期必须说明理由" in capsys.readouterr().err
    assert alerts_as(["act", alert.id, "extend", "--as", "edu", "--text", "x", "--now", now], app) == 3
    assert "无权处理" in capsys.readouterr().err
    assert alerts_as(["act", alert.id, "extend", "--as", "a3zj", "--text", "需征求第三方意见", "--now", now], app) == 0
    out = capsys.readouterr().out
    assert "已申请延期" in out and "延期：待审批" in out and "2024-10-23 23:59" in out
    assert alerts_as(["act", alert.id, "approve_extension", "--as", "a3zj", "--now", now], app) == 3
    assert "无权执行「批准延期」" in capsys.readouterr().err
    assert alerts_as(["act", alert.id, "approve_extension", "--as", "officer", "--now", now, "--json"], app) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["deadlines"] == {"response": EXTENDED_DUE.isoformat()} and summary["extension"] == "granted"
    assert alerts_as(["act", alert.id, "extend", "--as", "a3zj", "--text", "再延", "--now", now], app) == 1
    assert "只能延长一次" in capsys.readouterr().err
    assert alerts_main(["show", alert.id, "--now", now], app) == 0
    out = capsys.readouterr().out
    assert "延期：已批准（a3zj 申请，理由：需征求第三方意见；officer 决定）" in out and "2024-11-20 23:59" in out
