"""Dashboard sessions of the SQL workflow store (mixed into ``SQLWorkflowStore``; the same SQL on SQLite and
PostgreSQL through the store's dialect adapter ``_execute``), and their tables (migration 22, listed in
``migrations.MIGRATIONS``). See :mod:`yuqing.sessions` for what they are for."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from yuqing.clock import from_utc_text, to_utc_text

# Dashboard sessions (yuqing.sessions): the signed token names a session row, so logging out, an idle timeout or an
# expired token ends it for every tab and every dashboard node sharing the workflow store. The HMAC key lives in the
# store too (one row, written once by whichever node needs it first), never in the repository.
DASHBOARD_SESSIONS = [
    """CREATE TABLE dashboard_sessions (
        id TEXT PRIMARY KEY,
        user_name TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        revoked_at TEXT
    )""",
    "CREATE INDEX dashboard_sessions_user ON dashboard_sessions (user_name)",
    """CREATE TABLE session_keys (
        name TEXT PRIMARY KEY,
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
]

# Sessions past their expiry by this long are deleted when another is revoked: nothing can use them any more.
SESSION_KEEP = timedelta(days=7)


class SQLSessions:
    """WorkflowStore's dashboard sessions and their signing key, for a store with the SQL dialect adapter."""

    def session_secret(self, candidate: str, now: datetime) -> str:
        with self.transaction():
            self._execute("INSERT INTO session_keys VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                          ("dashboard", candidate, to_utc_text(now)))
            return self._execute("SELECT secret FROM session_keys WHERE name = ?", ("dashboard",)).fetchone()["secret"]

    def add_session(self, session_id: str, user_name: str, issued_at: datetime, expires_at: datetime) -> None:
        with self.transaction():
            self._execute("INSERT INTO dashboard_sessions VALUES (?, ?, ?, ?, ?, NULL)",
                          (session_id, user_name, to_utc_text(issued_at), to_utc_text(expires_at),
                           to_utc_text(issued_at)))

    def get_session(self, session_id: str) -> dict[str, Any] | None:
        row = self._execute("SELECT * FROM dashboard_sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        return {"id": row["id"], "user_name": row["user_name"], "issued_at": from_utc_text(row["issued_at"]),
                "expires_at": from_utc_text(row["expires_at"]), "last_seen": from_utc_text(row["last_seen"]),
                "revoked_at": from_utc_text(row["revoked_at"])}

    def touch_session(self, session_id: str, at: datetime) -> None:
        with self.transaction():
            self._execute("UPDATE dashboard_sessions SET last_seen = ? "
                          "WHERE id = ? AND revoked_at IS NULL AND last_seen < ?",
                          (to_utc_text(at), session_id, to_utc_text(at)))

    def revoke_session(self, session_id: str, at: datetime) -> bool:
        with self.transaction():
            live = self._execute("SELECT id FROM dashboard_sessions WHERE id = ? AND revoked_at IS NULL",
                                 (session_id,)).fetchone() is not None
            self._execute("UPDATE dashboard_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                          (to_utc_text(at), session_id))
            self._execute("DELETE FROM dashboard_sessions WHERE expires_at < ?", (to_utc_text(at - SESSION_KEEP),))
        return live

    def revoke_user_sessions(self, user_name: str, at: datetime) -> int:
        with self.transaction():
            cur = self._execute("UPDATE dashboard_sessions SET revoked_at = ? "
                                "WHERE user_name = ? AND revoked_at IS NULL", (to_utc_text(at), user_name))
            return max(cur.rowcount, 0)
