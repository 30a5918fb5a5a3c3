"""What a correction changes at once (yuqing/corrections.py records it).

- Labels: the posts' effective topic/sentiment/department (``DocumentStore.relabel_documents``), and in each event
  the members' labels (``state["members"][id]["to"/"se"/"de"]``) with the event's topic, department and sentiment
  counts recomputed from them the way the events stage computes them — so the events stage, which restores its
  state from the event, keeps the correction when the event grows.
- Routing: a department correction re-routes an alert no officer has dispatched yet; a dispatched alert stays
  where it is and the officer is told to 改派 (reassign) if the department should change.
- 「不是问题」: a mark per event and per post (``kv_state`` scope :data:`NOT_ISSUE_SCOPE`) that the alerts stage
  (no alert for a marked event or post) and the hot lists (:func:`hot_events`) read.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any, Iterable

from yuqing.model import AlertStatus, Document, Event, User
from yuqing.storage.base import Store

NOT_ISSUE_SCOPE = "corrections.not_issue"
_MEMBER_KEYS = {"topic": "to", "sentiment": "se", "department": "de"}


def _majority(values: Iterable[str | None]) -> str | None:
    counts = Counter(v for v in values if v)
    return counts.most_common(1)[0][0] if counts else None


def relabel_event(event: Event, labels: dict[str, dict[str, str]]) -> Event:
    """``event`` with its members' labels corrected and its topic, department and sentiment counts recomputed."""
    members = {k: dict(v) for k, v in ((event.state or {}).get("members") or {}).items()}
    for doc_id, changes in labels.items():
        if doc_id in members:
            members[doc_id].update({_MEMBER_KEYS[f]: v for f, v in changes.items()})
    sentiments = Counter(m.get("se") for m in members.values())
    return replace(event, state={**event.state, "members": members},
                   topic=_majority(m.get("to") for m in members.values()) or event.topic,
                   department=_majority(m.get("de") for m in members.values()) or event.department,
                   negative=sentiments.get("negative", 0), neutral=sentiments.get("neutral", 0),
                   positive=sentiments.get("positive", 0))


def apply_labels(store: Store, docs: list[Document], changes: dict[str, str], now: datetime) -> list[str]:
    """Write the corrected labels of ``docs`` and of their events; returns the events changed."""
    labels = {d.id: dict(changes) for d in docs}
    store.documents.relabel_documents(labels, now)
    events = []
    for event_id in sorted({d.event_id for d in docs if d.event_id}):
        event = store.documents.get_event(event_id)
        if event is not None and (event.state or {}).get("members"):
            events.append(relabel_event(event, labels))
    if events:
        # save_events stamps updated_at; heat and everything else stay as the events stage left them.
        store.documents.save_events(events, now)
    return [e.id for e in events]


def reroute(store: Store, user: User, alert: Any, department: str, now: datetime, notes: list[str]) -> str:
    """A department correction on ``alert``: re-route it while no officer has dispatched it; otherwise leave the
    dispatch to the officer (returned in ``notes``). Returns the text added to the correction's audit note."""
    if alert.department == department:
        return ""
    if alert.status is AlertStatus.NEW and alert.dispatched_at is None:
        current = store.workflow.get_alert(alert.id)
        store.workflow.update_alert(replace(current, department=department, updated_at=now), current.version)
        return f"；拟派部门由 {alert.department or '（无）'} 改为 {department}（尚未派发）"
    notes.append(f"预警 {alert.id} 已派发给 {alert.department or '（未分派）'}，如应由 {department} 办理，"
                 f"请在「办理」中选择「改派」")
    return f"；预警已派发给 {alert.department or '（未分派）'}，未自动改派"


def mark_not_issue(store: Store, user: User, now: datetime, reason: str, *, event_id: str | None,
                   doc_ids: list[str]) -> None:
    value = json.dumps({"by": user.name, "at": now.isoformat(), "reason": reason}, ensure_ascii=False)
    keys = [f"event:{event_id}"] if event_id else []
    keys += [f"doc:{d}" for d in doc_ids]
    for key in keys:
        store.workflow.set_state(NOT_ISSUE_SCOPE, key, value)


def not_issue(store: Store, *, event_id: str | None = None, doc_id: str | None = None) -> dict[str, Any] | None:
    """The 「不是问题」 mark of an event or a post ({by, at, reason}), or None."""
    for key in ([f"event:{event_id}"] if event_id else []) + ([f"doc:{doc_id}"] if doc_id else []):
        value = store.workflow.get_state(NOT_ISSUE_SCOPE, key)
        if value:
            return json.loads(value)
    return None


def hot_events(store: Store, *, limit: int, since: datetime | None = None) -> list[Event]:
    """The hottest events since ``since`` (``list_events`` by heat), leaving out those marked 「不是问题」."""
    out: list[Event] = []
    fetch = limit
    while True:
        events = store.documents.list_events(limit=fetch, since=since, order="heat")
        out = [e for e in events if not_issue(store, event_id=e.id) is None]
        if len(out) >= limit or len(events) < fetch:
            return out[:limit]
        fetch *= 2



def standing_labels(store: Store) -> dict[str, dict[str, str]]:
    """Post id → the latest corrected topic/sentiment/department: what a re-analysis of the post must keep."""
    out: dict[str, dict[str, str]] = {}
    for c in store.workflow.list_corrections():
        if c["field"] in _MEMBER_KEYS:
            out.setdefault(c["doc_id"], {})[c["field"]] = c["new_value"]
    return out


def keep_corrections(results: list[tuple[str, dict[str, Any]]], labels: dict[str, dict[str, str]]) -> int:
    """Re-analysed posts keep an officer's correction over the model's new output (the model's value is kept in
    ``analysis["model_labels"]``). Returns how many results were overridden."""
    kept = 0
    for doc_id, analysis in results:
        fix = labels.get(doc_id)
        if not fix or "analysis_error" in analysis:
            continue
        model = {"topic": (analysis.get("topic") or {}).get("label"),
                 "sentiment": (analysis.get("sentiment") or {}).get("label"), "department": analysis.get("department")}
        for name, value in fix.items():
            if name == "department":
                analysis["department"] = value
            else:
                analysis[name] = {**(analysis.get(name) or {}), "label": value}
        analysis["model_labels"] = {k: v for k, v in model.items() if k in fix}
        kept += 1
    return kept
