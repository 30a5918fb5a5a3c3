"""Near-duplicates, event clustering, heat, stage, command and evaluation (issue 5)."""

from __future__ import annotations

import io
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from nlp.events.cluster import EventClusterer
from nlp.events.eventstate import event_id_for
from nlp.events.materialize import materialize
from nlp.events.dedup import SimHashIndex
from nlp.events.evaluate import FIXTURE, cluster_scores, evaluate_generator, evaluate_gov_messages
from nlp.events.features import extract_places
from nlp.events.heat import compute_heat
from nlp.events.prepare import doc_from_record, quick_analysis
from nlp.events.settings import EventSettings
from yuqing.clock import TZ
from yuqing.config import Checker, ConfigError
from yuqing.vocab import HEAT_PARTS

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=TZ)

HEATING_A = ("锦绣花园供暖温度严重不达标", "我家住在A3区锦绣花园，今年供暖开始以后家里暖气一直是温的，室内温度只有12度左右。"
             "暖气费一分没少交，暖气片摸上去是凉的。请供热主管部门督促供热公司尽快整改。")
HEATING_B = ("锦绣花园暖气不热，谁来管？", "A3区锦绣花园好多住户家里冻得待不住，老人孩子都感冒了。打供热公司电话说在排查，"
             "排查了三个星期暖气还是不热，室内温度太低。要求到小区实地测温，退还供暖费。")
PARKING_A = ("锦绣花园停车位只售不租", "A3区锦绣花园地下车库的车位开发商只卖不租，一个车位要价十五万元。不买车位就不让车进小区，"
             "只能停在外面马路上，经常被贴罚单。请相关部门核查车位销售是否合规。")
HEATING_OTHER_DISTRICT = ("翠湖小区供暖温度不达标", "我家住在A5区翠湖小区，今年供暖开始以后家里暖气一直是温的，室内温度只有12度左右。"
                          "暖气费一分没少交，暖气片摸上去是凉的。请供热主管部门督促供热公司尽快整改。")
# As a spam 转载站 appends it (the sample sites' format): a "related" line of anchor texts and URLs.
LINK_FARM = "相關推薦：\n" + "\n".join(f"{w} http://www.{10001 + i}.spam.invalid/"
                                       for i, w in enumerate(["代開發票", "高仿手錶", "特價機票", "刷單返利"]))


def rec(i, title, content, hours=0.0, **kw):
    r = {"id": str(i), "title": title, "content": content, "published_at": (T0 + timedelta(hours=hours)).isoformat(),
         "source": kw.pop("source", "board")}
    r.update(kw)
    return r


def docs_of(records):
    return [doc_from_record(r, quick_analysis(r)) for r in records]


def run(records, settings=None):
    cl = EventClusterer(settings or EventSettings())
    out = {}
    for d in sorted(docs_of(records), key=lambda d: d.at):
        out[d.id] = cl.add(d)
    return cl, out


# -- near-duplicates ----------------------------------------------------------------------------------------------
def test_banded_index_finds_within_three_bits_and_rejects_farther():
    rng = random.Random(1)
    idx = SimHashIndex(3)
    base = rng.getrandbits(64)
    idx.add("orig", base)
    for k in range(4):
        flipped = base
        for bit in rng.sample(range(64), k):
            flipped ^= 1 << bit
        assert idx.find(flipped) == ("orig", k)
    far = base
    for bit in rng.sample(range(64), 12):
        far ^= 1 << bit
    assert idx.find(far) is None
    idx.remove(["orig"])
    assert idx.find(base) is None and len(idx) == 0


def test_bucket_cap_bounds_the_work_of_one_lookup():
    idx = SimHashIndex(3, bucket_cap=10)
    for i in range(500):
        idx.add(f"d{i}", 0xABCD)  # a degenerate fingerprint shared by many documents
    idx.comparisons = 0
    idx.find(0xABCD)
    assert idx.comparisons <= 4 * 10


