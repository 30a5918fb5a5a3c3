"""Rules one by one: thresholds with numbers, spike floors, keyword lists, unanswered posts on the 调休 calendar."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from yuqing.alerts.rules.base import RuleContext
from yuqing.alerts.schema import parse_alerts
from yuqing.alerts.service import AlertService
from alerts_testkit import DEPT_A3, T0, add_event, burst, make_config
from yuqing.clock import TZ
from yuqing.config import ConfigError
from yuqing.model import Document, DocumentKind, Reply


def rule(app, rule_type):
    return next(r for r in parse_alerts(app.config).rules if r.type_name == rule_type)


def test_spike_never_fires_on_zero_to_one_and_respects_the_events_own_baseline(make_app):
    app = make_app()
    spike = rule(app, "spike")
    add_event(app.store, "ev-one", now=T0, posts=[T0 - timedelta(minutes=10)])
    # A busy event: 6 posts an hour for a day; 14 in the last 2 hours is its normal pace, not a spike.
    steady = [T0 - timedelta(minutes=10 * k + 5) for k in range(26 * 6)]
    add_event(app.store, "ev-busy", now=T0, posts=steady, region="A1区")
    add_event(app.store, "ev-burst", now=T0, posts=burst(T0, 9), region="A2区")
    ctx = RuleContext(app.store, T0)
    events = {e.id: e for e in ctx.events()}
    assert spike.check_event(events["ev-one"], ctx) is None
    assert spike.check_event(events["ev-busy"], ctx) is None
    f = spike.check_event(events["ev-burst"], ctx)
    assert f is not None and f.details["recent"] == 9 and f.details["baseline_total"] == 0
    assert "9 篇" in f.reason


def test_heat_and_negative_share_tiers_say_why_with_numbers(make_app):
    app = make_app()
    ev = add_event(app.store, "ev", now=T0, posts=[T0 - timedelta(hours=30 + k) for k in range(25)], negative=21,
                   heat=83.5)
    ctx = RuleContext(app.store, T0, lookback_hours=200)
    heat = rule(app, "heat").check_event(ev, ctx)
    assert heat.level == 1 and "83.5" in heat.reason and heat.details["threshold"] == 80
    neg = rule(app, "negative_share").check_event(ev, ctx)
    assert neg.level == 3 and "84%" in neg.reason and "21/25" in neg.reason  # 30 posts needed for level 2
    small = add_event(app.store, "ev-small", now=T0, posts=[T0 - timedelta(hours=1)] * 1, negative=1)
    assert rule(app, "negative_share").check_event(small, ctx) is None  # one angry post is not 100% of anything


def test_keyword_lists_from_configuration(make_app):
    app = make_app(alerts={"rules": [{"name": "涉稳词", "type": "keywords", "lists": {
        "群体": {"words": ["拉横幅", "堵路"], "level": 2, "min_docs": 2}}}]})
    texts = ["业主在售楼处拉横幅讨说法", "今天又有人拉横幅", "小区门口堵路了", "普通咨询"]
    ev = add_event(app.store, "ev-k", now=T0, posts=burst(T0, 4), texts=texts)
    f = rule(app, "keywords").check_event(ev, RuleContext(app.store, T0))
    assert f.level == 2 and f.details["matched_docs"] == 3 and f.details["hits"] == {"拉横幅": 2, "堵路": 1}
    assert "拉横幅" in f.keywords
    quiet = add_event(app.store, "ev-q", now=T0, posts=burst(T0, 3), texts=["一切正常", "路灯坏了"], region="A1区")
    assert rule(app, "keywords").check_event(quiet, RuleContext(app.store, T0)) is None


def test_unanswered_board_posts_count_working_days_across_national_day(make_app):
    app = make_app(alerts={"rules": [{"name": "留言超期", "type": "unanswered", "working_days": 5, "level": 3}]})
    posted = datetime(2024, 9, 27, 10, 0, tzinfo=TZ)  # Friday before National Day 2024
    docs = [
        Document(url="http://board.example/p/1", source="a_city_board", title="投诉：A3区某工地夜间施工扰民",
                 content="夜里两点还在施工", kind=DocumentKind.POST, published_at=posted, region="A3区",
                 category="投诉"),
        Document(url="http://board.example/p/2", source="a_city_board", title="咨询：公积金提取", content="如何提取",
                 kind=DocumentKind.POST, published_at=posted, region="A市",
                 reply=Reply(text="您好，可通过网厅办理", department="A市住房公积金中心", time=posted + timedelta(days=1))),
    ]
    app.store.documents.upsert_documents(docs, posted)
    svc = AlertService.from_config(app.config, app.store)
    # 10/8: working days since 9/27 are 9/29 (调休), 9/30, 10/8 → 3: not yet.
    assert svc.evaluate(datetime(2024, 10, 8, 18, 0, tzinfo=TZ)) == []
    # 10/11: 9/29, 9/30, 10/8, 10/9, 10/10, 10/11 → 6 > 5.
    (alert,) = svc.evaluate(datetime(2024, 10, 11, 9, 0, tzinfo=TZ))
    assert alert.event_id is None and alert.details["doc_id"] == docs[0].id
    assert alert.details["rules"]["留言超期"]["working_days"] == 6 and "6 个工作日未答复" in alert.reason
    assert alert.policy == "complaint" and alert.department == "A3区人民政府"
    assert svc.evaluate(datetime(2024, 10, 14, 9, 0, tzinfo=TZ)) == []  # one alert per post


def test_routing_prefers_topic_and_region_then_city_department_then_district(make_app):
    app = make_app()
    svc = AlertService.from_config(app.config, app.store)
    from yuqing.alerts.rules.base import Finding

    def route(topic, region, dept=None):
        return svc.route(Finding(rule="r", rule_type="t", level=2, reason="", topic=topic, region=region,
                                 department=dept, event_id="e"))[0]

    assert route("城乡建设", "A3区") == DEPT_A3
    assert route("城乡建设", "A1区") == "A市住房和城乡建设局"
    assert route("民政", "A3区") == "A3区人民政府"
    assert route("民政", "A1区", "A市教育局") == "A市教育局"  # NLP's guess when configuration has no match
    assert route("民政", "A1区") == "A市人民政府办公室"


@pytest.mark.parametrize("alerts, key, words", [
    ({"rules": [{"name": "x", "type": "nosuch"}]}, "alerts.rules[0].type", "取值"),
    ({"rules": [{"name": "x", "type": "heat", "tiers": [{"level": 9, "min_heat": 1}]}]}, "alerts.rules[0].tiers[0].level", "不大于"),
    ({"rules": [{"name": "x", "type": "spike", "window_hours": 6, "baseline_hours": 2}]}, "alerts.rules[0].baseline_hours", "不小于"),
    ({"rules": [{"name": "x", "type": "heat"}, {"name": "x", "type": "spike"}]}, "alerts.rules[1].name", "重复"),
    ({"routes": [{"topic": "教育文体", "department": "不存在的局"}]}, "alerts.routes[0].department", "不在"),
    ({"auto_dispatch": 2}, "alerts.auto_dispatch", "未知配置项"),
])
def test_config_errors_name_the_key(tmp_path, alerts, key, words):
    with pytest.raises(ConfigError) as exc:
        parse_alerts(make_config(tmp_path, alerts=alerts))
    assert exc.value.key == key and words in exc.value.problem


def test_notification_and_deadline_config_errors(tmp_path):
    from yuqing.alerts.notify.registry import parse_notifications
    from yuqing.alerts.schema import parse_deadlines

    with pytest.raises(ConfigError, match="notifications.quiet_hours.start"):
        parse_notifications(make_config(tmp_path, notifications={"quiet_hours": {"start": "25:00", "end": "07:00"}}))
    with pytest.raises(ConfigError, match="deadlines.policies.x.response"):
        parse_deadlines(make_config(tmp_path, deadlines={"policies": {"x": {"response": {"hours": 2, "working_days": 1}}}}))
    with pytest.raises(ConfigError, match="deadlines.warn_share"):
        parse_deadlines(make_config(tmp_path, deadlines={"warn_share": 1.5}))
