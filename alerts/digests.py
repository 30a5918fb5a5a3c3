"""Board posts left unanswered: backlog findings go into one digest alert per (rule, department), and alerts
about posts that have since got their official reply drop those posts or close themselves."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from yuqing.alerts.context import UNANSWERED_TYPE, sha, when
from yuqing.alerts.creation import create
from yuqing.alerts.rules.base import Finding
from yuqing.alerts.rules.unanswered import ANSWERED_STATUS_WORDS, DIGEST_KIND
from yuqing.clock import TZ, iso
from yuqing.model import OPEN_STATUSES, Alert, AlertStatus
from yuqing.storage.base import ConcurrentUpdateError

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext

log = logging.getLogger(__name__)
S = AlertStatus


def apply_digests(ctx: "AlertContext", findings: list[Finding], now: datetime, errors: list[str]) -> list[Alert]:
    """Backlog findings → one alert per (rule, routed department); an open digest alert takes the new posts."""
    rules = {r.name: r for r in ctx.settings.rules}
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.doc_id and ctx.wf.get_state("alerts.doc", f.doc_id):
            ctx.last_run["unchanged"] += 1
            continue  # one alert per board post, ever: it is already in an alert (digest or its own)
        department, _ = ctx.router.route(f)
        groups.setdefault((f.rule, department or ""), []).append(f)
    changed = []
    for (rule_name, department), group in sorted(groups.items()):
        try:
            changed.append(apply_digest(ctx, rules[rule_name], department or None, group, now))
        except ConcurrentUpdateError:
            log.info("digest alert for %s changed meanwhile; next tick will look again", department)
        except Exception as exc:  # one bad group must not stop the others
            log.exception("could not apply the digest for %s", department)
            errors.append(f"汇总 {department or '未分派部门'} 的超期留言时出错：{exc}")
    return changed


def apply_digest(ctx: "AlertContext", rule: Any, department: str | None, group: list[Finding], now: datetime) -> Alert:
    key = f"{rule.name}|{department or ''}"
    existing_id = ctx.wf.get_state("alerts.digest", key)
    existing = ctx.wf.get_alert(existing_id) if existing_id else None
    if existing is not None and existing.status is not S.CLOSED:
        known = list(existing.details.get("posts") or [])
        finding = rule.digest(department, group, known=known)
        added = finding.details["count"] - len(known)
        alert = replace(existing, details={**existing.details, **finding.details}, title=finding.title,
                        reason=finding.reason, updated_at=now)
        note = f"新增 {added} 条开始监测时已超期未答复的留言，共 {finding.details['count']} 条"
        with ctx.transaction():
            alert = ctx.save(alert, existing.version)
            for f in group:
                ctx.wf.set_state("alerts.doc", f.doc_id, alert.id)
            ctx.audit(alert, ctx.settings.system_actor, "digest_add", now, alert.status, alert.status, note)
            ctx.outbox.queue(alert, "digest_add", now, ctx.outbox.officer_targets(), message=note,
                        key=str(finding.details["count"]))
        ctx.last_run["raised"] += 1
        ctx.last_run["digested"] += len(group)
        return alert
    finding = rule.digest(department, group)
    alert_id = "D" + now.astimezone(TZ).strftime("%Y%m%d") + "-" + sha(f"digest:{key}|{now.isoformat()}")[:8]
    with ctx.transaction():
        alert = create(ctx, alert_id, finding, now, route=(
            department, "汇总：各条留言按路由规则归属本部门" if department else "无匹配部门，待人工派发"))
        for f in group:
            ctx.wf.set_state("alerts.doc", f.doc_id, alert.id)
        ctx.wf.set_state("alerts.digest", key, alert.id)
    ctx.last_run["created"] += 1
    ctx.last_run["digested"] += len(group)
    return alert


def awaits_reply(alert: Alert) -> bool:
    """An alert about board posts left unanswered (one post, or a backlog digest): the reply settles it."""
    if alert.event_id is not None:
        return False
    d = alert.details
    if d.get("digest") == DIGEST_KIND:
        return True
    return bool(d.get("doc_id")) and (d.get("rule_type") == UNANSWERED_TYPE or any(
        isinstance(r, dict) and r.get("type") == UNANSWERED_TYPE for r in (d.get("rules") or {}).values()))


def answer_of(doc: Any) -> tuple[datetime | None, str | None] | None:
    """(reply time, replying department) when the post has its official answer (a reply, or a board status
    that says so), else None."""
    if doc is None:
        return None
    if doc.reply is not None and (doc.reply.text or "").strip():
        seen = (doc.analysis or {}).get("reply_first_seen")
        return doc.reply.time or (seen if isinstance(seen, datetime) else None), doc.reply.department
    if any(w in (doc.status or "") for w in ANSWERED_STATUS_WORDS):
        return None, None
    return None


def close_answered(ctx: "AlertContext", now: datetime) -> dict[str, int]:
    """Overdue-reply alerts whose post has since got its official reply (re-crawled or re-ingested) close
    themselves, saying so in their history; a backlog digest drops its answered posts and closes when none is
    left. Run on every tick (from ``evaluate``)."""
    counts = {"checked": 0, "closed": 0, "dropped": 0, "conflicts": 0, "errors": 0}
    alerts = [a for a in ctx.alerts_in(list(OPEN_STATUSES)) if awaits_reply(a)]
    wanted = sorted({i for a in alerts for i in (a.details.get("doc_ids") or [a.details.get("doc_id")]) if i})
    docs: dict[str, Any] = {}
    for i in range(0, len(wanted), 500):
        docs.update((d.id, d) for d in ctx.store.documents.get_documents(wanted[i:i + 500]))
    for alert in alerts:
        counts["checked"] += 1
        try:
            close_answered_one(ctx, alert, docs, now, counts)
        except ConcurrentUpdateError:
            counts["conflicts"] += 1  # acted on meanwhile; the next tick looks again
        except Exception:
            log.exception("answered-post check failed for %s", alert.id)
            counts["errors"] += 1
    return counts


def close_answered_one(ctx: "AlertContext", alert: Alert, docs: dict[str, Any], now: datetime, counts: dict[str, int]) -> None:
    digest = alert.details.get("digest") == DIGEST_KIND
    ids = list(alert.details.get("doc_ids") or []) if digest else [alert.details.get("doc_id")]
    answered = {i: a for i in ids if (a := answer_of(docs.get(i))) is not None}
    if not answered:
        return
    updated = replace(alert, updated_at=max(now, alert.updated_at or now), details=dict(alert.details))
    remaining = [i for i in ids if i not in answered]
    before = alert.status
    if digest:
        posts = list(alert.details.get("posts") or [])
        gone = [p for p in posts if p.get("doc_id") in answered]
        listed = "；".join(f"「{(p.get('title') or '')[:30]}」（答复于 {when(answered[p['doc_id']][0])}）"
                          for p in gone[:20])
        if len(gone) > 20:
            listed += f"……等 {len(gone)} 条"
        kept = [p for p in posts if p.get("doc_id") not in answered]
        updated.details["answered_posts"] = [
            *alert.details.get("answered_posts", []),
            *({**p, "answered_at": iso(answered[p["doc_id"]][0]), "seen_at": now.isoformat()} for p in gone)]
        rule = next((r for r in ctx.settings.rules if r.name == alert.rule), None)
        if remaining and rule is not None:
            finding = rule.digest(alert.department, [], known=kept)
            updated.details.update(finding.details)
            updated.title, updated.reason = finding.title, finding.reason
        else:
            updated.details.update(posts=kept, doc_ids=[p["doc_id"] for p in kept], count=len(kept))
        counts["dropped"] += len(gone)
        note = f"{len(gone)} 条留言的官方答复已发布，移出汇总：{listed}"
        if remaining:
            note += f"；仍有 {len(remaining)} 条未答复"
            action = "digest_answered"
        else:
            note += "；汇总中的留言均已答复，预警自动办结"
            action = "auto_close"
    else:
        reply_at, by = answered[ids[0]]
        note = f"官方答复已于 {when(reply_at)} 发布" + (f"（答复单位：{by}）" if by else "") + "，预警自动办结"
        action = "auto_close"
    if action == "auto_close":
        updated.status = S.CLOSED
        updated.details["auto_closed"] = {"at": now.isoformat(), "reason": "official_reply"}
        counts["closed"] += 1
    with ctx.transaction():
        saved = ctx.save(updated, alert.version)
        ctx.audit(saved, ctx.settings.system_actor, action, now, before, saved.status, note)
        targets = ctx.outbox.officer_targets() + (ctx.outbox.department_targets(saved.department)
                                             if saved.dispatched_at else [])
        ctx.outbox.queue(saved, "auto_closed" if action == "auto_close" else "digest_answered", now, targets,
                    message=note, key=f"answered:{len(remaining)}")
