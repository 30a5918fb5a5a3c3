"""The Elasticsearch backend's plumbing (mixed into ``ElasticsearchDocumentStore``): calls with errors in Chinese,
index set-up, bulk writes with retries, and the reading helpers every query uses."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, Callable, Iterator

from yuqing.clock import to_utc_text
from yuqing.model import Document
from yuqing.storage.base import DocumentFilter, StoreError
from yuqing.storage.elasticsearch_layout import (
    _FILTER_FIELDS, _PAGE, _RETRYABLE, ANALYSIS_SETTINGS, DOC_COLUMNS, DOCUMENT_MAPPING, EVENT_LOG_MAPPING,
    EVENT_MAPPING, RAW_MAPPING, BulkWriteError, _item_reason, _reason,
)
from yuqing.storage.rows import _json
from yuqing.storage.sqlite import SQLiteStore


class ESAccess:
    """Client calls, set-up, bulk writing and reading helpers."""

    # -- set-up ------------------------------------------------------------------------------------------------
    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call the client; transport and API errors become a StoreError saying what failed and what to check."""
        from elasticsearch import ApiError, TransportError

        try:
            return fn(*args, **kwargs)
        except ApiError as exc:
            raise StoreError(f"Elasticsearch {what}失败（HTTP {exc.meta.status}）：{_reason(exc)}") from exc
        except TransportError as exc:
            raise StoreError(f"无法连接 Elasticsearch（{what}）：{exc}；请检查 storage.elasticsearch.hosts "
                             f"与集群是否可用") from exc

    def setup(self) -> None:
        """Create the template, the current month's index (so the alias always exists) and the fixed indices."""
        settings = {**self.index_settings, "analysis": ANALYSIS_SETTINGS}
        self._call("创建索引模板", self.es.indices.put_index_template, name=self.alias,
                   index_patterns=[f"{self.alias}-*"], priority=200,
                   template={"settings": settings, "mappings": DOCUMENT_MAPPING, "aliases": {self.alias: {}}},
                   meta={"managed_by": "yuqing"})
        # Indices made under an older template learn fields added since (adding a field is always allowed).
        self._call("更新索引映射", self.es.indices.put_mapping, index=f"{self.alias}-*", allow_no_indices=True,
                   dynamic=DOCUMENT_MAPPING["dynamic"], properties=DOCUMENT_MAPPING["properties"])
        self._ensure_index(self._month_index(to_utc_text(datetime.now().astimezone())))
        for name, mapping in ((self.raw_index, RAW_MAPPING), (self.events_index, EVENT_MAPPING),
                              (self.log_index, EVENT_LOG_MAPPING)):
            self._ensure_index(name, mapping)

    def _ensure_index(self, name: str, mapping: dict[str, Any] | None = None) -> None:
        if name in self._known_indices:
            return
        exists = self._call("检查索引", self.es.indices.exists, index=name)
        if not exists:
            from elasticsearch import BadRequestError

            body: dict[str, Any] = {}
            if mapping is not None:  # document indices get theirs from the template
                body = {"settings": dict(self.index_settings), "mappings": mapping}
            try:
                self.es.indices.create(index=name, **body)
            except BadRequestError as exc:  # another process created it first
                if "already_exists" not in str(exc):
                    raise StoreError(f"Elasticsearch 创建索引 {name} 失败：{_reason(exc)}") from exc
        self._known_indices.add(name)

    def _month_index(self, at_text: str) -> str:
        return f"{self.alias}-{at_text[:4]}.{at_text[5:7]}"

    def drop_all(self) -> None:
        """Delete every index and the template of this prefix (tests and benchmarks use throwaway prefixes)."""
        self._call("删除索引", self.es.indices.delete, index=f"{self.prefix}-*", ignore_unavailable=True,
                   allow_no_indices=True, expand_wildcards="all")
        self._call("删除模板", self.es.options(ignore_status=404).indices.delete_index_template, name=self.alias)
        self._known_indices.clear()

    def close(self) -> None:
        self.es.close()

    # -- bulk writing ------------------------------------------------------------------------------------------
    def _bulk(self, what: str, actions: list[tuple[dict[str, Any], dict[str, Any] | None]],
              ) -> set[str]:
        """Send (meta, body) actions in batches; retry retryable item failures; raise with every id that still
        fails. Returns the ids whose ``create`` met an existing document (a concurrent insert)."""
        from elasticsearch import ApiError, TransportError

        failures: dict[str, str] = {}
        conflicts: set[str] = set()
        for start in range(0, len(actions), self.bulk_batch):
            pending = actions[start:start + self.bulk_batch]
            for attempt in range(self.bulk_retries + 1):
                operations: list[dict[str, Any]] = []
                for meta, body in pending:
                    operations.append(meta)
                    if body is not None:
                        operations.append(body)
                try:
                    response = self.es.bulk(operations=operations, refresh=self.refresh)
                except (TransportError, ApiError) as exc:
                    status = getattr(getattr(exc, "meta", None), "status", None)
                    if isinstance(exc, ApiError) and status not in _RETRYABLE:
                        raise StoreError(f"Elasticsearch 批量写入（{what}）失败：{_reason(exc)}") from exc
                    retry, last = pending, f"{type(exc).__name__}: {exc}"
                else:
                    retry, last = [], ""
                    if response.get("errors"):
                        for (meta, body), item in zip(pending, response["items"]):
                            op, result = next(iter(item.items()))
                            status = result.get("status", 500)
                            if status < 300:
                                continue
                            doc_id = result.get("_id") or next(iter(meta.values())).get("_id")
                            if op == "create" and status == 409:
                                conflicts.add(doc_id)
                            elif status in _RETRYABLE:
                                retry.append((meta, body))
                                last = _item_reason(result)
                            else:
                                failures[doc_id] = _item_reason(result)
                if not retry:
                    break
                if attempt == self.bulk_retries:
                    for meta, _ in retry:
                        failures[next(iter(meta.values())).get("_id", "?")] = last
                    break
                pending = retry
                time.sleep(self.retry_backoff * (2 ** attempt))
        if failures:
            raise BulkWriteError(what, failures)
        return conflicts

    # -- reading helpers ---------------------------------------------------------------------------------------
    def _search(self, index: str, **body: Any) -> dict[str, Any]:
        return self._call("查询", self.es.search, index=index, **body).body

    def _scan(self, index: str, query: dict[str, Any], sort: list[Any], limit: int | None = None,
              source: Any = True) -> Iterator[dict[str, Any]]:
        """Hits in ``sort`` order, page by page with ``search_after`` (no depth limit, no scroll contexts)."""
        after = None
        returned = 0
        while limit is None or returned < limit:
            size = _PAGE if limit is None else min(_PAGE, limit - returned)
            body: dict[str, Any] = {"query": query, "sort": sort, "size": size, "_source": source,
                                    "track_total_hits": False}
            if after is not None:
                body["search_after"] = after
            hits = self._search(index, **body)["hits"]["hits"]
            for hit in hits:
                yield hit
            returned += len(hits)
            if len(hits) < size:
                return
            after = hits[-1]["sort"]

    def _locate(self, doc_ids: list[str], fields: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """id → hit (with _index) for the ids that exist."""
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(doc_ids))
        for start in range(0, len(unique), _PAGE):
            chunk = unique[start:start + _PAGE]
            hits = self._search(self.alias, query={"ids": {"values": chunk}}, size=len(chunk),
                                _source=fields if fields is not None else True)["hits"]["hits"]
            found.update({h["_id"]: h for h in hits})
        return found

    @staticmethod
    def _row(src: dict[str, Any]) -> dict[str, Any]:
        row = {c: src.get(c) for c in DOC_COLUMNS}
        if isinstance(row["keywords"], list):
            row["keywords"] = _json(row["keywords"])
        for k in ("views", "likes", "dislikes", "replies", "reposts"):
            row[k] = row[k] or 0
        return row

    def _to_document(self, hit: dict[str, Any], html: str | None = None) -> Document:
        return SQLiteStore._row_to_document(self._row(hit["_source"]), html)

    def _filter(self, flt: DocumentFilter | None) -> list[dict[str, Any]]:
        clauses: list[dict[str, Any]] = []
        if flt:
            for attr, fld in _FILTER_FIELDS:
                value = getattr(flt, attr)
                if value:
                    clauses.append({"term": {fld: value}})
            rng = {}
            if flt.since:
                rng["gte"] = to_utc_text(flt.since)
            if flt.until:
                rng["lt"] = to_utc_text(flt.until)
            if rng:
                clauses.append({"range": {"at": rng}})
            if flt.scheme:  # one 监测方案's matches (yuqing.storage.elasticsearch_schemes)
                clauses.append({"term": {"schemes": flt.scheme}})
        return clauses
