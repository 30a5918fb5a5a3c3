"""Adding an alert rule type is one module plus configuration: tests/alerts/toy_rule.py, named by class path under
[alerts.rule_types], is validated with its own options and raises an alert through the real service."""

from __future__ import annotations

import pytest

from yuqing.alerts.service import AlertService
from alerts_testkit import T0, add_event, burst
from yuqing.config import ConfigError

TOY = "tests.alerts.toy_rule.ToyWordRule"


def toy_alerts(**options):
    return {"rule_types": {"toy_word": TOY},
            "rules": [{"name": "电梯玩具规则", "type": "toy_word", "level": 3, **options}]}


def test_a_toy_rule_type_raises_an_alert_with_its_own_reason(make_app):
    app = make_app(alerts=toy_alerts(word="电梯", min_posts=4))
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 5), negative=1)
    add_event(app.store, "ev-road", now=T0, posts=burst(T0, 5), negative=1, texts=["A3区和平路路灯不亮，晚上太黑"])
    (alert,) = AlertService.from_config(app.config, app.store).evaluate(T0)
    assert alert.rule == "电梯玩具规则" and alert.event_id == "ev-lift"
    assert "5 篇帖子提到「电梯」（玩具规则）" in alert.reason


@pytest.mark.parametrize(("options", "key"), [
    ({}, "alerts.rules[0].word"),  # its own required option
    ({"word": "电梯", "colour": "red"}, "alerts.rules[0].colour"),  # an option it does not declare
    ({"word": "电梯", "min_posts": 0}, "alerts.rules[0].min_posts"),  # its own bounds
])
def test_the_toy_rule_checks_its_own_options(make_app, options, key):
    app = make_app(alerts=toy_alerts(**options))
    with pytest.raises(ConfigError) as err:
        AlertService.from_config(app.config, app.store)
    assert err.value.key == key
