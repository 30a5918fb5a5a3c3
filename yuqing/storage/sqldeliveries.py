"""Silences and the notification queue of the SQL workflow store (mixed into ``SQLWorkflowStore``; the same SQL on
SQLite and PostgreSQL, through the store's dialect adapter ``_execute`` / ``_insert_id`` / ``FOR_UPDATE``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from yuqing.clock import from_utc_text, to_utc_text
from yuqing.storage.base import StoreError
from yuqing.storage.rows import _json, delivery_message_key

_DELIVERY_CHANGES = {"status", "attempts", "last_error", "next_attempt_at", "delivered_at"}


class SQLDeliveries:
    """WorkflowStore's silences and deliveries, for a store with the SQL dialect adapter."""

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
