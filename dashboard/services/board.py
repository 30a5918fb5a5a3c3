"""Read-side queries of the heat board and the department desk: daily counts, distributions, the hottest events,
keywords and the department league. Aggregation happens in the store; here we only shape the results (see
:mod:`yuqing.dashboard.services.queries`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from yuqing.dashboard.services.queries import SENTIMENT_LABELS, alert_counts, masked
from yuqing.clock import TZ, day_start
from yuqing.storage.base import DocumentFilter


# -- heat board ---------------------------------------------------------------------------------------------------
def day_range(d: date, days: int = 1) -> tuple[datetime, datetime]:
    start = day_start(d)
    return start, start + timedelta(days=days)


def overview(app: Any, now: datetime) -> dict[str, Any]:
    docs = app.store.documents
    today = now.astimezone(TZ).date()
    t0, t1 = day_range(today)
    y0, _ = day_range(today - timedelta(days=1))
    rows = {r["day"]: r for r in docs.count_by_day(DocumentFilter(since=y0, until=t1))}
    cur = rows.get(today.isoformat(), {"total": 0, "negative": 0})
    prev = rows.get((today - timedelta(days=1)).isoformat(), {"total": 0, "negative": 0})
    counts = alert_counts(app, now)
    league = app.store.workflow.department_league(since=now - timedelta(days=30))
    answered = sum(r["responded"] or 0 for r in league)
    on_time = sum(r["on_time"] or 0 for r in league)
    return {
        "today": cur["total"] or 0,
        "yesterday": prev["total"] or 0,
        "negative_share": (cur["negative"] or 0) / cur["total"] if cur["total"] else 0.0,
        "negative_share_yesterday": (prev["negative"] or 0) / prev["total"] if prev["total"] else 0.0,
        "open_alerts": counts["open"],
        "overdue_alerts": counts["overdue"],
        "new_alerts": counts["new"],
        "on_time_rate": on_time / answered if answered else None,
        "answered_30d": answered,
    }


def trend(app: Any, since: datetime, until: datetime, *, topic: str | None = None, region: str | None = None,
          scheme: str | None = None) -> list[dict[str, Any]]:
    """[{day, total, negative, neutral, positive}], every day in the range present (zeros filled); with ``scheme``,
    only the documents that 监测方案 matched."""
    rows = {r["day"]: r for r in app.store.documents.count_by_day(
        DocumentFilter(since=since, until=until, topic=topic, region=region, scheme=scheme))}
    out = []
    d = since.astimezone(TZ).date()
    last = (until - timedelta(microseconds=1)).astimezone(TZ).date()
    while d <= last:
        r = rows.get(d.isoformat(), {})
        out.append({"day": d.isoformat(), **{k: int(r.get(k) or 0) for k in ("total", "negative", "neutral", "positive")}})
        d += timedelta(days=1)
    return out


def distribution(app: Any, field: str, since: datetime, until: datetime, limit: int = 12, *, scheme: str | None = None
                 ) -> list[tuple[str, int]]:
    rows = app.store.documents.count_by(field, DocumentFilter(since=since, until=until, scheme=scheme), limit=limit)
    if field == "sentiment":
        rows = [(SENTIMENT_LABELS.get(k, k), n) for k, n in rows]
    return rows


def top_events(app: Any, now: datetime, *, days: int = 7, limit: int = 10) -> list[dict[str, Any]]:
    from yuqing.correction_effects import hot_events
    from yuqing.dashboard.textfmt import pct
    from yuqing.views import build_event_view

    since = now - timedelta(days=days)
    events = hot_events(app.store, limit=limit, since=since)  # 「不是问题」 events left out
    start = day_start(since.astimezone(TZ).date())
    series = app.store.documents.event_daily_counts([e.id for e in events], DocumentFilter(since=start))
    out = []
    for e in events:
        counts = dict(series.get(e.id, []))
        trend_list = [counts.get((start.date() + timedelta(days=i)).isoformat(), 0) for i in range(days + 1)]
        out.append({
            "id": e.id, "事件": masked(e.title), "热度": round(e.heat, 1), "文档数": e.doc_count, "来源数": e.source_count,
            "负面": e.negative, "主题": e.topic or "", "地区": e.region or "", "责任部门": e.department or "",
            "关键词": "、".join(masked(k) for k in e.keywords[:5]), "走势": trend_list,
            "情绪": "、".join(f"{k} {pct(v)}" for k, v in list(build_event_view(e).emotions.items())[:3]),
            "最近出现": e.last_seen.astimezone(TZ).strftime("%m-%d %H:%M") if e.last_seen else "",
            "_heat_parts": dict(e.heat_parts),
        })
    return out


def keywords(app: Any, since: datetime, until: datetime, limit: int = 80) -> list[tuple[str, int]]:
    return app.store.documents.top_keywords(DocumentFilter(since=since, until=until), limit=limit)


def league(app: Any, since: datetime | None) -> list[dict[str, Any]]:
    """Department league: reply rate, on-time rate, average hours to respond, satisfaction."""
    out = []
    for r in app.store.workflow.department_league(since=since):
        alerts, responded = r["alerts"] or 0, r["responded"] or 0
        rated = (r["satisfied"] or 0) + (r["basically_satisfied"] or 0) + (r["dissatisfied"] or 0)
        out.append({
            "部门": r["department"], "预警数": alerts, "已回应": responded,
            "回应率": round(responded / alerts, 3) if alerts else None,
            "按时率": round((r["on_time"] or 0) / responded, 3) if responded else None,
            "平均回应时长（小时）": round(r["avg_hours"], 1) if r["avg_hours"] is not None else None,
            "满意度": round(((r["satisfied"] or 0) + 0.5 * (r["basically_satisfied"] or 0)) / rated, 3) if rated else None,
            "满意": r["satisfied"] or 0, "基本满意": r["basically_satisfied"] or 0, "不满意": r["dissatisfied"] or 0,
            "被督办": r["escalated"] or 0,
        })
    out.sort(key=lambda x: (-(x["按时率"] or 0), -(x["回应率"] or 0), x["部门"]))
    return out


# -- department desk ----------------------------------------------------------------------------------------------
def department_stats(app: Any, department: str, now: datetime) -> dict[str, Any]:
    row = next((r for r in league(app, None) if r["部门"] == department), None)
    counts = alert_counts(app, now, department=department)
    return {"league": row, **counts}
