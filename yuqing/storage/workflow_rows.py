"""Optional parts of a workflow store, each its own small base class that ``WorkflowStore`` inherits: a backend that
does not implement one raises NotImplementedError when the feature is used (the dashboard's sessions, the
dashboard's live configuration). Kept apart from ``base.py`` so each piece reads on its own."""

from __future__ import annotations

from datetime import datetime
from typing import Any


class SessionRows:
    """Dashboard sessions (yuqing.sessions): rows {id, user_name, issued_at, expires_at, last_seen, revoked_at}."""

    def session_secret(self, candidate: str, now: datetime) -> str:
        """The HMAC key for session tokens: ``candidate`` is stored if none is yet (first writer wins)."""
        raise NotImplementedError

    def add_session(self, session_id: str, user_name: str, issued_at: datetime, expires_at: datetime) -> None:
        raise NotImplementedError

    def get_session(self, session_id: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def touch_session(self, session_id: str, at: datetime) -> None:
        """Move ``last_seen`` forward (never back) on a live session."""
        raise NotImplementedError

    def revoke_session(self, session_id: str, at: datetime) -> bool:
        """End a session (True if it was live); forget sessions long expired."""
        raise NotImplementedError

    def revoke_user_sessions(self, user_name: str, at: datetime) -> int:
        """End every live session of ``user_name`` (a deactivated account); how many were live."""
        raise NotImplementedError


class ConfigVersionRows:
    """Versions of the live configuration overlay (yuqing.config_store)."""

    def config_version(self) -> int:
        """The version of the configuration overlay in force (0: none, the file alone); cheap, read every cycle."""
        raise NotImplementedError

    def add_config_version(self, expected: int, document: dict[str, Any], *, actor: str, at: datetime,
                           summary: str, changes: list[dict[str, Any]]) -> int:
        """Store ``document`` as version ``expected + 1``; ConcurrentUpdateError if the current version is not
        ``expected`` (someone else changed the configuration meanwhile). Returns the new version."""
        raise NotImplementedError

    def config_overlay(self, version: int | None = None) -> dict[str, Any] | None:
        """One version (the latest by default): {version, document, actor, at, summary, changes}, or None."""
        raise NotImplementedError

    def config_history(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest versions, newest first, as :meth:`config_overlay` returns them."""
        raise NotImplementedError


class CorrectionRows:
    """Officers' corrections (yuqing.corrections)."""

    def add_correction(self, correction: dict[str, Any]) -> int:
        """Store one correction {doc_id, alert_id?, field, old_value?, new_value, text, actor, created_at}; its id."""
        raise NotImplementedError

    def list_corrections(self, field: str | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Corrections, oldest first (all fields, or one): a later correction of the same post supersedes."""
        raise NotImplementedError
