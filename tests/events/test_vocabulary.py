"""Everything the events stage writes for other stages and screens is in the shared vocabulary (yuqing/vocab.py).

The stage runs on real citizen messages, with thresholds low enough to force merges, splits and reopenings, so the
event log holds every kind of entry the stage can write; the heat board, the alert page and the heat rule read what
is stored. The dashboard once labelled heat parts ``velocity/sources/negative`` while the stage wrote ``interaction``
and ``growth``: users read English and no test noticed, because the dashboard's fixtures were written by hand.
"""

from __future__ import annotations


import pytest

from events_kit import cluster_real_messages
from yuqing.nlp.events.settings import EventSettings
from yuqing.vocab import (
    EVENT_CHANGE_LABELS, EVENT_DETAIL_LABELS, HEAT_PART_LABELS, HEAT_PARTS, EventChange, HeatPart,
    describe_event_change, heat_part_label,
)

MESSAGES = 1200
CHUNK = 200
FORCING = EventSettings(join_similarity=0.02, merge_similarity=0.02, repost_lookback_days=60)


@pytest.fixture(scope="module")
def stored(shared_data, tmp_path_factory):
    db, _, _ = cluster_real_messages(shared_data, tmp_path_factory.mktemp("vocab") / "y.db", MESSAGES, FORCING, CHUNK)
    events = [db.get_event(r["id"]) for r in db.db.execute("SELECT id FROM events")]
    log = [entry for e in events for entry in db.event_log(e.id)]
    yield events, log
    db.close()


def test_every_heat_part_the_stage_stores_has_a_chinese_label(stored):
    events, _ = stored
    written = {k for e in events for k in e.heat_parts}
    assert written == set(HEAT_PARTS) == {p.value for p in HeatPart}
    assert written <= set(HEAT_PART_LABELS)
    assert all(not heat_part_label(part).isascii() for part in written)


def test_every_event_log_entry_the_stage_writes_reads_in_chinese(stored):
    _, log = stored
    actions = {entry["action"] for entry in log}
    keys = {k for entry in log for k in entry["details"]}
    # The forcing thresholds make every kind happen, so a new kind without a label would show up here.
    assert {"merge", "merged_into", "split", "split_from"} <= actions, actions
    assert actions <= set(EVENT_CHANGE_LABELS) == {c.value for c in EventChange}, actions - set(EVENT_CHANGE_LABELS)
    assert keys <= set(EVENT_DETAIL_LABELS), keys - set(EVENT_DETAIL_LABELS)
    for entry in log:
        label, note = describe_event_change(entry["action"], entry["details"])
        assert not label.isascii() and not any(f"{k}=" in note for k in entry["details"]), (label, note)


def test_unknown_event_log_entries_are_shown_rather_than_hidden():
    label, note = describe_event_change("reopened", {"by": "d1", "duplicate_of": "d0", "idle_days": 12.5})
    assert label == "事件因转载重新活跃" and note == "触发文档=d1；原帖=d0；沉寂天数=12.5"
    assert describe_event_change("future_action", None) == ("事件future_action", "")
