"""Auto-dispatch is held for a department without an active account: the alert stays 待派发 with the reason,
audited, with no response clock, until an officer dispatches it (alerts/holds.py)."""

from __future__ import annotations

from datetime import timedelta

from alerts_testkit import DEPT_A3, T0, add_event, burst
from yuqing.alerts.holds import HOLD_REASON
from yuqing.alerts.service import AlertService
from yuqing.model import AlertStatus, User


def _deactivate(store, name):
    user = store.workflow.get_user(name)
    user.active = False
    store.workflow.update_user(user)


def test_no_account_holds_the_alert_for_an_officer_with_no_clock(make_app):
    app = make_app()
    _deactivate(app.store, "a3zj")  # A3区住建局's only account
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 14), negative=13)
    svc = AlertService.from_config(app.config, app.store)
    (alert,) = svc.evaluate(T0)
    assert alert.level <= svc.settings.auto_dispatch_max_level  # would have been dispatched
    assert alert.status is AlertStatus.NEW and alert.department == DEPT_A3
    assert alert.dispatched_at is None and alert.deadlines == {}
    assert HOLD_REASON in alert.reason and alert.details["dispatch_hold"]["department"] == DEPT_A3
    held = [e for e in app.store.workflow.audit_for(alert.id) if e.action == "dispatch_held"]
    assert len(held) == 1 and HOLD_REASON in held[0].note and DEPT_A3 in held[0].note
    assert not [e for e in app.store.workflow.audit_for(alert.id) if e.action == "dispatch"]
    assert not [d for d in app.store.workflow.list_deliveries(alert.id) if d.get("kind") == "dispatch"]
    view = svc.alert_view(svc.load(alert.id))
    assert view.status == "new" and HOLD_REASON in view.reason
    # No response clock runs for the department; the officers' waiting clock does (待派发提醒, then 报督查).
    svc.check_deadlines(T0 + timedelta(hours=30))
    stored = svc.load(alert.id)
    assert stored.deadlines == {} and stored.dispatched_at is None and stored.status is AlertStatus.NEW
    assert "waiting_escalate" in [e.action for e in app.store.workflow.audit_for(alert.id)]

    # The officer dispatches by hand (the officer decides how the department is reached): the clock starts then.
    officer = app.store.workflow.get_user("officer")
    at = T0 + timedelta(hours=31)
    done = svc.act(officer, alert.id, "dispatch", department=DEPT_A3, note="电话通知", now=at)
    assert done.status is AlertStatus.DISPATCHED and done.deadlines and done.dispatched_at == at
    assert HOLD_REASON not in done.reason and "dispatch_hold" not in done.details  # the hold is over


def test_a_department_with_an_active_account_is_dispatched_at_once(make_app):
    app = make_app()
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 14), negative=13)
    (alert,) = AlertService.from_config(app.config, app.store).evaluate(T0)
    assert alert.status is AlertStatus.DISPATCHED and alert.department == DEPT_A3 and alert.deadlines
    assert "dispatch_hold" not in alert.details
    assert not [e for e in app.store.workflow.audit_for(alert.id) if e.action == "dispatch_held"]


def test_an_account_created_later_lets_the_next_alert_through(make_app):
    app = make_app()
    _deactivate(app.store, "a3zj")
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 14), negative=13)
    svc = AlertService.from_config(app.config, app.store)
    (first,) = svc.evaluate(T0)
    assert first.status is AlertStatus.NEW
    app.store.workflow.add_user(User(name="a3zj2", role="department", password_hash="x", department=DEPT_A3,
                                     created_at=T0))
    later = T0 + timedelta(days=4)
    add_event(app.store, "ev-lift-2", now=later, posts=burst(later, 14), negative=13, title="A3区阳光小区电梯停运")
    (second,) = [a for a in svc.evaluate(later) if a.event_id == "ev-lift-2"]
    assert second.status is AlertStatus.DISPATCHED and second.department == DEPT_A3


def test_an_officers_manual_alert_to_a_department_without_account_is_dispatched_as_asked(make_app):
    app = make_app()
    _deactivate(app.store, "a3zj")
    svc = AlertService.from_config(app.config, app.store)
    officer = app.store.workflow.get_user("officer")
    alert = svc.raise_manual(officer, "A3区某小区停水", "居民来电", level=2, department=DEPT_A3, now=T0)
    assert alert.status is AlertStatus.DISPATCHED and alert.department == DEPT_A3 and alert.deadlines
    assert HOLD_REASON not in alert.reason and "dispatch_hold" not in alert.details
    assert "dispatch_held" not in [e.action for e in app.store.workflow.audit_for(alert.id)]
