"""Near-duplicates, event clustering, heat, stage, command and evaluation (issue 5)."""

from __future__ import annotations

import io
import json
import random
from datetime import timedelta
from pathlib import Path

import pytest

from yuqing.nlp.events.cluster import EventClusterer
from yuqing.nlp.events.eventstate import event_id_for
from yuqing.nlp.events.materialize import materialize
from yuqing.nlp.events.dedup import SimHashIndex
from yuqing.nlp.events.evaluate import FIXTURE, cluster_scores, evaluate_generator, evaluate_gov_messages
from yuqing.nlp.events.features import extract_places
from yuqing.nlp.events.heat import compute_heat
from yuqing.nlp.events.prepare import quick_analysis
from yuqing.nlp.events.settings import EventSettings
from yuqing.config import Checker, ConfigError
from yuqing.vocab import HEAT_PARTS
from events_kit import HEATING_A, HEATING_B, HEATING_OTHER_DISTRICT, LINK_FARM, PARKING_A, T0, docs_of, put_records, rec, run


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
    from yuqing.nlp.events.materialize import event_summary

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
    from yuqing.nlp.events.stage import EventStage
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
    from yuqing.nlp.events.eventstate import _Ev

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


def analysed_lines(records):
    lines = []
    for r in records:
        a = quick_analysis(r)
        lines.append(json.dumps({**r, "content_words": a["content_words"], "simhash": a["simhash"], "text": a["text"]},
                                ensure_ascii=False))
    return lines


def test_cluster_command_ranks_events_and_reports_bad_lines(tmp_path, monkeypatch):
    from yuqing.nlp.events.cli import cluster_main

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