def test_reposts_collapse():
    title, content = HEATING_A
    try:
        import opencc
        trad = opencc.OpenCC("s2t")
    except ImportError:
        pytest.skip("需要 opencc")
    records = [rec(1, title, content), rec(2, title, content, 1, source="other_board"),
               rec(3, trad.convert(title), trad.convert(content) + "\n" + LINK_FARM, 2, source="repost_site")]
    cl, out = run(records)
    assert out["2"].duplicate_of == "1" and out["3"].duplicate_of == "1"
    assert len({a.event_id for a in out.values()}) == 1
    ev = materialize(cl.get(out["1"].event_id))
    from nlp.events.materialize import event_summary

    similar = event_summary(ev)["similar_articles"]["1"]
    assert similar["count"] == 2 and similar["sources"] == ["other_board", "repost_site"]


# -- clustering ---------------------------------------------------------------------------------------------------
def test_places_and_districts_are_extracted():
    districts, places = extract_places("我家住在A6区车站路附近，星沙新村停车难，走这条路太难")
    assert districts == ["A6区"] and places == ["车站路", "星沙新村"]


def test_same_place_same_problem_joins_other_problem_and_district_stay_apart():
    cl, out = run([rec(1, *HEATING_A), rec(2, *HEATING_B, 3), rec(3, *PARKING_A, 5), rec(4, *HEATING_OTHER_DISTRICT, 6)])
    assert out["1"].event_id == out["2"].event_id  # reworded, same estate and problem
    assert out["3"].event_id != out["1"].event_id  # same estate, another problem
    assert out["4"].event_id not in (out["1"].event_id, out["3"].event_id)  # same wording, another district
    assert out["1"].event_id == event_id_for("1")  # deterministic id from the first document


def test_idle_events_close_after_the_window():
    # (entity_window_days=0: no entity link either; with the default, the estate's name brings the second post back
    # into the first event — tests/events/test_entities.py.)
    s = EventSettings(window_days=7, entity_window_days=0)
    _, out = run([rec(1, *HEATING_A), rec(2, *HEATING_B, 24 * 8)], s)
    assert out["1"].event_id != out["2"].event_id
    _, out = run([rec(1, *HEATING_A), rec(2, *HEATING_B, 24 * 6)], s)
    assert out["1"].event_id == out["2"].event_id


def test_late_repost_joins_and_reopens_the_original_event():
    """A spam site reposts three weeks later: the repost counts towards the original event and revives it."""
    title, content = HEATING_A
    s = EventSettings(window_days=7, repost_lookback_days=30)
    cl, out = run([rec(1, title, content), rec(2, *PARKING_A, 1),
                   rec(3, title, content + "\n" + LINK_FARM, 24 * 21, source="repost_site")], s)
    assert out["3"].event_id == out["1"].event_id and out["3"].duplicate_of == "1" and not out["3"].new_event
    ev = cl.get(out["1"].event_id)
    assert ev.id in cl.active and len(ev.members) == 2
    assert materialize(ev).last_seen == T0 + timedelta(hours=24 * 21)  # revived: recency counts from the repost
    assert [c["action"] for c in cl.changes] == ["reopened"] and cl.changes[0]["details"]["duplicate_of"] == "1"
    # Reopened, it takes new wording again within the window.
    a = cl.add(docs_of([rec(4, *HEATING_B, 24 * 22)])[0])
    assert a.event_id == out["1"].event_id
    # The other event stays closed.
    assert out["2"].event_id in cl.closed


def test_a_fingerprint_match_naming_another_district_does_not_reopen_an_idle_event():
    # Templated texts (same complaint, another district) can share a fingerprint by chance; a real repost
    # names the same district.
    first, other = docs_of([rec(1, *HEATING_A), rec(2, *HEATING_OTHER_DISTRICT, 24 * 21)])
    other.simhash = first.simhash
    cl = EventClusterer(EventSettings(window_days=7, repost_lookback_days=30))
    a, b = cl.add(first), cl.add(other)
    assert b.event_id != a.event_id and b.duplicate_of is None and a.event_id in cl.closed


