"""The event page's reads: the events to pick from and one event's detail view (brief, spread, posts, alert)."""

from __future__ import annotations

from typing import Any

from yuqing.eventviews import EventBriefView, EventDetailView, event_detail, source_titles
from yuqing.views import EventView, build_event_view


def event_choices(app: Any, limit: int = 50) -> list[EventView]:
    """The hottest events, for the page's picker."""
    return [build_event_view(e) for e in app.store.documents.list_events(limit=limit)]


def event_page(app: Any, event_id: str, *, posts: int = 30) -> EventDetailView | None:
    """One event as the page shows it; the open alert's view is the alerts service's (its deadline labels)."""
    return event_detail(app.store, event_id, posts=posts, alert_view=app.alerts.alert_view,
                        titles=source_titles(app.config))


def event_brief(app: Any, event_id: str) -> EventBriefView | None:
    """The brief of one event (with its open alert) as the alert page shows it; None if it has none yet."""
    detail = event_detail(app.store, event_id, posts=0, alert_view=app.alerts.alert_view,
                          titles=source_titles(app.config))
    return detail.brief if detail else None


def period_briefs(events: list[Any], limit: int = 3) -> list[str]:
    """The 日报/周报's lines about the period's hottest events (``report.period_events``, in heat order): each event's
    short brief (masked view)."""
    from yuqing.eventviews import build_brief_view

    out = []
    for i, event in enumerate(events[:limit], 1):
        brief = build_brief_view(event)
        if brief is not None:
            out.append(f"热点事件{i}：{brief.short().rstrip('。！？!?；;')}。")
    return out
