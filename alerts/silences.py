"""Silences: a time-boxed stop on alerts from a rule, source, keyword or event (silenced findings create no alert
and no notification; see :func:`yuqing.alerts.engine.silence_matches`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from yuqing.model import Role, User
from yuqing.workflow import PermissionDenied, WorkflowError


def silence_record(user: User, *, rule: str | None, source: str | None, keyword: str | None,
                   event_id: str | None, hours: float, reason: str, now: datetime,
                   doc_source: str | None = None) -> dict[str, Any]:
    if user.role not in (Role.ADMIN, Role.OFFICER):
        raise PermissionDenied(f"「{user.name}」无权设置静默（需要：舆情专员或管理员）")
    source = source or doc_source
    if not any((rule, source, keyword, event_id)):
        raise WorkflowError("静默至少要指定规则、来源、关键词或事件之一")
    if not (0 < hours <= 24 * 30):
        raise WorkflowError(f"静默时长应在 0–720 小时之间，实际为 {hours}")
    if not (reason or "").strip():
        raise WorkflowError("静默必须说明理由")
    return {"rule": rule, "source": source, "keyword": keyword, "event_id": event_id, "starts_at": now,
            "ends_at": now + timedelta(hours=hours), "created_by": user.name, "reason": reason.strip()}
