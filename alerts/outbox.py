"""The notification outbox: who is told (officers, a department's contacts, the supervising office) and when
(digest delay, quiet hours), queued in the same transaction as the change it reports.

Each queued delivery has a dedupe key, so re-queueing after a crash or a repeated tick is a no-op; the sender
(:mod:`yuqing.alerts.sender`) claims and sends them exactly once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from yuqing.alerts.briefs import brief_line
from yuqing.alerts.notify.registry import department_targets
from yuqing.clock import TZ
from yuqing.model import Alert
from yuqing import views as V

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext


class Outbox:
    def __init__(self, ctx: "AlertContext"):
        self.ctx = ctx

    def officer_targets(self) -> list[dict[str, str]]:
        return [dict(o) for o in self.ctx.notify_settings.officers]

    def department_targets(self, name: str | None) -> list[dict[str, str]]:
        return department_targets(self.ctx.department(name), self.ctx.notify_settings.channel_classes)

    def supervisor_targets(self) -> list[dict[str, str]]:
        sup = self.ctx.supervisor()
        return self.department_targets(sup.name) if sup else []

    def send_time(self, alert: Alert, kind: str, now: datetime) -> datetime:
        ns = self.ctx.notify_settings
        at = now
        if kind == "new" and alert.level >= ns.digest_min_level and ns.digest_minutes:
            at = now + timedelta(minutes=ns.digest_minutes)  # minor alerts wait a little and go out as one digest
        if ns.quiet_start and alert.level > ns.quiet_bypass_level:
            at = after_quiet(at, ns.quiet_start, ns.quiet_end)
        return at

    def queue(self, alert: Alert, kind: str, now: datetime, targets: list[dict[str, str]], *, message: str = "",
              key: str = "") -> int:
        ns = self.ctx.notify_settings
        if not ns.enabled or not targets:
            return 0
        round_no = alert.details.get("round", 0)
        link = f"{ns.dashboard_url.rstrip('/')}/?alert={alert.id}" if ns.dashboard_url else ""
        view = self.ctx.alert_view(alert)  # notifications render the masked view; messages quote users' text: masked too
        # The dedupe key makes re-queueing after a crash or a repeated tick a no-op.
        stamp = key or (now.isoformat() if kind in ("dispatch", "returned", "responded", "reopened", "level_up") else "")
        queued = 0
        brief = brief_line(self.ctx.store, alert, kind)  # the event's short brief, masked by its view
        for t in targets:
            payload_t = V.build_notification_view(view, kind, message, now, link, t.get("format", "generic")).to_payload()
            if brief:
                payload_t["alert"]["brief"] = brief
            self.ctx.wf.add_delivery({
                "alert_id": alert.id, "channel": t["channel"], "target": t["target"], "kind": kind,
                "payload": payload_t, "next_attempt_at": self.send_time(alert, kind, now), "created_at": now,
                "dedupe_key": f"{alert.id}|r{round_no}|{kind}|{stamp}|{t['channel']}|{t['target']}"})
            queued += 1
        return queued

    def queue_all(self, alert: Alert, now: datetime, items: list[tuple[Any, ...]]) -> None:
        """Queue ``(kind, targets, message[, key])`` items, as the handlers and monitors collect them."""
        for kind, targets, message, *key in items:
            self.queue(alert, kind, now, targets, message=message, key=key[0] if key else "")


def after_quiet(at: datetime, start: Any, end: Any) -> datetime:
    """If ``at`` falls in the daily quiet window [start, end) (may wrap midnight), move it to the window's end."""
    local = at.astimezone(TZ)
    t = local.timetz().replace(tzinfo=None)
    wraps = start > end
    inside = (start <= t or t < end) if wraps else (start <= t < end)
    if not inside:
        return at
    end_dt = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if end_dt <= local:
        end_dt += timedelta(days=1)
    return end_dt
