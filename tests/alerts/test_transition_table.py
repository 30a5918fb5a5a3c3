"""The transition table in yuqing.workflow is what the handlers obey: change a row and the action changes with it
(target status, who may act on whose alert), with no second copy of the state machine to update."""

from __future__ import annotations

from dataclasses import replace

import pytest

from yuqing.alerts.service import PermissionDenied
from alerts_testkit import DEPT_A3, DEPT_EDU, T0, lift_alert
from yuqing.model import AlertStatus
from yuqing.workflow import ACTIONS


@pytest.fixture
def dispatched(make_app):
    app, svc, alert = lift_alert(make_app)
    assert alert.status is AlertStatus.DISPATCHED and alert.department == DEPT_A3
    users = {n: app.store.workflow.get_user(n) for n in ("officer", "a3zj", "edu")}
    return app, svc, alert, users


def test_the_target_status_is_the_tables(dispatched, monkeypatch):
    app, svc, alert, u = dispatched
    monkeypatch.setitem(ACTIONS, "accept", replace(ACTIONS["accept"], target=AlertStatus.RETURNED))
    done = svc.act(u["a3zj"], alert.id, "accept", now=T0)
    assert done.status is AlertStatus.RETURNED
    entry = app.store.workflow.audit_for(alert.id)[-1]
    assert (entry.action, entry.from_status, entry.to_status) == ("accept", "dispatched", "returned")


def test_the_dispatch_target_is_the_tables(dispatched, monkeypatch):
    app, svc, alert, u = dispatched
    monkeypatch.setitem(ACTIONS, "reassign", replace(ACTIONS["reassign"], target=AlertStatus.ACCEPTED))
    done = svc.act(u["officer"], alert.id, "reassign", department=DEPT_EDU, note="改派", now=T0)
    assert (done.status, done.department) == (AlertStatus.ACCEPTED, DEPT_EDU)


def test_own_department_is_the_tables(dispatched, monkeypatch):
    app, svc, alert, u = dispatched
    with pytest.raises(PermissionDenied, match=f"{DEPT_EDU}的用户无权处理分派给{DEPT_A3}的预警"):
        svc.act(u["edu"], alert.id, "accept", now=T0)
    monkeypatch.setitem(ACTIONS, "accept", replace(ACTIONS["accept"], own_department=False))
    assert svc.act(u["edu"], alert.id, "accept", now=T0).status is AlertStatus.ACCEPTED


def test_the_sources_are_the_tables(dispatched, monkeypatch):
    app, svc, alert, u = dispatched
    monkeypatch.setitem(ACTIONS, "accept", replace(ACTIONS["accept"], sources=frozenset({AlertStatus.NEW})))
    with pytest.raises(Exception, match="不能执行「签收」"):
        svc.act(u["a3zj"], alert.id, "accept", now=T0)
