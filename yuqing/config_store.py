"""Live configuration: the TOML file seeds it, the dashboard changes it, every process sees the change next cycle.

The configuration in force is the file plus an **overlay** kept in the workflow store (``config_versions``, every
backend): a document of whole top-level sections (``sources``, ``departments``, ``alerts``) that replace the file's.
Each change is a new version, written only after the new configuration passed the same checks as the file at
start-up (``yuqing.config.parse_config`` and the stages' checks the application runs, see ``App.check_config``), and
audited in the same transaction (audit entry on ``CONFIG_AUDIT_ID``: who, what, before and after). A running
application compares the stored version with the one it built from (``App.refresh``: one indexed MAX per cycle) and
rebuilds its configuration and the stages that depend on it. ``yuqing config export`` writes the effective TOML, so
the file can be re-seeded from what the dashboard made of it.

The kernel imports no stage: the stages' checks reach this module as a callable from the application.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Callable

from yuqing.config_auth import mask_secrets
from yuqing.config import Config, ConfigError, load_config, parse_config, require_departments
from yuqing.model import AuditEntry

#: The sections an administrator may change live; storage, components and the rest stay the file's (a process must
#: be able to open the store before it can read the overlay).
LIVE_SECTIONS = ("sources", "departments", "alerts")
#: The audit log's subject for configuration changes (the log is per alert; this id is no alert's).
CONFIG_AUDIT_ID = "config"
AUDIT_ACTION = "config_change"


@dataclass(frozen=True)
class Overlay:
    version: int
    document: dict[str, Any]


def effective_raw(file_raw: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """The configuration data in force: the file's sections, with the overlay's sections in their place."""
    raw = copy.deepcopy(file_raw)
    for key, value in document.items():
        if key in LIVE_SECTIONS:
            raw[key] = copy.deepcopy(value)
    return raw


def build(file_config: Config, document: dict[str, Any]) -> Config:
    """The configuration the file plus ``document`` make (kernel checks only; ConfigError naming the key)."""
    return require_departments(parse_config(effective_raw(file_config.raw, document), file_config.path,
                                            file_config.home))


def stored_overlay(workflow: Any) -> Overlay:
    """The overlay in force (version 0 and nothing when the store has none, or the backend keeps no versions)."""
    try:
        row = workflow.config_overlay()
    except NotImplementedError:
        return Overlay(0, {})
    return Overlay(int(row["version"]), dict(row["document"])) if row else Overlay(0, {})


def stored_version(workflow: Any) -> int:
    try:
        return int(workflow.config_version())
    except NotImplementedError:
        return 0


def load_effective_config(path: str | Path | None = None, home: Path | None = None) -> Config:
    """The file plus the stored overlay, for processes that build from configuration without an application (the
    crawl child). The overlay was checked when it was written; a file changed since that makes it invalid is
    reported by the application (``App.refresh``), and here the file alone is used."""
    from yuqing.storage import open_store

    config = load_config(path, home)
    store = open_store(config)
    try:
        overlay = stored_overlay(store.workflow)
    finally:
        store.close()
    if not overlay.document:
        return config
    try:
        return build(config, overlay.document)
    except ConfigError:
        return config


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two configurations' live sections: one entry per named item of a list section (a
    source, a department, a rule) or per key of a table, with its value before and after (None: absent)."""
    changes: list[dict[str, Any]] = []
    for section in LIVE_SECTIONS:
        old, new = before.get(section), after.get(section)
        if old == new:
            continue
        if isinstance(old, (list, type(None))) and isinstance(new, list) and _named(old or []) and _named(new):
            olds = {item["name"]: item for item in old or []}
            news = {item["name"]: item for item in new}
            for name in [*olds, *(n for n in news if n not in olds)]:
                if olds.get(name) != news.get(name):
                    changes.append({"key": f"{section}[{name}]", "before": olds.get(name), "after": news.get(name)})
        elif isinstance(old, (dict, type(None))) and isinstance(new, dict):
            for key in [*(old or {}), *(k for k in new if k not in (old or {}))]:
                if (old or {}).get(key) != new.get(key):
                    changes.append({"key": f"{section}.{key}", "before": (old or {}).get(key), "after": new.get(key)})
        else:
            changes.append({"key": section, "before": old, "after": new})
    return changes


def _named(items: list[Any]) -> bool:
    return all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items)


def change(app: Any, actor: str, now: datetime, summary: str, edit: Callable[[dict[str, Any]], None]) -> int:
    """Apply ``edit`` (a function that changes the effective configuration data in place) as a new version.

    The result is checked like the file at start-up (``app.check_config``); a ConfigError (the checker's Chinese
    message naming the key) changes nothing. Otherwise the version and its audit entry are written in one
    transaction and the application refreshed. Returns the new version (the current one when nothing changed)."""
    workflow = app.store.workflow
    current = stored_overlay(workflow)
    before = effective_raw(app.file_config.raw, current.document)
    after = copy.deepcopy(before)
    edit(after)
    for key in after:
        if key not in LIVE_SECTIONS and after.get(key) != before.get(key):
            raise ConfigError(app.file_config.path, key, f"[{key}] 不能在看板中修改，请编辑配置文件后重启")
    changes = diff(before, after)
    if not changes:
        return current.version
    # An open API's key (key in [sources.api.auth]) is never written to the audit log or the change list.
    changes = [{**c, "before": mask_secrets(c["before"]), "after": mask_secrets(c["after"])} for c in changes]
    document = {k: after[k] for k in LIVE_SECTIONS if k in after and after[k] != app.file_config.raw.get(k)}
    config = build(app.file_config, document)
    app.check_config(config)
    note = f"{summary}：" + "；".join(
        f"{c['key']} 修改前 {_text(c['before'])}，修改后 {_text(c['after'])}" for c in changes)
    with workflow.transaction():
        version = workflow.add_config_version(current.version, document, actor=actor, at=now, summary=summary,
                                              changes=changes)
        workflow.append_audit(AuditEntry(alert_id=CONFIG_AUDIT_ID, actor=actor, action=AUDIT_ACTION, at=now,
                                         note=f"配置第 {version} 版 · {note}"))
    app.refresh()
    return version


def _text(value: Any) -> str:
    return "（无）" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


# -- export ----------------------------------------------------------------------------------------------------------
def to_toml(data: dict[str, Any]) -> str:
    """Configuration data as TOML that ``tomllib`` reads back to the same data (tables, arrays of tables, inline
    values; keys quoted where they are not bare)."""
    lines: list[str] = []
    _table(lines, [], data)
    return "\n".join(lines).lstrip("\n") + "\n"


def _table(lines: list[str], path: list[str], table: dict[str, Any]) -> None:
    simple = {k: v for k, v in table.items() if not _is_table(v) and not _is_table_array(v)}
    for key, value in simple.items():
        lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in table.items():
        if _is_table(value):
            lines += ["", f"[{'.'.join(_key(k) for k in [*path, key])}]"]
            _table(lines, [*path, key], value)
        elif _is_table_array(value):
            for item in value:
                lines += ["", f"[[{'.'.join(_key(k) for k in [*path, key])}]]"]
                _table(lines, [*path, key], item)


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _key(key: str) -> str:
    bare = key and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in key)
    return key if bare else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, (date, time)):  # TOML's own date and time values (date before datetime: a subclass)
        return value.isoformat()
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise ConfigError("(导出)", str(value)[:40], f"无法写成 TOML 的值：{type(value).__name__}")
