"""The events stage over a real store: documents linked and persisted, merges recorded, alerts moved by the alerts
stage's next tick (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from yuqing.nlp.events.cluster import EventClusterer
from yuqing.nlp.events.eventstate import event_id_for
from yuqing.nlp.events.materialize import materialize
from yuqing.nlp.events.settings import EventSettings
from yuqing.vocab import HEAT_PARTS
from events_kit import HEATING_A, HEATING_B, PARKING_A, T0, put_records, rec


def test_stage_links_documents_persists_and_continues(tmp_path):
    from yuqing.nlp.events.stage import EventStage
    from yuqing.storage.base import Store
    from yuqing.storage.sqlite import SQLiteStore

    db = SQLiteStore(tmp_path / "y.db")
    store = Store(db, db)
    records = [rec(1, *HEATING_A), rec(2, *PARKING_A, 1), rec(3, *HEATING_A, 2)]

    def put(rs):
        return put_records(db, rs)

    docs = put(records)
    now = T0 + timedelta(hours=3)
    stats = EventStage(store).run(now)
    assert stats["documents"] == 3 and stats["duplicates"] == 1
    got = {d.id: d for d in db.get_documents([d.id for d in docs])}
    assert got[docs[0].id].event_id == got[docs[2].id].event_id != got[docs[1].id].event_id
    ev = db.get_event(got[docs[0].id].event_id)
    assert ev.doc_count == 2 and ev.topic == "城乡建设" and set(ev.heat_parts) == set(HEAT_PARTS) and ev.heat > 0
    assert db.unclustered_documents() == []
    # A new process (fresh stage) continues the same event.
    more = put([rec(4, *HEATING_B, 4)])
    EventStage(store).run(now + timedelta(hours=2))
    assert db.get_document(more[0].id).event_id == ev.id
    assert db.get_event(ev.id).doc_count == 3
    db.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def merge_store(request, tmp_path):
    """(document store, Store) with the workflow half in the same SQLite file, or in PostgreSQL
    (tests/backends.py: skipped without one, failed in CI)."""
    from tests.backends import postgres_workflow
    from yuqing.storage.base import Store
    from yuqing.storage.sqlite import SQLiteStore

    wf = postgres_workflow("yqevents") if request.param == "postgresql" else None
    db = SQLiteStore(tmp_path / "y.db")
    wf = wf or db
    yield db, Store(db, wf)
    if wf is not db:
        wf.drop_schema()
        wf.close()
    db.close()


def seed_two_heating_events(db):
    """Two stored events about one problem (as if clustered apart), and a third post that matches both
    closely enough to merge them."""
    from yuqing.nlp.events.eventstate import _Ev
    from yuqing.nlp.events.stage import to_cluster_doc

    title, content = HEATING_A
    docs = put_records(db, [rec(1, title, content), rec(2, title, content + "物业说再等等，已经等了一个月。", 1)])
    cl = EventClusterer(EventSettings())
    for stored in db.get_documents([d.id for d in docs]):
        d = to_cluster_doc(stored)
        ev = _Ev(event_id_for(d.id), d.id)
        f = cl.extractor.extract(d)
        cl._attach(ev, d.id, {"t": d.at, "s": d.source, "ti": d.title, "v": f.vector, "p": f.places,
                              "d": f.districts, "i": [5, 0, 0, 0]}, f, unique=True)
        record = materialize(ev)
        record.heat = 30.0
        db.save_events([record], T0)
        db.link_documents({d.id: (record.id, None)})
    # Reworded (SimHash differs by more than 3 bits): joins on wording, close to both events.
    third = put_records(db, [rec(3, title, "紧急反映：" + content[:70] + "孩子写作业手都冻僵了，物业和供热公司互相推诿。", 2)])
    return docs, third


def test_merged_away_event_is_marked_hidden_and_its_alert_follows(merge_store):
    from yuqing.alerts.merges import follow_merges
    from yuqing.alerts.service import AlertService
    from yuqing.nlp.events.stage import EventStage
    from yuqing.model import Alert

    db, store = merge_store
    docs, third = seed_two_heating_events(db)
    ids = [db.get_document(d.id).event_id for d in docs]
    old = db.get_event(ids[1])  # the event the merge folds away (equal sizes: the third post joins the other)
    store.workflow.insert_alert(Alert(id="E1", rule="hot", level=2, title="供暖投诉", reason="热度 30",
                                      event_id=ids[1], created_at=T0))
    stats = EventStage(store).run(T0 + timedelta(hours=3))
    assert stats["merges"] == 1
    # The events stage only records the merge; the alert still names the old event until the alerts stage ticks.
    assert store.workflow.get_alert("E1").event_id == ids[1] and store.workflow.audit_for("E1") == []
    svc = AlertService(store)
    assert follow_merges(svc, T0 + timedelta(hours=3, minutes=1)) == {"moved": 1, "noted": 0, "conflicts": 0}
    assert follow_merges(svc, T0 + timedelta(hours=3, minutes=2)) == {"moved": 0, "noted": 0, "conflicts": 0}
    survivor = db.get_document(third[0].id).event_id
    gone = ({*ids} - {survivor}).pop()
    assert {db.get_document(d.id).event_id for d in docs} == {survivor}
    # Marked, not lost: the record says where it went and what it was.
    tomb = db.get_event(gone)
    assert tomb.state["merged_into"] == survivor and tomb.doc_count == 0
    assert tomb.state["before_merge"]["doc_count"] == 1 and tomb.state["before_merge"]["title"] == HEATING_A[0]
    assert gone == ids[1] and tomb.state["before_merge"]["heat"] == old.heat
    # Hidden from lists, counts, the heat board and the alert rules' view.
    assert [e.id for e in db.list_events(limit=10)] == [survivor]
    assert [e.id for e in db.list_events(limit=10, since=T0 - timedelta(days=1))] == [survivor]
    assert db.document_stats()["events"] == 1
    assert [e.id for e in db.active_events(T0 - timedelta(days=1))] == [survivor]
    # The open alert follows the issue, with a note in its log; no second alert can open on the survivor.
    alert = store.workflow.get_alert("E1")
    assert alert.event_id == survivor and alert.details["merged_events"] == [gone] and alert.version == 2
    assert store.workflow.open_alert_for_event(survivor).id == "E1"
    assert store.workflow.open_alert_for_event(gone) is None
    notes = [a for a in store.workflow.audit_for("E1") if a.action == "event_merged"]
    assert len(notes) == 1 and gone in notes[0].note and survivor in notes[0].note
    assert [e["action"] for e in db.event_log(gone)] == ["merged_into"]
    # A whole tick of the alerts stage: the rules find the survivor's alert and raise no second one.
    svc.evaluate(T0 + timedelta(hours=3, minutes=5))
    assert svc.last_run["merges"]["moved"] == 0 and store.workflow.open_alert_for_event(survivor).id == "E1"
    assert [a.id for a in store.workflow.list_alerts(limit=10)[1]] == ["E1"]


def test_the_alerts_tick_moves_the_alert_before_its_rules_run(merge_store):
    from yuqing.alerts.service import AlertService
    from yuqing.nlp.events.stage import EventStage
    from yuqing.model import Alert

    db, store = merge_store
    docs, third = seed_two_heating_events(db)
    ids = [db.get_document(d.id).event_id for d in docs]
    store.workflow.insert_alert(Alert(id="E1", rule="hot", level=2, title="供暖投诉", reason="热度 30",
                                      event_id=ids[1], created_at=T0))
    EventStage(store).run(T0 + timedelta(hours=3))
    svc = AlertService(store)
    svc.evaluate(T0 + timedelta(hours=3, minutes=1))
    survivor = db.get_document(third[0].id).event_id
    assert svc.last_run["merges"] == {"moved": 1, "noted": 0, "conflicts": 0}
    assert store.workflow.open_alert_for_event(survivor).id == "E1"
    assert [a.id for a in store.workflow.list_alerts(limit=10)[1]] == ["E1"]


def test_merge_keeps_both_alerts_when_the_survivor_has_its_own(merge_store):
    from yuqing.alerts.merges import follow_merges
    from yuqing.alerts.service import AlertService
    from yuqing.nlp.events.stage import EventStage
    from yuqing.model import Alert

    db, store = merge_store
    docs, third = seed_two_heating_events(db)
    ids = [db.get_document(d.id).event_id for d in docs]
    for i, eid in enumerate(ids):
        store.workflow.insert_alert(Alert(id=f"E{i}", rule="hot", level=2, title="供暖投诉", reason="热度 30",
                                          event_id=eid, created_at=T0))
    stats = EventStage(store).run(T0 + timedelta(hours=3))
    survivor = db.get_document(third[0].id).event_id
    gone = ({*ids} - {survivor}).pop()
    assert stats["merges"] == 1
    svc = AlertService(store)
    assert follow_merges(svc, T0 + timedelta(hours=3, minutes=1)) == {"moved": 0, "noted": 1, "conflicts": 0}
    # Said once: the next ticks find it noted and write nothing more.
    assert follow_merges(svc, T0 + timedelta(hours=3, minutes=2)) == {"moved": 0, "noted": 0, "conflicts": 0}
    old_alert = next(a for a in (store.workflow.get_alert("E0"), store.workflow.get_alert("E1")) if a.event_id == gone)
    notes = [a.note for a in store.workflow.audit_for(old_alert.id) if a.action == "event_merged"]
    assert len(notes) == 1 and survivor in notes[0] and store.workflow.open_alert_for_event(survivor).id in notes[0]


# -- command ------------------------------------------------------------------------------------------------------
