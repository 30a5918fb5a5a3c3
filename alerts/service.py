"""AlertService: the one entry point the CLI, scheduler and dashboard use for alerts and the response loop.

A thin facade over the stage's parts, each its own module: :mod:`yuqing.alerts.router` (which department),
:mod:`yuqing.alerts.intake` and :mod:`yuqing.alerts.digests` (rules → alerts), :mod:`yuqing.alerts.handlers` (one handler per workflow
action, driven by the transition table in :mod:`yuqing.workflow`), :mod:`yuqing.alerts.monitor` (deadlines, 督办 and the
waiting clock at every tick), :mod:`yuqing.alerts.merges` (alerts follow event merges), :mod:`yuqing.alerts.outbox` and
:mod:`yuqing.alerts.sender` (notifications, exactly once), :mod:`yuqing.alerts.silences`, :mod:`yuqing.alerts.extensions`, and
:mod:`yuqing.alerts.queries` (the read side). Everything time-dependent takes ``now``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from yuqing.alerts import auditchain, digests, intake, monitor, queries
from yuqing.alerts.context import AlertContext, sha
from yuqing.alerts.creation import create
from yuqing.alerts.deadlines import compute_deadlines
from yuqing.alerts.extensions import extendable_deadlines, pending_extensions
from yuqing.alerts.handlers import ActionInput, perform
from yuqing.alerts.handlers.dispatch import dispatch_to
from yuqing.alerts.notify.base import Channel
from yuqing.alerts.notify.registry import check_config
from yuqing.alerts.rules.base import Finding
from yuqing.alerts.sender import Sender
from yuqing.alerts.silences import silence_record
from yuqing.clock import TZ
from yuqing.config import Config
from yuqing.model import Alert, AlertStatus, Role, User
from yuqing import views as V
from yuqing.vocab import LEVEL_LABELS
from yuqing.storage.base import ConcurrentUpdateError
from yuqing.workflow import PermissionDenied, WorkflowError

__all__ = ["AlertService", "ConcurrentUpdateError", "PermissionDenied", "WorkflowError"]


class AlertService(AlertContext):
    #: Run by the application at start-up on the whole configuration (the channels' options and contact keys).
    check_config = staticmethod(check_config)

    def __init__(self, store: Any, config: Config | None = None):
        super().__init__(store, config)
        self.sender = Sender(self)

    @classmethod
    def from_config(cls, config: Config, store: Any) -> "AlertService":
        return cls(store, config)

    # -- routing -----------------------------------------------------------------------------------------------
    def route(self, finding: Finding) -> tuple[str | None, str]:
        return self.router.route(finding)

    def route_decision(self, finding: Finding) -> dict[str, Any]:
        return self.router.route_decision(finding)

    # -- the tick ----------------------------------------------------------------------------------------------
    def tick(self, now: datetime) -> dict[str, Any]:
        """What ``yuqing alerts tick`` runs: rules, then deadlines, the audit chain, then due notifications."""
        created = self.evaluate(now)
        return {"alerts": [a.id for a in created], "evaluate": self.last_run,
                "deadlines": self.check_deadlines(now), "audit": self.check_audit(now), "deliveries": self.deliver(now)}

    def evaluate(self, now: datetime) -> list[Alert]:
        """Move alerts of merged events to the survivors, then run all rules; create or raise alerts; auto-dispatch;
        queue notifications. Returns alerts created or raised."""
        return intake.evaluate(self, now)

    def close_answered(self, now: datetime) -> dict[str, int]:
        return digests.close_answered(self, now)

    def check_deadlines(self, now: datetime) -> dict[str, Any]:
        return monitor.check_deadlines(self, now)

    def check_waiting(self, now: datetime) -> dict[str, int]:
        return monitor.check_waiting(self, now)

    def waiting_due(self, alert: Alert) -> tuple[datetime, datetime | None] | None:
        return monitor.waiting_due(self, alert)

    def flags(self, alert: Alert, now: datetime) -> dict[str, Any]:
        return monitor.flags(self, alert, now)

    def check_audit(self, now: datetime) -> dict[str, Any]:
        return auditchain.check_audit(self, now)

    def deliver(self, now: datetime) -> dict[str, int]:
        return self.sender.deliver(now)

    def channel(self, type_name: str) -> Channel:
        return self.sender.channel(type_name)

    # -- actions -----------------------------------------------------------------------------------------------
    def act(self, user: User, alert_id: str, action: str, *, department: str | None = None, text: str | None = None,
            link: str | None = None, rating: str | None = None, note: str | None = None, now: datetime,
            expected_version: int | None = None, hours: float | None = None) -> Alert:
        """Take one workflow action as ``user``. Raises PermissionDenied / WorkflowError / ConcurrentUpdateError."""
        inp = ActionInput(department=department, text=text, link=link, rating=rating, note=(note or "").strip(),
                          hours=hours)
        return perform(self, user, alert_id, action, inp, now=now, expected_version=expected_version)

    def raise_manual(self, user: User, title: str, reason: str, *, level: int = 2, event_id: str | None = None,
                     department: str | None = None, policy: str | None = None, now: datetime) -> Alert:
        user = self.current_user(user)
        if user.role not in (Role.ADMIN, Role.OFFICER, Role.LEADER):
            raise PermissionDenied(f"「{user.name}」无权发起人工预警（需要：舆情专员、领导或管理员）")
        if not (title or "").strip() or not (reason or "").strip():
            raise WorkflowError("人工预警需要标题和理由")
        if level not in LEVEL_LABELS:
            raise WorkflowError(f"级别应为 1–4，实际为 {level}")
        if policy:
            compute_deadlines(policy, now, self.deadline_settings.raw)  # validates the name
        if department and not self.department(department):
            raise WorkflowError(f"部门「{department}」不在配置中")
        event = self.store.documents.get_event(event_id) if event_id else None
        if event_id and event is None:
            raise WorkflowError(f"事件「{event_id}」不存在")
        if event_id and self.wf.open_alert_for_event(event_id):
            raise WorkflowError(f"事件 {event_id} 已有未办结的预警，请在该预警上操作")
        finding = Finding(rule=self.manual_rule_name, rule_type="manual", level=level,
                          reason=f"{user.display_name or user.name} 人工预警：{reason.strip()}",
                          details={"raised_by": user.name}, event_id=event_id, doc_id=None, title=title.strip(),
                          region=event.region if event else None, topic=event.topic if event else None,
                          department=event.department if event else None, policy=policy,
                          keywords=list(event.keywords) if event else [])
        alert_id = "M" + now.astimezone(TZ).strftime("%Y%m%d") + "-" + sha(f"{title}|{now.isoformat()}|{user.name}")[:8]
        with self.transaction():
            # A department named by the officer is the officer's own dispatch (never held for want of an account).
            alert = create(self, alert_id, finding, now, actor=user.name, auto_dispatch_allowed=not department)
            if department and alert.status is AlertStatus.NEW:
                alert = dispatch_to(self, alert, user.name, department, now, note="人工预警派发", action="dispatch")
            elif department and alert.department != department:
                alert = dispatch_to(self, alert, user.name, department, now, note="人工预警指定部门", action="reassign")
        return alert

    def silence(self, user: User, *, rule: str | None = None, source: str | None = None, keyword: str | None = None,
                event_id: str | None = None, hours: float, reason: str, now: datetime) -> int:
        """Time-boxed silence; returns its id. Silenced findings create no alert and no notification."""
        user = self.current_user(user)
        record = silence_record(user, rule=rule, source=source, keyword=keyword, event_id=event_id,
                                hours=hours, reason=reason, now=now)
        return self.wf.add_silence(record)

    def extendable_deadlines(self, alert: Alert) -> dict[str, datetime]:
        return extendable_deadlines(self, alert)

    def pending_extensions(self, user: User) -> list[Alert]:
        return pending_extensions(self, user)

    # -- reading -----------------------------------------------------------------------------------------------
    def alert_summary(self, alert: Alert) -> dict[str, Any]:
        """JSON form of :meth:`alert_view` (``alerts raise/act --json``, notification payloads)."""
        return self.alert_view(alert).to_dict()

    def available_actions(self, user: User, alert: Alert, now: datetime) -> list[str]:
        return queries.available_actions(self, user, alert, now)

    def is_supervisor_user(self, user: User) -> bool:
        return queries.is_supervisor_user(self, user)

    def can_view(self, user: User, alert: Alert) -> bool:
        return queries.can_view(self, user, alert)

    def list_alerts(self, user: User, status: str | list[str] | None = None, department: str | None = None,
                    level: int | None = None, since: datetime | None = None, until: datetime | None = None,
                    limit: int = 100, offset: int = 0, escalated: bool | None = None, supervision: bool = False
                    ) -> list[V.AlertView]:
        return queries.list_alerts(self, user, status=status, department=department, level=level, since=since,
                                   until=until, limit=limit, offset=offset, escalated=escalated,
                                   supervision=supervision)

    def page_alerts(self, user: User, status: str | list[str] | None = None, department: str | None = None,
                    level: int | None = None, since: datetime | None = None, until: datetime | None = None,
                    limit: int = 100, offset: int = 0, escalated: bool | None = None, supervision: bool = False
                    ) -> tuple[int, list[V.AlertView]]:
        """(total, one page of views) of the alerts ``user`` may see under these filters (``escalated``: only
        alerts that were, or were not, escalated to the supervising office; ``supervision``: the supervising
        office's own view of what it supervises)."""
        return queries.page_alerts(self, user, status=status, department=department, level=level, since=since,
                                   until=until, limit=limit, offset=offset, escalated=escalated,
                                   supervision=supervision)

    def overdue_by_department(self, user: User, now: datetime) -> list[dict[str, Any]]:
        return queries.overdue_by_department(self, user, now)

    def get_alert(self, user: User, alert_id: str, now: datetime | None = None) -> V.AlertDetailView:
        return queries.get_alert(self, user, alert_id, now)

    def reveal(self, user: User, alert_id: str, why: str, now: datetime) -> V.RawText:
        return queries.reveal(self, user, alert_id, why, now)
