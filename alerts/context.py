"""What every part of the alerts stage shares: its settings, the departments, and the small primitives that read and
write one alert (load, save under the version check, audit, start a deadline round, label a deadline).

Everything that changes an alert happens in one store transaction together with its audit entry, under an
optimistic version check. The router, the handlers, the deadline monitor, the outbox and the sender each take an
:class:`AlertContext` (the :class:`yuqing.alerts.service.AlertService` facade is one).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from yuqing.alerts.deadlines import compute_deadlines, provisional_deadlines
from yuqing.alerts.engine import RuleEngine
from yuqing.alerts.outbox import Outbox
from yuqing.alerts.router import Router
from yuqing.alerts.notify.registry import parse_notifications
from yuqing.alerts.schema import parse_alerts, parse_deadlines
from yuqing.clock import TZ
from yuqing.config import Config
from yuqing.model import Alert, AlertStatus, AuditEntry, Department, User
from yuqing import views as V
from yuqing.users import is_system_operator
from yuqing.vocab import LEVEL_LABELS, deadline_label
from yuqing.workflow import PermissionDenied, WorkflowError

#: Rule type whose alerts are answered by the post's official reply (single posts and the backlog digest).
UNANSWERED_TYPE = "unanswered"
#: Rule types of operational alerts, which are never dispatched to a department.
OPERATIONAL_TYPES = frozenset({"source_health", "audit_chain"})


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def past_due(due: datetime, at: datetime) -> bool:
    """The one rule for on time vs overdue: a deadline is met by anything at or before its exact second (a
    working-day limit runs to 23:59:59 of its last day, 「5 小时内」 includes the fifth hour's end), and broken by
    anything after it. The tick, a response, the flags and the waiting clock all ask here, so a response recorded
    at the deadline's exact second and a tick at that second never disagree."""
    return at > due


def when(at: datetime | None) -> str:
    return at.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if at else "（时间未标明）"


def duration(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return (f"{days} 天 " if days else "") + f"{hours} 小时 {mins} 分"


def scheme_names(store: Any) -> set[str] | None:
    """The stored 监测方案 (rules may be limited to one); None when the document store keeps no schemes."""
    lister = getattr(store.documents, "list_schemes", None)
    try:
        return {s.name for s in lister()} if lister is not None else None
    except NotImplementedError:
        return None


class AlertContext:
    def __init__(self, store: Any, config: Config | None = None):
        self.store, self.config = store, config
        self.settings = parse_alerts(config, schemes=scheme_names(store))
        self.deadline_settings = parse_deadlines(config)
        self.notify_settings = parse_notifications(config)
        self.engine = RuleEngine(self.settings.rules, lookback_hours=self.settings.lookback_hours)
        self.departments: list[Department] = list(config.departments) if config else store.workflow.list_departments()
        manual = next((r for r in self.settings.rules if r.type_name == "manual"), None)
        self.manual_rule_name = manual.name if manual else "人工预警"
        self.outbox = Outbox(self)
        self.router = Router(self)
        self.last_run: dict[str, Any] = {}

    @property
    def wf(self) -> Any:
        return self.store.workflow

    def supervisor(self) -> Department | None:
        return next((d for d in self.departments if d.supervisor), None)

    def department(self, name: str | None) -> Department | None:
        return next((d for d in self.departments if d.name == name), None)

    def policy_for_level(self, level: int) -> str | None:
        return self.settings.level_policies.get(level)

    def deadlines(self, policy: str | None, start: datetime) -> dict[str, datetime]:
        if not policy:
            return {}
        return compute_deadlines(policy, start, self.deadline_settings.raw,
                                 calendar=getattr(self.config, "calendar", None))

    def transaction(self):
        return self.wf.transaction()

    def audit(self, alert: Alert, actor: str, action: str, at: datetime, from_status: AlertStatus | None,
              to_status: AlertStatus | None, note: str = "") -> None:
        self.wf.append_audit(AuditEntry(alert_id=alert.id, actor=actor, action=action, at=at,
                                        from_status=from_status.value if from_status else None,
                                        to_status=to_status.value if to_status else None, note=note))

    def save(self, alert: Alert, expected_version: int) -> Alert:
        return self.wf.update_alert(alert, expected_version)

    def load(self, alert_id: str) -> Alert:
        alert = self.wf.get_alert(alert_id)
        if alert is None:
            raise WorkflowError(f"预警「{alert_id}」不存在")
        return alert

    def current_user(self, user: User) -> User:
        """The account as stored now: callers (a dashboard session, a CLI run) may hold a stale copy, so a
        deactivation or a role change takes effect on the next call. The local system operator is never stored."""
        if is_system_operator(user):
            return user
        stored = self.wf.get_user(user.name)
        if stored is None:
            raise PermissionDenied(f"用户「{user.name}」不存在")
        if not stored.active:
            raise PermissionDenied(f"账号「{user.name}」已停用")
        return stored

    def start_round(self, alert: Alert, start: datetime, *, new_round: bool) -> None:
        """Set deadlines for a new clock (dispatch, reopen, level rise). Warnings and escalation start afresh."""
        rounds = int(alert.details.get("round", 0)) + (1 if new_round or not alert.details.get("round") else 0)
        alert.details = {**alert.details, "round": rounds, "round_started_at": start.isoformat()}
        alert.deadlines = self.deadlines(alert.policy, start)
        alert.warned = []
        alert.escalated = False

    def alerts_in(self, statuses: list[str]) -> list[Alert]:
        """Every alert in these statuses, page by page (no cut at a page size)."""
        out: list[Alert] = []
        offset = 0
        while True:
            _, page = self.wf.list_alerts(status=statuses, limit=500, offset=offset)
            out.extend(page)
            if len(page) < 500:
                return out
            offset += 500

    def label(self, name: str, policy: str | None) -> str:
        """Deadline ``name`` of ``policy`` as users read it: the same name means different things in different
        policies (``response`` is 回应关切 for level2 and 答复 for a 12345 诉求), so never by the name alone."""
        spec = next((s for s in getattr(self.deadline_settings.policies.get(policy or ""), "deadlines", ())
                     if s.name == name), None)
        return spec.label if spec else deadline_label(policy, name)

    def deadline_text(self, alert: Alert) -> str:
        if not alert.deadlines:
            return "无"
        return "；".join(f"{self.label(n, alert.policy)} {d.astimezone(TZ).strftime('%Y-%m-%d %H:%M')}"
                        for n, d in sorted(alert.deadlines.items(), key=lambda kv: kv[1]))

    def due_text(self, alert: Alert, deadlines: dict[str, datetime]) -> str:
        return "；".join(f"{self.label(n, alert.policy)} {d.astimezone(TZ).strftime('%Y-%m-%d %H:%M')}"
                        for n, d in deadlines.items()) or "无"

    def alert_view(self, alert: Alert) -> V.AlertView:
        """The alert as every output shows it (titles and reasons quote posts: personal information masked)."""
        provisional = provisional_deadlines(alert, getattr(self.config, "calendar", None), self.deadline_settings.raw)
        return V.build_alert_view(alert, level_labels=LEVEL_LABELS,
                                  deadline_label=lambda n: self.label(n, alert.policy), provisional=provisional)
