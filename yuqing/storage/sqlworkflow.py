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

Shared statements contain no literal ``?`` or ``%`` (PostgreSQL's placeholder translation relies on it).
"""

from __future__ import annotations

import abc
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from yuqing.clock import from_utc_text, to_utc_text
from yuqing.model import Alert, Assignment, AuditEntry, Department, Response, Role, User
from yuqing.storage.base import (
    ConcurrentUpdateError, DuplicateError, StoreError, WorkflowStore, _json, _loads, delivery_message_key,
)
from yuqing.storage.migrations import AUDIT_FIELDS, AUDIT_GENESIS, audit_hash

_DELIVERY_CHANGES = {"status", "attempts", "last_error", "next_attempt_at", "delivered_at"}


class SQLWorkflowStore(WorkflowStore):
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

    def append_audit(self, entry: AuditEntry) -> None:
        values = {"alert_id": entry.alert_id, "actor": entry.actor, "action": entry.action, "at": to_utc_text(entry.at),
                  "from_status": entry.from_status, "to_status": entry.to_status, "note": entry.note or ""}
        with self.transaction():
            # The chain head is locked (PostgreSQL: row lock; SQLite: the write lock BEGIN IMMEDIATE holds), so two
            # writers append one after the other and the ids follow the chain.
            head = self._execute(f"SELECT last_hash, row_count FROM audit_chain WHERE singleton = 1{self.FOR_UPDATE}"
                                 ).fetchone()
            if head is None:
                raise StoreError("审计日志哈希链的链头（audit_chain）缺失，审计日志可能已被篡改；请运行 yuqing audit verify")
            digest = audit_hash(head["last_hash"], values)
            new_id = self._insert_id(
                f"INSERT INTO audit_log ({', '.join(AUDIT_FIELDS)}, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)",
                [*values.values(), head["last_hash"], digest])
            self._execute("UPDATE audit_chain SET last_id = ?, last_hash = ?, row_count = ? WHERE singleton = 1",
                          (new_id, digest, int(head["row_count"]) + 1))

    def verify_audit(self, *, incremental: bool = False, page: int = 2000) -> dict[str, Any]:
        """Walk the audit hash chain (all of it, or from the last checkpoint) and check the append-only triggers.

        Returns ``ok``, ``checked`` (rows hashed), ``from_id``, ``last_id``/``last_hash`` (where the walk ended),
        ``rows`` (rows in the table) and ``problems``: the first broken row (kind ``inserted``, ``deleted`` or
        ``edited``), a row-count or head mismatch, and missing guards (kind ``trigger``), each with a Chinese message.
        """
        # Holding the chain head (as appending does) keeps the head, the row count and the rows walked consistent
        # while the system writes: a row appended mid-walk would otherwise look forged.
        try:
            with self.transaction():
                return self._verify_audit(incremental, page)
        except self._database_error() as exc:  # the audit table or its chain head is gone or unreadable
            return {"ok": False, "checked": 0, "from_id": 0, "last_id": None, "last_hash": None, "rows": 0,
                    "problems": [{"kind": "deleted", "id": None, "message": (
                        f"无法读取审计日志或其哈希链头（表可能已被删除或改动）：{str(exc).strip()}")}]}

    def _verify_audit(self, incremental: bool, page: int) -> dict[str, Any]:
        problems: list[dict[str, Any]] = []
        head = self._execute(f"SELECT * FROM audit_chain WHERE singleton = 1{self.FOR_UPDATE}").fetchone()
        rows = int(self._execute("SELECT count(*) AS n FROM audit_log").fetchone()["n"])
        missing = sorted(self.AUDIT_GUARDED - self._audit_guards())
        if missing:
            problems.append({"kind": "trigger", "id": None, "message": (
                f"审计日志的只追加保护触发器已被删除或停用：{'、'.join(missing)} 不再被拒绝")})
        if head is None:
            problems.append({"kind": "deleted", "id": None, "message": "审计日志哈希链的链头（audit_chain）缺失"})
            return {"ok": False, "checked": 0, "from_id": 0, "last_id": None, "last_hash": None, "rows": rows,
                    "problems": problems}
        start_id, prev, before = 0, AUDIT_GENESIS, 0
        if incremental and head["verified_id"] is not None:
            start_id, prev, before = int(head["verified_id"]), head["verified_hash"], int(head["verified_count"] or 0)
            mark = self._execute("SELECT * FROM audit_log WHERE id = ?", (start_id,)).fetchone()
            if mark is None or mark["hash"] != prev or audit_hash(mark["prev_hash"], mark) != prev:
                problems.append({"kind": "edited" if mark is not None else "deleted", "id": start_id, "message": (
                    f"审计记录 #{start_id}（上次核验通过的位置）已被{'修改' if mark is not None else '删除'}")})
                return {"ok": False, "checked": 0, "from_id": start_id, "last_id": start_id, "last_hash": prev,
                        "rows": rows, "problems": problems}
        last_id, checked, broken = (start_id or None), 0, None
        while broken is None:
            batch = self._execute("SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
                                  (last_id or 0, page)).fetchall()
            for r in batch:
                if r["hash"] is None:
                    broken = {"kind": "inserted", "id": r["id"], "message": (
                        f"审计记录 #{r['id']} 没有哈希：它不是由系统写入的（疑似伪造插入）")}
                elif r["prev_hash"] != prev:
                    broken = {"kind": "deleted", "id": r["id"], "message": (
                        f"审计记录 #{r['id']} 与前一条记录{f' #{last_id}' if last_id else ''}接不上：其间的记录被删除，"
                        f"或该记录是伪造插入的")}
                elif audit_hash(prev, r) != r["hash"]:
                    broken = {"kind": "edited", "id": r["id"], "message": (
                        f"审计记录 #{r['id']} 的内容与其哈希不符：该记录被修改过")}
                if broken:
                    break
                prev, last_id, checked = r["hash"], r["id"], checked + 1
            if len(batch) < page:
                break
        if broken:
            problems.append(broken)
        elif (last_id, prev) != (head["last_id"], head["last_hash"]):
            if head["last_id"] is not None and (last_id is None or last_id < head["last_id"]):
                problems.append({"kind": "deleted", "id": head["last_id"], "message": (
                    f"审计日志末尾的记录被删除：链头记录为 #{head['last_id']}，现存最后一条为 #{last_id or '（无）'}")})
            else:
                problems.append({"kind": "inserted", "id": last_id, "message": (
                    f"审计记录 #{last_id} 不在系统记录的链头之内（链头为 #{head['last_id'] or '（空）'}）：疑似伪造插入")})
        elif rows != int(head["row_count"]):
            problems.append({"kind": "deleted" if rows < int(head["row_count"]) else "inserted", "id": None, "message": (
                f"审计日志现有 {rows} 条，系统写入了 {head['row_count']} 条：有记录被删除或伪造插入")})
        elif incremental and rows != before + checked:
            problems.append({"kind": "deleted" if rows < before + checked else "inserted", "id": None, "message": (
                f"已核验部分的审计记录数发生变化（{before} 条 + 新增 {checked} 条 ≠ 现有 {rows} 条）")})
        return {"ok": not problems, "checked": checked, "from_id": start_id, "last_id": last_id, "last_hash": prev,
                "rows": rows, "problems": problems}

    def mark_audit_verified(self, last_id: int | None, last_hash: str, count: int) -> None:
        """Remember how far the chain was verified, so the next incremental check starts there."""
        with self.transaction():
            self._execute("UPDATE audit_chain SET verified_id = ?, verified_hash = ?, verified_count = ? "
                          "WHERE singleton = 1", (last_id, last_hash, count))

    def audit_for(self, alert_id: str) -> list[AuditEntry]:
        rows = self._execute("SELECT * FROM audit_log WHERE alert_id = ? ORDER BY id", (alert_id,))
        return [AuditEntry(id=r["id"], alert_id=r["alert_id"], actor=r["actor"], action=r["action"],
                           at=from_utc_text(r["at"]), from_status=r["from_status"], to_status=r["to_status"],
                           note=r["note"]) for r in rows]

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

    # -- silences and notifications ----------------------------------------------------------------------------
    def add_silence(self, silence: dict[str, Any]) -> int:
        with self.transaction():
            return self._insert_id(
                "INSERT INTO silences (rule, source, keyword, event_id, starts_at, ends_at, created_by, reason) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (silence.get("rule"), silence.get("source"), silence.get("keyword"), silence.get("event_id"),
                 to_utc_text(silence["starts_at"]), to_utc_text(silence["ends_at"]), silence["created_by"],
                 silence.get("reason", "")))

    def active_silences(self, now: datetime) -> list[dict[str, Any]]:
        t = to_utc_text(now)
        rows = self._execute("SELECT * FROM silences WHERE starts_at <= ? AND ends_at > ? ORDER BY id", (t, t))
        return [{**dict(r), "starts_at": from_utc_text(r["starts_at"]), "ends_at": from_utc_text(r["ends_at"])}
                for r in rows]

    def add_delivery(self, delivery: dict[str, Any]) -> int:
        """Queue a notification; a repeated ``dedupe_key`` is ignored (returns the existing id), even across processes."""
        key = delivery.get("dedupe_key")
        with self.transaction():
            new_id = self._insert_id(
                "INSERT INTO deliveries (alert_id, channel, target, kind, payload, status, attempts, next_attempt_at, "
                "created_at, dedupe_key) VALUES (?,?,?,?,?,'pending',0,?,?,?) ON CONFLICT (dedupe_key) DO NOTHING",
                (delivery.get("alert_id"), delivery["channel"], delivery["target"], delivery.get("kind", "alert"),
                 _json(delivery.get("payload", {})), to_utc_text(delivery["next_attempt_at"]),
                 to_utc_text(delivery["created_at"]), key))
            if new_id is None:  # the same dedupe_key was queued before
                new_id = int(self._execute("SELECT id FROM deliveries WHERE dedupe_key = ?", (key,)).fetchone()["id"])
            return new_id

    # A delivery may be claimed when it is pending and due, or when its sender's lease ran out (the sender died).
    _CLAIMABLE = "((status = 'pending' AND next_attempt_at <= ?) OR (status = 'sending' AND lease_until <= ?))"

    def due_deliveries(self, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
        t = to_utc_text(now)
        rows = self._execute(f"SELECT * FROM deliveries WHERE {self._CLAIMABLE} ORDER BY next_attempt_at, id LIMIT ?",
                             (t, t, limit))
        return [self._row_to_delivery(r) for r in rows]

    def claim_deliveries(self, ids: list[int], worker: str, now: datetime, lease_until: datetime
                         ) -> list[dict[str, Any]]:
        """Compare-and-set each delivery to 'sending' for ``worker`` until ``lease_until``; returns those it won.

        Each claim counts as an attempt (so a sender killed mid-send is counted) and opens a row in the attempt log;
        an earlier attempt left open by a sender whose lease ran out is closed as abandoned. The claimed deliveries
        get the key of the message that carries them (``delivery_message_key`` of their ids).
        """
        t, lease = to_utc_text(now), to_utc_text(lease_until)
        won: list[int] = []
        with self.transaction():
            for delivery_id in sorted(ids):  # one lock order for every worker (PostgreSQL row locks)
                cur = self._execute(
                    "UPDATE deliveries SET status = 'sending', claimed_by = ?, lease_until = ?, attempts = attempts + 1 "
                    f"WHERE id = ? AND {self._CLAIMABLE}", (worker, lease, delivery_id, t, t))
                if cur.rowcount == 1:
                    won.append(delivery_id)
            if not won:
                return []
            marks = ", ".join("?" * len(won))
            self._execute(f"UPDATE delivery_attempts SET finished_at = ?, outcome = 'abandoned', "
                          f"error = '租约到期仍未完成（发送进程可能已中止）' "
                          f"WHERE delivery_id IN ({marks}) AND finished_at IS NULL", [t, *won])
            key = delivery_message_key(won)
            self._execute(f"UPDATE deliveries SET message_key = ? WHERE id IN ({marks})", [key, *won])
            rows = self._execute(f"SELECT * FROM deliveries WHERE id IN ({marks}) ORDER BY id", won).fetchall()
            for r in rows:
                self._execute("INSERT INTO delivery_attempts (delivery_id, attempt, worker, message_key, started_at) "
                              "VALUES (?, ?, ?, ?, ?)", (r["id"], r["attempts"], worker, key, t))
        return [self._row_to_delivery(r) for r in rows]

    def finish_delivery(self, delivery_id: int, worker: str, now: datetime, *, status: str,
                        error: str | None = None, next_attempt_at: datetime | None = None) -> bool:
        """Record the outcome of ``worker``'s claim: 'sent', 'pending' (retry at ``next_attempt_at``) or 'failed'.

        Compare-and-set on the claim: False (and nothing changed but the attempt log) when the lease was lost to
        another worker meanwhile.
        """
        if status not in ("sent", "pending", "failed"):
            raise StoreError(f"投递结果「{status}」无效（可选 sent、pending、failed）")
        t = to_utc_text(now)
        values: dict[str, Any] = {"status": status, "lease_until": None, "last_error": error}
        if status == "sent":
            values["delivered_at"] = t
        if status == "pending":
            values["next_attempt_at"] = to_utc_text(next_attempt_at or now)
        outcome = {"sent": "sent", "pending": "error", "failed": "error"}[status]
        with self.transaction():
            cur = self._execute(f"UPDATE deliveries SET {', '.join(f'{k} = ?' for k in values)} "
                                "WHERE id = ? AND status = 'sending' AND claimed_by = ?",
                                [*values.values(), delivery_id, worker])
            kept = cur.rowcount == 1
            if kept:
                self._execute("UPDATE delivery_attempts SET finished_at = ?, outcome = ?, error = ? "
                              "WHERE delivery_id = ? AND worker = ? AND finished_at IS NULL",
                              (t, outcome, error, delivery_id, worker))
            else:  # another worker took over after the lease ran out: say what this late sender saw
                self._execute("UPDATE delivery_attempts SET error = coalesce(error, '') || ? "
                              "WHERE delivery_id = ? AND worker = ?",
                              (f"；租约过期后发送者报告：{outcome}{('：' + error) if error else ''}", delivery_id, worker))
        return kept

    def delivery_attempts(self, delivery_id: int) -> list[dict[str, Any]]:
        rows = self._execute("SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY id", (delivery_id,))
        return [{**dict(r), "started_at": from_utc_text(r["started_at"]), "finished_at": from_utc_text(r["finished_at"])}
                for r in rows]

    def update_delivery(self, delivery_id: int, **changes: Any) -> None:
        bad = set(changes) - _DELIVERY_CHANGES
        if bad:
            raise StoreError(f"投递记录没有字段：{', '.join(sorted(bad))}")
        values = {k: (to_utc_text(v) if isinstance(v, datetime) else v) for k, v in changes.items()}
        with self.transaction():
            self._execute(f"UPDATE deliveries SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                          [*values.values(), delivery_id])

    def list_deliveries(self, alert_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        if alert_id:
            rows = self._execute("SELECT * FROM deliveries WHERE alert_id = ? ORDER BY id DESC LIMIT ?", (alert_id, limit))
        else:
            rows = self._execute("SELECT * FROM deliveries ORDER BY id DESC LIMIT ?", (limit,))
        return [self._row_to_delivery(r) for r in rows]

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
