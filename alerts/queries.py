"""The read side: every read returns views (yuqing.views), masked once, here. Visibility is decided here too, so
the CLI and the dashboard never re-check it on their own."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from yuqing.alerts.extensions import extendable_deadlines, extension_problem
from yuqing.alerts.monitor import flags
from yuqing.clock import now as clock_now
from yuqing.model import OPEN_STATUSES, Alert, AlertStatus, Role, User
from yuqing.privacy import mask_pii
from yuqing import views as V
from yuqing.workflow import ACTIONS, EXTENSION_ACTIONS, PermissionDenied, WorkflowError, check_action, check_not_own, \
    check_view

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext

S = AlertStatus


def available_actions(ctx: "AlertContext", user: User, alert: Alert, now: datetime) -> list[str]:
    """Actions ``user`` could take on ``alert`` now: roles and status, plus the extension's own conditions."""
    requested_by = (alert.details.get("extension") or {}).get("requested_by")
    author = next((r.author for r in reversed(ctx.wf.responses_for(alert.id)) if r.rating is None),
                  None) if alert.status is S.RESPONDED else None
    own = {"evaluate": author, "approve_extension": requested_by, "reject_extension": requested_by}
    return [a for a in ACTIONS if _allowed(user, alert, a)
            and (a not in EXTENSION_ACTIONS or not extension_problem(alert, a, now, extendable_deadlines(ctx, alert)))
            and _not_own(user, a, own.get(a)) and (a != "supervise" or may_supervise(ctx, user, alert))]


def may_supervise(ctx: "AlertContext", user: User, alert: Alert) -> bool:
    """督办意见: on an escalated alert, by the supervising office's accounts, officers and administrators."""
    return alert.escalated and (user.role is not Role.DEPARTMENT or is_supervisor_user(ctx, user))


def is_supervisor_user(ctx: "AlertContext", user: User) -> bool:
    """A 督查室 account: a department user of the department configured with ``supervisor = true``."""
    sup = ctx.supervisor()
    return user.role is Role.DEPARTMENT and sup is not None and user.department == sup.name


def can_view(ctx: "AlertContext", user: User, alert: Alert) -> bool:
    if not user.active:
        return False
    if is_supervisor_user(ctx, user) and alert.escalated:
        return True  # the supervising office sees everything escalated (督办) to it
    try:
        check_view(user, alert)
        return True
    except PermissionDenied:
        return False


def check_view_of(ctx: "AlertContext", user: User, alert: Alert) -> None:
    if not user.active:
        raise PermissionDenied(f"账号「{user.name}」已停用")
    if not can_view(ctx, user, alert):
        check_view(user, alert)  # raises with the message naming both departments
        raise PermissionDenied(f"「{user.name}」无权查看预警 {alert.id}")


def scope(ctx: "AlertContext", user: User, status: str | list[str] | None, department: str | None,
          supervision: bool = False) -> tuple[list[str] | str | None, str | None, bool]:
    """(status filter, department filter, supervisor scope) after the user's rights are applied. The supervising
    office sees other departments' alerts (those escalated to it) only when it asks for its supervision view
    (``supervision``); otherwise it is a department like any other."""
    if not user.active:
        raise PermissionDenied(f"账号「{user.name}」已停用")
    supervised = False
    if user.role is Role.DEPARTMENT:
        if supervision and is_supervisor_user(ctx, user):
            if department and department != user.department:
                supervised = True  # another department's alerts: only those escalated to the office
            else:
                supervised = department is None
        elif department and department != user.department:
            raise PermissionDenied(f"{user.department}的用户无权查看{department}的预警")
        if not supervised:
            department = user.department
    if status == "open":
        status = list(OPEN_STATUSES)
    for s in ([status] if isinstance(status, str) else status or []):
        if s not in {x.value for x in AlertStatus}:
            raise WorkflowError(f"状态「{s}」无效（可选：open、{'、'.join(x.value for x in AlertStatus)}）")
    return status, department, supervised


def filtered(ctx: "AlertContext", keep: Any, status: Any, department: str | None, level: int | None, since: datetime | None,
              until: datetime | None) -> list[Alert]:
    """Alerts matching the store filters and ``keep`` (the store has no filter on the escalation flag)."""
    out, offset = [], 0
    while True:
        _, page = ctx.wf.list_alerts(status=status, department=department, level=level, since=since, until=until,
                                      limit=500, offset=offset)
        out.extend(a for a in page if keep(a))
        if len(page) < 500:
            return out
        offset += 500


def list_alerts(ctx: "AlertContext", user: User, status: str | list[str] | None = None, department: str | None = None,
                level: int | None = None, since: datetime | None = None, until: datetime | None = None,
                limit: int = 100, offset: int = 0, escalated: bool | None = None, supervision: bool = False
                ) -> list[V.AlertView]:
    return page_alerts(ctx, user, status=status, department=department, level=level, since=since, until=until,
                       limit=limit, offset=offset, escalated=escalated, supervision=supervision)[1]


def page_alerts(ctx: "AlertContext", user: User, status: str | list[str] | None = None, department: str | None = None,
                level: int | None = None, since: datetime | None = None, until: datetime | None = None,
                limit: int = 100, offset: int = 0, escalated: bool | None = None, supervision: bool = False
                ) -> tuple[int, list[V.AlertView]]:
    """(total, one page of views) of the alerts ``user`` may see under these filters (``escalated``: only
    alerts that were, or were not, escalated to the supervising office; ``supervision``: the supervising office's
    view, its own alerts and everything escalated to it)."""
    user = ctx.current_user(user)
    status, department, supervised = scope(ctx, user, status, department, supervision)
    if supervised or escalated is not None:
        def keep(a: Alert) -> bool:
            visible = not supervised or a.escalated or a.department == user.department
            return visible and (escalated is None or a.escalated == escalated)

        found = filtered(ctx, keep, status, department, level, since, until)
        return len(found), [ctx.alert_view(a) for a in found[offset:offset + limit]]
    total, alerts = ctx.wf.list_alerts(status=status, department=department, level=level, since=since,
                                        until=until, limit=limit, offset=offset)
    return total, [ctx.alert_view(a) for a in alerts]


