"""督办事项 (the supervising office's page) and 更正 in the dashboard, with AppTest on a store built by the real stages."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import DEPT, OTHER_DEPT, PASSWORD
from tests.dashboard.pagekit import _act, _pick, button, no_exception, table

SUP = "A市人民政府督查室"


@pytest.fixture
def office(store):
    from yuqing.users import create_user

    create_user(store.workflow, "duban1", "department", PASSWORD, department=SUP, display_name="督查室")
    return store


def _escalated(store, statuses=None):
    return {a.id for a in store.workflow.list_alerts(status=statuses, limit=1000)[1] if a.escalated}


def test_the_office_sees_everything_escalated_to_it_only_on_its_page(as_user, office):
    store = office
    target = next(a for a in store.workflow.list_alerts(department=OTHER_DEPT, status="dispatched", limit=50)[1]
                  if not a.escalated)
    at = _pick(as_user("officer1"), "wb_pick", target.id)
    _act(at, target.id, "escalate", 说明="请加快办理")
    open_escalated = _escalated(store, ["new", "dispatched", "accepted", "returned", "responded", "reopened"])
    assert target.id in open_escalated

    at = as_user("duban1")
    no_exception(at)
    # Its desk is a department's desk: its own alerts only, none of the escalated ones of other departments.
    own = {a.id for a in store.workflow.list_alerts(department=SUP, limit=500)[1]}
    desk = set(table(at, 0)["编号"]) if at.dataframe else set()
    assert desk <= own and target.id not in desk
    at.switch_page("views/supervision.py").run()
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["督办中"] == str(len(open_escalated))
    overdue = table(at, 0)
    assert OTHER_DEPT in overdue["责任部门"].tolist() and "已超期" in overdue.columns
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart") or at.get("arrow_bar_chart")
    assert set(table(at, 1)["编号"]) == open_escalated  # 未办结 by default
    at.button_group(key="sv_status").set_value("全部").run()
    assert set(table(at, 1)["编号"]) == _escalated(store)
    at.selectbox(key="sv_department").set_value(OTHER_DEPT).run()
    assert set(table(at, 1)["编号"]) == {a for a in _escalated(store)
                                        if store.workflow.get_alert(a).department == OTHER_DEPT}


def test_the_office_gives_a_supervision_note_and_nothing_else(as_user, office):
    store = office
    escalated = next(iter(_escalated(store, ["dispatched", "accepted", "returned", "reopened"])))
    alert = store.workflow.get_alert(escalated)
    at = as_user("duban1")
    at.switch_page("views/supervision.py").run()
    at.selectbox(key="sv_pick").set_value(alert.id).run()
    no_exception(at)
    assert [o for o in at.radio(key=f"act_{alert.id}").options] == ["督办意见"]  # read-only but for its note
    assert not [b for b in at.button if b.label == "查看原文"]
    _act(at, alert.id, "supervise", 督办意见="请于明日12时前报送处置进展，联系人13812345678")
    assert "已提出督办意见" in at.success[0].value
    entry = store.workflow.audit_for(alert.id)[-1]
    assert (entry.action, entry.actor) == ("supervise", "duban1")
    assert alert.department in entry.note  # sent to the responsible department: tests/alerts/test_supervision.py
    assert store.workflow.get_alert(alert.id).status is alert.status  # the office comments; nothing else moves
    notes = table(at, 2)
    assert alert.id in notes["预警"].tolist()
    shown = " ".join(notes["督办意见"].tolist())
    assert "报送处置进展" in shown and "13812345678" not in shown


def test_other_departments_never_open_the_supervision_page(as_user, office):
    at = as_user("dept1")
    with pytest.raises(ValueError):
        at.switch_page("views/supervision.py")
    at = as_user("leader1")
    with pytest.raises(ValueError):
        at.switch_page("views/supervision.py")
    at = as_user("officer1")
    at.switch_page("views/supervision.py").run()
    no_exception(at)
    assert not at.error


def test_the_alert_page_corrects_an_events_topic_at_once(as_user, store):
    from yuqing.config import load_config

    from tests.dashboard.conftest import CONFIG

    alert = next(a for a in store.workflow.list_alerts(department=DEPT, status="dispatched", limit=50)[1]
                 if a.event_id)
    event = store.documents.get_event(alert.event_id)
    topics = {t for d in load_config(CONFIG).departments for t in d.topics}
    new_topic = sorted(t for t in topics if t != event.topic)[0]
    at = _pick(as_user("officer1"), "wb_pick", alert.id)
    no_exception(at)
    key = f"cor_{alert.id}_all"
    at.selectbox(key=f"{key}_topic").set_value(new_topic)
    button(at, "提交更正").click().run()
    no_exception(at)
    assert any("已更正" in s.value for s in at.success)
    assert store.documents.get_event(event.id).topic == new_topic
    members = list(event.state["members"])
    assert {d.analysis["topic"]["label"] for d in store.documents.get_documents(members)} == {new_topic}
    assert store.workflow.audit_for(alert.id)[-1].action == "correct"
    # The department's user gets no 更正 form.
    at = _pick(as_user("dept1"), "dd_pick", alert.id)
    assert not [b for b in at.button if b.label == "提交更正"]


def test_the_corrections_page_dismisses_an_event_as_not_an_issue(as_user, store):
    at = as_user("officer1")
    at.switch_page("views/corrections.py").run()
    no_exception(at)
    events = table(at, 0)
    chosen = events["事件"].tolist()[0]
    event_id = at.selectbox(key="cor_event_pick").value
    key = f"cor_event_{event_id}"
    at.checkbox(key=f"{key}_not_issue").check()
    button(at, "提交更正").click().run()
    assert any("必须填写理由" in e.value for e in at.error)
    at.text_input(key=f"{key}_reason").input("商家广告，非群众诉求")
    button(at, "提交更正").click().run()
    no_exception(at)
    assert any("不是问题" in s.value for s in at.success)
    assert chosen not in table(at, 0)["事件"].tolist()  # out of the hot list at once
    at.switch_page("views/heat_board.py").run()
    assert chosen not in table(at, 0)["事件"].tolist()
    assert store.workflow.open_alert_for_event(event_id) is None
    assert store.workflow.get_state("corrections.not_issue", f"event:{event_id}")
