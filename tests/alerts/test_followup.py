"""One open alert per issue (issue 15): a follow-up event naming the same distinctive entity as an open alert's event
joins that alert — weeks later, or two days later in another department's field — instead of opening another."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from yuqing.alerts.service import AlertService
from alerts_testkit import DEPT_A3, T0, add_event, burst
from yuqing.nlp.events.features import extract_entities

WATER_A = ["A3区新康苑小区从周一开始停水，已经三天没有自来水，住户只能下楼提水，老人孩子生活非常困难，物业说是管网问题",
           "新康苑小区停水三天了，供水公司电话一直打不通，请相关部门尽快恢复供水"]
WATER_B = ["A3区新康苑小区又停水了，上次的管网维修没有修好，几千户居民用水没有保障，请给个说法",
           "新康苑小区反复停水，业主们每天排队接水，希望彻底解决管网老化问题"]
OTHER = ["A3区枫林苑小区电梯停运一个月，物业不修，老人上不了楼", "枫林苑小区电梯坏了一个月没人修，请督促物业"]


def issue_event(store, event_id, *, at, texts, title, topic="城乡建设", region="A3区"):
    """An event of 14 negative posts, with the entities the events stage records for it (Event.state["entities"],
    from the same extractor)."""
    event = add_event(store, event_id, now=at, posts=burst(at, 14), negative=13, texts=texts, title=title,
                      topic=topic, region=region)
    entities = list(dict.fromkeys(e for t in [title, *texts] for e in extract_entities(t, "")))
    store.documents.save_events([replace(event, state={"entities": entities})], at)
    return entities


def open_alerts(app):
    """Open alerts on events (per-post alerts, e.g. a post left unanswered for weeks, are another matter)."""
    from yuqing.model import OPEN_STATUSES

    return [a for a in app.store.workflow.list_alerts(status=list(OPEN_STATUSES), limit=1000)[1] if a.event_id]


def on_events(alerts):
    return [a for a in alerts if a.event_id]


def test_a_follow_up_21_days_later_joins_the_open_alert(make_app):
    app = make_app()
    assert issue_event(app.store, "ev-water-1", at=T0, texts=WATER_A, title="A3区新康苑小区停水三天") == ["新康苑小区"]
    svc = AlertService.from_config(app.config, app.store)
    (alert,) = svc.evaluate(T0)
    assert alert.event_id == "ev-water-1"

    later = T0 + timedelta(days=21)
    issue_event(app.store, "ev-water-2", at=later, texts=WATER_B, title="新康苑小区又停水了")
    changed = on_events(svc.evaluate(later))
    assert [a.id for a in changed] == [alert.id]  # the same alert, not a new one
    (only,) = open_alerts(app)
    assert only.id == alert.id and only.event_id == "ev-water-1"
    assert only.details["followup_events"] == ["ev-water-2"]
    assert only.details["followups"][0]["entities"] == ["新康苑小区"]
    (entry,) = [e for e in app.store.workflow.audit_for(alert.id) if e.action == "followup_joined"]
    assert entry.note.startswith("后续帖子并入") and "ev-water-1" in entry.note and "ev-water-2" in entry.note
    # The next tick sees the same findings: nothing new is written.
    assert on_events(svc.evaluate(later + timedelta(hours=1))) == []
    assert len([e for e in app.store.workflow.audit_for(alert.id) if e.action == "followup_joined"]) == 1

    # Another estate's problem the same day is another issue: its own alert.
    issue_event(app.store, "ev-lift", at=later, texts=OTHER, title="枫林苑小区电梯停运")
    (lift,) = on_events(svc.evaluate(later + timedelta(hours=2)))
    assert lift.event_id == "ev-lift" and lift.id != alert.id

    # Beyond the follow-up window (30 days from the alert's creation) the estate's next problem opens a new alert.
    much_later = T0 + timedelta(days=40)
    issue_event(app.store, "ev-water-3", at=much_later, texts=WATER_B, title="新康苑小区第三次停水")
    (third,) = on_events(svc.evaluate(much_later))
    assert third.event_id == "ev-water-3" and third.id not in (alert.id, lift.id)


def test_two_alerts_about_one_estate_two_days_apart_become_one_across_departments(make_app):
    app = make_app()
    issue_event(app.store, "ev-cut", at=T0, texts=WATER_A, title="A3区新康苑小区停水三天")
    svc = AlertService.from_config(app.config, app.store)
    (first,) = svc.evaluate(T0)
    assert first.department == DEPT_A3
    # Two days on, posts about the same estate whose topic routes elsewhere (the health side of a water cut).
    two_days = T0 + timedelta(days=2)
    issue_event(app.store, "ev-health", at=two_days, topic="卫生健康", title="新康苑小区停水后饮水安全谁来管",
                texts=["新康苑小区停水多日，居民喝的桶装水来源不明，担心饮水安全，孩子拉肚子",
                       "A3区新康苑小区停水期间饮水卫生没人管，请卫生部门检测"])
    # Control: without the shared estate the same posts would go to another department.
    assert svc.route_decision(_finding_for(svc, "ev-health", two_days))["department"] not in (None, DEPT_A3)
    changed = on_events(svc.evaluate(two_days))
    assert [a.id for a in changed] == [first.id]
    (only,) = open_alerts(app)
    assert only.id == first.id and only.department == DEPT_A3 and only.details["followup_events"] == ["ev-health"]


def _finding_for(svc, event_id, now):
    """The finding the rules make for an event now (to see where it alone would be routed)."""
    result = svc.engine.run(svc.store, now)
    return next(f for f in result.findings if f.event_id == event_id)


def test_the_follow_up_window_is_an_alerts_setting(make_app):
    """``[alerts] followup_days``: 0 turns joining off (each event its own alert); a bad value is a clear error."""
    import pytest

    from yuqing.config import ConfigError

    app = make_app(alerts={"followup_days": 0})
    issue_event(app.store, "ev-water-1", at=T0, texts=WATER_A, title="A3区新康苑小区停水三天")
    svc = AlertService.from_config(app.config, app.store)
    (first,) = svc.evaluate(T0)
    issue_event(app.store, "ev-water-2", at=T0 + timedelta(days=2), texts=WATER_B, title="新康苑小区又停水了")
    (second,) = on_events(svc.evaluate(T0 + timedelta(days=2)))
    assert second.id != first.id and len(open_alerts(app)) == 2
    with pytest.raises(ConfigError, match="followup_days"):
        AlertService.from_config(make_app(alerts={"followup_days": "三十"}).config, app.store)
