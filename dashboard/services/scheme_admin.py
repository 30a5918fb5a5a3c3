"""Write side of 方案管理: create, edit and delete 监测方案 from the dashboard, through the schemes core
(:mod:`yuqing.schemes`: checked with the expression parser, audited) — the same layer as ``yuqing schemes``.

Who may: officers and administrators, decided from the account as stored now (the page passes the user it re-read
this run). After a save the history is matched by the schemes core's resumable back-fill: the page runs one short
slice (``BACKFILL_SLICE_SECONDS``) so a small store is done at once, and the scheduler's ``process`` job advances the
rest; the page shows where it stands. Every answer is a :class:`SaveResult` with a Chinese message; a bad expression
carries the parser's position so the page can point at it.
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from yuqing.model import Role, Scheme, SchemeError, User

ADMIN_ROLES = (Role.ADMIN, Role.OFFICER)
BACKFILL_SLICE_SECONDS = 2.0


@dataclass(frozen=True)
class SaveResult:
    ok: bool
    message: str
    position: int | None = None  # 0-based character offset in the expression when the expression is at fault
    pointer: str | None = None  # the expression's line at fault and a caret under the position (monospace text)


def may_manage(user: User) -> bool:
    return user.role in ADMIN_ROLES


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def error_pointer(expression: str, position: int | None) -> str | None:
    """The line of ``expression`` holding ``position`` and a caret under that character, for a monospace box; wide
    (CJK) characters take two columns, so the caret lands under the right character."""
    if position is None or not isinstance(expression, str):
        return None
    position = max(0, min(position, len(expression)))
    start = expression.rfind("\n", 0, position) + 1
    end = expression.find("\n", position)
    line = expression[start:end if end >= 0 else len(expression)]
    head = f"第 {expression.count(chr(10), 0, position) + 1} 行：" if "\n" in expression else ""
    return f"{head}{line}\n{' ' * (_width(head) + _width(expression[start:position]))}^"


def _known_sources(app: Any) -> list[str]:
    return [s.name for s in app.config.sources]


def _refused(user: User) -> SaveResult | None:
    if not may_manage(user):
        return SaveResult(False, "只有舆情专员或管理员可以新建、修改或删除监测方案")
    return None


def save_scheme(app: Any, user: User, *, name: str, expression: str, owner: str | None, sources: Sequence[str],
                regions: Sequence[str], start: datetime | None, end: datetime | None, now: datetime,
                existing: bool) -> SaveResult:
    """Create (``existing`` False) or edit a scheme; on success one short back-fill slice runs."""
    from yuqing.schemes import add_scheme, edit_scheme

    refused = _refused(user)
    if refused:
        return refused
    name, expression = (name or "").strip(), expression or ""
    try:
        if existing:
            scheme = edit_scheme(app.store, name, actor=user.name, now=now, known_sources=_known_sources(app),
                                 expression=expression, owner=(owner or "").strip() or None, sources=tuple(sources),
                                 regions=tuple(regions), start=start, end=end)
            verb = "已保存"
        else:
            scheme = add_scheme(app.store, Scheme(name=name, expression=expression, owner=(owner or "").strip() or None,
                                                  sources=tuple(sources), regions=tuple(regions), start=start, end=end),
                                actor=user.name, now=now, known_sources=_known_sources(app))
            verb = "已新建"
    except SchemeError as exc:
        return SaveResult(False, str(exc), exc.position, error_pointer(expression, exc.position))
    return SaveResult(True, f"{verb}监测方案「{scheme.name}」。{backfill_slice(app, scheme.name)}")


def backfill_slice(app: Any, name: str, seconds: float = BACKFILL_SLICE_SECONDS) -> str:
    """Advance the scheme's back-fill for at most about ``seconds``; where it stands, in Chinese."""
    from yuqing.scheme_matching import backfill

    titles = {s.name: s.title for s in app.config.sources if s.title}
    report = backfill(app.store.documents, name, source_titles=titles, deadline=time.monotonic() + seconds)
    matched = app.store.documents.scheme_match_counts().get(name, 0)
    if report.superseded:
        return "方案已被他人修改或删除，请刷新后查看。"
    if report.done:
        return f"历史数据回溯已完成，共匹配 {matched} 篇。"
    return f"已回溯 {report.examined} 篇、匹配 {matched} 篇；其余历史数据由调度器在后台继续回溯，本页会显示进度。"


def scoped_rule_names(app: Any, name: str) -> list[str]:
    from yuqing.dashboard.services.schemes import scoped_rules

    rules, _ = scoped_rules(app, name)
    return [r.name for r in rules]


def delete_scheme(app: Any, user: User, name: str, *, now: datetime) -> SaveResult:
    """Delete a scheme and its matches; refused while an alert rule is limited to it (the rule would stop the
    alerts stage from loading with an unknown scheme)."""
    from yuqing.schemes import delete_scheme as _delete

    refused = _refused(user)
    if refused:
        return refused
    rules = scoped_rule_names(app, name)
    if rules:
        return SaveResult(False, f"预警规则「{'」「'.join(rules)}」限定于方案「{name}」，请先修改或删除这些规则再删除方案")
    try:
        _delete(app.store, name, actor=user.name, now=now)
    except SchemeError as exc:
        return SaveResult(False, str(exc))
    return SaveResult(True, f"已删除监测方案「{name}」及其匹配记录")
