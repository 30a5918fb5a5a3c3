"""Officers' corrections of what the NLP stage said about a post: topic, sentiment, responsible department.

A correction is stored with the post's text (personal details masked) so that ``yuqing train topic`` can use it as
a labelled example (yuqing.nlp.train.topic.officer_corrections) whatever later happens to the post. Correcting an alert
corrects its post — or, for an event's alert, every post of the event — and is written to the alert's audit log.
The stored analysis is not rewritten: it stays what the model said, the correction says what it should have said.
Only officers and administrators correct (the local system operator is an administrator).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from yuqing.model import Role, User
from yuqing.privacy import mask_pii
from yuqing.storage.base import Store

FIELD_LABELS = {"topic": "主题", "sentiment": "情感", "department": "责任部门"}
SENTIMENTS = {"negative": "负面", "neutral": "中性", "positive": "正面"}
MAX_EVENT_POSTS = 200


class CorrectionError(ValueError):
    """A correction that cannot be made; the message says why, in Chinese."""


def _doc_ids_of_alert(store: Store, alert_id: str) -> list[str]:
    alert = store.workflow.get_alert(alert_id)
    if alert is None:
        raise CorrectionError(f"预警「{alert_id}」不存在")
    if alert.details.get("doc_id"):
        return [alert.details["doc_id"]]
    event = store.documents.get_event(alert.event_id) if alert.event_id else None
    members = (event.state or {}).get("members") or {} if event else {}
    if not members:
        raise CorrectionError(f"预警「{alert_id}」没有关联的帖子，无法更正")
    return sorted(members, key=lambda i: members[i].get("t") or 0)[-MAX_EVENT_POSTS:]


def record_corrections(store: Store, user: User, *, now: datetime, doc_id: str | None = None,
                       alert_id: str | None = None, topic: str | None = None, sentiment: str | None = None,
                       department: str | None = None, topics: Iterable[str] = (),
                       departments: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Store the corrections given (any of topic/sentiment/department) for a post or an alert's posts.

    ``topics``: the allowed topic labels (the topic model's categories and 「其他」); ``departments``: the configured
    departments. Returns the stored corrections."""
    if user.role not in (Role.OFFICER, Role.ADMIN):
        raise CorrectionError(f"只有舆情专员或管理员可以更正分析结果（「{user.name}」的角色不是）")
    changes = {k: v for k, v in (("topic", topic), ("sentiment", sentiment), ("department", department)) if v is not None}
    if not changes:
        raise CorrectionError("请至少给出一项更正：--topic、--sentiment 或 --department")
    if (doc_id is None) == (alert_id is None):
        raise CorrectionError("请给出帖子编号或 --alert 预警编号（二者选一）")
    topics, departments = list(topics), list(departments)
    if "topic" in changes and changes["topic"] not in topics:
        raise CorrectionError(f"主题「{changes['topic']}」不在分类中（可选：{'、'.join(topics)}）")
    if "sentiment" in changes and changes["sentiment"] not in SENTIMENTS:
        raise CorrectionError(f"情感「{changes['sentiment']}」无效（可选："
                              + "、".join(f"{k}（{v}）" for k, v in SENTIMENTS.items()) + "）")
    if "department" in changes and changes["department"] not in departments:
        raise CorrectionError(f"部门「{changes['department']}」不在配置中（可选：{'、'.join(departments)}）")
    ids = [doc_id] if doc_id is not None else _doc_ids_of_alert(store, alert_id)
    docs = store.documents.get_documents(ids)
    if not docs:
        raise CorrectionError(f"帖子「{doc_id}」不存在" if doc_id is not None else f"预警「{alert_id}」的帖子已不存在")
    stored = []
    with store.workflow.transaction():
        for doc in docs:
            analysis = doc.analysis or {}
            old = {"topic": (analysis.get("topic") or {}).get("label"),
                   "sentiment": (analysis.get("sentiment") or {}).get("label"),
                   "department": analysis.get("department")}
            text = mask_pii("\n".join(part for part in (doc.title, doc.content) if part))
            for field, value in changes.items():
                row = {"doc_id": doc.id, "alert_id": alert_id, "field": field, "old_value": old[field],
                       "new_value": value, "text": text, "actor": user.name, "created_at": now}
                row["id"] = store.workflow.add_correction(row)
                stored.append(row)
        if alert_id is not None:
            from yuqing.model import AuditEntry

            alert = store.workflow.get_alert(alert_id)
            note = "更正分析结果：" + "，".join(f"{FIELD_LABELS[k]} → {v}" for k, v in changes.items()) + \
                   f"（{len(docs)} 条帖子，供重新训练）"
            store.workflow.append_audit(AuditEntry(alert_id=alert_id, actor=user.name, action="correct", at=now,
                                                   from_status=alert.status.value, to_status=alert.status.value,
                                                   note=note))
    return stored
