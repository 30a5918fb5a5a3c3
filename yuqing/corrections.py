"""Officers' corrections of what the NLP stage said about a post or an event: topic, sentiment, responsible
department, and 「不是问题」 (not an issue).

A correction applies at once (yuqing/correction_effects.py): the corrected values become the effective analysis
that every view and aggregate reads (``DocumentStore.relabel_documents``, the event's member labels and its
topic/department/sentiment counts), a department correction re-routes an alert not yet dispatched, and 「不是问题」
keeps the event or post out of hot lists and alerts. The model's values stay in the correction record
(``old_value``), with the post's text (personal details masked), so that ``yuqing train`` can use it as a labelled
example whatever later happens to the post (``yuqing corrections export``, :func:`training_examples`).
Correcting an alert corrects its post — or, for an event's alert, every post of the event (the latest
``MAX_EVENT_POSTS``) — and is written to the alert's audit log. Only officers and administrators correct (the
local system operator is an administrator).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from yuqing.model import OPEN_STATUSES, Alert, AuditEntry, Role, User
from yuqing.privacy import mask_pii
from yuqing.storage.base import Store, StoreError
from yuqing.workflow import PermissionDenied, WorkflowError

FIELD_LABELS = {"topic": "主题", "sentiment": "情感", "department": "责任部门", "not_issue": "不是问题"}
SENTIMENTS = {"negative": "负面", "neutral": "中性", "positive": "正面"}
MAX_EVENT_POSTS = 200
#: The stored value of a 「不是问题」 correction (its reason goes to the audit log and the not-issue mark).
NOT_ISSUE_VALUE = "true"


class CorrectionError(ValueError):
    """A correction that cannot be made; the message says why, in Chinese."""


@dataclass
class CorrectionOutcome:
    """What a correction stored and changed, and what the officer should still do (``notes``, Chinese)."""

    stored: list[dict[str, Any]] = field(default_factory=list)
    documents: int = 0
    events: list[str] = field(default_factory=list)
    alert_id: str | None = None
    notes: list[str] = field(default_factory=list)


def _members(store: Store, event_id: str) -> list[str]:
    event = store.documents.get_event(event_id)
    if event is None:
        raise CorrectionError(f"事件「{event_id}」不存在")
    members = (event.state or {}).get("members") or {}
    if not members:
        raise CorrectionError(f"事件「{event_id}」没有帖子，无法更正")
    return sorted(members, key=lambda i: members[i].get("t") or 0)[-MAX_EVENT_POSTS:]


def resolve_target(store: Store, *, doc_id: str | None, alert_id: str | None, event_id: str | None
                   ) -> tuple[list[str], Alert | None, str | None]:
    """(post ids, the alert, the event) a correction of a post, an alert or an event applies to."""
    if sum(x is not None for x in (doc_id, alert_id, event_id)) != 1:
        raise CorrectionError("请给出帖子编号、--alert 预警编号或 --event 事件编号（三者选一）")
    if doc_id is not None:
        return [doc_id], None, None
    if event_id is not None:
        return _members(store, event_id), store.workflow.open_alert_for_event(event_id), event_id
    alert = store.workflow.get_alert(alert_id)
    if alert is None:
        raise CorrectionError(f"预警「{alert_id}」不存在")
    if alert.event_id:
        return _members(store, alert.event_id), alert, alert.event_id
    ids = list(alert.details.get("doc_ids") or []) or ([alert.details["doc_id"]] if alert.details.get("doc_id") else [])
    if not ids:
        raise CorrectionError(f"预警「{alert_id}」没有关联的帖子，无法更正")
    return ids[:MAX_EVENT_POSTS], alert, None


def check_changes(user: User, *, topic: str | None, sentiment: str | None, department: str | None,
                  not_issue: str | None, topics: Iterable[str], departments: Iterable[str]) -> dict[str, str]:
    if user.role not in (Role.OFFICER, Role.ADMIN):
        raise CorrectionError(f"只有舆情专员或管理员可以更正分析结果（「{user.name}」的角色不是）")
    changes = {k: v for k, v in (("topic", topic), ("sentiment", sentiment), ("department", department)) if v}
    if not changes and not_issue is None:
        raise CorrectionError("请至少给出一项更正：--topic、--sentiment、--department 或 --not-issue")
    if not_issue is not None and not not_issue.strip():
        raise CorrectionError("标记「不是问题」必须说明理由（--not-issue 理由），理由将记入审计日志")
    topics, departments = list(topics), list(departments)
    if "topic" in changes and changes["topic"] not in topics:
        raise CorrectionError(f"主题「{changes['topic']}」不在分类中（可选：{'、'.join(topics)}）")
    if "sentiment" in changes and changes["sentiment"] not in SENTIMENTS:
        raise CorrectionError(f"情感「{changes['sentiment']}」无效（可选："
                              + "、".join(f"{k}（{v}）" for k, v in SENTIMENTS.items()) + "）")
    if "department" in changes and changes["department"] not in departments:
        raise CorrectionError(f"部门「{changes['department']}」不在配置中（可选：{'、'.join(departments)}）")
    return changes


def record_corrections(store: Store, user: User, *, now: datetime, doc_id: str | None = None,
                       alert_id: str | None = None, event_id: str | None = None, topic: str | None = None,
                       sentiment: str | None = None, department: str | None = None, not_issue: str | None = None,
                       topics: Iterable[str] = (), departments: Iterable[str] = ()) -> CorrectionOutcome:
    """Store and apply the corrections given for a post, an alert's posts or an event's posts, in one transaction.

    ``topics``: the allowed topic labels (the topic model's categories and 「其他」); ``departments``: the configured
    departments; ``not_issue``: the reason the post or event is not an issue. Closing an open alert that is not
    an issue is the workflow's job (:func:`correct` does both)."""
    from yuqing.correction_effects import apply_labels, mark_not_issue, reroute

    changes = check_changes(user, topic=topic, sentiment=sentiment, department=department, not_issue=not_issue,
                            topics=topics, departments=departments)
    ids, alert, event = resolve_target(store, doc_id=doc_id, alert_id=alert_id, event_id=event_id)
    docs = store.documents.get_documents(ids)
    if not docs:
        raise CorrectionError(f"帖子「{doc_id}」不存在" if doc_id is not None else "要更正的帖子已不存在")
    out = CorrectionOutcome(documents=len(docs), alert_id=alert.id if alert else None)
    fields = {**changes, **({"not_issue": NOT_ISSUE_VALUE} if not_issue is not None else {})}
    with store.workflow.transaction():
        for doc in docs:
            analysis = doc.analysis or {}
            old = {"topic": (analysis.get("topic") or {}).get("label"),
                   "sentiment": (analysis.get("sentiment") or {}).get("label"),
                   "department": analysis.get("department"), "not_issue": None}
            text = mask_pii("\n".join(part for part in (doc.title, doc.content) if part))
            for name, value in fields.items():
                row = {"doc_id": doc.id, "alert_id": alert.id if alert else None, "field": name,
                       "old_value": old[name], "new_value": value, "text": text, "actor": user.name,
                       "created_at": now}
                row["id"] = store.workflow.add_correction(row)
                out.stored.append(row)
        out.events = apply_labels(store, docs, changes, now) if changes else []
        if not_issue is not None:
            mark_not_issue(store, user, now, not_issue.strip(), event_id=event, doc_ids=[d.id for d in docs])
        if alert is not None:
            note = "更正分析结果：" + "，".join(f"{FIELD_LABELS[k]} → {v}" for k, v in changes.items())
            if not_issue is not None:
                note += ("，" if changes else "") + f"不是问题（{mask_pii(not_issue.strip())}）"
            note += f"（{len(docs)} 条帖子，供重新训练）"
            if "department" in changes:
                note += reroute(store, user, alert, changes["department"], now, out.notes)
            store.workflow.append_audit(AuditEntry(alert_id=alert.id, actor=user.name, action="correct", at=now,
                                                   from_status=alert.status.value, to_status=alert.status.value,
                                                   note=note))
    return out


def correct(app: Any, user: User, *, now: datetime, topics: Iterable[str], **target_and_values: Any
            ) -> CorrectionOutcome:
    """:func:`record_corrections`, then — for 「不是问题」 — the alert's 办结 through the workflow (the same action,
    checks and audit entry as an officer's own 办结), with the reason."""
    departments = [d.name for d in app.config.departments if not d.supervisor]
    out = record_corrections(app.store, user, now=now, topics=topics, departments=departments, **target_and_values)
    reason = target_and_values.get("not_issue")
    alert = app.store.workflow.get_alert(out.alert_id) if out.alert_id and reason else None
    if alert is not None and alert.status in OPEN_STATUSES:
        try:
            app.alerts.act(user, alert.id, "close", note=f"不是问题：{reason.strip()}", now=now)
            out.notes.append(f"预警 {alert.id} 已办结（不是问题）")
        except (PermissionDenied, WorkflowError, StoreError) as exc:  # Chinese messages; the correction stands
            out.notes.append(f"预警 {alert.id} 未能办结：{exc}")
    return out


# -- training data ------------------------------------------------------------------------------------------------
def export_rows(store: Store) -> list[dict[str, Any]]:
    """The corrections as training data: the latest per (post, field), oldest first — ``text`` (masked), ``field``
    (topic, sentiment, department, not_issue), ``label`` (the officer's), ``model_label`` (what the model said)."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for c in store.workflow.list_corrections():
        latest.pop((c["doc_id"], c["field"]), None)
        latest[(c["doc_id"], c["field"])] = c
    return [{"doc_id": c["doc_id"], "field": c["field"],
             "label": True if c["field"] == "not_issue" else c["new_value"], "model_label": c["old_value"],
             "text": c["text"], "actor": c["actor"], "corrected_at": c["created_at"].isoformat()}
            for c in latest.values()]


def training_examples(rows: Iterable[dict[str, Any]], field_name: str) -> list[tuple[str, str]]:
    """(text, label) pairs of one field from exported rows (:func:`export_rows` or a file of them)."""
    return [(str(r["text"]), str(r["label"])) for r in rows if r.get("field") == field_name and r.get("text")]


def read_export(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a ``yuqing corrections export`` file; a bad line is an error naming the line."""
    rows = []
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorrectionError(f"人工更正文件 {path} 不存在（先用 yuqing corrections export --out {path} 导出）") from None
    except UnicodeDecodeError:
        raise CorrectionError(f"人工更正文件 {path} 不是 UTF-8 文本") from None
    except OSError:
        raise CorrectionError(f"无法读取人工更正文件 {path}（不是文件或没有读取权限）") from None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorrectionError(f"{path} 第 {n} 行不是有效的 JSON（第 {exc.colno} 列）") from None
        if not isinstance(row, dict) or not {"field", "label", "text"} <= set(row):
            raise CorrectionError(f"{path} 第 {n} 行缺少 field、label 或 text")
        rows.append(row)
    return rows
