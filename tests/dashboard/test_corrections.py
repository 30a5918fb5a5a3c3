"""Corrections apply at once (views and aggregates change), are audited, keep 「不是问题」 out of hot lists and alerts,
and reach the trainer — on a store built by the real stages (conftest.build_store)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from tests.dashboard.conftest import CONFIG

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture
def app(dash_home):
    from yuqing.app import App

    app = App.load(CONFIG, dash_home)
    yield app
    app.close()


def _officer(app):
    return app.store.workflow.get_user("officer1")


def _topics():
    from yuqing.nlp.topic import CATEGORIES, OTHER

    return [*CATEGORIES, OTHER]


def _event_alert(app, status: str):
    _, alerts = app.store.workflow.list_alerts(status=status, limit=500)
    for a in alerts:
        event = app.store.documents.get_event(a.event_id) if a.event_id else None
        if event is not None and len(event.state.get("members") or {}) >= 2:
            return a, event
    pytest.skip(f"样本中没有状态为 {status} 的事件预警")


def _other(value, choices):
    return next(c for c in choices if c != value)


def test_event_topic_correction_applies_at_once_to_posts_event_aggregates_and_hot_list(app):
    from yuqing.corrections import correct
    from yuqing.dashboard.services import board
    from yuqing.storage.base import DocumentFilter

    alert, event = _event_alert(app, "dispatched")
    now = alert.updated_at + timedelta(minutes=1)
    new_topic = _other(event.topic, [t for t in _topics() if t != "其他"])
    members = list(event.state["members"])
    before = Counter(d.analysis["topic"]["label"] for d in app.store.documents.get_documents(members))
    totals_before = dict(app.store.documents.count_by("topic", DocumentFilter(), limit=50))
    out = correct(app, _officer(app), now=now, topics=_topics(), event_id=event.id, topic=new_topic)
    assert out.documents == len(members) and out.events == [event.id] and out.alert_id == alert.id
    docs = app.store.documents.get_documents(members)
    assert {d.analysis["topic"]["label"] for d in docs} == {new_topic}
    stored = app.store.documents.get_event(event.id)
    assert stored.topic == new_topic and set(stored.state["members"]) == set(members)
    assert {m["to"] for m in stored.state["members"].values()} == {new_topic}
    totals = dict(app.store.documents.count_by("topic", DocumentFilter(), limit=50))
    moved = len(members) - before[new_topic]
    assert totals[new_topic] == totals_before.get(new_topic, 0) + moved
    rows = {r["id"]: r for r in board.top_events(app, now, days=30, limit=50)}
    if event.id in rows:
        assert rows[event.id]["主题"] == new_topic
    # The model's value stays in the record; the alert's log says what was corrected.
    records = [r for r in app.store.workflow.list_corrections("topic") if r["doc_id"] in members]
    assert len(records) == len(members) and {r["new_value"] for r in records} == {new_topic}
    assert Counter(r["old_value"] for r in records) == before
    entry = app.store.workflow.audit_for(alert.id)[-1]
    assert entry.action == "correct" and entry.actor == "officer1" and new_topic in entry.note


def test_post_sentiment_correction_changes_the_daily_counts_and_the_event(app):
    from yuqing.corrections import correct
    from yuqing.dashboard.services import board

    _, event = _event_alert(app, "dispatched")
    doc = next(d for d in app.store.documents.get_documents(list(event.state["members"]))
               if d.analysis["sentiment"]["label"] == "negative")
    now = event.updated_at + timedelta(minutes=1)
    since, until = now - timedelta(days=30), now + timedelta(days=1)
    share = dict(board.distribution(app, "sentiment", since, until))
    correct(app, _officer(app), now=now, topics=_topics(), doc_id=doc.id, sentiment="positive")
    assert app.store.documents.get_document(doc.id).analysis["sentiment"]["label"] == "positive"
    after = dict(board.distribution(app, "sentiment", since, until))
    assert (after["负面"], after["正面"]) == (share["负面"] - 1, share.get("正面", 0) + 1)
    stored = app.store.documents.get_event(event.id)
    assert (stored.negative, stored.positive) == (event.negative - 1, event.positive + 1)
    (record,) = [r for r in app.store.workflow.list_corrections("sentiment") if r["doc_id"] == doc.id]
    assert (record["old_value"], record["new_value"]) == ("negative", "positive")


def test_department_correction_reroutes_an_undispatched_alert_and_asks_about_a_dispatched_one(app):
    from yuqing.corrections import correct

    departments = [d.name for d in app.config.departments if not d.supervisor]
    waiting, _ = _event_alert(app, "new")
    target = _other(waiting.department, departments)
    now = max(waiting.updated_at, waiting.created_at) + timedelta(minutes=1)
    out = correct(app, _officer(app), now=now, topics=_topics(), alert_id=waiting.id, department=target)
    stored = app.store.workflow.get_alert(waiting.id)
    assert stored.department == target and stored.status.value == "new" and not out.notes
    assert "拟派部门" in app.store.workflow.audit_for(waiting.id)[-1].note

    sent, _ = _event_alert(app, "dispatched")
    target = _other(sent.department, departments)
    out = correct(app, _officer(app), now=sent.updated_at + timedelta(minutes=1), topics=_topics(),
                  alert_id=sent.id, department=target)
    assert app.store.workflow.get_alert(sent.id).department == sent.department  # the officer decides the 改派
    assert any("改派" in n for n in out.notes)


def test_not_an_issue_closes_the_alert_and_keeps_the_event_out_of_hot_lists_and_alerts(app):
    from yuqing.correction_effects import not_issue
    from yuqing.corrections import CorrectionError, correct
    from yuqing.dashboard.report import period_events
    from yuqing.dashboard.services import board

    alert, event = _event_alert(app, "dispatched")
    now = alert.updated_at + timedelta(minutes=1)
    with pytest.raises(CorrectionError, match="说明理由"):
        correct(app, _officer(app), now=now, topics=_topics(), alert_id=alert.id, not_issue="  ")
    with pytest.raises(CorrectionError, match="舆情专员或管理员"):
        correct(app, app.store.workflow.get_user("dept1"), now=now, topics=_topics(), alert_id=alert.id,
                not_issue="误报")
    hot = [r["id"] for r in board.top_events(app, now, days=30, limit=1000)]
    assert event.id in hot
    out = correct(app, _officer(app), now=now, topics=_topics(), alert_id=alert.id, not_issue="广告帖，非群众诉求")
    stored = app.store.workflow.get_alert(alert.id)
    assert stored.status.value == "closed" and any("已办结" in n for n in out.notes)
    actions = [(e.action, e.note) for e in app.store.workflow.audit_for(alert.id)][-2:]
    assert actions[0][0] == "correct" and "不是问题" in actions[0][1]
    assert actions[1] == ("close", "办结：不是问题：广告帖，非群众诉求")
    assert not_issue(app.store, event_id=event.id)["reason"] == "广告帖，非群众诉求"
    assert event.id not in [r["id"] for r in board.top_events(app, now, days=30, limit=1000)]
    assert event.id not in [e.id for e, _ in period_events(app, now - timedelta(days=30), now, limit=1000)]
    # The next tick finds the event again and raises nothing for it.
    app.alerts.evaluate(now + timedelta(minutes=1))
    assert app.alerts.last_run["not_issue"] >= 1
    assert app.store.workflow.open_alert_for_event(event.id) is None


def test_export_feeds_the_trainer(app, tmp_path, capsys):
    from yuqing.cli import main
    from yuqing.corrections import correct, read_export
    from yuqing.nlp.train.topic import usable_corrections

    alert, event = _event_alert(app, "dispatched")
    doc = app.store.documents.get_documents(list(event.state["members"]))[0]
    now = alert.updated_at + timedelta(minutes=1)
    out_file = tmp_path / "corrections.jsonl"
    assert main(["--config", str(CONFIG), "corrections", "export", "--out", str(out_file)]) == 0
    assert read_export(out_file) == []
    new_topic = _other(doc.analysis["topic"]["label"], [t for t in _topics() if t != "其他"])
    correct(app, _officer(app), now=now, topics=_topics(), doc_id=doc.id, topic=new_topic, sentiment="neutral")
    correct(app, _officer(app), now=now + timedelta(minutes=1), topics=_topics(), alert_id=alert.id,
            not_issue="重复投诉，已在其他渠道办结")
    capsys.readouterr()
    assert main(["--config", str(CONFIG), "corrections", "export", "--out", str(out_file)]) == 0
    assert "已导出" in capsys.readouterr().out
    rows = read_export(out_file)
    assert {(r["doc_id"], r["field"], r["label"]) for r in rows if r["doc_id"] == doc.id} >= {
        (doc.id, "topic", new_topic), (doc.id, "sentiment", "neutral"), (doc.id, "not_issue", True)}
    line = next(json.loads(x) for x in out_file.read_text(encoding="utf-8").splitlines()
                if json.loads(x)["field"] == "topic")
    assert line["model_label"] == doc.analysis["topic"]["label"] and line["text"]
    topic_pairs = usable_corrections(rows, "topic", progress=lambda _m: None)
    assert [y for t, y in topic_pairs] == [new_topic] and doc.title[:8] in topic_pairs[0][0]
    sentiment_pairs = usable_corrections(rows, "sentiment", progress=lambda _m: None)
    assert [y for _, y in sentiment_pairs] == ["neutral"]
    if not SHARED.is_dir():
        pytest.skip("缺少共享数据 ../shared/data：只验证导出，不验证训练语料")
    from yuqing.nlp.train.sentiment import sentiment_corpus

    without = sentiment_corpus(SHARED, lambda _m: None, 50, [])
    with_fix = sentiment_corpus(SHARED, lambda _m: None, 50, sentiment_pairs)
    assert len(with_fix["texts"]) == len(without["texts"]) + 1
    assert (with_fix["texts"][-1], with_fix["labels"][-1], with_fix["domains"][-1]) == (
        sentiment_pairs[0][0], "neutral", "public")
    # Bad file: a clear message naming the line, not a traceback.
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"field": "topic"}\n', encoding="utf-8")
    assert main(["train", "topic", "--corrections", str(bad), "--data", str(SHARED)]) == 1
    assert "第 1 行" in capsys.readouterr().err
    assert main(["train", "topic", "--corrections", str(tmp_path / "missing.jsonl"), "--data", str(SHARED)]) == 1
    err = capsys.readouterr().err
    assert "不存在" in err and "corrections export" in err and "Errno" not in err


def test_a_post_analysed_again_keeps_the_officers_correction(app):
    from dataclasses import replace

    from yuqing import jobs
    from yuqing.corrections import correct

    alert, event = _event_alert(app, "dispatched")
    doc = app.store.documents.get_documents(list(event.state["members"]))[0]
    now = alert.updated_at + timedelta(minutes=1)
    model_topic = doc.analysis["topic"]["label"]
    new_topic = _other(model_topic, [t for t in _topics() if t != "其他"])
    correct(app, _officer(app), now=now, topics=_topics(), doc_id=doc.id, topic=new_topic)
    # The citizen edits the post: it is stored changed and analysed again.
    edited = replace(app.store.documents.get_document(doc.id), content=doc.content + "（补充：问题仍未解决）",
                     analysis=None)
    assert app.store.documents.upsert_documents([edited], now).updated == 1
    assert jobs.process(app, now + timedelta(minutes=1))["analysed"] >= 1
    again = app.store.documents.get_document(doc.id).analysis
    assert again["topic"]["label"] == new_topic and "补充" in again["text"]
    assert again["model_labels"]["topic"] in _topics()
