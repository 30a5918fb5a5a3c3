"""The event brief in notifications: one short, masked paragraph (where, since when, how many, the first demand)
added to what an alert's notification says when the alert is about an event whose brief the events stage wrote."""

from __future__ import annotations

from typing import Any

from yuqing.model import Alert

#: Notifications that introduce an alert to someone (the rest follow up on one they already know).
BRIEF_KINDS = frozenset({"new", "dispatch", "level_up", "escalation"})


def brief_line(store: Any, alert: Alert, kind: str) -> str:
    """The short brief of the alert's event ("" when the kind does not carry one or there is no brief)."""
    if kind not in BRIEF_KINDS or not alert.event_id:
        return ""
    from yuqing.eventviews import build_brief_view

    event = store.documents.get_event(alert.event_id)
    brief = build_brief_view(event) if event is not None else None
    return brief.short() if brief is not None else ""
