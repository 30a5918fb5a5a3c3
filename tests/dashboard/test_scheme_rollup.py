"""The SQLite per-scheme daily roll-ups (migration 29) stay exactly what the matches and the documents add up to —
after a back-fill, a re-analysis that changes a matched post, a new version of the scheme and a delete — and the
aggregations read through them answer what a plain walk over the matched documents answers. On a store built by
the real stages (``build_store``)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from yuqing.storage.base import DocumentFilter

EXPR = "拖欠 OR 工资 OR 物业"


def _tables(db) -> tuple[list, list, list]:
    daily = db.execute("SELECT scheme, key, n FROM scheme_daily ORDER BY 1, 2").fetchall()
    words = db.execute("SELECT scheme, day, keyword, n FROM scheme_keyword_daily ORDER BY 1, 2, 3").fetchall()
    events = db.execute("SELECT scheme, event_id, n FROM scheme_events ORDER BY 1, 2").fetchall()
    return [tuple(r) for r in daily], [tuple(r) for r in words], [tuple(r) for r in events]


def _recomputed(db) -> tuple[list, list]:
    """The roll-ups as the migration computes them from scratch."""
    key = "json_array(d.day, d.source, d.kind, d.topic_label, d.department, d.region, d.sentiment_label)"
    daily = db.execute(f"SELECT m.scheme, {key} AS k, count(*) FROM scheme_matches m JOIN documents d ON d.id = m.doc_id "
                       "WHERE d.day IS NOT NULL GROUP BY m.scheme, k ORDER BY 1, 2").fetchall()
    words = db.execute("SELECT m.scheme, d.day, j.value, count(*) FROM scheme_matches m JOIN documents d ON "
                       "d.id = m.doc_id, json_each(d.keywords) j WHERE d.day IS NOT NULL AND j.value IS NOT NULL "
                       "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").fetchall()
    events = db.execute("SELECT m.scheme, d.event_id, count(*) FROM scheme_matches m JOIN documents d ON "
                        "d.id = m.doc_id WHERE d.event_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
    return [tuple(r) for r in daily], [tuple(r) for r in words], [tuple(r) for r in events]


def _check(store, name: str) -> None:
    from yuqing.clock import day_start, now

    db = store.documents.db
    assert _tables(db) == _recomputed(db)
    _, matched = store.documents.list_documents(DocumentFilter(scheme=name), limit=100_000)
    today = now().date()
    for since, until in ((day_start(today - timedelta(days=30)), day_start(today + timedelta(days=1))),
                         (day_start(today - timedelta(days=9)) + timedelta(hours=7), now())):
        flt = DocumentFilter(scheme=name, since=since, until=until)
        inside = [d for d in matched if since <= (d.published_at or d.fetched_at) < until]
        label = lambda d: ((d.analysis or {}).get("sentiment") or {}).get("label")  # noqa: E731
        assert sum(r["total"] for r in store.documents.count_by_day(flt)) == len(inside)
        assert sum(r["negative"] for r in store.documents.count_by_day(flt)) == sum(label(d) == "negative" for d in inside)
        assert dict(store.documents.count_by("region", flt, limit=100)) == dict(
            Counter(d.region or "未知" for d in inside))
        words = Counter(w for d in inside for w in json_keywords(db, d.id))
        assert dict(store.documents.top_keywords(flt, limit=10_000)) == dict(words)
        # The newest matched posts (the page): total and order as a sort of the matched documents gives them.
        total, page = store.documents.list_documents(flt, limit=20)
        newest = sorted(((d.published_at or d.fetched_at) for d in inside), reverse=True)[:20]
        assert total == len(inside) and [d.published_at or d.fetched_at for d in page] == newest
    # The scheme's events: those holding a matched document.
    held = {d.event_id for d in matched if d.event_id}
    assert {e.id for e in store.documents.list_events(limit=10_000, scheme=name)} == {
        e.id for e in store.documents.list_events(limit=10_000) if e.id in held}


def json_keywords(db, doc_id: str) -> list[str]:
    return [r[0] for r in db.execute("SELECT j.value FROM documents d, json_each(d.keywords) j WHERE d.id = ? "
                                     "AND j.value IS NOT NULL", (doc_id,))]


def test_scheme_rollups_follow_backfill_reanalysis_new_versions_and_deletes(store):
    from yuqing.clock import now
    from yuqing.model import Scheme
    from yuqing.scheme_matching import backfill, matcher_for
    from yuqing.schemes import add_scheme, delete_scheme, edit_scheme

    docs = store.documents
    add_scheme(store, Scheme(name="民生", expression=EXPR), actor="officer1", now=now())
    add_scheme(store, Scheme(name="欠薪", expression="拖欠 工资"), actor="officer1", now=now())
    assert backfill(docs, "民生").done and backfill(docs, "欠薪").done
    assert _tables(docs.db)[0], "the roll-up holds the back-filled matches"
    _check(store, "民生")

    # A matched post analysed again with another sentiment and other keywords; matched live in the same write.
    _, matched = docs.list_documents(DocumentFilter(scheme="欠薪"), limit=3)
    changed = []
    for d in matched:
        a = dict(d.analysis)
        a["sentiment"] = {**(a.get("sentiment") or {}), "label": "positive"}
        a["keywords"] = ["复核关键词", *[k for k in (a.get("keywords") or [])][:2]]
        changed.append((d.id, a))
    docs.save_analyses(changed, now(), scheme_matches=matcher_for(docs).source_for(matched))
    _check(store, "民生")
    _check(store, "欠薪")

    # Clustering moves a matched post to another event.
    other = next(e.id for e in docs.list_events(limit=100) if e.id != matched[0].event_id)
    docs.link_documents({matched[0].id: (other, None)})
    _check(store, "欠薪")

    # A new version drops the old matches (the roll-up with them), its back-fill brings the new ones.
    edit_scheme(store, "民生", actor="officer1", now=now(), expression="物业")
    assert not [r for r in _tables(docs.db)[0] if r[0] == "民生"]
    assert backfill(docs, "民生").done
    _check(store, "民生")

    delete_scheme(store, "欠薪", actor="officer1", now=now())
    assert not [r for table in _tables(docs.db) for r in table if r[0] == "欠薪"]
    _check(store, "民生")
