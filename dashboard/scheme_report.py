"""The 日报/周报 of one 监测方案 (``yuqing report daily|weekly --scheme NAME``, the report page's scheme picker).

:func:`yuqing.dashboard.report.build_brief` takes ``scheme``: its document figures (trend, topics) and hot events
come from the store with ``DocumentFilter(scheme=…)`` / ``list_events(scheme=…)``; the alerts are narrowed here to the
scheme's: an alert on an event holding a document the scheme matched, or raised by a rule limited to the scheme
(``details.scheme``). The department table and the open/overdue counts are then those of the scheme's alerts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from yuqing.dashboard.services.queries import REPORT_USER, alert_service
from yuqing.views import AlertView, ResponseView


def unknown_scheme(app: Any, name: str) -> str | None:
    """None when a scheme has this name, else the Chinese message naming the schemes there are."""
    names = [s.name for s in app.store.documents.list_schemes()]
    if name in names:
        return None
    return f"监测方案「{name}」不存在（已有方案：{'、'.join(names) or '尚无'}；可用 yuqing schemes list 查看）"


def _event_ids(app: Any, scheme: str) -> set[str]:
    return {e.id for e in app.store.documents.list_events(limit=1_000_000, since=None, order="recent", scheme=scheme)}


def _tagged(view: AlertView, scheme: str) -> bool:
    """Raised by a rule limited to the scheme (the engine records it; merged findings keep it per rule)."""
    details = view.details or {}
    if details.get("scheme") == scheme:
        return True
    rules = details.get("rules")
    return isinstance(rules, dict) and any(isinstance(r, dict) and r.get("scheme") == scheme for r in rules.values())


def scheme_alerts(app: Any, scheme: str, views: list[AlertView]) -> list[AlertView]:
    events = _event_ids(app, scheme)
    return [v for v in views if (v.event_id and v.event_id in events) or _tagged(v, scheme)]


def scope_alerts(app: Any, scheme: str, views: list[AlertView], responses: list[tuple[str, ResponseView]]
                 ) -> tuple[int, list[AlertView], list[tuple[str, ResponseView]]]:
    kept = scheme_alerts(app, scheme, views)
    ids = {v.id for v in kept}
    return len(kept), kept, [(a, r) for a, r in responses if a in ids]


def open_counts(app: Any, scheme: str, now: datetime) -> dict[str, int]:
    """Open and overdue alerts of the scheme now (the brief's 「当前未办结/超期」)."""
    _, views = alert_service(app).page_alerts(REPORT_USER, status="open", limit=100_000)
    mine = scheme_alerts(app, scheme, views)
    return {"open": len(mine), "overdue": sum(v.is_overdue(now) for v in mine)}


def departments(views: list[AlertView], now: datetime) -> list[dict[str, Any]]:
    """The scheme's alerts of the period per responsible department."""
    rows: dict[str, dict[str, Any]] = {}
    for v in views:
        name = v.department or "（未分派）"
        r = rows.setdefault(name, {"部门": name, "预警数": 0, "已回应": 0, "已办结": 0, "超期未回应": 0})
        r["预警数"] += 1
        r["已回应"] += v.status in ("responded", "closed")
        r["已办结"] += v.status == "closed"
        r["超期未回应"] += v.is_overdue(now)
    return sorted(rows.values(), key=lambda r: (-r["预警数"], r["部门"]))
