"""A new alert from a finding: routed (or left to the officer with candidates), titled readably, audited,
announced to the officers, and dispatched at once when its level allows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from yuqing.alerts.holds import auto_dispatch
from yuqing.alerts.rules.base import Finding
from yuqing.alerts.titles import is_degenerate, readable_title, split_prefix
from yuqing.model import Alert, AlertStatus
from yuqing.vocab import LEVEL_LABELS

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext

S = AlertStatus


def create(ctx: "AlertContext", alert_id: str, finding: Finding, now: datetime, *, actor: str | None = None,
            route: tuple[str | None, str] | None = None, auto_dispatch_allowed: bool = True) -> Alert:
    decision = {"department": route[0], "reason": route[1]} if route else ctx.router.route_decision(finding)
    department, route_reason = decision["department"], decision["reason"]
    policy = finding.policy or ctx.policy_for_level(finding.level)
    alert = Alert(
        id=alert_id, rule=finding.rule, level=finding.level, title=title(ctx, finding),
        # Routing that abstains says so where the officer reads first, with the three candidates.
        reason=f"{finding.reason}；{route_reason}" if decision.get("abstain") else finding.reason,
        status=S.NEW, event_id=finding.event_id, department=department, policy=policy,
        details={**finding.details, "rule_type": finding.rule_type, "route": route_reason,
                 **({"route_candidates": decision["candidates"]}
                    if decision.get("abstain") and decision.get("candidates") else {}),
                 "keywords": finding.keywords[:20], "doc_id": finding.doc_id, "source": finding.source,
                 "level_history": [{"at": now.isoformat(), "level": finding.level, "reason": finding.reason}]},
        created_at=now, updated_at=now)
    actor = actor or ctx.settings.system_actor
    with ctx.transaction():
        ctx.wf.insert_alert(alert)
        if finding.doc_id and not finding.event_id:
            ctx.wf.set_state("alerts.doc", finding.doc_id, alert.id)
        ctx.audit(alert, actor, "create", now, None, S.NEW,
                    f"{LEVEL_LABELS.get(alert.level, alert.level)}：{alert.reason}；拟派：{department or '（无）'}（{route_reason}）")
        ctx.outbox.queue(alert, "new", now, ctx.outbox.officer_targets())
        if auto_dispatch_allowed and department and policy and finding.level <= ctx.settings.auto_dispatch_max_level:
            alert = auto_dispatch(ctx, alert, actor, now, note="按级别自动派发")
    return alert


def title(ctx: "AlertContext", finding: Finding) -> str:
    """The finding's title, unless the post or event title in it is degenerate (「）」, 「？？」, 「求助」,
    「无标题」): then the first meaningful clause of the post's text, the event's title or its posts' text."""
    prefix, core = split_prefix(finding.title or "")
    if not is_degenerate(core):
        return finding.title
    texts: list[str | None] = []
    docs = ctx.store.documents
    doc = docs.get_document(finding.doc_id) if finding.doc_id and not finding.event_id else None
    event_id = finding.event_id or (doc.event_id if doc else None)
    if doc is not None:
        texts.append((doc.analysis or {}).get("text") or doc.content)
    if event_id:
        event = docs.get_event(event_id)
        texts.append(event.title if event else None)
        _, found = docs.list_documents(event_id=event_id, limit=20)
        found.sort(key=lambda d: (d.likes + d.replies + d.views / 100), reverse=True)
        for d in found[:5]:
            texts += [d.title, (d.analysis or {}).get("text") or d.content]
    better = readable_title(core, *texts, finding.reason)
    return prefix + better if better else (finding.title or "（无标题）")
