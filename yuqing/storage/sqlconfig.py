"""Live configuration in the workflow store (SQLite and PostgreSQL alike): versions of the overlay document.

Each change an administrator makes in the dashboard is a new row: the whole overlay (top-level sections that replace
the configuration file's), who, when, a Chinese summary and the before/after of what changed. The highest version is
in force; a running application compares it with the version it built its configuration from (one indexed MAX).
The table is created by migration 20 (``yuqing/storage/migrations.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from yuqing.clock import from_utc_text, to_utc_text
from yuqing.storage.base import ConcurrentUpdateError
from yuqing.storage.rows import _json, _loads

CONFIG_VERSIONS = [
    """CREATE TABLE config_versions (
        version INTEGER PRIMARY KEY,
        document TEXT NOT NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL,
        summary TEXT NOT NULL,
        changes TEXT NOT NULL
    )""",
]


class SQLConfigVersions:
    """Mixin of :class:`yuqing.storage.sqlworkflow.SQLWorkflowStore` (its ``_execute``/``transaction``)."""

    def config_version(self) -> int:
        row = self._execute("SELECT max(version) AS v FROM config_versions").fetchone()  # type: ignore[attr-defined]
        return int(row["v"] or 0) if row else 0

    def add_config_version(self, expected: int, document: dict[str, Any], *, actor: str, at: datetime,
                           summary: str, changes: list[dict[str, Any]]) -> int:
        with self.transaction():  # type: ignore[attr-defined]
            if self.config_version() != expected:
                raise ConcurrentUpdateError("配置已被他人修改，请刷新后重试")
            try:
                self._execute(  # type: ignore[attr-defined]
                    "INSERT INTO config_versions (version, document, actor, at, summary, changes) VALUES (?,?,?,?,?,?)",
                    (expected + 1, _json(document), actor, to_utc_text(at), summary, _json(changes)))
            except self._duplicate_error() as exc:  # type: ignore[attr-defined]
                raise ConcurrentUpdateError("配置已被他人修改，请刷新后重试") from exc
        return expected + 1

    def config_overlay(self, version: int | None = None) -> dict[str, Any] | None:
        if version is None:
            row = self._execute("SELECT * FROM config_versions ORDER BY version DESC LIMIT 1").fetchone()  # type: ignore[attr-defined]
        else:
            row = self._execute("SELECT * FROM config_versions WHERE version = ?", (int(version),)).fetchone()  # type: ignore[attr-defined]
        return _version_row(row) if row else None

    def config_history(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self._execute("SELECT * FROM config_versions ORDER BY version DESC LIMIT ?", (int(limit),))  # type: ignore[attr-defined]
        return [_version_row(r) for r in rows]


def _version_row(row: Any) -> dict[str, Any]:
    return {"version": int(row["version"]), "document": _loads(row["document"], {}), "actor": row["actor"],
            "at": from_utc_text(row["at"]), "summary": row["summary"], "changes": _loads(row["changes"], [])}