def test_reposts_beyond_the_look_back_start_a_new_event_and_old_fingerprints_are_forgotten():
    title, content = HEATING_A
    s = EventSettings(window_days=7, repost_lookback_days=30)
    cl, out = run([rec(1, title, content), rec(2, title, content, 24 * 31, source="repost_site")], s)
    assert out["2"].event_id != out["1"].event_id and out["2"].duplicate_of is None and out["2"].new_event
    assert "1" not in cl.simindex and "2" in cl.simindex  # memory bounded by the look-back
    # An event still active keeps its old posts findable (the look-back only drops posts of idle events).
    s = EventSettings(window_days=7, repost_lookback_days=2)
    steady = [rec(1, title, content)] + [rec(10 + i, *HEATING_B, 24 * i + 1) for i in range(1, 5)]
    cl, out = run(steady + [rec(2, title, content, 24 * 5, source="repost_site")], s)
    assert out["2"].duplicate_of == "1" and out["2"].event_id == out["1"].event_id
    assert "1" in cl.simindex


def test_stage_reopens_an_idle_event_for_a_late_repost(tmp_path):
    from nlp.events.stage import EventStage
    from yuqing.storage.base import Store
    from yuqing.storage.sqlite import SQLiteStore

    db = SQLiteStore(tmp_path / "y.db")
    store = Store(db, db)
    title, content = HEATING_A
    docs = put_records(db, [rec(1, title, content), rec(2, *PARKING_A, 1)])
    EventStage(store).run(T0 + timedelta(hours=2))
    original = db.get_document(docs[0].id).event_id
    before = db.get_event(original)
    # Three weeks later, in a new process: the original event is idle (beyond the 7-day window) but its
    # fingerprints are restored from the store.
    later = T0 + timedelta(days=21)
    repost = put_records(db, [rec(3, title, content + "\n" + LINK_FARM, 24 * 21, source="repost_site")])
    stats = EventStage(store).run(later + timedelta(hours=1))
    assert stats["reopened"] == 1 and stats["new_events"] == 0 and stats["duplicates"] == 1
    assert db.get_document(repost[0].id).event_id == original
    after = db.get_event(original)
    assert after.state["members"][repost[0].id]["dup"] == docs[0].id
    assert after.doc_count == 2 and after.last_seen == T0 + timedelta(days=21)
    # Revived: heat as of an hour after the repost, not decayed by three weeks of silence.
    assert before.heat > 0 and after.heat > 0.5 * before.heat and after.heat_parts["recency"] > 0.9
    assert [e["action"] for e in db.event_log(original)] == ["reopened"]
    db.close()


def test_state_survives_a_restart():
    cl, out = run([rec(1, *HEATING_A), rec(2, *PARKING_A, 1)])
    saved = [materialize(ev) for ev in cl.all_events()]
    saved = [type(e)(**json.loads(json.dumps(e.__dict__, default=str))) for e in saved]  # through JSON, as stored
    fresh = EventClusterer(EventSettings())
    assert fresh.restore(saved) == 2
    a = fresh.add(docs_of([rec(5, *HEATING_B, 2)])[0])
    assert a.event_id == out["1"].event_id and not a.new_event
    assert fresh.add(docs_of([rec(1, *HEATING_A)])[0]).event_id == out["1"].event_id  # idempotent


def test_merge_and_split_are_recorded():
    s = EventSettings(split_min_docs=3, split_similarity=0.2)
    cl = EventClusterer(s)
    # Force two unrelated groups into one event by restoring a drifted state, then let a split check run.
    recs = [rec(i, *HEATING_A if i % 2 else PARKING_A) for i in range(1, 9)]
    docs = docs_of(recs)
    ev_docs = []
    for i, d in enumerate(docs):
        d.content_words = d.content_words + [f"独有词{i}"] * 2  # make every text distinct (no duplicates)
        d.simhash = None
        ev_docs.append(d)
    from nlp.events.eventstate import _Ev

    ev = _Ev("ev-test", ev_docs[0].id)
    cl.active[ev.id] = ev
    for d in ev_docs:
        f = cl.extractor.extract(d)
        member = {"t": d.at, "s": d.source, "ti": d.title, "v": f.vector, "p": f.places, "d": f.districts, "i": [0] * 4}
        cl._attach(ev, d.id, member, f, unique=True)
    new = cl._maybe_split(ev, ev_docs[-1].at)
    assert new is not None
    assert {a["action"] for a in cl.changes} == {"split", "split_from"}
    groups = [{m for m in e.members} for e in (ev, new)]
    assert {"1", "3", "5", "7"} in groups and {"2", "4", "6", "8"} in groups
    merged = cl._merge(ev, new, ev_docs[-1].at)
    assert len(merged.members) == 8 and any(c["action"] == "merge" for c in cl.changes)


