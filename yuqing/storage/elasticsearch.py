"""Elasticsearch backend for the documents half (documents, raw pages, events, event log).

Layout (``P`` = the configured index prefix):

* ``P-documents-YYYY.MM`` monthly indices (by the document's time, Asia/Shanghai-independent UTC month) behind the
  alias ``P-documents``; an index template gives every new month the explicit mapping and the alias.
* ``P-raw-pages`` (fetched HTML, stored but not indexed), ``P-events``, ``P-event-log``.

Ids, source, topic, department, region, sentiment and kind are ``keyword`` fields; the jieba tokens the NLP stage
stored are indexed with a whitespace analyser (plus lowercase), so Chinese search needs no plugin. Times are kept as
the same fixed-width UTC text as in SQLite (``keyword``: sorts and ranges exactly like the SQL backends, to the
microsecond). Aggregations for the heat board run in the cluster (terms/composite); listing pages with
``search_after``. No scripts, no ES|QL.

Upsert semantics match SQLite (content fingerprint → needs processing again; ``reply_first_seen``; count updates).
Elasticsearch has no multi-document transactions: a batch is prepared completely before anything is sent (an error
while preparing writes nothing), bulk items that fail with a retryable status are retried with back-off, and anything
still failing raises :class:`BulkWriteError` naming every failed id; all writes are idempotent, so retrying the call
is safe.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Sequence

from yuqing.clock import from_utc_text, to_utc_text
from yuqing.clock import now as clock_now
from yuqing.privacy import mask_pii
from yuqing.model import Document, DocumentKind, Event
from yuqing.storage.base import (
    COUNT_FIELDS, PURGED_TEXT_FIELDS, DocumentFilter, DocumentStore, SearchHit, StoreError, UpsertResult, _json,
    analysis_values, changed_document_values, engagement_fields, new_document_values, purged_values, query_terms,
)
from yuqing.storage.sqlite import SQLiteStore, default_query_tokenizer, make_snippet

Tokenizer = Callable[[str], list[str]]

_GROUPABLE = {"source": "source", "topic": "topic_label", "department": "department", "region": "region",
              "sentiment": "sentiment_label", "kind": "kind"}
_FILTER_FIELDS = (("source", "source"), ("topic", "topic_label"), ("department", "department"),
                  ("region", "region"), ("sentiment", "sentiment_label"), ("kind", "kind"))

# Columns of a document row, as the SQLite backend has them (so row → Document conversion is shared).
DOC_COLUMNS = (
    "id", "url", "source", "kind", "title", "content", "published_at", "fetched_at", "first_seen", "updated_at", "at",
    "day", "author", "region", "category", "status", "views", "likes", "dislikes", "replies", "reply_text",
    "reply_department", "reply_at", "reply_first_seen", "fingerprint", "needs_processing", "text", "title_tokens",
    "search_tokens", "content_words", "sentiment_label", "sentiment_score", "topic_label", "topic_score", "department",
    "department_reason", "keywords", "simhash", "reply_quality", "analysis", "analyzed_at", "event_id", "duplicate_of",
    "truncated",
)
_KW = {"type": "keyword"}
_TIME = {"type": "keyword"}  # fixed-width UTC text: exact ordering and ranges, same as the SQL backends

DOCUMENT_MAPPING = {
    "dynamic": False,  # everything else (title, content, text, analysis …) is kept in _source, not indexed
    "properties": {
        **{f: _KW for f in ("id", "source", "kind", "day", "hour", "region", "category", "status", "department",
                            "sentiment_label", "topic_label", "keywords", "event_id", "duplicate_of",
                            "reply_department")},
        **{f: _TIME for f in ("at", "published_at", "fetched_at", "first_seen", "updated_at", "reply_at",
                              "reply_first_seen", "analyzed_at", "purged_at")},
        "url": {"type": "keyword", "index": False},
        "fingerprint": {"type": "keyword", "index": False},
        "needs_processing": {"type": "byte"},
        "has_reply": {"type": "boolean"},
        "analysis_failed": {"type": "boolean"},  # the analysis carries an analysis_error (stats count them)
        **{f: {"type": "integer"} for f in ("views", "likes", "dislikes", "replies")},
        "sentiment_score": {"type": "float"},
        "topic_score": {"type": "float"},
        "title_tokens": {"type": "text", "analyzer": "yuqing_tokens"},
        "search_tokens": {"type": "text", "analyzer": "yuqing_tokens"},
    },
}
ANALYSIS_SETTINGS = {"analyzer": {"yuqing_tokens": {"type": "custom", "tokenizer": "whitespace",
                                                    "filter": ["lowercase"]}}}
EVENT_MAPPING = {
    "dynamic": False,
    "properties": {
        **{f: _KW for f in ("id", "keywords", "region", "topic", "department")},
        **{f: _TIME for f in ("first_seen", "last_seen", "updated_at")},
        **{f: {"type": "integer"} for f in ("doc_count", "source_count", "negative", "neutral", "positive")},
        "heat": {"type": "double"},
    },
}
EVENT_LOG_MAPPING = {"dynamic": False, "properties": {"event_id": _KW, "at": _TIME, "seq": {"type": "long"},
                                                      "action": _KW}}
RAW_MAPPING = {"dynamic": False, "properties": {"doc_id": _KW, "fetched_at": _TIME}}

_RETRYABLE = {429, 500, 502, 503, 504}
_PAGE = 1000


class BulkWriteError(StoreError):
    """Some bulk items could not be written even after retries; ``failures`` maps id → reason."""

    def __init__(self, what: str, failures: dict[str, str]):
        self.failures = failures
        shown = "；".join(f"{k}：{v}" for k, v in list(failures.items())[:5])
        more = f" 等（共 {len(failures)} 条）" if len(failures) > 5 else ""
        super().__init__(f"{what}有 {len(failures)} 条写入 Elasticsearch 失败：{shown}{more}。"
                         f"写入是幂等的，可直接重试；请检查集群状态与磁盘空间")


class ElasticsearchDocumentStore(DocumentStore):
    def __init__(self, client: Any = None, *, hosts: list[str] | None = None, index_prefix: str = "yuqing",
                 query_tokenizer: Tokenizer | None = None, node_class: Any = None, refresh: bool | str = True,
                 bulk_batch: int = 1000, bulk_retries: int = 4, retry_backoff: float = 0.5, shards: int = 1,
                 replicas: int | None = None, client_options: dict[str, Any] | None = None):
        if not re.fullmatch(r"[a-z0-9][a-z0-9_\-]{0,100}", index_prefix):
            raise StoreError(f"storage.elasticsearch.index_prefix「{index_prefix}」无效：只能用小写字母、数字、- 和 _")
        if client is None:
            try:
                from elasticsearch import Elasticsearch
            except ImportError as exc:  # pragma: no cover - depends on the installation
                raise StoreError("使用 Elasticsearch 需要安装官方客户端：pip install elasticsearch") from exc
            options = {"request_timeout": 30, "retry_on_timeout": True, "max_retries": 3, **(client_options or {})}
            if node_class is not None:
                options["node_class"] = node_class
            client = Elasticsearch(hosts or ["http://127.0.0.1:9200"], **options)
        self.es = client
        self.prefix = index_prefix
        self.alias = f"{index_prefix}-documents"
        self.raw_index = f"{index_prefix}-raw-pages"
        self.events_index = f"{index_prefix}-events"
        self.log_index = f"{index_prefix}-event-log"
        self.query_tokenizer = query_tokenizer or default_query_tokenizer
        self.refresh = refresh
        self.bulk_batch, self.bulk_retries, self.retry_backoff = bulk_batch, bulk_retries, retry_backoff
        self.index_settings: dict[str, Any] = {"number_of_shards": shards}
        if replicas is not None:
            self.index_settings["number_of_replicas"] = replicas
        self._known_indices: set[str] = set()
        self._seq = 0
        self.setup()

    @classmethod
    def from_config(cls, section: dict[str, Any], file: Any = "yuqing.toml", *,
                    query_tokenizer: Tokenizer | None = None) -> "ElasticsearchDocumentStore":
        """Build from ``[storage.elasticsearch]``; every bad value is named by key."""
        from yuqing.config import Checker

        c = Checker(file, section, "storage.elasticsearch")
        c.reject_unknown({"hosts", "url", "index_prefix", "username", "password", "api_key", "ca_certs",
                          "verify_certs", "request_timeout", "bulk_batch", "bulk_retries", "shards", "replicas",
                          "refresh"})
        hosts = c.strings("hosts", []) or [c.get("url", str, "http://127.0.0.1:9200")]
        options: dict[str, Any] = {"request_timeout": c.get("request_timeout", float, 30.0, minimum=1)}
        if "username" in section:
            options["basic_auth"] = (c.get("username", str), c.get("password", str, ""))
        if "api_key" in section:
            options["api_key"] = c.get("api_key", str)
        if "ca_certs" in section:
            options["ca_certs"] = c.get("ca_certs", str)
        if "verify_certs" in section:
            options["verify_certs"] = c.get("verify_certs", bool)
        # Stages read their own writes at once (crawler → pending → analysis), so writes must become searchable:
        # true (refresh the written shards) or "wait_for" (wait for the next periodic refresh). false would lose them.
        refresh = c.get("refresh", (bool, str), True)
        if refresh not in (True, "wait_for"):
            raise c.fail("refresh", "应为 true 或 \"wait_for\"（各阶段需要立即读到刚写入的文档）")
        return cls(hosts=hosts, index_prefix=c.get("index_prefix", str, "yuqing"), query_tokenizer=query_tokenizer,
                   refresh=refresh, bulk_batch=c.get("bulk_batch", int, 1000, minimum=1, maximum=10000),
                   bulk_retries=c.get("bulk_retries", int, 4, minimum=0, maximum=20),
                   shards=c.get("shards", int, 1, minimum=1), replicas=c.get("replicas", int, None, minimum=0),
                   client_options=options)

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
        for k in ("views", "likes", "dislikes", "replies"):
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
        return clauses

    # -- documents ---------------------------------------------------------------------------------------------
    def upsert_documents(self, docs: Iterable[Document], now: datetime) -> UpsertResult:
        docs = list(docs)
        result = UpsertResult()
        if not docs:
            return result
        now_text = to_utc_text(now)
        existing = {i: {**h["_source"], "_index": h["_index"]} for i, h in self._locate(
            [d.id for d in docs], ["fingerprint", "reply_text", "purged_at", "kind", *COUNT_FIELDS]).items()}
        # Prepare everything first: an error here writes nothing.
        actions: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        raw_actions: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        outcome: list[list[str]] = []  # [id, inserted|updated|unchanged] per occurrence, as SQLite counts
        created: dict[str, Document] = {}
        for doc in docs:
            old = existing.get(doc.id)
            if old is None:
                values = new_document_values(doc, now)
                values.update({"hour": values["at"][:13], "has_reply": doc.reply is not None})
                index = self._month_index(values["at"])
                actions.append(({"create": {"_index": index, "_id": doc.id}}, values))
                existing[doc.id] = {**values, "_index": index, "_pending_create": True}
                outcome.append([doc.id, "inserted"])
                created[doc.id] = doc
            else:
                stored = {"fingerprint": old.get("fingerprint"), "reply_text": old.get("reply_text"),
                          "purged_at": old.get("purged_at"), "kind": old.get("kind"), **{k: old.get(k) or 0 for k in COUNT_FIELDS}}
                values, content_changed = changed_document_values(doc, stored, now)
                if values is None:
                    outcome.append([doc.id, "unchanged"])
                else:
                    values["has_reply"] = doc.reply is not None
                    if old.get("_pending_create"):  # the same id twice in one batch: fold into the create
                        create = next(b for m, b in actions if m.get("create", {}).get("_id") == doc.id)
                        create.update(values)
                    else:
                        actions.append(({"update": {"_index": old["_index"], "_id": doc.id}}, {"doc": values}))
                    old.update(values)
                    outcome.append([doc.id, "updated" if content_changed else "unchanged"])
            if doc.html is not None:
                html = mask_pii(doc.html) if old is not None and old.get("purged_at") else doc.html  # retention
                raw_actions.append(({"index": {"_index": self.raw_index, "_id": doc.id}},
                                    {"doc_id": doc.id, "body": html, "fetched_at": now_text}))
        for index in {m["create"]["_index"] for m, _ in actions if "create" in m}:
            self._ensure_index(index)
        conflicts = self._bulk("文档入库", actions + raw_actions)
        if conflicts:
            # Another node inserted some of these between our read and our write: redo them as ordinary upserts.
            again = self.upsert_documents([created[i] for i in conflicts], now)
            for entry in outcome:
                if entry[0] in conflicts and entry[1] == "inserted":
                    entry[1] = "updated" if entry[0] in again.updated_ids else "unchanged"
        for doc_id, what in outcome:
            if what == "inserted":
                result.inserted += 1
                result.inserted_ids.append(doc_id)
            elif what == "updated":
                result.updated += 1
                result.updated_ids.append(doc_id)
            else:
                result.unchanged += 1
        return result

    def get_document(self, doc_id: str, *, with_html: bool = False) -> Document | None:
        hit = self._locate([doc_id]).get(doc_id)
        if hit is None:
            return None
        html = self._raw_pages([doc_id]).get(doc_id) if with_html else None
        return self._to_document(hit, html)

    def _raw_pages(self, doc_ids: list[str]) -> dict[str, str]:
        if not doc_ids:
            return {}
        docs = self._call("读取原始网页", self.es.mget, index=self.raw_index, ids=doc_ids).body["docs"]
        return {d["_id"]: d["_source"]["body"] for d in docs if d.get("found")}

    def get_documents(self, doc_ids: list[str]) -> list[Document]:
        found = self._locate(doc_ids)
        return [self._to_document(found[i]) for i in doc_ids if i in found]

    def known_document_ids(self, doc_ids: list[str]) -> set[str]:
        return set(self._locate(doc_ids, []))

    def pending_documents(self, limit: int = 500) -> list[Document]:
        hits = list(self._scan(self.alias, {"term": {"needs_processing": 1}}, [{"at": "asc"}, {"id": "asc"}], limit))
        html = self._raw_pages([h["_id"] for h in hits])
        return [self._to_document(h, html.get(h["_id"])) for h in hits]

    def save_analyses(self, results: list[tuple[str, dict[str, Any]]], now: datetime) -> None:
        where = self._locate([doc_id for doc_id, _ in results], [])
        actions = []
        for doc_id, a in results:
            if doc_id not in where:
                continue
            values = analysis_values(a, now)
            values["keywords"] = [str(k) for k in values["keywords"]]
            values["analysis_failed"] = bool(a.get("analysis_error"))
            actions.append(({"update": {"_index": where[doc_id]["_index"], "_id": doc_id}}, {"doc": values}))
        self._bulk("分析结果保存", actions)

    def unclustered_documents(self, limit: int = 2000) -> list[Document]:
        query = {"bool": {"filter": [{"term": {"needs_processing": 0}}, {"exists": {"field": "analyzed_at"}}],
                          "must_not": [{"exists": {"field": "event_id"}}]}}
        return [self._to_document(h) for h in self._scan(self.alias, query, [{"at": "asc"}, {"id": "asc"}], limit)]

    def link_documents(self, links: dict[str, tuple[str | None, str | None]]) -> None:
        where = self._locate(list(links), [])
        self._bulk("事件归并", [({"update": {"_index": where[i]["_index"], "_id": i}},
                                {"doc": {"event_id": ev, "duplicate_of": dup}})
                               for i, (ev, dup) in links.items() if i in where])

    def search(self, query: str, flt: DocumentFilter | None = None, *, limit: int = 20, offset: int = 0
               ) -> tuple[int, list[SearchHit]]:
        terms = query_terms(self.query_tokenizer, query)
        if not terms:
            return 0, []
        # Every term must match (as in the SQLite FTS query); each is a plain term, so no user input is syntax.
        must = [{"bool": {"should": [{"match_phrase": {"title_tokens": {"query": t, "boost": 3.0}}},
                                     {"match_phrase": {"search_tokens": t}}], "minimum_should_match": 1}}
                for t in terms]
        body = self._search(self.alias, query={"bool": {"must": must, "filter": self._filter(flt)}},
                            sort=["_score", {"at": "desc"}, {"id": "asc"}], from_=offset, size=limit,
                            track_total_hits=True)
        hits = []
        for h in body["hits"]["hits"]:
            r = self._row(h["_source"])
            hits.append(SearchHit(
                id=r["id"], title=r["title"], snippet=make_snippet(r["text"] or r["content"] or "", terms),
                source=r["source"], published_at=from_utc_text(r["at"]), sentiment=r["sentiment_label"],
                topic=r["topic_label"], department=r["department"], region=r["region"], url=r["url"], terms=terms))
        return body["hits"]["total"]["value"], hits

    def list_documents(self, flt: DocumentFilter | None = None, *, limit: int = 50, offset: int = 0,
                       event_id: str | None = None) -> tuple[int, list[Document]]:
        clauses = self._filter(flt)
        if event_id:
            clauses.append({"term": {"event_id": event_id}})
        query = {"bool": {"filter": clauses}}
        total = self._call("计数", self.es.count, index=self.alias, query=query)["count"]
        sort = [{"at": "desc"}, {"id": "asc"}]
        after = None
        if offset:  # walk to the page with search_after (ids only), so deep pages cost no from+size window
            skipped = None
            for skipped in self._scan(self.alias, query, sort, offset, source=False):
                pass
            if skipped is None:
                return total, []
            after = skipped["sort"]
        body: dict[str, Any] = {"query": query, "sort": sort, "size": limit, "track_total_hits": False}
        if after is not None:
            body["search_after"] = after
        hits = self._search(self.alias, **body)["hits"]["hits"]
        return total, [self._to_document(h) for h in hits]

    def iter_documents(self, flt: DocumentFilter | None = None) -> Iterator[Document]:
        """Every matching document, newest first, streamed page by page (exports, re-indexing)."""
        for hit in self._scan(self.alias, {"bool": {"filter": self._filter(flt)}}, [{"at": "desc"}, {"id": "asc"}]):
            yield self._to_document(hit)

    # -- events ------------------------------------------------------------------------------------------------
    def save_events(self, events: list[Event], now: datetime) -> None:
        self._bulk("事件保存", [({"index": {"_index": self.events_index, "_id": e.id}}, {
            "id": e.id, "title": e.title, "keywords": list(e.keywords), "region": e.region, "topic": e.topic,
            "department": e.department, "first_seen": to_utc_text(e.first_seen), "last_seen": to_utc_text(e.last_seen),
            "doc_count": e.doc_count, "source_count": e.source_count, "negative": e.negative, "neutral": e.neutral,
            "positive": e.positive, "heat": e.heat, "heat_parts": _json(e.heat_parts), "state": _json(e.state),
            "updated_at": to_utc_text(now)}) for e in events])

    @staticmethod
    def _to_event(src: dict[str, Any]) -> Event:
        return SQLiteStore._row_to_event({**src, "keywords": _json(src.get("keywords") or [])})

    def get_event(self, event_id: str) -> Event | None:
        hit = self._call("读取事件", self.es.options(ignore_status=404).get, index=self.events_index, id=event_id)
        return self._to_event(hit["_source"]) if hit.get("found") else None

    def list_events(self, *, limit: int = 20, since: datetime | None = None, order: str = "heat",
                    department: str | None = None) -> list[Event]:
        sort = {"heat": [{"heat": "desc"}], "recent": [{"last_seen": "desc"}], "size": [{"doc_count": "desc"}]}.get(order)
        if sort is None:
            raise StoreError(f"不支持的排序方式：{order}（可选 heat、recent、size）")
        # An event with no documents (merged away) is not listed.
        clauses: list[dict[str, Any]] = [{"range": {"doc_count": {"gt": 0}}}]
        if since:
            clauses.append({"range": {"last_seen": {"gte": to_utc_text(since)}}})
        if department:
            clauses.append({"term": {"department": department}})
        return [self._to_event(h["_source"]) for h in
                self._scan(self.events_index, {"bool": {"filter": clauses}}, [*sort, {"id": "asc"}], limit)]

    def active_events(self, since: datetime) -> list[Event]:
        query = {"range": {"last_seen": {"gte": to_utc_text(since)}}}
        return [self._to_event(h["_source"]) for h in self._scan(self.events_index, query, [{"id": "asc"}])]

    def log_event_change(self, event_id: str, action: str, details: dict[str, Any], at: datetime) -> None:
        self._seq += 1
        seq = time.time_ns() // 1000 * 1000 + self._seq % 1000  # ordered within a process, roughly across nodes
        self._bulk("事件日志", [({"index": {"_index": self.log_index}},
                                {"event_id": event_id, "at": to_utc_text(at), "seq": seq, "action": action,
                                 "details": _json(details)})])

    def event_log(self, event_id: str) -> list[dict[str, Any]]:
        hits = self._scan(self.log_index, {"term": {"event_id": event_id}}, [{"seq": "asc"}])
        return [{"at": from_utc_text(h["_source"]["at"]), "action": h["_source"]["action"],
                 "details": json.loads(h["_source"].get("details") or "{}")} for h in hits]

    # -- aggregation -------------------------------------------------------------------------------------------
    def _composite(self, query: dict[str, Any], sources: list[dict[str, Any]],
                   sub: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """All buckets of a composite aggregation, following ``after_key``."""
        after = None
        while True:
            comp: dict[str, Any] = {"sources": sources, "size": _PAGE}
            if after:
                comp["after"] = after
            agg: dict[str, Any] = {"composite": comp}
            if sub:
                agg["aggs"] = sub
            body = self._search(self.alias, query=query, size=0, aggs={"c": agg}, track_total_hits=False)
            result = body["aggregations"]["c"]
            yield from result["buckets"]
            after = result.get("after_key")
            if not after or len(result["buckets"]) < _PAGE:
                return

    def count_by_day(self, flt: DocumentFilter) -> list[dict[str, Any]]:
        out = []
        for b in self._composite({"bool": {"filter": self._filter(flt)}}, [{"day": {"terms": {"field": "day"}}}],
                                 {"s": {"terms": {"field": "sentiment_label", "size": 10}}}):
            by = {s["key"]: s["doc_count"] for s in b["s"]["buckets"]}
            out.append({"day": b["key"]["day"], "total": b["doc_count"], "negative": by.get("negative", 0),
                        "neutral": by.get("neutral", 0), "positive": by.get("positive", 0)})
        return out

    def count_by(self, field: str, flt: DocumentFilter, limit: int = 20) -> list[tuple[str, int]]:
        fld = _GROUPABLE.get(field)
        if fld is None:
            raise StoreError(f"不能按「{field}」分组（可选：{', '.join(_GROUPABLE)}）")
        body = self._search(self.alias, query={"bool": {"filter": self._filter(flt)}}, size=0, track_total_hits=False,
                            aggs={"k": {"terms": {"field": fld, "size": limit, "missing": "未知",
                                                  "shard_size": max(limit * 10, 200)}}})
        return [(b["key"], b["doc_count"]) for b in body["aggregations"]["k"]["buckets"]]

    def event_daily_counts(self, event_ids: list[str], flt: DocumentFilter) -> dict[str, list[tuple[str, int]]]:
        out: dict[str, list[tuple[str, int]]] = {e: [] for e in event_ids}
        for start in range(0, len(event_ids), _PAGE):
            query = {"bool": {"filter": [*self._filter(flt), {"terms": {"event_id": event_ids[start:start + _PAGE]}}]}}
            for b in self._composite(query, [{"e": {"terms": {"field": "event_id"}}},
                                             {"d": {"terms": {"field": "day"}}}]):
                out[b["key"]["e"]].append((b["key"]["d"], b["doc_count"]))
        return out

    def top_keywords(self, flt: DocumentFilter, limit: int = 80) -> list[tuple[str, int]]:
        body = self._search(self.alias, query={"bool": {"filter": self._filter(flt)}}, size=0, track_total_hits=False,
                            aggs={"k": {"terms": {"field": "keywords", "size": limit,
                                                  "shard_size": max(limit * 10, 500)}}})
        return [(b["key"], b["doc_count"]) for b in body["aggregations"]["k"]["buckets"]]

    def document_stats(self) -> dict[str, int]:
        count = lambda index, query=None: self._call("计数", self.es.count, index=index,  # noqa: E731
                                                     query=query or {"match_all": {}})["count"]
        return {"documents": count(self.alias), "pending": count(self.alias, {"term": {"needs_processing": 1}}),
                "analysis_failed": count(self.alias, {"term": {"analysis_failed": True}}),
                "events": count(self.events_index, {"range": {"doc_count": {"gt": 0}}})}

    # -- queries for the alerts stage ---------------------------------------------------------------------------
    def event_hourly_counts(self, event_ids: list[str], since: datetime) -> dict[str, list[tuple[datetime, int]]]:
        out: dict[str, list[tuple[datetime, int]]] = {e: [] for e in event_ids}
        ids = list(event_ids)
        for start in range(0, len(ids), _PAGE):
            query = {"bool": {"filter": [{"range": {"at": {"gte": to_utc_text(since)}}},
                                         {"terms": {"event_id": ids[start:start + _PAGE]}}]}}
            for b in self._composite(query, [{"e": {"terms": {"field": "event_id"}}},
                                             {"h": {"terms": {"field": "hour"}}}]):
                out[b["key"]["e"]].append((from_utc_text(b["key"]["h"] + ":00:00.000000Z"), b["doc_count"]))
        return out

    def unanswered_posts(self, before: datetime, *, since: datetime | None = None, limit: int = 500) -> list[Document]:
        rng: dict[str, str] = {"lt": to_utc_text(before)}
        if since:
            rng["gte"] = to_utc_text(since)
        query = {"bool": {"filter": [{"term": {"kind": DocumentKind.POST.value}}, {"term": {"has_reply": False}},
                                     {"range": {"at": rng}}],
                          "must_not": [{"exists": {"field": "duplicate_of"}}]}}
        return [self._to_document(h) for h in self._scan(self.alias, query, [{"at": "asc"}, {"id": "asc"}], limit)]

    def engagement_histogram(self, flt: DocumentFilter, fields: Sequence[str] = ("likes", "replies")
                             ) -> dict[str, list[tuple[int, int]]]:
        # No scripts: a composite aggregation over (source, each count) gives every distinct combination with its
        # document count, summed here. Counts are few distinct values per source, so this stays small and exact.
        fields = engagement_fields(fields)
        query = {"bool": {"filter": self._filter(flt), "must_not": [{"exists": {"field": "duplicate_of"}}]}}
        sums: dict[str, dict[int, int]] = {}
        sources = [{"s": {"terms": {"field": "source"}}},
                   *({f: {"terms": {"field": f, "missing_bucket": True}}} for f in fields)]
        for b in self._composite(query, sources):
            value = sum(int(b["key"][f] or 0) for f in fields)
            per = sums.setdefault(b["key"]["s"], {})
            per[value] = per.get(value, 0) + b["doc_count"]
        return {src: sorted(per.items()) for src, per in sorted(sums.items())}

    def engaged_documents(self, flt: DocumentFilter, fields: Sequence[str], min_total: int, *, limit: int = 200
                          ) -> list[Document]:
        # A sum of k counts reaches min_total only if one of them reaches min_total / k: the cluster narrows to those
        # (no scripts), the exact sum and order are applied here.
        fields = engagement_fields(fields)
        floor = max(0, -(-int(min_total) // len(fields)))
        query = {"bool": {"filter": self._filter(flt), "must_not": [{"exists": {"field": "duplicate_of"}}],
                          "should": [{"range": {f: {"gte": floor}}} for f in fields], "minimum_should_match": 1}}
        total = lambda src: sum(int(src.get(f) or 0) for f in fields)  # noqa: E731
        # ``at`` descending then id ascending, as the cluster sorts; a stable sort by engagement keeps that order.
        hits = [h for h in self._scan(self.alias, query, [{"at": "desc"}, {"id": "asc"}])
                if total(h["_source"]) >= min_total]
        hits.sort(key=lambda h: total(h["_source"]), reverse=True)
        return [self._to_document(h) for h in hits[:limit]]

    # -- retention ---------------------------------------------------------------------------------------------
    def purge_raw(self, before: datetime, *, now: datetime | None = None) -> int:
        now_text = to_utc_text(now or clock_now())
        query = {"bool": {"filter": [{"range": {"at": {"lt": to_utc_text(before)}}}],
                          "must_not": [{"exists": {"field": "purged_at"}}]}}
        fields = ["author", *PURGED_TEXT_FIELDS]
        purged = 0
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            nonlocal purged
            pages = self._raw_pages([h["_id"] for h in batch])
            actions: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
            for hit in batch:
                values = purged_values({f: hit["_source"].get(f) for f in fields})
                actions.append(({"update": {"_index": hit["_index"], "_id": hit["_id"]}},
                                {"doc": {**values, "purged_at": now_text}}))
                if hit["_id"] in pages:
                    actions.append(({"update": {"_index": self.raw_index, "_id": hit["_id"]}},
                                    {"doc": {"body": mask_pii(pages[hit["_id"]])}}))
            self._bulk("保留期脱敏", actions)
            purged += len(batch)
            batch.clear()

        # search_after pages move past what was just updated, so the scan never sees a document twice.
        for hit in self._scan(self.alias, query, [{"at": "asc"}, {"id": "asc"}], source=fields):
            batch.append(hit)
            if len(batch) >= 500:
                flush()
        if batch:
            flush()
        return purged


def _reason(exc: Any) -> str:
    try:
        err = exc.body.get("error") if isinstance(exc.body, dict) else None
        if isinstance(err, dict):
            return f"{err.get('type')}: {err.get('reason')}"
    except AttributeError:
        pass
    return str(exc)


def _item_reason(result: dict[str, Any]) -> str:
    err = result.get("error")
    if isinstance(err, dict):
        return f"HTTP {result.get('status')} {err.get('type')}: {err.get('reason')}"
    return f"HTTP {result.get('status')} {err or ''}".strip()
