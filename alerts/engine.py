"""Run every configured rule, drop silenced findings, and merge what is left into one finding per subject."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from yuqing.alerts.rules.base import Finding, Rule, RuleContext

log = logging.getLogger(__name__)


@dataclass
class EngineResult:
    findings: list[Finding] = field(default_factory=list)  # merged, one per subject
    silenced: list[tuple[Finding, int]] = field(default_factory=list)  # (finding, silence id)
    errors: list[str] = field(default_factory=list)


def silence_matches(silence: dict[str, Any], finding: Finding) -> bool:
    """A silence names any of rule / source / keyword / event; every field it names must match."""
    named = False
    for key in ("rule", "source", "keyword", "event_id"):
        want = silence.get(key)
        if not want:
            continue
        named = True
        if key == "rule" and finding.rule != want:
            return False
        if key == "source" and finding.source != want:
            return False
        if key == "keyword" and want not in finding.keywords and want not in (finding.title or ""):
            return False
        if key == "event_id" and finding.event_id != want:
            return False
    return named


def merge(findings: list[Finding]) -> Finding:
    """Most severe level wins; every rule that fired is kept in the reason and the details."""
    findings = sorted(findings, key=lambda f: (f.level, f.rule))
    top = findings[0]
    merged = Finding(
        rule=top.rule, rule_type=top.rule_type, level=top.level,
        reason="；".join(f"【{f.rule}】{f.reason}" for f in findings),
        details={"fired": [f.rule for f in findings], "rules": {f.rule: {"level": f.level, "type": f.rule_type,
                                                                           **f.details} for f in findings}},
        event_id=top.event_id, doc_id=top.doc_id, title=top.title, source=top.source,
        keywords=sorted({k for f in findings for k in f.keywords}), region=top.region, topic=top.topic,
        department=top.department, policy=next((f.policy for f in findings if f.policy), None),
        # A post that another rule also flagged individually is no longer just backlog: report it on its own.
        digest=top.digest if all(f.digest == top.digest for f in findings) else None)
    return merged


def _scheme_scope(rule: Rule, findings: list[Finding], ctx: RuleContext) -> list[Finding]:
    """A scoped rule's findings: those about one document only when the scheme matched that document (rules that
    scan documents themselves, e.g. unanswered posts, see every post), each naming the scheme in its reason."""
    if not rule.scheme:
        return findings
    out = []
    for f in findings:
        if f.doc_id:
            doc = next(iter(ctx.store.documents.get_documents([f.doc_id])), None)
            if doc is None or not ctx.scheme_matched(doc):
                continue
        f.reason = f"监测方案「{rule.scheme}」：{f.reason}"
        f.details = {**f.details, "scheme": rule.scheme}
        out.append(f)
    return out


class RuleEngine:
    def __init__(self, rules: list[Rule], *, lookback_hours: float = 72):
        self.rules, self.lookback_hours = rules, lookback_hours

    def run(self, store: Any, now: datetime) -> EngineResult:
        result = EngineResult()
        ctx = RuleContext(store, now, lookback_hours=self.lookback_hours)
        silences = store.workflow.active_silences(now)
        raw: list[Finding] = []
        scoped: dict[str, RuleContext] = {}
        for rule in self.rules:
            try:
                rctx = ctx
                if rule.scheme:  # the rule sees the scheme's events and documents only (matches read from the store)
                    rctx = scoped.setdefault(rule.scheme, ctx.scoped(rule.scheme))
                found: list[Finding] = []
                for event in rctx.events():
                    try:
                        f = rule.check_event(event, rctx)
                    except Exception as exc:  # one odd event must not stop the others
                        log.exception("rule %s failed on event %s", rule.name, event.id)
                        result.errors.append(f"规则「{rule.name}」处理事件 {event.id} 出错：{exc}")
                        continue
                    if f:
                        found.append(f)
                found.extend(rule.check_documents(rctx))
                raw.extend(_scheme_scope(rule, found, rctx))
            except Exception as exc:
                log.exception("rule %s failed", rule.name)
                result.errors.append(f"规则「{rule.name}」运行出错：{exc}")
        by_subject: dict[str, list[Finding]] = {}
        for f in raw:
            hit = next((s for s in silences if silence_matches(s, f)), None)
            if hit:
                result.silenced.append((f, int(hit["id"])))
                continue
            by_subject.setdefault(f.subject, []).append(f)
        result.findings = [merge(fs) for _, fs in sorted(by_subject.items())]
        return result
