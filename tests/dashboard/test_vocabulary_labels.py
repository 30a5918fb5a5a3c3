"""What the real stages wrote into the dashboard's store (tests/dashboard/conftest.py runs them) reads in Chinese:
heat parts, the audit log's actions, the event log's kinds and detail keys, levels and workflow actions."""

from __future__ import annotations

from yuqing.vocab import (
    ACTION_LABELS, AUDIT_ACTION_LABELS, EVENT_CHANGE_LABELS, EVENT_DETAIL_LABELS, HEAT_PART_LABELS, HEAT_PARTS,
    LEVEL_LABELS, WorkflowAction,
)


def _events(store):
    return store.documents.list_events(limit=100_000, order="heat")


def test_heat_parts_on_the_pages_are_the_parts_the_events_stage_wrote(store):
    events = _events(store)
    assert len(events) >= 10
    written = {k for e in events for k in e.heat_parts}
    assert written == set(HEAT_PARTS) and written <= set(HEAT_PART_LABELS)


def test_every_audit_entry_and_event_log_entry_has_a_chinese_label(store):
    _, alerts = store.workflow.list_alerts(limit=100_000)
    actions = {e.action for a in alerts for e in store.workflow.audit_for(a.id)}
    # The fixture walked the loop with real actions: these must be there, or the check below proves nothing.
    assert {"create", "dispatch", "accept", "respond", "evaluate", "return", "escalate"} <= actions, actions
    assert actions <= set(AUDIT_ACTION_LABELS), actions - set(AUDIT_ACTION_LABELS)
    log = [entry for e in _events(store) for entry in store.documents.event_log(e.id)]
    assert log, "the events stage logged nothing: the fixture no longer runs it"
    assert {x["action"] for x in log} <= set(EVENT_CHANGE_LABELS)
    assert {k for x in log for k in x["details"]} <= set(EVENT_DETAIL_LABELS)
    assert {a.level for a in alerts} <= set(LEVEL_LABELS)


def test_workflow_actions_are_labelled_by_the_vocabulary():
    from alerts.workflow import ACTIONS

    assert set(ACTIONS) == {a.value for a in WorkflowAction}
    assert {name: spec.label for name, spec in ACTIONS.items()} == dict(ACTION_LABELS)
    assert set(ACTION_LABELS) <= set(AUDIT_ACTION_LABELS)
