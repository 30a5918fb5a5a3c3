"""A source failing or listing nothing for N passes raises one operator alert per outage."""

from __future__ import annotations

from datetime import timedelta

from yuqing.alerts.service import AlertService
from alerts_testkit import T0


def record(store, source, at, *, failed=False, listed=5, items=0):
    store.workflow.record_crawl(source, {"finished_at": at, "pages": 0 if failed else 3, "items": items,
                                         "listed": 0 if failed else listed, "failed": failed,
                                         "errors": {"connect": 1} if failed else {}})


def health_alerts(store):
    _, alerts = store.workflow.list_alerts(limit=100)
    return [a for a in alerts if a.rule == "来源异常"]


def test_failing_source_alerts_once_per_outage(make_app):
    app = make_app()
    service = AlertService(app.store, app.config)
    record(app.store, "city", T0 - timedelta(hours=5))  # a good pass first
    for k in range(2):
        record(app.store, "city", T0 - timedelta(hours=4 - k), failed=True)
    service.evaluate(T0)
    assert health_alerts(app.store) == []  # two failures are below the default 3 passes
    record(app.store, "city", T0 - timedelta(hours=1), failed=True)
    service.evaluate(T0)
    service.evaluate(T0 + timedelta(minutes=5))
    [alert] = health_alerts(app.store)
    assert "连续 3 轮抓取失败" in alert.reason and alert.level == 4 and alert.status.value == "new"
    assert alert.deadlines == {}  # for the operators: no department, no statutory clock
    # Recovery, then a new outage: a second alert.
    record(app.store, "city", T0 + timedelta(hours=1))
    for k in range(3):
        record(app.store, "city", T0 + timedelta(hours=2 + k), failed=True)
    service.evaluate(T0 + timedelta(hours=6))
    assert len(health_alerts(app.store)) == 2


def test_source_listing_nothing_alerts_but_a_quiet_site_does_not(make_app):
    app = make_app()
    service = AlertService(app.store, app.config)
    for k in range(4):
        record(app.store, "quiet", T0 - timedelta(hours=k), listed=20, items=0)  # nothing new, pages still listed
        record(app.store, "broken", T0 - timedelta(hours=k), listed=0, items=0)  # layout changed: no links
    service.evaluate(T0)
    [alert] = health_alerts(app.store)
    assert alert.details["source"] == "broken" and "没有发现任何文章" in alert.reason


def test_the_rule_uses_the_crawl_threshold_the_crawler_report_and_dashboard_use(make_app):
    from yuqing.crawlers.run import source_report

    app = make_app()
    app.config.crawl["failure_cycles"] = 2
    service = AlertService(app.store, app.config)
    name = app.config.sources[0].name
    for k in range(2):
        record(app.store, name, T0 - timedelta(hours=3 - k), failed=True)
    service.evaluate(T0)
    [alert] = health_alerts(app.store)
    assert "连续 2 轮抓取失败" in alert.reason and "阈值 2 轮" in alert.reason
    report = {r["name"]: r for r in source_report(app.config, app.store)}[name]
    assert report["needs_attention"] and "连续 2 轮抓取失败" in report["attention_reason"]


def test_a_rule_of_its_own_threshold_is_refused_with_the_key_to_use(make_app):
    import pytest

    from yuqing.config import ConfigError

    app = make_app(alerts={"rules": [{"name": "来源异常", "type": "source_health", "cycles": 5}]})
    with pytest.raises(ConfigError) as info:
        AlertService(app.store, app.config)
    assert info.value.key == "alerts.rules[0].cycles" and "failure_cycles" in info.value.problem
