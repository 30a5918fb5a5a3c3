"""监测方案 (monitoring schemes): creating, editing and deleting them, checked and audited.

A scheme is a name, an expression in the search language (``yuqing.query``), an owner, and optionally the sources,
regions and period it is limited to. Saving a scheme whose expression, sources, regions or period changed makes a
new ``version``: the store drops the old matches in the same write, and the back-fill (``yuqing.scheme_matching``)
matches the history again. New documents are matched as they are analysed (``yuqing.jobs.process``).

Every change is written to the audit log under the pseudo alert id ``scheme:NAME`` (actions ``scheme_add``,
``scheme_edit``, ``scheme_delete``), with who did it and what changed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

from yuqing.model import AuditEntry, Scheme, SchemeError

if TYPE_CHECKING:
    from yuqing.query import Query
    from yuqing.storage.base import Store

AUDIT_PREFIX = "scheme:"
#: What ``edit_scheme`` may change (keyword → Scheme field).
EDITABLE = ("expression", "owner", "sources", "regions", "start", "end")


def check_expression(text: str) -> "Query":
    """Parse a scheme's expression; a bad one raises SchemeError with the position and the parser's Chinese message."""
    from yuqing.query import QueryError, parse

    if not isinstance(text, str) or not text.strip():
        raise SchemeError("表达式不能为空", 0)
    try:
        return parse(text)
    except QueryError as exc:
        raise SchemeError(str(exc), exc.position) from exc


def check_scheme(scheme: Scheme, known_sources: Iterable[str] | None = None) -> "Query":
    """The scheme's parsed expression, after checking its sources are configured ones (when ``known_sources``)."""
    query = check_expression(scheme.expression)
    if known_sources is not None:
        known = set(known_sources)
        unknown = [s for s in scheme.sources if s not in known]
        if unknown:
            raise SchemeError(f"来源「{'」「'.join(unknown)}」不存在（可用 yuqing sources 查看已配置的来源名称）")
    return query


def _audit(store: "Store", name: str, actor: str, action: str, now: datetime, note: dict[str, Any]) -> None:
    store.workflow.append_audit(AuditEntry(alert_id=AUDIT_PREFIX + name, actor=actor, action=action, at=now,
                                           note=json.dumps(note, ensure_ascii=False, default=str)))


def _described(scheme: Scheme) -> dict[str, Any]:
    return {"expression": scheme.expression, "owner": scheme.owner, "sources": list(scheme.sources),
            "regions": list(scheme.regions), "start": scheme.start, "end": scheme.end, "version": scheme.version}


def add_scheme(store: "Store", scheme: Scheme, *, actor: str, now: datetime,
               known_sources: Iterable[str] | None = None) -> Scheme:
    """Store a new scheme (its back-fill is then pending); SchemeError when the name is taken or it is invalid."""
    check_scheme(scheme, known_sources)
    docs = store.documents
    with store.workflow.transaction():
        if docs.get_scheme(scheme.name) is not None:
            raise SchemeError(f"方案「{scheme.name}」已存在；修改请用 yuqing schemes edit {scheme.name}")
        stored = replace(scheme, created_at=now, updated_at=now, version=1, backfilled_version=0, backfill_cursor=None)
        docs.save_scheme(stored)
        _audit(store, scheme.name, actor, "scheme_add", now, _described(stored))
    return stored


def edit_scheme(store: "Store", name: str, *, actor: str, now: datetime,
                known_sources: Iterable[str] | None = None, **changes: Any) -> Scheme:
    """Change some of ``EDITABLE``; a change of what the scheme matches makes a new version (re-back-filled)."""
    bad = sorted(set(changes) - set(EDITABLE))
    if bad:
        raise SchemeError(f"不能修改方案的 {', '.join(bad)}（可修改：{', '.join(EDITABLE)}）")
    docs = store.documents
    with store.workflow.transaction():
        old = docs.get_scheme(name)
        if old is None:
            raise SchemeError(f"方案「{name}」不存在")
        new = replace(old, **{k: tuple(v) if k in ("sources", "regions") else v for k, v in changes.items()})
        check_scheme(new, known_sources)
        if new == old:
            return old
        if new.matching_key() != old.matching_key():
            new = replace(new, version=old.version + 1, backfill_cursor=None)
        new = replace(new, updated_at=now)
        docs.save_scheme(new)
        before, after = _described(old), _described(new)
        _audit(store, name, actor, "scheme_edit", now,
               {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]})
    return new


def delete_scheme(store: "Store", name: str, *, actor: str, now: datetime) -> Scheme:
    """Remove a scheme and its matches; SchemeError when there is none."""
    docs = store.documents
    with store.workflow.transaction():
        old = docs.get_scheme(name)
        if old is None or not docs.delete_scheme(name):
            raise SchemeError(f"方案「{name}」不存在")
        _audit(store, name, actor, "scheme_delete", now, _described(old))
    return old
