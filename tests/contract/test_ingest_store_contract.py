"""What issue 14's ingest and events changes ask of every document store: the note of a capped field round-trips,
and an event's doc_count can be recounted from its documents."""

from __future__ import annotations

from datetime import datetime

from yuqing.clock import TZ
from yuqing.model import Document, Event

T0 = datetime(2024, 10, 28, 9, 0, tzinfo=TZ)


def test_truncation_note_round_trips(documents):
    capped = Document(url="http://board/post/long", source="board", title="超长留言", content="供暖" * 10,
                      published_at=T0, truncated={"content": 250_000})
    plain = Document(url="http://board/post/short", source="board", title="普通留言", content="停车难", published_at=T0)
    documents.upsert_documents([capped, plain], T0)
    assert documents.get_document(capped.id).truncated == {"content": 250_000}
    assert documents.get_document(plain.id).truncated == {}
    assert [d.truncated for d in documents.pending_documents()] in ([{"content": 250_000}, {}], [{}, {"content": 250_000}])


def test_recount_sets_doc_count_from_linked_documents(documents):
    docs = [Document(url=f"http://board/post/{i}", source="board", title=f"供暖不热{i}", content="暖气不热",
                     published_at=T0) for i in range(3)]
    documents.upsert_documents(docs, T0)
    documents.save_events([Event(id="ev-a", title="供暖不热", doc_count=7, last_seen=T0),
                           Event(id="ev-b", title="停车难", doc_count=1, last_seen=T0)], T0)
    documents.link_documents({d.id: ("ev-a", None) for d in docs})
    assert documents.recount_events(["ev-a", "ev-b", "ev-missing"], T0) == {"ev-a": 3, "ev-b": 0}
    assert documents.get_event("ev-a").doc_count == 3 and documents.get_event("ev-b").doc_count == 0
    assert [e.id for e in documents.list_events(limit=10)] == ["ev-a"]  # an event with no documents is not listed
    assert documents.recount_events(["ev-a", "ev-b"], T0) == {}