# -- heat ---------------------------------------------------------------------------------------------------------
def member(hours, dup=False, source="board", likes=0):
    m = {"t": (T0 + timedelta(hours=hours)).timestamp(), "s": source, "i": [likes, 0, 0, 0]}
    if dup:
        m["dup"] = "x"
    return m


def test_heat_parts_and_decay():
    s = EventSettings(half_life_hours=24)
    ms = [member(h) for h in range(10)]
    heat, parts, _ = compute_heat(ms, s, {}, None)
    assert set(parts) == set(HEAT_PARTS) and 0 < heat <= 100
    now = (T0 + timedelta(hours=9 + 24)).timestamp()
    heat_later, parts_later, _ = compute_heat(ms, s, {}, now)
    assert parts_later["recency"] == pytest.approx(0.5, abs=1e-3)
    assert heat_later < heat


def test_growth_is_smoothed_and_interactions_and_authority_count():
    s = EventSettings()
    one = compute_heat([member(0)], s, {}, None)[1]["growth"]
    assert 0 < one < 0.5  # 0 → 1 post: modest, never an explosion
    burst = compute_heat([member(72 + i * 0.1) for i in range(30)] + [member(0)], s, {}, None)[1]["growth"]
    steady = compute_heat([member(i * 3) for i in range(31)], s, {}, None)[1]["growth"]
    assert burst > steady
    low = compute_heat([member(0, likes=1)], s, {}, None)[0]
    high = compute_heat([member(0, likes=500)], s, {}, None)[0]
    assert high > low
    assert compute_heat([member(0, source="gov")], s, {"gov": 3.0}, None)[0] > \
        compute_heat([member(0, source="spam")], s, {"spam": 0.2}, None)[0]


def test_events_settings_are_validated():
    s = EventSettings.from_section(Checker("t.toml", {"half_life_hours": 12, "weights": {"volume": 1}}, "events"))
    assert s.half_life_hours == 12.0 and s.weights["volume"] == 1.0
    with pytest.raises(ConfigError, match="events.half_life"):
        EventSettings.from_section(Checker("t.toml", {"half_life": 12}, "events"))
    assert EventSettings.from_section(Checker("t.toml", {"repost_lookback_days": 60}, "events")).repost_lookback_days == 60
    with pytest.raises(ConfigError, match="events.repost_lookback_days"):
        EventSettings.from_section(Checker("t.toml", {"repost_lookback_days": -1}, "events"))
    with pytest.raises(ConfigError, match="events.weights.volume"):
        EventSettings.from_section(Checker("t.toml", {"weights": {"volume": "high"}}, "events"))


# -- stage --------------------------------------------------------------------------------------------------------
def put_records(db, rs):
    """Store records as analysed documents (the analysis as the NLP stage would save it)."""
    from yuqing.model import Document

    docs = [Document(url=f"http://x/{r['id']}", source=r["source"], title=r["title"], content=r["content"],
                     published_at=datetime.fromisoformat(r["published_at"]), likes=5) for r in rs]
    db.upsert_documents(docs, T0)
    results = []
    for d, r in zip(docs, rs):
        a = quick_analysis(r)
        a.update(sentiment={"label": "negative", "score": 0.9}, topic={"label": "城乡建设", "score": 0.9},
                 department="A3区住房和城乡建设局", keywords=["供暖"])
        results.append((d.id, a))
    db.save_analyses(results, T0)
    return docs


def test_stage_links_documents_persists_and_continues(tmp_path):
    from nlp.events.stage import EventStage
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
    from nlp.events.eventstate import _Ev
    from nlp.events.stage import to_cluster_doc

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
    from nlp.events.stage import EventStage
    from yuqing.model import Alert

    db, store = merge_store
    docs, third = seed_two_heating_events(db)
    ids = [db.get_document(d.id).event_id for d in docs]
    old = db.get_event(ids[1])  # the event the merge folds away (equal sizes: the third post joins the other)
    store.workflow.insert_alert(Alert(id="E1", rule="hot", level=2, title="供暖投诉", reason="热度 30",
                                      event_id=ids[1], created_at=T0))
    stats = EventStage(store).run(T0 + timedelta(hours=3))
    assert stats["merges"] == 1 and stats["alerts_redirected"] == 1
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


