"""监测方案 on the SQLite backend (mixed into ``SQLiteStore``, which supplies ``db``, ``transaction()`` and
``_where``): the ``schemes`` table, ``scheme_matches`` (scheme, doc_id) joined to documents by id, and the revision
counter (migration 18)."""

from __future__ import annotations

import sqlite3
from typing import Any

from yuqing.clock import from_utc_text, to_utc_text
from yuqing.model import Document, Scheme
from yuqing.storage.base import DocumentFilter
from yuqing.storage.rows import _json, _loads

_CHUNK = 500
#: The stored fields ``matching_documents`` reads: what ``Query.matches`` and ``Scheme.admits`` look at.
MATCHING_FIELDS = ("id", "url", "source", "kind", "title", "content", "region", "published_at", "fetched_at")


def matching_document(row: Any) -> Document:
    return Document(id=row["id"], url=row["url"], source=row["source"], kind=row["kind"], title=row["title"] or "",
                    content=row["content"] or "", region=row["region"], published_at=from_utc_text(row["published_at"]),
                    fetched_at=from_utc_text(row["fetched_at"]))


def scheme_row(scheme: Scheme) -> dict[str, Any]:
    """A scheme as the stored row (times as fixed-width UTC text, lists as JSON)."""
    return {
        "name": scheme.name, "expression": scheme.expression, "owner": scheme.owner,
        "sources": _json(list(scheme.sources)), "regions": _json(list(scheme.regions)),
        "start_at": to_utc_text(scheme.start), "end_at": to_utc_text(scheme.end),
        "created_at": to_utc_text(scheme.created_at), "updated_at": to_utc_text(scheme.updated_at),
        "version": scheme.version, "backfilled_version": scheme.backfilled_version,
        "backfill_cursor": scheme.backfill_cursor,
    }


def scheme_from_row(row: Any) -> Scheme:
    return Scheme(
        name=row["name"], expression=row["expression"], owner=row["owner"],
        sources=tuple(_loads(row["sources"], []) or ()), regions=tuple(_loads(row["regions"], []) or ()),
        start=from_utc_text(row["start_at"]), end=from_utc_text(row["end_at"]),
        created_at=from_utc_text(row["created_at"]), updated_at=from_utc_text(row["updated_at"]),
        version=int(row["version"]), backfilled_version=int(row["backfilled_version"] or 0),
        backfill_cursor=row["backfill_cursor"])


class SQLiteSchemes:
    """DocumentStore's scheme methods on SQLite."""

    db: sqlite3.Connection

    def _bump_scheme_revision(self) -> None:
        self.db.execute("UPDATE scheme_revision SET revision = revision + 1 WHERE singleton = 1")

    def save_scheme(self, scheme: Scheme) -> None:
        row = scheme_row(scheme)
        with self.transaction():
            old = self.db.execute("SELECT version FROM schemes WHERE name = ?", (scheme.name,)).fetchone()
            if old is not None and int(old[0]) != scheme.version:
                self.db.execute("DELETE FROM scheme_matches WHERE scheme = ?", (scheme.name,))
            self.db.execute(
                f"INSERT INTO schemes ({', '.join(row)}) VALUES ({', '.join('?' * len(row))}) ON CONFLICT (name) DO "
                f"UPDATE SET {', '.join(f'{k} = excluded.{k}' for k in row if k != 'name')}", list(row.values()))
            self._bump_scheme_revision()

    def get_scheme(self, name: str) -> Scheme | None:
        row = self.db.execute("SELECT * FROM schemes WHERE name = ?", (name,)).fetchone()
        return scheme_from_row(row) if row else None

    def list_schemes(self) -> list[Scheme]:
        return [scheme_from_row(r) for r in self.db.execute("SELECT * FROM schemes ORDER BY name")]

    def delete_scheme(self, name: str) -> bool:
        with self.transaction():
            gone = self.db.execute("DELETE FROM schemes WHERE name = ?", (name,)).rowcount
            self.db.execute("DELETE FROM scheme_matches WHERE scheme = ?", (name,))
            if gone:
                self._bump_scheme_revision()
        return bool(gone)

    def schemes_revision(self) -> str:
        return str(self.db.execute("SELECT revision FROM scheme_revision WHERE singleton = 1").fetchone()[0])

    def record_backfill(self, name: str, version: int, doc_ids: list[str], cursor: str, *, done: bool = False
                        ) -> bool:
        with self.transaction():
            row = self.db.execute("SELECT version FROM schemes WHERE name = ?", (name,)).fetchone()
            if row is None or int(row[0]) != version:
                return False
            # Only documents still stored: a match never points at nothing.
            for start in range(0, len(doc_ids), _CHUNK):
                chunk = doc_ids[start:start + _CHUNK]
                self.db.execute(
                    f"INSERT OR IGNORE INTO scheme_matches (scheme, doc_id) SELECT ?, id FROM documents "
                    f"WHERE id IN ({','.join('?' * len(chunk))})", [name, *chunk])
            self.db.execute("UPDATE schemes SET backfill_cursor = ?, backfilled_version = CASE WHEN ? THEN ? ELSE "
                            "backfilled_version END WHERE name = ?", (cursor, int(done), version, name))
        return True

    def _replace_document_matches(self, matches: dict[str, list[str]], doc_ids: list[str]) -> None:
        """Inside save_analyses' transaction: each of ``doc_ids`` has exactly the schemes ``matches`` gives it."""
        db = self.db
        for start in range(0, len(doc_ids), _CHUNK):
            chunk = doc_ids[start:start + _CHUNK]
            db.execute(f"DELETE FROM scheme_matches WHERE doc_id IN ({','.join('?' * len(chunk))})", chunk)
        known = {r[0] for r in db.execute("SELECT name FROM schemes")}
        db.executemany("INSERT OR IGNORE INTO scheme_matches (scheme, doc_id) VALUES (?, ?)",
                       [(name, doc_id) for doc_id in doc_ids for name in matches.get(doc_id, ()) if name in known])

    def document_ids(self, flt: DocumentFilter | None = None, *, after: str | None = None, limit: int = 1000
                     ) -> list[str]:
        where, params = self._where(flt)
        if after is not None:
            where += " AND id > ?"
            params.append(after)
        rows = self.db.execute(f"SELECT id FROM documents WHERE {where} ORDER BY id LIMIT ?", [*params, limit])
        return [r[0] for r in rows]

    def matching_documents(self, flt: DocumentFilter | None = None, *, after: str | None = None, limit: int = 1000
                           ) -> list[Document]:
        where, params = self._where(flt)
        if after is not None:
            where += " AND id > ?"
            params.append(after)
        rows = self.db.execute(f"SELECT {', '.join(MATCHING_FIELDS)} FROM documents WHERE {where} ORDER BY id LIMIT ?",
                               [*params, limit])
        return [matching_document(r) for r in rows]

    def scheme_match_counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.db.execute(
            "SELECT m.scheme, count(*) FROM scheme_matches m JOIN documents d ON d.id = m.doc_id GROUP BY m.scheme")}
