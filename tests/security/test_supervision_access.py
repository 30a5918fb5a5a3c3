"""Who sees what of the supervision: the 督查室 sees other departments' alerts only in its supervision scope (those
escalated to it), read-only but for its 督办意见; an ordinary department never sees another department's alert,
whatever it asks for; only officers and administrators correct."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.alerts.alerts_testkit import DEPT_A3, DEPT_EDU, SUPERVISOR, T0, make_app, password_for  # noqa: F401
from yuqing.alerts.service import AlertService
from yuqing.model import User
from yuqing.users import hash_password
from yuqing.workflow import ACTIONS, PermissionDenied, WorkflowError


@pytest.fixture
def case(make_app):  # noqa: F811
    app = make_app()
    wf = app.store.workflow
    wf.add_user(User(name="duban", role="department", password_hash=hash_password(password_for("duban")),
                     department=SUPERVISOR, display_name="督查室", created_at=T0))
    svc = AlertService.from_config(app.config, app.store)
    officer = wf.get_user("officer")
    a3 = svc.raise_manual(officer, "幸福小区电梯停运", "多名居民反映", level=2, department=DEPT_A3, now=T0)
    edu = svc.raise_manual(officer, "学位紧张", "家长反映", level=2, department=DEPT_EDU, now=T0)
    svc.act(officer, a3.id, "escalate", note="请督查室跟进", now=T0 + timedelta(minutes=1))
    return app, svc, wf.get_user("duban"), a3, edu


def test_the_office_sees_others_only_when_escalated_and_only_in_its_scope(case):
    app, svc, duban, a3, edu = case
    assert svc.list_alerts(duban) == []
    assert [v.id for v in svc.list_alerts(duban, supervision=True)] == [a3.id]
    for dept in (DEPT_A3, DEPT_EDU):
        with pytest.raises(PermissionDenied):
            svc.list_alerts(duban, department=dept)
    assert svc.list_alerts(duban, department=DEPT_EDU, supervision=True) == []
    with pytest.raises(PermissionDenied):
        svc.get_alert(duban, edu.id)
    assert svc.get_alert(duban, a3.id, now=T0 + timedelta(hours=1)).actions == ("supervise",)
    for action in ACTIONS:
        if action == "supervise":
            continue
        with pytest.raises((PermissionDenied, WorkflowError)):
            svc.act(duban, a3.id, action, text="x", note="x", department=DEPT_EDU, rating="满意",
                    now=T0 + timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        svc.act(duban, edu.id, "supervise", text="越权", now=T0 + timedelta(hours=1))  # not escalated: not its


def test_ordinary_departments_never_see_another_departments_alert(case):
    app, svc, _, a3, edu = case
    teacher = app.store.workflow.get_user("edu")
    for supervision in (False, True):
        assert [v.id for v in svc.list_alerts(teacher, supervision=supervision)] == [edu.id]
        assert [v.id for v in svc.list_alerts(teacher, escalated=True, supervision=supervision)] == []
        with pytest.raises(PermissionDenied):
            svc.list_alerts(teacher, department=DEPT_A3, supervision=supervision)
    with pytest.raises(PermissionDenied):
        svc.get_alert(teacher, a3.id)
    with pytest.raises(PermissionDenied):
        svc.act(teacher, a3.id, "supervise", text="越权", now=T0 + timedelta(hours=1))
    assert [e.action for e in app.store.workflow.audit_for(a3.id)].count("supervise") == 0


def test_only_officers_and_admins_correct(case):
    from yuqing.corrections import CorrectionError, record_corrections

    app, svc, duban, a3, _ = case
    for name in ("duban", "edu", "a3zj", "leader"):
        with pytest.raises(CorrectionError, match="只有舆情专员或管理员"):
            record_corrections(app.store, app.store.workflow.get_user(name), now=T0, alert_id=a3.id,
                               not_issue="不是问题")
    assert app.store.workflow.list_corrections() == []
