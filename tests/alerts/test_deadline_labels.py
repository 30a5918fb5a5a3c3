"""One deadline, one label everywhere: the e-mail a department receives, the deadline warning, the audit log and the
dashboard's alert page name it alike, by its policy — ``response`` is 回应关切 for 政务舆情 (61号文) and 答复 for a
12345 诉求. Labels were looked up by the deadline's name alone, so a 诉求's deadline read 回应关切 on the page.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from yuqing.alerts.service import AlertService
from alerts_testkit import DEPT_A3, T0
from yuqing.dashboard.services import queries
from yuqing.vocab import DEADLINE_LABELS


def _body(message) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content()


@pytest.mark.parametrize("policy, expected", [("consult", "答复"), ("level2", "回应关切"), ("disclosure", "答复")])
def test_same_deadline_same_label_in_mail_warning_audit_and_dashboard(make_app, smtp_sink, policy, expected):
    app = make_app(contacts={DEPT_A3: {"email": "a3zj@example.gov.cn"}},
                   notifications={"email": {"host": "127.0.0.1", "port": smtp_sink.port}, "digest_minutes": 0,
                                  "quiet_hours": {"start": "00:00", "end": "00:00"}})
    svc = AlertService.from_config(app.config, app.store)
    officer = app.store.workflow.get_user("officer")
    alert = svc.raise_manual(officer, "某小区业主反映电梯停运", "业主来电", level=2, department=DEPT_A3,
                             policy=policy, now=T0)
    assert alert.status.value == "dispatched" and list(alert.deadlines) == ["response"]

    # The dashboard's alert page (dashboard/alert_view.py renders these labels).
    detail = queries.alert_detail(SimpleNamespace(alerts=svc), officer, alert.id, now=T0)
    (shown,) = [d.label for d in detail.alert.deadlines]
    assert shown == expected == DEADLINE_LABELS[(policy, "response")]

    # The dispatch e-mail.
    svc.deliver(T0 + timedelta(minutes=1))
    (mail,) = smtp_sink.messages
    assert f"时限：{shown} " in _body(mail), _body(mail)

    # The deadline warning, by e-mail too, and the audit log.
    due = alert.deadlines["response"]
    svc.check_deadlines(T0 + (due - T0) * 0.9)
    svc.deliver(T0 + (due - T0) * 0.9 + timedelta(minutes=1))
    warning = _body(smtp_sink.messages[-1])
    assert f"{shown}时限将至" in warning, warning
    notes = [e.note for e in app.store.workflow.audit_for(alert.id)]
    assert any(f"时限：{shown} " in n for n in notes) and any(f"{shown}时限将至" in n for n in notes), notes
    other = {label for (p, _), label in DEADLINE_LABELS.items() if label != shown}
    assert not any(label in _body(m) for m in smtp_sink.messages for label in other)