def overdue_by_department(ctx: "AlertContext", user: User, now: datetime) -> list[dict[str, Any]]:
    """Open and overdue alerts per responsible department, among the alerts ``user`` may see (督查室: its own
    and everything escalated to it; officers: all)."""
    _, views = page_alerts(ctx, user, status="open", limit=100_000, supervision=True)
    rows: dict[str, dict[str, Any]] = {}
    for v in views:
        r = rows.setdefault(v.department or "（未分派）", {"department": v.department or "（未分派）", "open": 0,
                                                          "overdue": 0, "escalated": 0})
        r["open"] += 1
        r["overdue"] += v.is_overdue(now)
        r["escalated"] += v.escalated
    return sorted(rows.values(), key=lambda r: (-r["overdue"], -r["escalated"], r["department"]))


def get_alert(ctx: "AlertContext", user: User, alert_id: str, now: datetime | None = None) -> V.AlertDetailView:
    user = ctx.current_user(user)
    alert = ctx.load(alert_id)
    check_view_of(ctx, user, alert)
    now = now or clock_now()
    event = ctx.store.documents.get_event(alert.event_id) if alert.event_id else None
    docs = documents(ctx, alert)
    event_log = ctx.store.documents.event_log(event.id) if event is not None else []
    return V.AlertDetailView(
        alert=ctx.alert_view(alert),
        event=V.build_event_view(event) if event else None,
        documents=tuple(_doc_view(d) for d in docs),
        audit=tuple(V.build_audit_view(e) for e in ctx.wf.audit_for(alert.id)),
        responses=tuple(V.build_response_view(r) for r in ctx.wf.responses_for(alert.id)),
        assignments=tuple(V.build_assignment_view(a) for a in ctx.wf.assignments_for(alert.id)),
        deliveries=tuple(V.build_delivery_view(d) for d in ctx.wf.list_deliveries(alert.id)),
        event_log=tuple(V.build_event_log_view(e) for e in event_log),
        flags=flags(ctx, alert, now),
        actions=tuple(available_actions(ctx, user, alert, now)) if user.active else (),
        can_reveal=user.active and user.role.value in V.REVEAL_ROLES,
    )


def documents(ctx: "AlertContext", alert: Alert) -> list[Any]:
    if alert.event_id:
        _, found = ctx.store.documents.list_documents(event_id=alert.event_id, limit=200)
        found.sort(key=lambda d: (d.likes + d.replies + d.views / 100), reverse=True)
        return found[: ctx.settings.representative_docs]
    if alert.details.get("doc_ids"):  # a digest: every post it lists, oldest first
        docs = ctx.store.documents.get_documents(list(alert.details["doc_ids"])[:200])
        order = {d: i for i, d in enumerate(alert.details["doc_ids"])}
        docs.sort(key=lambda d: order.get(d.id, 0))
        return docs
    if alert.details.get("doc_id"):
        doc = ctx.store.documents.get_document(alert.details["doc_id"])
        return [doc] if doc else []
    return []


def reveal(ctx: "AlertContext", user: User, alert_id: str, why: str, now: datetime) -> V.RawText:
    """「查看原文」: the unmasked title, reason, posts and responses of one alert, for 舆情专员 and 管理员 only,
    with a reason; every reveal is written to the audit log (who, when, why) before anything is returned."""
    user = ctx.current_user(user)
    alert = ctx.load(alert_id)
    check_view_of(ctx, user, alert)
    if user.role.value not in V.REVEAL_ROLES:
        raise PermissionDenied(f"「{user.name}」无权查看原文（需要：舆情专员或管理员）；页面与导出只显示脱敏文本")
    why = (why or "").strip()
    if not why:
        raise WorkflowError("查看原文必须说明理由（--reason），例如「需回电核实诉求人」；该操作将记入审计日志")
    docs = documents(ctx, alert)
    responses = ctx.wf.responses_for(alert.id)
    with ctx.transaction():
        ctx.audit(alert, user.name, "reveal", now, alert.status, alert.status,
                    f"查看原文（标题、原因、{len(docs)} 篇帖文、{len(responses)} 条回应）；理由：{mask_pii(why)}")
    return V.RawText(
        alert_id=alert.id, title=alert.title, reason=alert.reason,
        documents=tuple(V.RawDocument(id=d.id, title=d.title, text=(d.analysis or {}).get("text") or d.content or "",
                                      author=d.author or "", reply=d.reply.text if d.reply else "") for d in docs),
        responses=tuple(r.text for r in responses),
        returns=tuple(str(r.get("reason") or "") for r in alert.details.get("returned") or []),
        revealed_by=user.name, revealed_at=now, why=why)


def _allowed(user: User, alert: Alert, action: str) -> bool:
    try:
        check_action(user, alert, action)
        return True
    except (PermissionDenied, WorkflowError):
        return False


def _not_own(user: User, action: str, author: str | None) -> bool:
    try:
        check_not_own(user, action, author)
        return True
    except PermissionDenied:
        return False


def _doc_view(d: Any) -> V.DocumentView:
    # Shown to officers and departments and printed by `alerts show`: personal information is masked.
    return V.build_document_view(d)
