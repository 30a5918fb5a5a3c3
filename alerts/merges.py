"""Alerts follow event merges. The events stage only records a merge (the merged-away event keeps its record,
marked ``state["merged_into"]``, and the event log says so); at its next tick the alerts stage moves the open alert
of a merged-away event to the surviving event, so the officer keeps working one alert on the whole issue and the
rules do not raise a second one for the survivor. When the survivor has an open alert of its own, the old alert
stays and its log says where the issue went (once)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from yuqing.model import OPEN_STATUSES, Alert
from yuqing.storage.base import ConcurrentUpdateError

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext

#: Workflow state kind remembering that an alert's log already names the event its merged-away event went into.
NOTED = "alerts.merge_noted"


def survivor(ctx: "AlertContext", event_id: str) -> str:
    """The event ``event_id`` was merged into, following merges of merges (``event_id`` itself if none)."""
    docs, seen = ctx.store.documents, {event_id}
    while True:
        event = docs.get_event(event_id)
        into = (event.state or {}).get("merged_into") if event is not None else None
        if not into or into in seen:
            return event_id
        seen.add(into)
        event_id = into


def follow_merges(ctx: "AlertContext", now: datetime) -> dict[str, int]:
    """Move every open alert on a merged-away event to its survivor; returns counts."""
    counts = {"moved": 0, "noted": 0, "conflicts": 0}
    for alert in ctx.alerts_in(list(OPEN_STATUSES)):
        if not alert.event_id:
            continue
        into = survivor(ctx, alert.event_id)
        if into == alert.event_id:
            continue
        try:
            done = _follow(ctx, alert, into, now)
        except ConcurrentUpdateError:
            counts["conflicts"] += 1  # an officer kept saving it; the next tick tries again
            continue
        if done:
            counts[done] += 1
    return counts


def _follow(ctx: "AlertContext", alert: Alert, into: str, now: datetime) -> str | None:
    actor = ctx.settings.system_actor
    for _attempt in range(3):  # an officer may be saving the same alert right now
        eid = alert.event_id
        other = ctx.wf.open_alert_for_event(into)
        if other is not None:
            key = f"{alert.id}|{eid}|{into}"
            if ctx.wf.get_state(NOTED, key):
                return None  # said so at an earlier tick
            with ctx.transaction():
                ctx.wf.set_state(NOTED, key, other.id)
                ctx.audit(alert, actor, "event_merged", now, None, None,
                          f"事件 {eid} 已并入事件 {into}；该事件已有未办结预警 {other.id}，请一并处理")
            return "noted"
        moved = replace(alert, event_id=into,
                        details={**alert.details, "merged_events": [*alert.details.get("merged_events", []), eid]})
        try:
            with ctx.transaction():
                saved = ctx.save(moved, alert.version)
                ctx.audit(saved, actor, "event_merged", now, None, None,
                          f"事件 {eid} 已并入事件 {into}，预警随之转到事件 {into}")
            return "moved"
        except ConcurrentUpdateError:
            alert = ctx.load(alert.id)
            if alert.status not in OPEN_STATUSES or alert.event_id != eid:
                return None  # closed or moved meanwhile: nothing left to do here
    raise ConcurrentUpdateError(f"预警 {alert.id} 一直在被修改，未能随事件合并转到事件 {into}；下次运行会重试")
