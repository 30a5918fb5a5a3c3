"""The workflow half on a SQL database, written once for SQLite and PostgreSQL.

Both SQL backends create the same tables from the same migrations, so the statements are the same too. They are
written here with ``?`` placeholders in SQL both databases accept; a backend supplies the connection,
``transaction()`` and a small dialect adapter:

* ``_execute(sql, params)`` runs a statement (PostgreSQL turns ``?`` into ``%s``) and returns a cursor whose rows
  can be read by column name;
* ``_insert_id(sql, params)`` runs an INSERT and returns the new row's id (None when ``ON CONFLICT DO NOTHING``
  inserted nothing): ``lastrowid`` in SQLite, ``RETURNING id`` in PostgreSQL;
* ``_duplicate_error()`` is the driver's exception for a broken uniqueness rule;
* ``FOR_UPDATE`` locks a row read for a read-modify-write (PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already holds
  the write lock);
* the two ``LEAGUE_…`` fragments, where the dialects really differ;
* ``_audit_guards()``: which of ``AUDIT_GUARDED`` the append-only triggers still refuse (each database keeps its
  triggers in its own catalogue).

Shared statements contain no literal ``?`` or ``%`` (PostgreSQL's placeholder translation relies on it). The audit
log (``sqlaudit``), the silences and notification queue (``sqldeliveries``) and the dashboard sessions
(``sqlsessions``) are mixins in modules of their own.
"""

from __future__ import annotations

import abc
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from yuqing.clock import from_utc_text, to_utc_text
from yuqing.model import Alert, Assignment, Department, Response, Role, User
from yuqing.storage.base import ConcurrentUpdateError, DuplicateError, StoreError, WorkflowStore
from yuqing.storage.rows import _json, _loads
from yuqing.storage.sqlaudit import SQLAudit
from yuqing.storage.sqlconfig import SQLConfigVersions
from yuqing.storage.sqldeliveries import SQLDeliveries
from yuqing.storage.sqlsessions import SQLSessions


