"""Every document backend keeps what the events stage writes for briefs (``state["brief"]``, ``state["spread"]``:
nested lists of sentences with post ids, Chinese text) and answers the reads the brief and its view make."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from tests.events.events_kit import HEATING_A, HEATING_B, PARKING_A, T0, put_records, rec
from yuqing.eventviews import build_brief_view, build_spread_view


def test_briefs_round_trip_on_every_backend(documents, tmp_path):
    from yuqing.nlp.events.stage import EventStage
    from yuqing.storage.sqlite import SQLiteStore

    records = [rec(1, *HEATING_A, 0), rec(2, *HEATING_B, 5, source="news"), rec(3, *PARKING_A, 9),
               rec(4, HEATING_A[0], HEATING_A[1] + "希望尽快整改。", 30, source="repost")]
    reference = SQLiteStore(tmp_path / "ref.db")
    for db in (documents, reference):
        put_records(db, records)
        stats = EventStage(SimpleNamespace(documents=db)).run(T0 + timedelta(hours=40))
        assert stats["briefs"] >= 1
    got = {e.id: e for e in documents.list_events(limit=10)}
    ref = {e.id: e for e in reference.list_events(limit=10)}
    assert set(got) == set(ref)
    for eid, event in got.items():
        assert event.state["brief"] == ref[eid].state["brief"]
        assert event.state["spread"] == ref[eid].state["spread"]
        brief = build_brief_view(event)
        posts = {d.id for d in documents.list_documents(limit=100, event_id=eid)[1]}
        assert brief.sentences and all(s.doc_id in posts for s in brief.sentences)
        assert build_spread_view(event).first.doc_id in posts
    assert documents.list_documents(limit=0, event_id=next(iter(got)))[1] == []
