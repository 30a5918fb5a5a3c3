"""Corrections from the dashboard (the alert page and the 分析更正 page): the same kernel service as
``yuqing correct`` (yuqing/corrections.py), which checks the role, applies the correction at once, audits it and
keeps it for training. Each action returns ``(ok, message)`` with a Chinese message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from yuqing.corrections import FIELD_LABELS, SENTIMENTS, CorrectionError, correct as _correct
from yuqing.correction_effects import not_issue
from yuqing.model import User
from yuqing.storage.base import DocumentFilter
from yuqing.workflow import PermissionDenied, WorkflowError

OTHER_TOPIC = "其他"
CORRECTOR_ROLES = frozenset({"officer", "admin"})


def may_correct(user: User) -> bool:
    return user.role.value in CORRECTOR_ROLES


def topic_choices(app: Any) -> list[str]:
    """The topic labels an officer may choose: the departments' topics (the taxonomy the routing uses), the labels
    the topic stage wrote, and 「其他」. (The dashboard may not import the NLP stage for its category list.)"""
    labels = {t for d in app.config.departments for t in d.topics}
    labels |= {k for k, _ in app.store.documents.count_by("topic", DocumentFilter(), limit=50) if k}
    labels.discard(OTHER_TOPIC)
    return sorted(labels) + [OTHER_TOPIC]


def department_choices(app: Any) -> list[str]:
    return [d.name for d in app.config.departments if not d.supervisor]


def sentiment_choices() -> dict[str, str]:
    return dict(SENTIMENTS)


def correct(app: Any, user: User, *, now: datetime, doc_id: str | None = None, alert_id: str | None = None,
            event_id: str | None = None, topic: str | None = None, sentiment: str | None = None,
            department: str | None = None, not_issue_reason: str | None = None) -> tuple[bool, str]:
    from yuqing.storage.base import StoreError

    try:
        out = _correct(app, user, now=now, topics=topic_choices(app), doc_id=doc_id, alert_id=alert_id,
                       event_id=event_id, topic=topic or None, sentiment=sentiment or None,
                       department=department or None, not_issue=not_issue_reason)
    except (CorrectionError, PermissionDenied, WorkflowError, StoreError) as exc:
        return False, str(exc)
    done = [f"{FIELD_LABELS[k]} → {SENTIMENTS.get(v, v)}" for k, v in
            (("topic", topic), ("sentiment", sentiment), ("department", department)) if v]
    if not_issue_reason is not None:
        done.append("不是问题")
    return True, f"已更正 {out.documents} 条帖子（{'，'.join(done)}），已立即生效并记入审计" + "".join(
        f"；{n}" for n in out.notes)


def not_issue_note(app: Any, *, event_id: str | None = None, doc_id: str | None = None) -> str | None:
    mark = not_issue(app.store, event_id=event_id, doc_id=doc_id)
    return f"已由 {mark['by']} 标记为「不是问题」：{mark['reason']}" if mark else None


def recent_rows(app: Any, limit: int = 100) -> list[dict[str, Any]]:
    """The latest corrections, newest first (no post text: the post is one click away, masked)."""
    from yuqing.dashboard.textfmt import fmt_time

    rows = app.store.workflow.list_corrections()[-limit:]
    return [{"时间": fmt_time(r["created_at"]), "更正人": r["actor"], "帖子": r["doc_id"][:12],
             "预警": r["alert_id"] or "", "项目": FIELD_LABELS.get(r["field"], r["field"]),
             "原值": "" if r["field"] == "not_issue" else SENTIMENTS.get(r["old_value"], r["old_value"] or "（无）"),
             "更正为": "不是问题" if r["field"] == "not_issue" else SENTIMENTS.get(r["new_value"], r["new_value"])}
            for r in reversed(rows)]


def events_to_correct(app: Any, now: datetime, *, days: int = 7, limit: int = 50) -> list[dict[str, Any]]:
    """The hot events of the last ``days`` (those marked 「不是问题」 already left out), as rows to pick from."""
    from datetime import timedelta

    from yuqing.correction_effects import hot_events
    from yuqing.views import build_event_view

    out = []
    for e in hot_events(app.store, limit=limit, since=now - timedelta(days=days)):
        v = build_event_view(e)
        out.append({"id": v.id, "事件": v.title, "热度": round(v.heat, 1), "帖子数": v.doc_count, "主题": v.topic or "",
                    "责任部门": v.department or "", "负面": v.negative})
    return out


def post_to_correct(app: Any, doc_id: str) -> Any:
    """The masked view of one post by its id (or None)."""
    from yuqing.views import build_document_view

    doc = app.store.documents.get_document(doc_id.strip()) if doc_id.strip() else None
    return (build_document_view(doc), (doc.analysis or {}).get("department")) if doc and doc.analysis else None
