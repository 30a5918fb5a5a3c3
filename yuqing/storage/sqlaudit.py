"""The append-only audit log and its hash chain in the SQL workflow store (mixed into ``SQLWorkflowStore``; the
same SQL on SQLite and PostgreSQL, through the store's dialect adapter)."""

from __future__ import annotations

from typing import Any

from yuqing.clock import from_utc_text, to_utc_text
from yuqing.model import AuditEntry
from yuqing.storage.base import StoreError
from yuqing.storage.migrations import AUDIT_FIELDS, AUDIT_GENESIS, audit_hash


class SQLAudit:
    """WorkflowStore's audit log, for a store with the SQL dialect adapter."""

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
