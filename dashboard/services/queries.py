"""Read-side queries for pages and reports: accounts, alerts, admin tables. Aggregation happens in the store; here we
only shape the results. The heat board's and the department desk's figures are in :mod:`yuqing.dashboard.services.board`,
documents and search in :mod:`yuqing.dashboard.services.documents`.

Every function takes the :class:`yuqing.app.App` explicitly and returns views (:mod:`yuqing.views`) or plain rows,
so the same code feeds the pages (through :mod:`yuqing.dashboard.services.cached`), the reports and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from yuqing.health import SourceState, failure_threshold, source_health
from yuqing.users import SystemOperator
from yuqing.viewparts import masked as _masked
from yuqing.viewparts import masked_author as _masked_author
from yuqing.model import AlertStatus, Role, User
from yuqing.views import AlertDetailView, AlertView, ResponseView
from yuqing.vocab import LEVEL_LABELS
from yuqing.workflow import ACTIONS, EXTENSION_ACTIONS, PermissionDenied, WorkflowError, check_action

SENTIMENT_LABELS = {"negative": "负面", "neutral": "中性", "positive": "正面"}
AWAITING = {"dispatched", "accepted", "returned", "reopened"}  # the department still owes an answer
OPEN = [s.value for s in AlertStatus if s is not AlertStatus.CLOSED]


class AlertsUnavailable(RuntimeError):
    """The alerts service cannot be loaded; pages show the message instead of action buttons."""


def alert_service(app: Any) -> Any:
    try:
        return app.alerts
    except Exception as exc:  # a missing or broken component must not take the read-only pages down
        raise AlertsUnavailable(f"预警服务无法加载：{exc}") from exc


def has_alert_service(app: Any) -> bool:
    try:
        alert_service(app)
        return True
    except AlertsUnavailable:
        return False


# -- users --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionUser:
    """What the session keeps about the logged-in user (never the password hash)."""

    name: str
    role: str
    department: str | None
    display_name: str

    @classmethod
    def of(cls, user: User) -> "SessionUser":
        return cls(user.name, user.role.value, user.department, user.display_name or user.name)


def load_user(app: Any, name: str) -> User | None:
    """Re-read every run: a deactivated account or a changed role takes effect on the next click."""
    user = app.store.workflow.get_user(name)
    return user if user is not None and user.active else None


def authenticate(app: Any, name: str, password: str, address: str | None = None) -> User | None:
    """Raises yuqing.users.LoginThrottled while the name or the address is locked after repeated failures."""
    from yuqing.users import authenticate as _authenticate

    return _authenticate(app.store.workflow, name, password, address=address)


def department_names(app: Any, *, include_supervisor: bool = True) -> list[str]:
    return [d.name for d in app.config.departments if include_supervisor or not d.supervisor]


# -- alerts -------------------------------------------------------------------------------------------------------
# Alerts reach the pages as views (yuqing.views) built by the alerts service, which also decides what the user may
# see: the dashboard neither re-reads alerts from the store nor re-checks permissions on its own.
def due_at(alert: AlertView) -> datetime | None:
    return alert.due_at


def is_overdue(alert: Any, now: datetime) -> bool:
    if isinstance(alert, AlertView):
        return alert.is_overdue(now)
    due = min(alert.deadlines.values()) if alert.deadlines else None
    return due is not None and alert.status.value in AWAITING and due < now


def alert_row(alert: AlertView, now: datetime) -> dict[str, Any]:
    from yuqing.dashboard.textfmt import COLOUR_BADGES, countdown, fmt_time

    due = alert.due_at
    colour, left = countdown(due, now, done=alert.status not in AWAITING and alert.status != "new")
    if alert.status == "closed":
        colour, left = "grey", "已办结"
    return {
        "编号": alert.id,
        "级别": LEVEL_LABELS.get(alert.level, str(alert.level)),
        "标题": alert.title,
        "状态": alert.status_label,
        "责任部门": alert.department or "（未分派）",
        "时限": f"{COLOUR_BADGES[colour]} {left}",
        "截止时间": fmt_time(due) + ("（暂定）" if any(d.provisional for d in alert.deadlines) else ""),
        "督办": "是" if alert.escalated else "",
        "评价": alert.rating or "",
        "创建时间": fmt_time(alert.created_at),
        "_colour": colour,
    }


def list_alerts(app: Any, user: User, *, status: list[str] | str | None = None, department: str | None = None,
                level: int | None = None, since: datetime | None = None, until: datetime | None = None,
                limit: int = 20, offset: int = 0, escalated: bool | None = None) -> tuple[int, list[AlertView]]:
    """(total, one page of views) of the alerts this user may see, from the alerts service (which scopes department
    users to their department, and the 督查室 to its own alerts plus everything escalated to it)."""
    return alert_service(app).page_alerts(user, status=status, department=department, level=level, since=since,
                                          until=until, limit=limit, offset=offset, escalated=escalated)


def alert_detail(app: Any, user: User, alert_id: str, now: datetime | None = None) -> AlertDetailView:
    """One alert with its event, representative documents, audit, responses, assignments, deliveries, flags and the
    actions open to this user, as one masked view; PermissionDenied for an alert the user may not see."""
    return alert_service(app).get_alert(user, alert_id, now=now)


# The 日报/周报 cover every department whoever builds them: they are read as the system's own reporting identity
# (never a stored account, so no login can take it), and show only the masked views like every other output.
REPORT_USER = SystemOperator(name="system:report", role=Role.ADMIN, password_hash="", display_name="舆情简报")


def report_alerts(app: Any, since: datetime, until: datetime, limit: int = 500
                  ) -> tuple[int, list[AlertView], list[tuple[str, ResponseView]]]:
    """Alerts created in the period (total, views) and their responses (alert id, view), for the 日报/周报."""
    from yuqing.views import build_response_view

    svc = alert_service(app)
    total, views = svc.page_alerts(REPORT_USER, since=since, until=until, limit=limit)
    responses = [(v.id, build_response_view(r)) for v in views for r in app.store.workflow.responses_for(v.id)]
    return total, views, responses


def is_supervisor_user(app: Any, user: User) -> bool:
    return has_alert_service(app) and alert_service(app).is_supervisor_user(user)


def user_alert_counts(app: Any, user: User, now: datetime, status: str | list[str] = "open") -> dict[str, int]:
    """Open (or ``status``) / overdue / escalated among the alerts this user may see (the department desk's figures)."""
    total, views = alert_service(app).page_alerts(user, status=status, limit=100_000)
    return {"open": total, "overdue": sum(v.is_overdue(now) for v in views),
            "new": sum(v.status == "new" for v in views), "escalated": sum(v.escalated for v in views)}


def available_actions(user: User, alert: Any, *, app: Any = None, now: datetime | None = None
                      ) -> list[tuple[str, str]]:
    """The workflow actions this user could take on this alert now, as (name, Chinese label). With the app and the
    time, the alerts service also applies the conditions beyond role and status (延期: 依申请公开 only, before the
    deadline, once)."""
    if app is not None and now is not None and has_alert_service(app):
        return [(name, ACTIONS[name].label) for name in alert_service(app).available_actions(user, alert, now)]
    out = []
    for name, spec in ACTIONS.items():
        if name in EXTENSION_ACTIONS:
            continue  # their conditions need the deadline policies, which only the service has
        try:
            check_action(user, alert, name)
        except (PermissionDenied, WorkflowError):
            continue
        out.append((name, spec.label))
    return out


def policy_labels(app: Any) -> dict[str, str]:
    """Deadline policies an officer may give a manual alert: name → Chinese label (依申请公开 is ``disclosure``)."""
    if not has_alert_service(app):
        return {}
    return {name: p.label for name, p in alert_service(app).deadline_settings.policies.items()}


def extension_view(alert: AlertView) -> dict[str, Any] | None:
    """The alert's 依申请公开 extension request, for display (None if there never was one)."""
    from yuqing.dashboard.textfmt import fmt_time

    ext = alert.extension
    if ext is None:
        return None
    return {"状态": ext.status_label, "申请人": ext.requested_by, "申请时间": fmt_time(ext.requested_at),
            "理由": ext.reason, "延长工作日": ext.working_days, "原答复期限": fmt_time(ext.original),
            "延期后期限": fmt_time(ext.extended), "审批人": ext.decided_by, "审批意见": ext.decision_note}


def pending_extensions(app: Any, user: User, now: datetime | None = None) -> list[dict[str, Any]]:
    """Extension requests waiting for the office's decision, oldest first, as table rows (with ``now``: whether the
    original deadline has passed, after which a request can only be rejected)."""
    if not has_alert_service(app) or user.role not in (Role.ADMIN, Role.OFFICER):
        return []
    svc = alert_service(app)
    rows = []
    for a in svc.pending_extensions(user):
        extendable = svc.extendable_deadlines(a)
        late = now is not None and bool(extendable) and now > min(extendable.values())
        v = svc.alert_view(a)
        rows.append({"编号": v.id, "标题": v.title, "责任部门": v.department or "", **(extension_view(v) or {}),
                     "提示": "原答复期限已过，只能驳回" if late else ""})
    return rows


def alert_counts(app: Any, now: datetime, department: str | None = None) -> dict[str, int]:
    """Open and overdue alerts (the store keeps open alerts few; overdue is decided on deadlines)."""
    wf = app.store.workflow
    total_open, alerts = wf.list_alerts(status=OPEN, department=department, limit=100_000)
    return {
        "open": total_open,
        "overdue": sum(is_overdue(a, now) for a in alerts),
        "new": sum(a.status.value == "new" for a in alerts),
        "escalated": sum(a.escalated for a in alerts),
    }


# -- documents ----------------------------------------------------------------------------------------------------
def masked(text: str | None) -> str:
    return _masked(text)


def masked_author(author: str | None) -> str:
    return _masked_author(author)


# -- admin --------------------------------------------------------------------------------------------------------
def users_table(app: Any) -> list[dict[str, Any]]:
    from yuqing.model import ROLE_LABELS

    from yuqing.dashboard.textfmt import fmt_time

    return [{"用户名": u.name, "姓名": u.display_name or "", "角色": ROLE_LABELS.get(u.role, u.role.value),
             "部门": u.department or "", "状态": "启用" if u.active else "停用", "创建时间": fmt_time(u.created_at)}
            for u in app.store.workflow.list_users()]


_SOURCE_STATE_TEXT = {
    SourceState.NEVER_RUN: "○ 尚未运行", SourceState.FAILING: "● 异常：连续失败 {fails} 轮",
    SourceState.SILENT: "● 停滞：连续 {empty} 轮无新内容", SourceState.LAST_FAILED: "● 最近一轮失败",
    SourceState.HEALTHY: "● 正常"}


def sources_needing_attention(app: Any) -> list[str]:
    """Titles of the sources that need an operator (the kernel's judgement, not the table's display text)."""
    health = {h["source"]: h for h in app.store.workflow.source_health()}
    threshold = failure_threshold(app.config)
    return [s.title for s in app.config.sources if source_health(s.name, health.get(s.name), threshold).needs_attention]


def sources_table(app: Any, now: datetime) -> list[dict[str, Any]]:
    from yuqing.dashboard.textfmt import fmt_time
    from yuqing.vocab import source_type_label

    health = {h["source"]: h for h in app.store.workflow.source_health()}
    threshold = failure_threshold(app.config)
    out = []
    for s in app.config.sources:
        h = health.get(s.name) or {}
        judged = source_health(s.name, h, threshold)
        state = _SOURCE_STATE_TEXT[judged.state].format(fails=judged.consecutive_failures,
                                                         empty=judged.consecutive_empty)
        last_success = h.get("last_success")
        out.append({
            "名称": s.title, "来源标识": s.name, "类型": source_type_label(s.type),
            "状态": state, "采集间隔（分钟）": s.interval_minutes, "权重": s.authority,
            "最近运行": fmt_time(h.get("last_run")), "最近成功": fmt_time(last_success),
            "距上次成功（小时）": round((now - last_success).total_seconds() / 3600, 1) if last_success else None,
            "运行轮数": h.get("runs", 0), "抓取页数": h.get("pages_fetched", 0), "入库条数": h.get("items_stored", 0),
            "错误": "；".join(f"{k}×{v}" for k, v in (h.get("errors") or {}).items()),
            "启用": "是" if s.settings.get("enabled", True) else "否",
        })
    return out


def rules_table(app: Any) -> tuple[list[dict[str, Any]], str | None]:
    """Configured alert rules as the alerts service parsed them, as readable Chinese rows
    (:func:`yuqing.dashboard.services.admin_rules.rule_rows`); (rows, error message if the config is invalid)."""
    from yuqing.dashboard.services.admin_rules import rule_rows

    try:
        alert_service(app)
        return rule_rows(app), None
    except AlertsUnavailable as exc:  # show the configuration error to the admin instead of failing the page
        return [], str(exc.__cause__ or exc)
    except Exception as exc:  # e.g. a configured [components] alerts service without settings
        return [], str(exc)


def silences_table(app: Any, now: datetime) -> list[dict[str, Any]]:
    from yuqing.dashboard.textfmt import fmt_time

    titles = {src.name: src.title for src in app.config.sources if src.title}
    return [{"编号": s["id"], "规则": s.get("rule") or "", "来源": titles.get(s.get("source") or "", s.get("source") or ""),
             "关键词": masked(s.get("keyword")),
             "事件": s.get("event_id") or "", "开始": fmt_time(s["starts_at"]), "结束": fmt_time(s["ends_at"]),
             "设置人": s["created_by"], "原因": masked(s.get("reason"))} for s in app.store.workflow.active_silences(now)]
