"""Notifications: webhook formats against a local HTTP receiver, retries with backoff, digests, quiet hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from yuqing.alerts.outbox import after_quiet
from yuqing.alerts.service import AlertService
from alerts_testkit import DEPT_A3, T0, add_event, burst, free_port
from yuqing.clock import TZ


def _app(make_app, http_receiver, fmt, **notifications):
    return make_app(contacts={DEPT_A3: {"webhook": f"{http_receiver.url}/hook", "webhook_format": fmt}},
                    notifications={"backoff_seconds": 60, "max_attempts": 3, **notifications})


def test_wecom_robot_format_and_retry_with_backoff(make_app, http_receiver):
    app = _app(make_app, http_receiver, "wecom")
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 14))
    svc = AlertService.from_config(app.config, app.store)
    (alert,) = svc.evaluate(T0)
    http_receiver.statuses = [500]  # the robot endpoint fails once
    first = svc.deliver(T0)
    assert first["retrying"] == 1 and first["sent"] == 0
    (d,) = app.store.workflow.list_deliveries(alert.id)
    assert d["attempts"] == 1 and "HTTP 500" in d["last_error"]
    assert d["next_attempt_at"] == T0 + timedelta(seconds=60)
    assert svc.deliver(T0 + timedelta(seconds=30))["due"] == 0  # backoff respected
    second = svc.deliver(T0 + timedelta(seconds=61))
    assert second["sent"] == 1
    body = http_receiver.requests[-1]["body"]
    assert body["msgtype"] == "markdown" and "预警派发" in body["markdown"]["content"]
    assert DEPT_A3 in body["markdown"]["content"] and "回应关切" in body["markdown"]["content"]
    assert http_receiver.requests[-1]["content_type"].startswith("application/json")
    (d,) = app.store.workflow.list_deliveries(alert.id)
    assert d["status"] == "sent" and d["attempts"] == 2 and d["last_error"] is None


def test_dingtalk_and_generic_formats(make_app, http_receiver):
    app = _app(make_app, http_receiver, "dingtalk",
               officers=[{"channel": "webhook", "target": f"{http_receiver.url}/officers", "format": "generic"}])
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 14))
    svc = AlertService.from_config(app.config, app.store)
    svc.evaluate(T0)
    assert svc.deliver(T0)["messages"] == 2
    by_path = {r["path"]: r["body"] for r in http_receiver.requests}
    ding = by_path["/hook"]
    assert ding["msgtype"] == "markdown" and ding["markdown"]["title"].startswith("[舆情预警派发]")
    generic = by_path["/officers"]
    assert generic["count"] == 1 and generic["items"][0]["kind"] == "new"
    assert generic["items"][0]["alert"]["level"] == 2 and generic["items"][0]["alert"]["department"] == DEPT_A3


def test_unreachable_target_fails_after_max_attempts(make_app):
    port = free_port()  # nothing listens here
    app = make_app(contacts={DEPT_A3: {"webhook": f"http://127.0.0.1:{port}/x"}},
                   notifications={"max_attempts": 2, "backoff_seconds": 10, "webhook": {"timeout": 2}})
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 14))
    svc = AlertService.from_config(app.config, app.store)
    (alert,) = svc.evaluate(T0)
    assert svc.deliver(T0)["retrying"] == 1
    assert svc.deliver(T0 + timedelta(seconds=11))["failed"] == 1
    (d,) = app.store.workflow.list_deliveries(alert.id)
    assert d["status"] == "failed" and "无法连接" in d["last_error"]
    assert svc.deliver(T0 + timedelta(hours=1))["due"] == 0


def test_minor_alerts_wait_and_go_out_as_one_digest(make_app, http_receiver):
    app = make_app(notifications={"digest_minutes": 10, "officers": [
        {"channel": "webhook", "target": f"{http_receiver.url}/officers"}]})
    # Three modest events: negative share only (level 3), not bursting.
    for i, region in enumerate(["A1区", "A2区", "A4区"]):
        add_event(app.store, f"ev-{i}", now=T0, posts=[T0 - timedelta(hours=20 + k) for k in range(6)], negative=5,
                  region=region, topic="环境保护", title=f"{region}噪音扰民")
    svc = AlertService.from_config(app.config, app.store)
    created = svc.evaluate(T0)
    assert sorted(a.level for a in created) == [3, 3, 3]
    assert all(a.status.value == "new" for a in created)  # level 3 is not auto-dispatched by default
    assert svc.deliver(T0)["due"] == 0
    out = svc.deliver(T0 + timedelta(minutes=10))
    assert out == {**out, "due": 3, "messages": 1, "sent": 3}
    body = http_receiver.requests[-1]["body"]
    assert body["count"] == 3 and body["subject"] == "[舆情预警摘要] 共 3 条通知"


def test_quiet_hours_hold_minor_notices_until_morning(make_app, http_receiver):
    app = _app(make_app, http_receiver, "generic", quiet_hours={"start": "22:00", "end": "07:30", "bypass_level": 1})
    night = datetime(2024, 5, 13, 23, 15, tzinfo=TZ)
    add_event(app.store, "ev-lift", now=night, posts=burst(night, 14))
    svc = AlertService.from_config(app.config, app.store)
    svc.evaluate(night)
    assert svc.deliver(night)["due"] == 0
    morning = datetime(2024, 5, 14, 7, 30, tzinfo=TZ)
    assert svc.deliver(morning)["sent"] == 1


def test_after_quiet_window_arithmetic():
    q = (time(22, 0), time(7, 0))
    assert after_quiet(datetime(2024, 5, 13, 21, 59, tzinfo=TZ), *q) == datetime(2024, 5, 13, 21, 59, tzinfo=TZ)
    assert after_quiet(datetime(2024, 5, 13, 22, 0, tzinfo=TZ), *q) == datetime(2024, 5, 14, 7, 0, tzinfo=TZ)
    assert after_quiet(datetime(2024, 5, 14, 3, 0, tzinfo=TZ), *q) == datetime(2024, 5, 14, 7, 0, tzinfo=TZ)
    day = (time(12, 0), time(14, 0))
    assert after_quiet(datetime(2024, 5, 14, 13, 0, tzinfo=TZ), *day) == datetime(2024, 5, 14, 14, 0, tzinfo=TZ)
