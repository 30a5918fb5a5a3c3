"""Adding a notification channel is one module plus configuration: the toy channel in tests/alerts/toy_channel.py is
switched on by class path, parses its own options and contact key, and delivers an alert exactly once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from yuqing.alerts.service import AlertService
from yuqing.alerts.notify.registry import parse_notifications
from alerts_testkit import DEPT_A3, T0, add_event, burst, make_config
from yuqing.app import App
from yuqing.config import ConfigError

TOY = "tests.alerts.toy_channel.ToyChannel"


def toy_app(make_app, inbox, **contact):
    return make_app(notifications={"channels": {TOY: 300}, "toy": {"inbox": str(inbox), "prefix": "[值班] "},
                                   "officers": [{"channel": "toy", "target": "office-duty", "format": "shout"}]},
                    contacts={DEPT_A3: {"toy_room": "a3-duty", **contact}})


def test_a_toy_channel_delivers_an_alert_exactly_once(make_app, tmp_path):
    inbox = tmp_path / "inbox.jsonl"
    app = toy_app(make_app, inbox)
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 14), negative=13)
    svc, other = AlertService.from_config(app.config, app.store), AlertService.from_config(app.config, app.store)
    (alert,) = svc.evaluate(T0)
    assert alert.department == DEPT_A3 and alert.dispatched_at is not None
    later = T0 + timedelta(hours=1)  # past the digest delay of the officers' "new alert" notice
    first = svc.deliver(later)
    # A second tick and a second scheduler with its own service find everything sent.
    assert svc.deliver(later + timedelta(minutes=1))["sent"] == 0
    assert other.deliver(later + timedelta(minutes=2))["sent"] == 0
    lines = [json.loads(x) for x in inbox.read_text(encoding="utf-8").splitlines()]
    rooms = sorted((m["room"], tuple(m["kinds"])) for m in lines)
    assert rooms == [("a3-duty", ("dispatch",)), ("office-duty", ("new",))] and first["sent"] == 2
    assert all(m["alerts"] == [alert.id] and m["key"] for m in lines)
    office = next(m for m in lines if m["room"] == "office-duty")
    assert office["format"] == "shout" and office["subject"].startswith("[值班] ")
    deliveries = app.store.workflow.list_deliveries(alert.id)
    assert sorted((d["channel"], d["status"]) for d in deliveries) == [("toy", "sent"), ("toy", "sent")]


def test_a_failing_toy_room_is_retried_not_lost(make_app, tmp_path):
    inbox = tmp_path / "inbox.jsonl"
    app = make_app(notifications={"channels": {TOY: 300}, "toy": {"inbox": str(inbox)}},
                   contacts={DEPT_A3: {"toy_room": "closed-duty"}})
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 14), negative=13)
    svc = AlertService.from_config(app.config, app.store)
    svc.evaluate(T0)
    assert svc.deliver(T0)["retrying"] == 1 and not inbox.exists()


@pytest.mark.parametrize(("notifications", "contact", "key"), [
    ({"toy": {"inbox": "x", "colour": "red"}}, {}, "notifications.toy.colour"),  # its own option schema
    ({"toy": {}}, {}, "notifications.toy.inbox"),  # a required option
    ({"toy": {"inbox": "x"}}, {"toy_room": "a3"}, "departments[1].toy_room"),  # its own contact check
    ({"toy": {"inbox": "x"}, "officers": [{"channel": "toy", "target": "t", "format": "whisper"}]}, {},
     "notifications.officers[0].format"),  # no channel declares the format
])
def test_the_toy_channel_checks_its_own_configuration(tmp_path, notifications, contact, key):
    config = make_config(tmp_path, notifications={"channels": {TOY: 300}, **notifications},
                         contacts={DEPT_A3: {"toy_room": "a3-duty", **contact}})
    with pytest.raises(ConfigError) as exc:
        parse_notifications(config)
    assert exc.value.key == key


def test_without_the_channel_its_contact_key_is_unknown(make_app):
    app = make_app(contacts={DEPT_A3: {"toy_room": "a3-duty"}})
    with pytest.raises(ConfigError, match="未知配置项") as exc:
        AlertService.from_config(app.config, app.store)
    assert exc.value.key == "departments[1].toy_room"


@pytest.mark.parametrize(("channels", "problem"), [
    ({"tests.alerts.toy_channel.NoSuchChannel": 300}, "无法加载"),
    ({"yuqing.config.Checker": 300}, "不是通知渠道"),
    ({TOY: "last"}, "顺序号"),
])
def test_bad_channel_class_paths_name_the_key(make_app, channels, problem):
    app = make_app(notifications={"channels": channels})
    with pytest.raises(ConfigError, match=problem) as exc:
        AlertService.from_config(app.config, app.store)
    assert exc.value.key == f"notifications.channels.{next(iter(channels))}"


def test_the_application_checks_channels_at_start_up(tmp_path):
    """`yuqing stats` never builds the alerts service, yet a bad contact is reported before anything runs."""
    base = ('[[departments]]\nname = "市住建局"\ntopics = ["住房城建"]\ntoy_room = "{room}"\n'
            f'[notifications.channels]\n"{TOY}" = 300\n[notifications.toy]\ninbox = "{tmp_path / "inbox"}"\n')
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(base.replace("{room}", "zj-duty"), encoding="utf-8")
    bad.write_text(base.replace("{room}", "zj"), encoding="utf-8")
    assert App.load(good, home=tmp_path).config.departments[0].contact == {"toy_room": "zj-duty"}
    with pytest.raises(ConfigError) as exc:
        App.load(bad, home=tmp_path)
    assert exc.value.key == "departments[0].toy_room"
