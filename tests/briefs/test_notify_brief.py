"""Notifications about an alert on an event carry the event's short brief, masked."""

from __future__ import annotations

from datetime import timedelta

from tests.briefs.conftest import PLANTED_ID, PLANTED_NAME, PLANTED_PHONE


def test_dispatch_notification_quotes_the_short_brief(brief_app_copy):
    brief_app = brief_app_copy
    from yuqing.alerts.notify.base import item_text
    from yuqing.eventviews import build_brief_view
    from yuqing.users import create_user

    event = next(e for e in brief_app.store.documents.list_events(limit=1000, order="size")
                 if "a_city_news" in {m.get("s") for m in e.state["members"].values()})
    officer = create_user(brief_app.store.workflow, "officer_nb", "officer", "correct-horse-9")
    at = event.last_seen + timedelta(hours=3)
    department = brief_app.config.departments[0].name
    alert = brief_app.alerts.raise_manual(officer, "群众集中反映", "多条留言与转载", level=1, event_id=event.id,
                                          department=department, now=at)  # raised and dispatched
    # Queued as the handlers queue them, to a department contact on the built-in e-mail channel.
    target = [{"channel": "email", "target": "xinfang@example.gov.cn", "format": "generic"}]
    for kind in ("dispatch", "escalation", "accepted", "responded"):
        brief_app.alerts.outbox.queue(alert, kind, at + timedelta(minutes=1), target, message="请核实", key=kind)
    deliveries = brief_app.store.workflow.list_deliveries(alert.id)
    assert len(deliveries) >= 4
    dispatched = [d for d in deliveries if d["kind"] in ("new", "dispatch", "escalation")]
    assert dispatched
    short = build_brief_view(event).short()
    for d in dispatched:
        text = item_text(d["payload"])
        assert f"事件简报：{short}" in text
        assert len(short) <= 160
        for secret in (PLANTED_PHONE, PLANTED_ID, PLANTED_NAME):
            assert secret not in text
    # Follow-ups do not repeat it.
    assert all("brief" not in d["payload"]["alert"] for d in deliveries
               if d["kind"] not in ("new", "dispatch", "escalation", "level_up"))