class SQLWorkflowStore(SQLAudit, SQLDeliveries, SQLSessions, SQLConfigVersions, WorkflowStore):
    # Row lock for a read-modify-write inside a transaction (empty where the transaction already holds the lock).
    FOR_UPDATE = ""
    # department_league: the last rated response of each alert (alert_id, rating) …
    LEAGUE_LAST_RATING = ""
    # … and the hours from ``a.dispatched_at`` to the first response ``fr.at`` (whole seconds: first 19 characters).
    LEAGUE_HOURS = ""
    # The statements the append-only audit triggers must refuse.
    AUDIT_GUARDED: frozenset[str] = frozenset({"UPDATE", "DELETE"})

    # -- dialect adapter -----------------------------------------------------------------------------------------
    @abc.abstractmethod
    def _execute(self, sql: str, params: Any = ()) -> Any:
        """Run one statement written with ``?`` placeholders; rows are readable by column name."""

    @abc.abstractmethod
    def _insert_id(self, sql: str, params: Any) -> int | None:
        """Run an INSERT; the new row's id, or None when it inserted nothing (``ON CONFLICT DO NOTHING``)."""

    @abc.abstractmethod
    def _duplicate_error(self) -> type[Exception]:
        """The driver's exception for a uniqueness violation."""

    @abc.abstractmethod
    def _database_error(self) -> type[Exception]:
        """The driver's base exception class."""

    @abc.abstractmethod
    def _audit_guards(self) -> set[str]:
        """Which statements (UPDATE, DELETE, TRUNCATE) enabled, unconditional audit_log triggers still refuse."""

    # -- row conversion -------------------------------------------------------------------------------------------
    @staticmethod
    def _row_to_user(r: Any) -> User:
        return User(name=r["name"], role=Role(r["role"]), password_hash=r["password_hash"], department=r["department"],
                    display_name=r["display_name"], active=bool(r["active"]), created_at=from_utc_text(r["created_at"]))

    @staticmethod
    def _alert_values(a: Alert) -> dict[str, Any]:
        due = min(a.deadlines.values()) if a.deadlines else None
        return {
            "event_id": a.event_id, "rule": a.rule, "level": a.level, "title": a.title, "reason": a.reason,
            "status": a.status.value, "department": a.department, "policy": a.policy,
            "deadlines": _json({k: to_utc_text(v) for k, v in a.deadlines.items()}), "due_at": to_utc_text(due),
            "details": _json(a.details), "created_at": to_utc_text(a.created_at),
            "updated_at": to_utc_text(a.updated_at or a.created_at), "dispatched_at": to_utc_text(a.dispatched_at),
            "warned": _json(a.warned), "escalated": int(a.escalated), "rating": a.rating,
        }

    @staticmethod
    def _row_to_alert(r: Any) -> Alert:
        return Alert(
            id=r["id"], rule=r["rule"], level=r["level"], title=r["title"], reason=r["reason"], status=r["status"],
            event_id=r["event_id"], department=r["department"], policy=r["policy"],
            deadlines={k: from_utc_text(v) for k, v in _loads(r["deadlines"], {}).items()},
            details=_loads(r["details"], {}), created_at=from_utc_text(r["created_at"]),
            updated_at=from_utc_text(r["updated_at"]), dispatched_at=from_utc_text(r["dispatched_at"]),
            warned=_loads(r["warned"], []), escalated=bool(r["escalated"]), rating=r["rating"], version=r["version"])

    @staticmethod
    def _row_to_delivery(r: Any) -> dict[str, Any]:
        d = dict(r)
        d["payload"] = _loads(d["payload"], {})
        for k in ("next_attempt_at", "created_at", "delivered_at", "lease_until"):
            d[k] = from_utc_text(d[k])
        return d

    # -- departments and users ---------------------------------------------------------------------------------
    def sync_departments(self, departments: list[Department]) -> None:
        with self.transaction():
            names = [d.name for d in departments]
            # Configuration is the source of truth: no departments configured leaves none (NOT IN () is not SQL).
            self._execute("DELETE FROM departments" + (f" WHERE name NOT IN ({', '.join('?' * len(names))})"
                                                       if names else ""), names)
            for d in departments:
                self._execute(
                    "INSERT INTO departments VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                    "topics = excluded.topics, regions = excluded.regions, contact = excluded.contact, "
                    "supervisor = excluded.supervisor",
                    (d.name, _json(d.topics), _json(d.regions), _json(d.contact), int(d.supervisor)))

    def list_departments(self) -> list[Department]:
        rows = self._execute("SELECT * FROM departments ORDER BY name")
        return [Department(name=r["name"], topics=_loads(r["topics"], []), regions=_loads(r["regions"], []),
                           contact=_loads(r["contact"], {}), supervisor=bool(r["supervisor"])) for r in rows]

    def add_user(self, user: User) -> None:
        try:
            with self.transaction():
                self._execute("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)",
                              (user.name, Role(user.role).value, user.password_hash, user.department,
                               user.display_name, int(user.active), to_utc_text(user.created_at)))
        except self._duplicate_error() as exc:
            raise DuplicateError(f"用户「{user.name}」已存在") from exc

    def update_user(self, user: User) -> None:
        with self.transaction():
            cur = self._execute(
                "UPDATE users SET role = ?, password_hash = ?, department = ?, display_name = ?, active = ? WHERE name = ?",
                (Role(user.role).value, user.password_hash, user.department, user.display_name, int(user.active),
                 user.name))
            if cur.rowcount == 0:
                raise StoreError(f"用户「{user.name}」不存在")

    def get_user(self, name: str) -> User | None:
        row = self._execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return self._row_to_user(row) if row else None

    def list_users(self) -> list[User]:
        return [self._row_to_user(r) for r in self._execute("SELECT * FROM users ORDER BY name")]

    # -- alerts ------------------------------------------------------------------------------------------------
    def insert_alert(self, alert: Alert) -> None:
        values = {"id": alert.id, **self._alert_values(alert), "version": alert.version}
        try:
            with self.transaction():
                self._execute(f"INSERT INTO alerts ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                              list(values.values()))
        except self._duplicate_error() as exc:
            raise DuplicateError(f"事件 {alert.event_id} 已有未办结的预警，或预警编号 {alert.id} 重复") from exc

    def get_alert(self, alert_id: str) -> Alert | None:
        row = self._execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return self._row_to_alert(row) if row else None

    def list_alerts(self, *, status: str | list[str] | None = None, department: str | None = None,
                    level: int | None = None, since: datetime | None = None, until: datetime | None = None,
                    limit: int = 100, offset: int = 0) -> tuple[int, list[Alert]]:
        clauses, params = ["1=1"], []
        if status:
            statuses = [status] if isinstance(status, str) else list(status)
            clauses.append(f"status IN ({','.join('?' * len(statuses))})")
            params.extend(statuses)
        if department:
            clauses.append("department = ?")
            params.append(department)
        if level is not None:
            clauses.append("level = ?")
            params.append(level)
        if since:
            clauses.append("created_at >= ?")
            params.append(to_utc_text(since))
        if until:
            clauses.append("created_at < ?")
            params.append(to_utc_text(until))
        where = " AND ".join(clauses)
        total = self._execute(f"SELECT count(*) AS n FROM alerts WHERE {where}", params).fetchone()["n"]
        rows = self._execute(f"SELECT * FROM alerts WHERE {where} ORDER BY level, created_at DESC LIMIT ? OFFSET ?",
                             [*params, limit, offset]).fetchall()
        return total, [self._row_to_alert(r) for r in rows]

    def open_alert_for_event(self, event_id: str) -> Alert | None:
        row = self._execute("SELECT * FROM alerts WHERE event_id = ? AND status <> 'closed'", (event_id,)).fetchone()
        return self._row_to_alert(row) if row else None

    def update_alert(self, alert: Alert, expected_version: int) -> Alert:
        values = self._alert_values(alert)
        sets = ", ".join(f"{k} = ?" for k in values)
        with self.transaction():
            cur = self._execute(f"UPDATE alerts SET {sets}, version = version + 1 WHERE id = ? AND version = ?",
                                [*values.values(), alert.id, expected_version])
            if cur.rowcount == 0:
                current = self.get_alert(alert.id)
                if current is None:
                    raise StoreError(f"预警 {alert.id} 不存在")
                raise ConcurrentUpdateError(
                    f"预警 {alert.id} 已被他人修改（当前版本 {current.version}，你读取的是版本 {expected_version}）；请刷新后重试")
        return replace(alert, version=expected_version + 1)

    def add_assignment(self, assignment: Assignment) -> None:
        with self.transaction():
            self._execute("UPDATE assignments SET active = 0 WHERE alert_id = ?", (assignment.alert_id,))
            self._execute(
                "INSERT INTO assignments (alert_id, department, assigned_by, assigned_at, note, active) VALUES (?,?,?,?,?,1)",
                (assignment.alert_id, assignment.department, assignment.assigned_by,
                 to_utc_text(assignment.assigned_at), assignment.note))

    def assignments_for(self, alert_id: str) -> list[Assignment]:
        rows = self._execute("SELECT * FROM assignments WHERE alert_id = ? ORDER BY id", (alert_id,))
        return [Assignment(id=r["id"], alert_id=r["alert_id"], department=r["department"],
                           assigned_by=r["assigned_by"], assigned_at=from_utc_text(r["assigned_at"]), note=r["note"],
                           active=bool(r["active"])) for r in rows]

    def add_response(self, response: Response) -> int:
        with self.transaction():
            return self._insert_id(
                "INSERT INTO responses (alert_id, department, author, text, link, created_at, rating, rated_by, rated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (response.alert_id, response.department, response.author, response.text, response.link,
                 to_utc_text(response.created_at), response.rating, response.rated_by, to_utc_text(response.rated_at)))

    def update_response(self, response: Response) -> None:
        with self.transaction():
            self._execute("UPDATE responses SET rating = ?, rated_by = ?, rated_at = ? WHERE id = ?",
                          (response.rating, response.rated_by, to_utc_text(response.rated_at), response.id))

    def responses_for(self, alert_id: str) -> list[Response]:
        rows = self._execute("SELECT * FROM responses WHERE alert_id = ? ORDER BY id", (alert_id,))
        return [Response(id=r["id"], alert_id=r["alert_id"], department=r["department"], author=r["author"],
                         text=r["text"], link=r["link"], created_at=from_utc_text(r["created_at"]),
                         rating=r["rating"], rated_by=r["rated_by"], rated_at=from_utc_text(r["rated_at"]))
                for r in rows]

    def department_league(self, since: datetime | None = None) -> list[dict[str, Any]]:
        params: list[Any] = []
        cond = "a.department IS NOT NULL"
        if since:
            cond += " AND a.created_at >= ?"
            params.append(to_utc_text(since))
        rows = self._execute(f"""
            WITH first_response AS (
                SELECT alert_id, min(created_at) AS at FROM responses GROUP BY alert_id),
            last_rating AS ({self.LEAGUE_LAST_RATING})
            SELECT a.department AS department,
                   count(*) AS alerts,
                   sum(CASE WHEN fr.at IS NOT NULL THEN 1 ELSE 0 END) AS responded,
                   sum(CASE WHEN fr.at IS NOT NULL AND (a.due_at IS NULL OR fr.at <= a.due_at) THEN 1 ELSE 0 END) AS on_time,
                   sum(CASE WHEN a.escalated = 1 THEN 1 ELSE 0 END) AS escalated,
                   avg(CASE WHEN fr.at IS NOT NULL AND a.dispatched_at IS NOT NULL THEN {self.LEAGUE_HOURS} END)
                       AS avg_hours,
                   sum(CASE WHEN lr.rating = '满意' THEN 1 ELSE 0 END) AS satisfied,
                   sum(CASE WHEN lr.rating = '基本满意' THEN 1 ELSE 0 END) AS basically_satisfied,
                   sum(CASE WHEN lr.rating = '不满意' THEN 1 ELSE 0 END) AS dissatisfied
            FROM alerts a
            LEFT JOIN first_response fr ON fr.alert_id = a.id
            LEFT JOIN last_rating lr ON lr.alert_id = a.id
            WHERE {cond}
            GROUP BY a.department ORDER BY alerts DESC""", params)
        # Counts as plain ints whatever numeric type the driver hands back.
        return [{k: (int(v) if k not in ("department", "avg_hours") and v is not None else v) for k, v in dict(r).items()}
                for r in rows]

    # -- crawl state and health --------------------------------------------------------------------------------
    def record_crawl(self, source: str, run: dict[str, Any]) -> dict[str, Any]:
        """``run``: finished_at, pages, items, listed, errors ({kind: count}), error_urls (list), failed (bool)."""
        with self.transaction():
            # Locked read-modify-write: two crawler nodes finishing the same source at once must both be counted.
            self._execute("INSERT INTO source_health (source, errors, last_run_stats) VALUES (?, '{}', '{}') "
                          "ON CONFLICT (source) DO NOTHING", (source,))
            row = self._execute(f"SELECT * FROM source_health WHERE source = ?{self.FOR_UPDATE}", (source,)).fetchone()
            errors = _loads(row["errors"], {})
            for kind, count in (run.get("errors") or {}).items():
                errors[kind] = errors.get(kind, 0) + int(count)
            failed = bool(run.get("failed"))
            # "Yields nothing" for an incremental crawler means no links at all (a quiet site still lists its
            # known pages; a broken layout lists none), so ``listed`` counts when the crawler reports it.
            found = int(run.get("items", 0)) + int(run.get("listed", 0) if "listed" in run else 0)
            empty = not failed and found == 0
            finished = to_utc_text(run["finished_at"])
            values = {
                "last_run": finished,
                "last_success": finished if not failed else row["last_success"],
                "runs": row["runs"] + 1,
                "pages_fetched": row["pages_fetched"] + int(run.get("pages", 0)),
                "items_stored": row["items_stored"] + int(run.get("items", 0)),
                "errors": _json(errors),
                "consecutive_failures": row["consecutive_failures"] + 1 if failed else 0,
                "consecutive_empty": row["consecutive_empty"] + 1 if empty else 0,
                "last_run_stats": _json(run),
            }
            self._execute(f"UPDATE source_health SET {', '.join(f'{k} = ?' for k in values)} WHERE source = ?",
                          [*values.values(), source])
        return next(h for h in self.source_health() if h["source"] == source)

    def source_health(self) -> list[dict[str, Any]]:
        out = []
        for r in self._execute("SELECT * FROM source_health ORDER BY source"):
            d = dict(r)
            d["errors"] = _loads(d["errors"], {})
            d["last_run_stats"] = _loads(d["last_run_stats"], {})
            d["last_run"] = from_utc_text(d["last_run"])
            d["last_success"] = from_utc_text(d["last_success"])
            out.append(d)
        return out

    def get_state(self, scope: str, key: str) -> str | None:
        row = self._execute("SELECT value FROM kv_state WHERE scope = ? AND key = ?", (scope, key)).fetchone()
        return row["value"] if row else None

    def set_state(self, scope: str, key: str, value: str) -> None:
        with self.transaction():
            self._execute("INSERT INTO kv_state VALUES (?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value",
                          (scope, key, value))

    # -- officers' corrections ----------------------------------------------------------------------------------
    def add_correction(self, correction: dict[str, Any]) -> int:
        with self.transaction():
            return self._insert_id(
                "INSERT INTO corrections (doc_id, alert_id, field, old_value, new_value, text, actor, created_at) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (correction["doc_id"], correction.get("alert_id"), correction["field"], correction.get("old_value"),
                 correction["new_value"], correction["text"], correction["actor"],
                 to_utc_text(correction["created_at"])))

    def list_corrections(self, field: str | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM corrections" + (" WHERE field = ?" if field else "") + " ORDER BY id"
        params: tuple = (field,) if field else ()
        if limit is not None:
            sql += " LIMIT ?"
            params += (int(limit),)
        return [{"id": r["id"], "doc_id": r["doc_id"], "alert_id": r["alert_id"], "field": r["field"],
                 "old_value": r["old_value"], "new_value": r["new_value"], "text": r["text"], "actor": r["actor"],
                 "created_at": from_utc_text(r["created_at"])} for r in self._execute(sql, params)]

    # -- login throttling ---------------------------------------------------------------------------------------
    def login_locked_until(self, kind: str, key: str, now: datetime) -> datetime | None:
        """When the lock on this account name or address ends, if it is locked at ``now``; else None."""
        row = self._execute("SELECT locked_until FROM login_attempts WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        until = from_utc_text(row["locked_until"]) if row else None
        return until if until is not None and until > now else None

    def record_login_failure(self, kind: str, key: str, now: datetime, *, window: timedelta, limit: int,
                             lockout: timedelta) -> datetime | None:
        """Count one failed login for ``key`` (``kind``: account or address); failures older than ``window`` or
        before an expired lock start a new count. Reaching ``limit`` locks it until ``now + lockout``, returned."""
        with self.transaction():
            # The row exists before it is locked, so two concurrent failures count twice, never once.
            self._execute("INSERT INTO login_attempts VALUES (?, ?, 0, ?, NULL) ON CONFLICT (kind, key) DO NOTHING",
                          (kind, key, to_utc_text(now)))
            row = self._execute(f"SELECT * FROM login_attempts WHERE kind = ? AND key = ?{self.FOR_UPDATE}",
                                (kind, key)).fetchone()
            start, until = from_utc_text(row["window_start"]), from_utc_text(row["locked_until"])
            failures = int(row["failures"])
            if now - start > window or (until is not None and until <= now):
                failures, start, until = 0, now, None
            failures += 1
            if failures >= limit and until is None:
                until = now + lockout
            self._execute("UPDATE login_attempts SET failures = ?, window_start = ?, locked_until = ? "
                          "WHERE kind = ? AND key = ?", (failures, to_utc_text(start), to_utc_text(until), kind, key))
            # Forget counters that can no longer lock anything (names an attacker made up must not pile up).
            stale = to_utc_text(now - max(window, lockout))
            self._execute("DELETE FROM login_attempts WHERE window_start < ? AND (locked_until IS NULL OR locked_until < ?)",
                          (stale, stale))
        return until

    def clear_login_failures(self, kind: str, key: str) -> None:
        with self.transaction():
            self._execute("DELETE FROM login_attempts WHERE kind = ? AND key = ?", (kind, key))

    def workflow_stats(self) -> dict[str, int]:
        row = self._execute("SELECT (SELECT count(*) FROM alerts) AS alerts, "
                            "(SELECT count(*) FROM alerts WHERE status <> 'closed') AS open_alerts, "
                            "(SELECT count(*) FROM users) AS users, "
                            "(SELECT count(*) FROM departments) AS departments").fetchone()
        return {k: int(v) for k, v in dict(row).items()}
