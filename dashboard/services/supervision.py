"""The supervising office's view (督查室, the department configured with ``supervisor = true``): every alert
escalated (督办) to it, open and closed, its overdue figures per responsible department, and its 督办意见. Read
through the alerts service in its supervision scope — the only way the office sees other departments' alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from yuqing.dashboard.services.queries import alert_row, alert_service, is_supervisor_user
from yuqing.model import User
from yuqing.views import AlertView

STATUS_FILTERS = {"未办结": "open", "已办结": "closed", "全部": None}


def may_open(app: Any, user: User) -> bool:
    """The page is the office's (and officers' and administrators'); other departments never open it."""
    return user.role.value in ("officer", "admin") or is_supervisor_user(app, user)


def supervisor_name(app: Any) -> str | None:
    sup = next((d for d in app.config.departments if d.supervisor), None)
    return sup.name if sup else None


def escalated(app: Any, user: User, *, status: str | None = None, department: str | None = None) -> list[AlertView]:
    """Every alert escalated to the office that ``user`` may see, filtered by status ("open"/"closed"/None) and
    responsible department, newest first."""
    _, views = alert_service(app).page_alerts(user, status=status, department=department or None, escalated=True,
                                              supervision=True, limit=100_000)
    return views


def notes_of(view: AlertView) -> list[dict[str, Any]]:
    """The 督办意见 recorded on an alert (masked with the view)."""
    return [n for n in view.details.get("supervision") or [] if isinstance(n, dict)]


def rows(views: list[AlertView], now: datetime) -> list[dict[str, Any]]:
    out = []
    for v in views:
        notes = notes_of(v)
        row = alert_row(v, now)
        row["督办意见"] = len(notes)
        row["最近督办意见"] = str(notes[-1].get("text") or "")[:40] if notes else ""
        out.append(row)
    return out


def overdue_table(views: list[AlertView], now: datetime) -> list[dict[str, Any]]:
    """Per responsible department among the escalated alerts: still open, overdue, closed, 督办意见 given."""
    table: dict[str, dict[str, Any]] = {}
    for v in views:
        name = v.department or "（未分派）"
        r = table.setdefault(name, {"责任部门": name, "督办中": 0, "已超期": 0, "已办结": 0, "督办意见": 0})
        if v.status == "closed":
            r["已办结"] += 1
        else:
            r["督办中"] += 1
        r["已超期"] += v.is_overdue(now)
        r["督办意见"] += len(notes_of(v))
    return sorted(table.values(), key=lambda r: (-r["已超期"], -r["督办中"], r["责任部门"]))


def note_rows(views: list[AlertView]) -> list[dict[str, Any]]:
    """All 督办意见 on these alerts, newest first."""
    from yuqing.dashboard.textfmt import fmt_time

    out = []
    for v in views:
        for n in notes_of(v):
            at = n.get("at")
            out.append({"时间": fmt_time(datetime.fromisoformat(at)) if isinstance(at, str) else "",
                        "预警": v.id, "标题": v.title, "责任部门": n.get("department") or v.department or "（未分派）",
                        "督办意见": str(n.get("text") or ""), "提出人": str(n.get("by") or ""), "_at": at or ""})
    return sorted(out, key=lambda r: r["_at"], reverse=True)



#: The chart's parts, in stacking order, with their colours.
CHART_PARTS = (("已超期", "#d62728"), ("督办中（未超期）", "#ff9f40"), ("已办结", "#2ca02c"))


def overdue_chart_data(table: list[dict[str, Any]]) -> Any:
    """Per responsible department (rows): its escalated alerts overdue, still open in time, and closed."""
    import pandas as pd

    return pd.DataFrame([{"责任部门": r["责任部门"], "已超期": r["已超期"], "督办中（未超期）": r["督办中"] - r["已超期"],
                          "已办结": r["已办结"]} for r in table])
