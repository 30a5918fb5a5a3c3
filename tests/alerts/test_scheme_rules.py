"""Alert rules limited to a 监测方案 (option ``scheme``) and the ``scheme_volume`` rule. The scheme's matches are
recorded by the schemes core's back-fill over the store; the rules read them from the store only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alerts_testkit import T0, add_event, burst, make_config
from yuqing.alerts.engine import RuleEngine
from yuqing.alerts.schema import parse_alerts
from yuqing.config import ConfigError

HEATING = ["A2区锦绣花园供暖不热，室温只有十二度，老人孩子冻得受不了", "锦绣花园暖气不热，供暖公司一直不来处理"]


def _scheme(store, name: str, expression: str, **kw) -> None:
    from yuqing.model import Scheme
    from yuqing.scheme_matching import backfill
    from yuqing.schemes import add_scheme

    add_scheme(store, Scheme(name=name, expression=expression, **kw), actor="officer", now=T0)
    # The alerts testkit stores an event's posts as the events stage sees them, without the NLP stage's analysis,
    # so the exact search (analysed documents only) would not see them: walk and verify every document instead.
    assert backfill(store.documents, name, search=False).done


def _run(app, rules: list[dict], schemes: set[str] | None = None):
    settings = parse_alerts(make_config_like(app, rules), schemes=schemes)
    return RuleEngine(settings.rules, lookback_hours=72).run(app.store, T0)


def make_config_like(app, rules: list[dict]):
    return make_config(app.config.home, alerts={"rules": rules})


def _two_events(app) -> None:
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 12), heat=70.0)  # 电梯 in A3区 (the kit's default text)
    add_event(app.store, "ev-heat", now=T0, posts=burst(T0, 12), heat=70.0, region="A2区", texts=HEATING,
              title="A2区锦绣花园供暖不热")


# -- configuration ------------------------------------------------------------------------------------------------
def test_scheme_option_is_checked_against_the_stored_schemes(make_app):
    app = make_app()
    rules = [{"name": "供暖热度", "type": "heat", "scheme": "供暖"}]
    with pytest.raises(ConfigError) as err:
        parse_alerts(make_config_like(app, rules), schemes={"欠薪"})
    assert "alerts.rules[0].scheme" in str(err.value) and "监测方案「供暖」不存在" in str(err.value)
    assert "欠薪" in str(err.value)
    assert parse_alerts(make_config_like(app, rules), schemes={"供暖"}).rules[0].scheme == "供暖"
    # The alerts stage built over the store checks against the schemes stored there.
    from yuqing.alerts.service import AlertService

    with pytest.raises(ConfigError, match="监测方案「供暖」不存在"):
        AlertService.from_config(make_config_like(app, rules), app.store)
    _scheme(app.store, "供暖", "供暖 OR 暖气")
    assert AlertService.from_config(make_config_like(app, rules), app.store).settings.rules[0].scheme == "供暖"


@pytest.mark.parametrize("rule, problem", [
    ({"name": "x", "type": "source_health", "scheme": "供暖"}, "不能限定监测方案"),
    ({"name": "x", "type": "manual", "scheme": "供暖"}, "不能限定监测方案"),
    ({"name": "x", "type": "heat", "scheme": " "}, "监测方案名称不能为空"),
    ({"name": "x", "type": "heat", "scheme": 3}, "scheme"),
    ({"name": "x", "type": "scheme_volume"}, "必须用 scheme 指定监测方案"),
    ({"name": "x", "type": "scheme_volume", "scheme": "供暖", "ratio": 0.5}, "突增倍数应 ≥ 1"),
    ({"name": "x", "type": "scheme_volume", "scheme": "供暖", "min_count": 0}, "min_count"),
])
def test_bad_scheme_options_are_chinese_config_errors(make_app, rule, problem):
    app = make_app()
    with pytest.raises(ConfigError) as err:
        parse_alerts(make_config_like(app, [rule]), schemes={"供暖"})
    assert problem in str(err.value)


# -- scoped rules -------------------------------------------------------------------------------------------------
def test_a_scoped_heat_rule_fires_only_on_the_schemes_events(make_app):
    app = make_app()
    _two_events(app)
    _scheme(app.store, "供暖", "供暖 OR 暖气")
    heat = {"name": "热度", "type": "heat", "tiers": [{"level": 2, "min_heat": 60, "min_docs": 10}]}
    baseline = _run(app, [heat])
    assert {f.event_id for f in baseline.findings} == {"ev-lift", "ev-heat"}
    scoped = _run(app, [{**heat, "name": "供暖热度", "scheme": "供暖"}], {"供暖"})
    (f,) = scoped.findings
    assert f.event_id == "ev-heat" and not scoped.errors
    assert "监测方案「供暖」" in f.reason and f.details["rules"]["供暖热度"]["scheme"] == "供暖"


def test_a_scoped_keyword_rule_reads_only_the_schemes_documents(make_app):
    """An event mixing matched and unmatched posts: the scoped rule counts the matched ones only."""
    app = make_app()
    texts = ["锦绣花园供暖不热，业主拉横幅讨说法", "锦绣花园门口有人拉横幅", "锦绣花园业主拉横幅", "物业费上涨业主拉横幅"]
    add_event(app.store, "ev-mixed", now=T0, posts=burst(T0, 4), texts=texts)
    _scheme(app.store, "供暖", "供暖")
    words = {"name": "涉稳", "type": "keywords", "lists": {"群体": {"words": ["拉横幅"], "level": 2, "min_docs": 2}}}
    (f,) = _run(app, [words]).findings
    assert f.details["rules"]["涉稳"]["matched_docs"] == 4
    assert _run(app, [{**words, "scheme": "供暖"}], {"供暖"}).findings == []  # one matched post: below min_docs 2


def test_a_scoped_document_rule_keeps_only_matched_posts(make_app):
    """Rules that scan posts themselves (unanswered) are narrowed to the posts the scheme matched."""
    app = make_app()
    old = [T0 - timedelta(days=12, hours=i) for i in range(3)]
    add_event(app.store, "ev-lift-old", now=T0 - timedelta(days=12), posts=old)
    add_event(app.store, "ev-heat-old", now=T0 - timedelta(days=12), posts=old, region="A2区", texts=HEATING)
    _scheme(app.store, "供暖", "供暖 OR 暖气")
    unanswered = {"name": "未答复", "type": "unanswered", "backlog": "each"}
    everything = _run(app, [unanswered]).findings
    assert len(everything) == 6
    scoped = _run(app, [{**unanswered, "scheme": "供暖"}], {"供暖"}).findings
    matched = set(app.store.documents.document_ids(__import__("yuqing.storage.base", fromlist=["x"]).DocumentFilter(
        scheme="供暖"), limit=100))
    assert len(scoped) == 3 and {f.doc_id for f in scoped} == matched


# -- scheme_volume ------------------------------------------------------------------------------------------------
def test_scheme_volume_fires_on_the_count_of_matched_posts(make_app):
    app = make_app()
    _two_events(app)
    _scheme(app.store, "供暖", "供暖 OR 暖气")
    rule = {"name": "供暖声量", "type": "scheme_volume", "scheme": "供暖", "window_hours": 24, "min_count": 12}
    (f,) = _run(app, [rule], {"供暖"}).findings
    assert f.event_id == "ev-heat" and f.level == 3
    details = f.details["rules"]["供暖声量"]
    assert details["recent"] == 12 and details["min_count"] == 12
    assert "近 24 小时匹配 12 篇（阈值 12 篇）" in f.reason
    assert _run(app, [{**rule, "min_count": 13}], {"供暖"}).findings == []


def test_scheme_volume_surge_needs_growth_over_its_own_baseline(make_app):
    app = make_app()
    steady = [T0 - timedelta(hours=6 * k + 1) for k in range(28)]  # 4 a day for a week: 4 in the last day
    add_event(app.store, "ev-heat", now=T0, posts=steady, region="A2区", texts=HEATING)
    _scheme(app.store, "供暖", "供暖 OR 暖气")
    rule = {"name": "供暖突增", "type": "scheme_volume", "scheme": "供暖", "min_count": 3, "ratio": 2.0,
            "baseline_days": 5}
    assert _run(app, [rule], {"供暖"}).findings == []  # 4 in 24 h is its usual pace
    add_event(app.store, "ev-heat-2", now=T0, posts=burst(T0, 10), region="A2区", texts=HEATING)
    _scheme_refresh(app.store, "供暖")
    (f,) = _run(app, [rule], {"供暖"}).findings
    d = f.details["rules"]["供暖突增"]
    assert d["recent"] == 14 and d["ratio"] >= 2.0 and "倍" in f.reason


def _scheme_refresh(store, name: str) -> None:
    """New posts stored after the back-fill: record them as analysis would (here, by a fresh back-fill)."""
    from dataclasses import replace

    from yuqing.scheme_matching import backfill

    scheme = store.documents.get_scheme(name)
    store.documents.save_scheme(replace(scheme, version=scheme.version + 1, backfill_cursor=None))
    # The alerts testkit stores an event's posts as the events stage sees them, without the NLP stage's analysis,
    # so the exact search (analysed documents only) would not see them: walk and verify every document instead.
    assert backfill(store.documents, name, search=False).done


def test_the_alerts_service_raises_a_scheme_alert_on_its_tick(make_app):
    from yuqing.alerts.service import AlertService

    app = make_app()
    _two_events(app)
    _scheme(app.store, "供暖", "供暖 OR 暖气")
    config = make_config_like(app, [{"name": "供暖声量", "type": "scheme_volume", "scheme": "供暖", "min_count": 10}])
    svc = AlertService.from_config(config, app.store)
    (alert,) = svc.evaluate(T0)
    assert alert.event_id == "ev-heat" and alert.rule == "供暖声量"
    assert "监测方案「供暖」" in alert.reason
    assert svc.evaluate(T0 + timedelta(minutes=5)) == []  # one open alert per issue: the next tick adds none
