"""督办意见: the supervising office's note on an alert escalated to it — recorded on the alert, audited, sent to the
responsible department exactly once (two senders, a repeated tick), and refused to everyone else."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alerts_testkit import DEPT_A3, SUPERVISOR, T0, add_event, alerts_as, burst, password_for
from yuqing.alerts.service import AlertService, PermissionDenied, WorkflowError
from yuqing.model import User
from yuqing.users import hash_password


@pytest.fixture
def escalated(make_app, http_receiver):
    app = make_app(contacts={DEPT_A3: {"webhook": f"{http_receiver.url}/a3"},
                             SUPERVISOR: {"webhook": f"{http_receiver.url}/duban"}})
    wf = app.store.workflow
    wf.add_user(User(name="duban", role="department", password_hash=hash_password(password_for("duban")),
                     department=SUPERVISOR, display_name="督查室", created_at=T0))
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 14), negative=13)
    svc = AlertService.from_config(app.config, app.store)
    (alert,) = svc.evaluate(T0)
    assert alert.department == DEPT_A3 and not alert.escalated
    return app, svc, alert


def test_supervise_records_audits_and_notifies_the_department_once(escalated, http_receiver, capsys):
    app, svc, alert = escalated
    wf = app.store.workflow
    duban = wf.get_user("duban")
    with pytest.raises(PermissionDenied, match="无权查看"):  # not escalated: not the office's to see
        svc.act(duban, alert.id, "supervise", text="请加快", now=T0 + timedelta(hours=1))
    with pytest.raises(WorkflowError, match="尚未督办"):
        svc.act(wf.get_user("officer"), alert.id, "supervise", text="请加快", now=T0 + timedelta(hours=1))
    svc.deliver(T0 + timedelta(hours=1))  # the dispatch notice is out of the way
    assert svc.check_deadlines(T0 + timedelta(hours=49))["escalated"] == 1
    at = T0 + timedelta(hours=50)
    svc.deliver(at)
    sent_before = len(http_receiver.requests)
    with pytest.raises(WorkflowError, match="不能为空"):
        svc.act(duban, alert.id, "supervise", text="  ", now=at)
    done = svc.act(duban, alert.id, "supervise", text="请于明日12时前报送处置进展，联系人电话13912345678", now=at)
    assert done.status is alert.status  # the office comments; it does not move the alert
    (note,) = done.details["supervision"]
    assert note["by"] == "duban" and note["department"] == DEPT_A3
    entry = wf.audit_for(alert.id)[-1]
    assert entry.action == "supervise" and entry.actor == "duban" and "报送处置进展" in entry.note
    queued = [d for d in wf.list_deliveries(alert.id) if d["kind"] == "supervision"]
    assert [(d["target"].endswith("/a3"), d["status"]) for d in queued] == [(True, "pending")]
    # Two schedulers deliver at once, then again: the department hears it once.
    svc.deliver(at)
    AlertService.from_config(app.config, app.store).deliver(at + timedelta(minutes=1))
    svc.deliver(at + timedelta(minutes=2))
    new = http_receiver.requests[sent_before:]
    assert len(new) == 1 and new[0]["path"].endswith("/a3")
    assert "督办意见" in str(new[0]["body"]) and "13912345678" not in str(new[0]["body"])
    # The office's view of the alert shows the note masked, and the action again.
    detail = svc.get_alert(duban, alert.id, now=at)
    assert detail.actions == ("supervise",)
    (shown,) = detail.alert.details["supervision"]
    assert "报送处置进展" in shown["text"] and "13912345678" not in shown["text"]
    # From the command line, as the office (password on stdin), a second note: one more delivery.
    assert alerts_as(["act", alert.id, "supervise", "--as", "duban", "--text", "再次督办：今日内答复",
                      "--now", (at + timedelta(hours=1)).isoformat()], app) == 0
    assert len([d for d in wf.list_deliveries(alert.id) if d["kind"] == "supervision"]) == 2
    assert [e.action for e in wf.audit_for(alert.id)].count("supervise") == 2


def test_only_the_office_officers_and_admins_may_supervise(escalated):
    app, svc, alert = escalated
    wf = app.store.workflow
    svc.check_deadlines(T0 + timedelta(hours=49))
    at = T0 + timedelta(hours=50)
    for name in ("a3zj", "edu", "leader"):
        with pytest.raises(PermissionDenied):
            svc.act(wf.get_user(name), alert.id, "supervise", text="越权", now=at)
    # The responsible department sees the escalated alert but is offered no 督办意见 of its own.
    assert "supervise" not in svc.get_alert(wf.get_user("a3zj"), alert.id, now=at).actions
    assert "supervise" in svc.get_alert(wf.get_user("officer"), alert.id, now=at).actions
    svc.act(wf.get_user("officer"), alert.id, "supervise", text="专员督办：请加快", now=at)
    # The office is read-only otherwise: no department action on another department's alert.
    duban = wf.get_user("duban")
    for action in ("accept", "respond", "return", "close", "escalate"):
        with pytest.raises(PermissionDenied):
            svc.act(duban, alert.id, action, text="x", note="x", now=at)
    assert [e.action for e in wf.audit_for(alert.id)].count("supervise") == 1
