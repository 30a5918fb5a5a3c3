"""The read model: typed, frozen views of alerts, events, documents, responses, deliveries and notifications.

Every output (CLI text and JSON, dashboard pages, reports, notifications, log lines) renders these views and never a
domain object, so personal information is masked in exactly one place: when a view is built. Free text (titles,
reasons, posts, replies, notes, reasons typed by users) goes through :func:`yuqing.privacy.mask_pii`; a post's author
through :func:`yuqing.privacy.mask_name`. Raw text leaves the store only through :class:`RawText`, which the alerts
service hands out for an audited 「查看原文」.

Kernel module: imports only the kernel (model, clock, vocab; masking and sub-views: :mod:`yuqing.viewparts`). The
stages that build views (alerts, dashboard) pass in what only they know (deadline labels, the available actions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

from yuqing.clock import iso
from yuqing.model import STATUS_LABELS, Alert, Assignment, AuditEntry, Document, Event, Response
from yuqing.viewparts import (
    EXTENSION_STATUS, DeadlineView, ExtensionView, ReturnView, _mask_deep, _plain, _time, masked, masked_author,
    social_view)
from yuqing.vocab import LEVEL_LABELS, emotion_shares

#: Roles that may open 「查看原文」 (raw, unmasked text), each time with a reason that is audited. Departments and
#: leaders see masked text only: the office that handles citizens' requests (舆情专员, 管理员) decides who needs
#: the contact details and passes them on.
REVEAL_ROLES = frozenset({"officer", "admin"})

TEXT_CAP = 3000  # characters of a post's text kept in a view (the page shows no more)


# -- alerts -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AlertView:
    id: str
    title: str
    reason: str
    level: int
    level_label: str
    status: str
    status_label: str
    department: str | None
    rule: str
    event_id: str | None
    policy: str | None
    deadlines: tuple[DeadlineView, ...]
    escalated: bool
    escalated_to: str | None
    rating: str | None
    version: int
    created_at: datetime | None
    updated_at: datetime | None
    dispatched_at: datetime | None
    extension: ExtensionView | None = None
    returns: tuple[ReturnView, ...] = ()
    rule_type: str | None = None
    source: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)  # the rule's numbers, level history …, strings masked

    @property
    def due_at(self) -> datetime | None:
        return min((d.due for d in self.deadlines), default=None)

    @property
    def deadlines_text(self) -> dict[str, str]:
        return {d.label: d.text for d in self.deadlines}

    @property
    def awaiting_answer(self) -> bool:
        return self.status in {"dispatched", "accepted", "returned", "reopened"}

    def is_overdue(self, now: datetime) -> bool:
        due = self.due_at
        return due is not None and self.awaiting_answer and due < now

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "reason": self.reason, "level": self.level,
            "level_label": self.level_label, "status": self.status, "status_label": self.status_label,
            "department": self.department, "rule": self.rule, "event_id": self.event_id, "policy": self.policy,
            "deadlines": {d.name: iso(d.due) for d in self.deadlines}, "deadlines_text": self.deadlines_text,
            "deadlines_provisional": {d.name: list(d.provisional_years) for d in self.deadlines if d.provisional},
            "extension": self.extension.status if self.extension else None,
            "escalated": self.escalated, "escalated_to": self.escalated_to, "rating": self.rating,
            "version": self.version, "created_at": iso(self.created_at), "updated_at": iso(self.updated_at),
            "dispatched_at": iso(self.dispatched_at),
            "returns": [{"by": r.by, "department": r.department, "at": iso(r.at), "reason": r.reason}
                        for r in self.returns],
            "details": _plain(self.details),
        }


def build_alert_view(alert: Alert, *, level_labels: Mapping[int, str] | None = None,
                     deadline_label: Callable[[str], str] | None = None,
                     provisional: Mapping[str, tuple[int, ...]] | None = None) -> AlertView:
    """The one place an alert's text is masked for display (``provisional``: deadline name → years without an
    official arrangement, from ``yuqing.alerts.deadlines.provisional_deadlines``)."""
    labels = level_labels or LEVEL_LABELS
    label_of = deadline_label or (lambda n: n)
    d = alert.details or {}
    ext = d.get("extension") or None
    ext_view = None
    if ext:
        def first(value: Any) -> datetime | None:
            if isinstance(value, Mapping):
                times = [t for t in (_time(v) for v in value.values()) if t]
                return min(times) if times else None
            return _time(value)

        ext_view = ExtensionView(
            status=str(ext.get("status") or ""), status_label=EXTENSION_STATUS.get(ext.get("status"), str(ext.get("status"))),
            requested_by=str(ext.get("requested_by") or ""), requested_at=_time(ext.get("requested_at")),
            reason=masked(ext.get("reason")), working_days=ext.get("working_days"),
            original=first(ext.get("original")), extended=first(ext.get("granted") or ext.get("proposed")),
            decided_by=str(ext.get("decided_by") or ""), decided_at=_time(ext.get("decided_at")),
            decision_note=masked(ext.get("decision_note")))
    returns = tuple(ReturnView(by=str(r.get("by") or ""), department=str(r.get("department") or ""),
                               at=_time(r.get("at")), reason=masked(r.get("reason")))
                    for r in d.get("returned") or [] if isinstance(r, Mapping))
    return AlertView(
        id=alert.id, title=masked(alert.title), reason=masked(alert.reason), level=alert.level,
        level_label=labels.get(alert.level, str(alert.level)), status=alert.status.value,
        status_label=STATUS_LABELS.get(alert.status, alert.status.value), department=alert.department,
        rule=alert.rule, event_id=alert.event_id, policy=alert.policy,
        deadlines=tuple(DeadlineView(n, label_of(n), due, tuple((provisional or {}).get(n, ())))
                        for n, due in sorted(alert.deadlines.items(), key=lambda kv: kv[1])),
        escalated=bool(alert.escalated), escalated_to=d.get("escalated_to"), rating=alert.rating,
        version=alert.version, created_at=alert.created_at, updated_at=alert.updated_at,
        dispatched_at=alert.dispatched_at, extension=ext_view, returns=returns, rule_type=d.get("rule_type"),
        source=d.get("source"), details=_mask_deep(dict(d)))


# -- documents and events -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DocumentView:
    id: str
    title: str
    text: str
    snippet: str
    url: str
    source: str
    published_at: datetime | None
    author: str
    region: str | None
    sentiment: str | None  # negative / neutral / positive
    topic: str | None
    likes: int
    replies: int
    views: int
    reply: str | None
    reply_department: str | None
    reply_quality: Mapping[str, Any] | None
    social: "SocialView | None" = None  # shares and the author's account, masked (yuqing.viewparts.social_view)

    def to_dict(self) -> dict[str, Any]:
        return {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}


def build_document_view(doc: Document) -> DocumentView:
    a = doc.analysis or {}
    text = a.get("text") or doc.content or ""
    quality = a.get("reply_quality")
    return DocumentView(
        id=doc.id, title=masked(doc.title), text=masked(text[:TEXT_CAP]), snippet=masked(text[:200]), url=doc.url,
        source=doc.source, published_at=doc.published_at or doc.fetched_at, author=masked_author(doc.author),
        region=doc.region, sentiment=(a.get("sentiment") or {}).get("label"), topic=(a.get("topic") or {}).get("label"),
        likes=doc.likes, replies=doc.replies, views=doc.views, social=social_view(doc),
        reply=masked(doc.reply.text) if doc.reply else None,
        reply_department=doc.reply.department if doc.reply else None,
        reply_quality=_mask_deep(dict(quality)) if isinstance(quality, Mapping) else None)


@dataclass(frozen=True)
class EventView:
    id: str
    title: str
    keywords: tuple[str, ...]
    region: str | None
    topic: str | None
    department: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    doc_count: int
    source_count: int
    negative: int
    heat: float
    heat_parts: Mapping[str, float] = field(default_factory=dict)
    emotions: Mapping[str, float] = field(default_factory=dict)  # Chinese emotion label → share of the event's posts

    def to_dict(self) -> dict[str, Any]:
        return {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}


def build_event_view(event: Event) -> EventView:
    return EventView(id=event.id, title=masked(event.title), keywords=tuple(masked(k) for k in event.keywords),
                     region=event.region, topic=event.topic, department=event.department,
                     first_seen=event.first_seen, last_seen=event.last_seen, doc_count=event.doc_count,
                     source_count=event.source_count, negative=event.negative, heat=float(event.heat or 0.0),
                     heat_parts=dict(event.heat_parts or {}), emotions=emotion_shares(event.state))


@dataclass(frozen=True)
class EventLogView:
    at: datetime | None
    action: str
    details: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"at": iso(self.at), "action": self.action, "details": _plain(self.details)}


def build_event_log_view(entry: Mapping[str, Any]) -> EventLogView:
    return EventLogView(at=_time(entry.get("at")), action=str(entry.get("action") or ""),
                        details=_mask_deep(dict(entry.get("details") or {})))


# -- the response loop --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResponseView:
    id: int | None
    department: str
    author: str
    text: str
    link: str | None
    created_at: datetime
    rating: str | None
    rated_by: str | None
    rated_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}


def build_response_view(r: Response) -> ResponseView:
    return ResponseView(id=r.id, department=r.department, author=r.author, text=masked(r.text), link=r.link,
                        created_at=r.created_at, rating=r.rating, rated_by=r.rated_by, rated_at=r.rated_at)


@dataclass(frozen=True)
class AuditView:
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}


def build_audit_view(e: AuditEntry) -> AuditView:
    return AuditView(at=e.at, actor=e.actor, action=e.action, from_status=e.from_status, to_status=e.to_status,
                     note=masked(e.note))


@dataclass(frozen=True)
class AssignmentView:
    department: str
    assigned_by: str
    assigned_at: datetime
    note: str
    active: bool

    def to_dict(self) -> dict[str, Any]:
        return {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}


def build_assignment_view(a: Assignment) -> AssignmentView:
    return AssignmentView(department=a.department, assigned_by=a.assigned_by, assigned_at=a.assigned_at,
                          note=masked(a.note), active=bool(a.active))


@dataclass(frozen=True)
class DeliveryView:
    id: Any
    channel: str
    target: str
    kind: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime | None
    delivered_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}


def build_delivery_view(d: Mapping[str, Any]) -> DeliveryView:
    return DeliveryView(id=d.get("id"), channel=str(d.get("channel") or ""), target=str(d.get("target") or ""),
                        kind=str(d.get("kind") or ""), status=str(d.get("status") or ""),
                        attempts=int(d.get("attempts") or 0), last_error=masked(d.get("last_error")),
                        created_at=_time(d.get("created_at")), delivered_at=_time(d.get("delivered_at")))


@dataclass(frozen=True)
class AlertDetailView:
    alert: AlertView
    event: EventView | None
    documents: tuple[DocumentView, ...]
    audit: tuple[AuditView, ...]
    responses: tuple[ResponseView, ...]
    assignments: tuple[AssignmentView, ...]
    deliveries: tuple[DeliveryView, ...]
    event_log: tuple[EventLogView, ...]
    flags: Mapping[str, Any]
    actions: tuple[str, ...]
    can_reveal: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"alert": self.alert.to_dict(), "summary": self.alert.to_dict(),
                "event": self.event.to_dict() if self.event else None,
                "documents": [d.to_dict() for d in self.documents], "audit": [a.to_dict() for a in self.audit],
                "responses": [r.to_dict() for r in self.responses],
                "assignments": [a.to_dict() for a in self.assignments],
                "deliveries": [d.to_dict() for d in self.deliveries],
                "event_log": [e.to_dict() for e in self.event_log], "flags": _plain(self.flags),
                "actions": list(self.actions), "extension": self.alert.extension.to_dict() if self.alert.extension else None,
                "can_reveal": self.can_reveal}


# -- raw text (查看原文) ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RawDocument:
    id: str
    title: str
    text: str
    author: str
    reply: str


@dataclass(frozen=True)
class RawText:
    """Unmasked text of one alert, handed out only by the audited 「查看原文」 action."""

    alert_id: str
    title: str
    reason: str
    documents: tuple[RawDocument, ...]
    responses: tuple[str, ...]
    returns: tuple[str, ...]
    revealed_by: str
    revealed_at: datetime
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"alert_id": self.alert_id, "title": self.title, "reason": self.reason,
                "documents": [vars_of(d) for d in self.documents], "responses": list(self.responses),
                "returns": list(self.returns), "revealed_by": self.revealed_by,
                "revealed_at": iso(self.revealed_at), "why": self.why}


def vars_of(view: Any) -> dict[str, Any]:
    return {k: _plain(getattr(view, k)) for k in view.__dataclass_fields__}


# -- notifications ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NotificationView:
    """One queued notification: what every channel renders. Stored as its payload (already masked)."""

    kind: str
    alert: Mapping[str, Any]  # AlertView.to_dict()
    message: str
    at: str
    link: str
    format: str = "generic"

    def to_payload(self) -> dict[str, Any]:
        return {"kind": self.kind, "alert": dict(self.alert), "message": self.message, "at": self.at,
                "link": self.link, "format": self.format, "masked": True}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> "NotificationView":
        alert = dict(payload.get("alert") or {})
        message = str(payload.get("message") or "")
        if not payload.get("masked"):  # queued before the read model: mask what it quotes now
            alert = {**alert, "title": masked(alert.get("title")), "reason": masked(alert.get("reason"))}
            message = masked(message)
        return cls(kind=str(payload.get("kind") or ""), alert=alert, message=message, at=str(payload.get("at") or ""),
                   link=str(payload.get("link") or ""), format=str(payload.get("format") or "generic"))


def build_notification_view(alert: AlertView, kind: str, message: str, at: datetime, link: str,
                            fmt: str = "generic") -> NotificationView:
    summary = {k: v for k, v in alert.to_dict().items() if k != "details"}  # a message, not the rule's workings
    return NotificationView(kind=kind, alert=summary, message=masked(message), at=at.isoformat(), link=link,
                            format=fmt)


__all__ = [
    "AlertDetailView", "AlertView", "AssignmentView", "AuditView", "DeadlineView", "DeliveryView", "DocumentView",
    "EventLogView", "EventView", "ExtensionView", "NotificationView", "REVEAL_ROLES", "RawDocument", "RawText",
    "ResponseView", "ReturnView", "build_alert_view", "build_assignment_view", "build_audit_view",
    "build_delivery_view", "build_document_view", "build_event_log_view", "build_event_view",
    "build_notification_view", "build_response_view", "masked", "masked_author",
]
from yuqing.views_search import SearchHitView, SearchResultView  # noqa: E402,F401  search views: own module, same read model
