"""The scripted scenario from issue 6: burst → alert → 60% warning → breach 督办 → response → evaluation → closed."""

from __future__ import annotations

from datetime import timedelta

from yuqing.alerts.service import AlertService
from alerts_testkit import DEPT_A3, SUPERVISOR, T0, add_event, burst


def test_burst_of_angry_posts_runs_the_whole_loop(make_app, smtp_sink):
    app = make_app(
        contacts={DEPT_A3: {"email": "a3zj@example.gov.cn"}, SUPERVISOR: {"email": "duban@example.gov.cn"}},
        notifications={"email": {"host": "127.0.0.1", "port": smtp_sink.port},
                       "officers": [{"channel": "email", "target": "yuqing@example.gov.cn"}]})
    store = app.store
    # Quiet background elsewhere, then 14 angry posts about one lift in one district within 90 minutes.
    add_event(store, "ev-other", now=T0, posts=[T0 - timedelta(hours=h) for h in range(1, 30, 3)], negative=2,
              region="A1区", topic="交通运输", title="A1区公交线路调整")
    add_event(store, "ev-lift", now=T0, posts=burst(T0, 14), negative=13, heat=35.0)
    svc = AlertService.from_config(app.config, store)

    created = svc.evaluate(T0)
    assert [a.event_id for a in created] == ["ev-lift"]
    alert = created[0]
    assert alert.level == 2 and alert.department == DEPT_A3
    assert alert.status.value == "dispatched" and alert.policy == "level2"
    assert alert.deadlines == {"response": T0 + timedelta(hours=48)}
    assert "声量突增" in alert.reason and "14" in alert.reason  # which rule fired, with the numbers
    assert alert.details["rules"]["声量突增"]["recent"] == 14
    # Noise control: the same situation on the next run is not a second alert.
    assert svc.evaluate(T0 + timedelta(minutes=5)) == []
    _, open_alerts = store.workflow.list_alerts(status="dispatched")
    assert len(open_alerts) == 1

    # 40% of the time used: nothing. Past 60%: one warning, and only one however often we tick.
    assert svc.check_deadlines(T0 + timedelta(hours=19))["warned"] == 0
    first = svc.tick(T0 + timedelta(hours=29))
    assert first["deadlines"]["warned"] == 1
    for h in (29.5, 30, 40):
        assert svc.tick(T0 + timedelta(hours=h))["deadlines"]["warned"] == 0
    # Past the deadline: one breach, one escalation to the supervising office — also across a "restart".
    breach = svc.tick(T0 + timedelta(hours=49))
    assert breach["deadlines"]["overdue"] == 1 and breach["deadlines"]["escalated"] == 1
    svc2 = AlertService.from_config(app.config, store)
    again = svc2.tick(T0 + timedelta(hours=60))["deadlines"]
    assert again["overdue"] == 0 and again["escalated"] == 0
    detail = svc2.get_alert(store.workflow.get_user("officer"), alert.id, now=T0 + timedelta(hours=60))
    assert detail.flags["overdue"] and detail.flags["escalated"]

    # The department answers, the officer evaluates, it is closed.
    dept = store.workflow.get_user("a3zj")
    officer = store.workflow.get_user("officer")
    svc2.act(dept, alert.id, "accept", now=T0 + timedelta(hours=61))
    svc2.act(dept, alert.id, "respond", text="已责成物业于今日修复电梯，并建立停运公示制度。",
             link="https://a3.example.gov.cn/notice/1", now=T0 + timedelta(hours=62))
    closed = svc2.act(officer, alert.id, "evaluate", rating="基本满意", now=T0 + timedelta(hours=63))
    assert closed.status.value == "closed" and closed.rating == "基本满意"
    assert not svc2.get_alert(officer, alert.id, now=T0 + timedelta(hours=64)).flags["overdue"]

    audit = store.workflow.audit_for(alert.id)
    assert [e.action for e in audit] == ["create", "dispatch", "warn", "overdue", "escalate", "accept", "respond",
                                         "evaluate"]
    assert [(e.from_status, e.to_status) for e in audit][-3:] == [
        ("dispatched", "accepted"), ("accepted", "responded"), ("responded", "closed")]
    assert SUPERVISOR in audit[4].note and audit[4].actor == "system"
    assert all(e.at is not None and e.actor for e in audit)

    # Notifications went through a real SMTP server: one warning, one escalation, no duplicates.
    svc2.deliver(T0 + timedelta(hours=64))
    to_dept = [m for m in smtp_sink.messages if m["To"] == "a3zj@example.gov.cn"]
    to_sup = [m for m in smtp_sink.messages if m["To"] == "duban@example.gov.cn"]
    bodies = "\n".join(m.get_content() for m in to_dept)
    # Several notices due together for one recipient go out as one digest; each notice appears exactly once.
    assert bodies.count("【办理时限提醒】") == 1
    assert bodies.count("【办理超时】") == 1
    assert bodies.count("【督办通知】") == 1
    assert bodies.count("【预警派发】") == 1
    assert len(to_sup) == 1 and "督办" in str(to_sup[0]["Subject"])
    assert "A3区住房和城乡建设局" in to_sup[0].get_content()
    assert all(d["status"] == "sent" for d in store.workflow.list_deliveries(alert.id))
    # A closed event at the same level does not come straight back.
    assert svc2.evaluate(T0 + timedelta(hours=65)) == []
