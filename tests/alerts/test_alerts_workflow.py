"""Workflow: permissions, state machine, 退单, 不满意 reopening, level rises, silences, version checks."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from yuqing.alerts.service import AlertService, PermissionDenied, WorkflowError
from alerts_testkit import DEPT_A3, DEPT_EDU, T0, add_event, burst, lift_alert
from yuqing.storage.base import ConcurrentUpdateError


@pytest.fixture
def loop(make_app):
    app, svc, alert = lift_alert(make_app)
    users = {n: app.store.workflow.get_user(n) for n in ("officer", "leader", "a3zj", "edu")}
    return app, svc, alert, users


def test_other_department_is_refused_with_a_clear_message(loop):
    app, svc, alert, u = loop
    with pytest.raises(PermissionDenied) as exc:
        svc.act(u["edu"], alert.id, "accept", now=T0)
    assert str(exc.value) == f"{DEPT_EDU}的用户无权处理分派给{DEPT_A3}的预警"
    with pytest.raises(PermissionDenied):
        svc.get_alert(u["edu"], alert.id)
    assert svc.list_alerts(u["edu"]) == []
    assert [a.id for a in svc.list_alerts(u["a3zj"])] == [alert.id]
    with pytest.raises(PermissionDenied):
        svc.list_alerts(u["edu"], department=DEPT_A3)
    # Department users cannot take officers' actions on their own alerts either.
    with pytest.raises(PermissionDenied, match="无权执行「办结」"):
        svc.act(u["a3zj"], alert.id, "close", note="自行办结", now=T0)
    assert app.store.workflow.get_alert(alert.id).version == alert.version  # nothing written


def test_concurrent_edit_second_gets_a_version_error(loop):
    app, svc, alert, u = loop
    v = alert.version
    svc.act(u["a3zj"], alert.id, "accept", now=T0, expected_version=v)
    with pytest.raises(ConcurrentUpdateError, match="已被他人修改"):
        svc.act(u["officer"], alert.id, "reassign", department=DEPT_EDU, note="改派", now=T0, expected_version=v)


def test_two_threads_race_exactly_one_wins(loop):
    app, svc, alert, u = loop
    v = alert.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker(action, user, **kw):
        barrier.wait()
        try:
            svc.act(user, alert.id, action, now=T0, expected_version=v, **kw)
            outcomes.append("ok")
        except ConcurrentUpdateError as exc:
            outcomes.append(str(exc))
        except Exception as exc:  # anything else is a failure the assertion below reports
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=worker, args=("accept", u["a3zj"])),
               threading.Thread(target=worker, args=("respond", u["a3zj"]), kwargs={"text": "已处理"})]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2 and outcomes.count("ok") == 1
    assert "已被他人修改" in [o for o in outcomes if o != "ok"][0]
    assert len(app.store.workflow.audit_for(alert.id)) == 3  # create, dispatch, and only the winner


def test_return_goes_back_to_officer_and_reassign_keeps_the_clock(loop):
    app, svc, alert, u = loop
    with pytest.raises(WorkflowError, match="退单必须说明理由"):
        svc.act(u["a3zj"], alert.id, "return", now=T0)
    returned = svc.act(u["a3zj"], alert.id, "return", text="电梯属市场监管，不属本局职责", now=T0 + timedelta(hours=1))
    assert returned.status.value == "returned"
    with pytest.raises(PermissionDenied):  # after 退单 it is the officer's move
        svc.act(u["a3zj"], alert.id, "dispatch", now=T0)
    moved = svc.act(u["officer"], alert.id, "reassign", department=DEPT_EDU, note="按退单理由改派",
                    now=T0 + timedelta(hours=3))
    assert moved.department == DEPT_EDU and moved.status.value == "dispatched"
    assert moved.deadlines == alert.deadlines  # the public's clock does not restart
    assert [a.department for a in app.store.workflow.assignments_for(alert.id)] == [DEPT_A3, DEPT_EDU]
    assert [a.active for a in app.store.workflow.assignments_for(alert.id)] == [False, True]
    # The new department may act now; the old one no longer can.
    svc.act(u["edu"], alert.id, "accept", now=T0 + timedelta(hours=4))
    with pytest.raises(PermissionDenied):
        svc.act(u["a3zj"], alert.id, "respond", text="x", now=T0 + timedelta(hours=4))


def test_dissatisfied_reopens_with_a_new_round(loop):
    app, svc, alert, u = loop
    svc.act(u["a3zj"], alert.id, "respond", text="已协调物业", now=T0 + timedelta(hours=2))
    with pytest.raises(WorkflowError, match="满意、基本满意、不满意"):
        svc.act(u["officer"], alert.id, "evaluate", rating="还行", now=T0 + timedelta(hours=3))
    reopened = svc.act(u["officer"], alert.id, "evaluate", rating="不满意", note="电梯仍未修复",
                       now=T0 + timedelta(hours=3))
    assert reopened.status.value == "reopened"
    assert reopened.deadlines == {"response": T0 + timedelta(hours=51)}
    assert reopened.details["round"] == 2 and reopened.warned == [] and not reopened.escalated
    svc.act(u["a3zj"], alert.id, "respond", text="电梯已更换主板并恢复运行", now=T0 + timedelta(hours=20))
    closed = svc.act(u["officer"], alert.id, "evaluate", rating="满意", now=T0 + timedelta(hours=21))
    assert closed.status.value == "closed"
    ratings = [r.rating for r in app.store.workflow.responses_for(alert.id)]
    assert ratings == ["不满意", "满意"]
    with pytest.raises(WorkflowError, match="当前状态为「已办结」"):
        svc.act(u["a3zj"], alert.id, "respond", text="再补充", now=T0 + timedelta(hours=22))


def test_level_rise_updates_the_open_alert_and_restarts_on_the_stricter_policy(loop):
    app, svc, alert, u = loop
    # The event grows into a crisis: heat crosses the level-1 tier.
    add_event(app.store, "ev-lift", now=T0 + timedelta(hours=3), posts=burst(T0 + timedelta(hours=3), 30, 120),
              negative=28, heat=92.0)
    later = T0 + timedelta(hours=3)
    changed = svc.evaluate(later)
    assert [a.id for a in changed] == [alert.id]  # same alert, not a second one
    raised = app.store.workflow.get_alert(alert.id)
    assert raised.level == 1 and raised.policy == "level1"
    assert raised.deadlines == {"authoritative_info": later + timedelta(hours=5),
                                "press_conference": later + timedelta(hours=24)}
    assert "热度" in raised.reason and "92.0" in raised.reason
    assert [h["level"] for h in raised.details["level_history"]] == [2, 1]
    assert any(e.action == "level_up" and "由 2 升至 1" in e.note for e in app.store.workflow.audit_for(alert.id))
    assert svc.evaluate(later + timedelta(minutes=10)) == []  # same level again: quiet


def test_silences_and_their_expiry(make_app):
    app = make_app()
    add_event(app.store, "ev-x", now=T0, posts=burst(T0, 12))
    svc = AlertService.from_config(app.config, app.store)
    officer, dept = app.store.workflow.get_user("officer"), app.store.workflow.get_user("a3zj")
    with pytest.raises(PermissionDenied):
        svc.silence(dept, event_id="ev-x", hours=2, reason="x", now=T0)
    with pytest.raises(WorkflowError, match="至少要指定"):
        svc.silence(officer, hours=2, reason="x", now=T0)
    svc.silence(officer, keyword="电梯", hours=2, reason="已在专项处置中", now=T0 - timedelta(minutes=1))
    assert svc.evaluate(T0) == []
    assert svc.last_run["silenced"] == 2  # both the spike and the negative-share finding
    # Two hours later the silence has expired and the (still bursting) event alerts.
    add_event(app.store, "ev-x", now=T0 + timedelta(hours=2), posts=burst(T0 + timedelta(hours=2), 12))
    assert [a.event_id for a in svc.evaluate(T0 + timedelta(hours=2))] == ["ev-x"]


def test_manual_alert_and_escalation_by_leader(loop):
    app, svc, alert, u = loop
    with pytest.raises(PermissionDenied):
        svc.raise_manual(u["a3zj"], "标题", "理由", now=T0)
    m = svc.raise_manual(u["officer"], "网传A市一中食堂食品安全问题", "多个家长群转发，需核实", level=2,
                         department=DEPT_EDU, now=T0)
    assert m.rule == "人工预警" and m.department == DEPT_EDU and m.status.value == "dispatched"
    assert m.deadlines == {"response": T0 + timedelta(hours=48)}
    with pytest.raises(WorkflowError, match="已有未办结的预警"):
        svc.raise_manual(u["officer"], "重复", "同一事件", event_id="ev-lift", now=T0)
    esc = svc.act(u["leader"], m.id, "escalate", note="请督查室跟进", now=T0 + timedelta(hours=1))
    assert esc.escalated
    with pytest.raises(WorkflowError, match="已经督办过"):
        svc.act(u["leader"], m.id, "escalate", now=T0 + timedelta(hours=2))
    # An escalated alert breaching later is recorded as overdue but not escalated a second time.
    result = svc.check_deadlines(T0 + timedelta(hours=49))
    assert result["escalated"] == 1  # only the lift alert
    actions = [e.action for e in app.store.workflow.audit_for(m.id)]
    assert actions.count("escalate") == 1 and "overdue" in actions


def test_scheduler_down_across_warning_and_deadline_sends_no_stale_warning(loop):
    app, svc, alert, u = loop
    r = svc.check_deadlines(T0 + timedelta(days=5))
    assert r == {**r, "warned": 0, "overdue": 1, "escalated": 1}
    stored = app.store.workflow.get_alert(alert.id)
    assert stored.warned == ["response", "overdue:response"] and stored.escalated
    assert [e.action for e in app.store.workflow.audit_for(alert.id)][-2:] == ["overdue", "escalate"]


def test_supervising_office_sees_what_was_escalated_to_it(make_app, capsys):
    """督查室 accounts are department users of the ``supervisor = true`` department: they see every alert escalated
    to the office (and its overdue figures per department), and nothing else of other departments."""
    from alerts_testkit import SUPERVISOR, alerts_as, password_for
    from yuqing.model import User
    from yuqing.users import hash_password

    app = make_app()
    wf = app.store.workflow
    wf.add_user(User(name="duban", role="department", password_hash=hash_password(password_for("duban")), department=SUPERVISOR,
                     display_name="督查室", created_at=T0))
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 14), negative=13)
    add_event(app.store, "ev-road", now=T0, posts=burst(T0, 14), negative=13, region="A1区", topic="交通运输",
              title="A1区道路塌陷")
    svc = AlertService.from_config(app.config, app.store)
    created = {a.event_id: a for a in svc.evaluate(T0)}
    lift, road = created["ev-lift"], created["ev-road"]
    sup, a3 = wf.get_user("duban"), wf.get_user("a3zj")
    assert svc.list_alerts(sup) == []  # nothing escalated yet
    with pytest.raises(PermissionDenied):
        svc.get_alert(sup, lift.id)

    # The road department answers in time; the lift is not answered: 督办 on breach, to the office.
    svc.act(wf.get_user("officer"), road.id, "close", note="经核实已处理", now=T0 + timedelta(hours=2))
    assert svc.check_deadlines(T0 + timedelta(hours=49))["escalated"] == 1
    # Other departments' alerts only through the supervision view; as a department it sees only its own.
    assert svc.list_alerts(sup) == []
    with pytest.raises(PermissionDenied):
        svc.list_alerts(sup, department=DEPT_A3)
    seen = svc.list_alerts(sup, supervision=True)
    assert [v.id for v in seen] == [lift.id] and seen[0].escalated and seen[0].escalated_to == SUPERVISOR
    detail = svc.get_alert(sup, lift.id, now=T0 + timedelta(hours=49))
    assert detail.flags["overdue"] and detail.actions == ("supervise",) and not detail.can_reveal
    with pytest.raises(PermissionDenied):
        svc.get_alert(sup, road.id)
    assert [v.id for v in svc.list_alerts(sup, department=DEPT_A3, supervision=True)] == [lift.id]
    assert svc.list_alerts(sup, department=created["ev-road"].department, supervision=True) == []
    (row,) = svc.overdue_by_department(sup, T0 + timedelta(hours=49))
    assert row == {"department": DEPT_A3, "open": 1, "overdue": 1, "escalated": 1}
    # Ordinary departments still see only their own.
    assert [v.id for v in svc.list_alerts(a3)] == [lift.id]
    with pytest.raises(PermissionDenied):
        svc.list_alerts(a3, department=SUPERVISOR)

    assert alerts_as(["list", "--as", "duban"], app) == 0
    assert lift.id not in capsys.readouterr().out
    assert alerts_as(["list", "--escalated", "--as", "duban"], app) == 0
    out = capsys.readouterr().out
    assert lift.id in out and "[已督办]" in out and road.id not in out
    assert alerts_as(["show", lift.id, "--as", "duban", "--now", (T0 + timedelta(hours=49)).isoformat()], app) == 0
    assert "【已超时】，已督办" in capsys.readouterr().out