def test_merge_keeps_both_alerts_when_the_survivor_has_its_own(merge_store):
    from nlp.events.stage import EventStage
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
    assert stats["merges"] == 1 and stats["alerts_redirected"] == 0
    old_alert = next(a for a in (store.workflow.get_alert("E0"), store.workflow.get_alert("E1")) if a.event_id == gone)
    notes = [a.note for a in store.workflow.audit_for(old_alert.id) if a.action == "event_merged"]
    assert len(notes) == 1 and survivor in notes[0] and store.workflow.open_alert_for_event(survivor).id in notes[0]


# -- command ------------------------------------------------------------------------------------------------------
def analysed_lines(records):
    lines = []
    for r in records:
        a = quick_analysis(r)
        lines.append(json.dumps({**r, "content_words": a["content_words"], "simhash": a["simhash"], "text": a["text"]},
                                ensure_ascii=False))
    return lines


def test_cluster_command_ranks_events_and_reports_bad_lines(tmp_path, monkeypatch):
    from nlp.events.cli import cluster_main

    monkeypatch.chdir(tmp_path)  # no yuqing.toml here: defaults
    records = [rec(1, *HEATING_A, likes=50), rec(2, *HEATING_B, 1, likes=80), rec(3, *HEATING_A, 2),
               rec(4, *PARKING_A, 3)]
    lines = analysed_lines(records) + ["{bad json", json.dumps({"id": "9", "title": "无时间", "content": "内容"})]
    out, err = io.StringIO(), io.StringIO()
    code = cluster_main(["--top", "5"], io.StringIO("\n".join(lines) + "\n"), out, err)
    assert code == 1
    assert "第 5 行" in err.getvalue() and "第 6 行" in err.getvalue()
    events = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(events) == 2
    assert events[0]["doc_ids"] == ["1", "2", "3"] and events[0]["duplicates"] == 1
    assert events[0]["heat"] >= events[1]["heat"]
    for key in ("event_id", "title", "keywords", "heat", "heat_parts", "doc_ids", "first_seen", "last_seen"):
        assert key in events[0]
    # --now: decayed heat, posts after now ignored
    out2 = io.StringIO()
    assert cluster_main(["--now", (T0 + timedelta(hours=1.5)).isoformat()], io.StringIO("\n".join(lines[:4])),
                        out2, io.StringIO()) == 0
    now_events = [json.loads(x) for x in out2.getvalue().splitlines()]
    assert all(e["heat_parts"]["recency"] < 1 for e in now_events)
    assert cluster_main(["--now", "昨天"], io.StringIO(""), io.StringIO(), err := io.StringIO()) == 2
    assert "--now" in err.getvalue()


# -- evaluation ---------------------------------------------------------------------------------------------------
def test_cluster_scores_on_a_known_case():
    truth = {"a": "x", "b": "x", "c": "y", "d": "y"}
    assert cluster_scores({"a": 1, "b": 1, "c": 2, "d": 2}, truth)["bcubed_f1"] == 1.0
    s = cluster_scores({"a": 1, "b": 1, "c": 1, "d": 2}, truth)
    assert s["purity"] == 0.75 and s["completeness"] == 0.75
    assert s["bcubed_precision"] == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4, abs=1e-4)  # c is alone among a, b


def test_generator_sample_quality():
    scores = evaluate_generator(n=800, seed=3, days=10)
    assert scores["purity"] >= 0.85, scores
    assert scores["episodes"]["completeness"] >= 0.85, scores
    assert scores["duplicates_same_event"] >= 0.9 * scores["duplicates"], scores


def test_real_messages_near_identical_cluster_and_neighbours_stay_apart(shared_data):
    assert FIXTURE.exists()
    scores = evaluate_gov_messages(Path(shared_data))
    assert scores["purity"] >= 0.95, scores
    assert scores["completeness"] >= 0.9, scores
