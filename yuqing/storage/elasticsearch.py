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

Modules: the index layout and error texts (``elasticsearch_layout``), client plumbing, set-up and bulk writes
(``elasticsearch_access``), events, aggregations and the alerts stage's queries (``elasticsearch_events``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator

from yuqing.clock import from_utc_text, to_utc_text
from yuqing.clock import now as clock_now
from yuqing.privacy import mask_pii
from yuqing.model import Document
from yuqing.storage.base import DocumentFilter, DocumentStore, SchemeMatchSource, SearchHit, StoreError, UpsertResult
from yuqing.storage.elasticsearch_access import ESAccess
from yuqing.storage.elasticsearch_events import ESEventsAndAggregates
from yuqing.storage.elasticsearch_schemes import ESSchemes
from yuqing.storage.elasticsearch_query import ESQuerySearch
from yuqing.storage.elasticsearch_similar import ESSimilar
from yuqing.storage.grams import OPEN_BACKFILL_SECONDS, gram_values
from yuqing.storage.rows import (
    COUNT_FIELDS, PURGED_TEXT_FIELDS, analysis_values, changed_document_values, new_document_values, purged_values,
    query_terms, relabel_values,
)
from yuqing.storage.sqlite import default_query_tokenizer
from yuqing.storage.sqlite_search import make_snippet

Tokenizer = Callable[[str], list[str]]


class ElasticsearchDocumentStore(ESSimilar, ESSchemes, ESQuerySearch, ESEventsAndAggregates, ESAccess, DocumentStore):
    config_section = "elasticsearch"

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
        self.backfill_grams(max_seconds=OPEN_BACKFILL_SECONDS)  # documents stored before the bigram fields existed

    @classmethod
    def from_config(cls, config: Any, *, query_tokenizer: Tokenizer | None = None) -> "ElasticsearchDocumentStore":
        return cls.from_options(config.storage.options.get(cls.config_section, {}), config.path,
                                query_tokenizer=query_tokenizer)

    @classmethod
    def from_options(cls, section: dict[str, Any], file: Any = "yuqing.toml", *,
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
                values.update({"hour": values["at"][:13], "has_reply": doc.reply is not None, **gram_values(values)})
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
                    values.update(has_reply=doc.reply is not None, **gram_values(values))
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

    def save_analyses(self, results: list[tuple[str, dict[str, Any]]], now: datetime, *,
                      scheme_matches: SchemeMatchSource | None = None) -> None:
        where = self._locate([doc_id for doc_id, _ in results], [])
        matches = scheme_matches() if scheme_matches is not None else None  # written with the analysis, one update
        known = {s.name for s in self.list_schemes()} if matches else set()
        actions = []
        for doc_id, a in results:
            if doc_id not in where:
                continue
            values = analysis_values(a, now)
            values["keywords"] = [str(k) for k in values["keywords"]]
            values["analysis_failed"] = bool(a.get("analysis_error"))
            if matches is not None:
                values["schemes"] = [n for n in matches.get(doc_id, ()) if n in known]
            actions.append(({"update": {"_index": where[doc_id]["_index"], "_id": doc_id}}, {"doc": values}))
        self._bulk("分析结果保存", actions)

    def relabel_documents(self, labels: dict[str, dict[str, str]], now: datetime) -> int:
        where = self._locate(list(labels), ["analyzed_at"])
        actions = [({"update": {"_index": where[i]["_index"], "_id": i}}, {"doc": relabel_values(changes)})
                   for i, changes in labels.items() if i in where and where[i]["_source"].get("analyzed_at")]
        self._bulk("分析结果更正", actions)
        return len(actions)

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

    # -- retention ---------------------------------------------------------------------------------------------
    def purge_raw(self, before: datetime, *, now: datetime | None = None) -> int:
        now_text = to_utc_text(now or clock_now())
        query = {"bool": {"filter": [{"range": {"at": {"lt": to_utc_text(before)}}}],
                          "must_not": [{"exists": {"field": "purged_at"}}]}}
        fields = ["author", "author_id", *PURGED_TEXT_FIELDS]
        purged = 0
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            nonlocal purged
            pages = self._raw_pages([h["_id"] for h in batch])
            actions: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
            for hit in batch:
                values = purged_values({f: hit["_source"].get(f) for f in fields})
                actions.append(({"update": {"_index": hit["_index"], "_id": hit["_id"]}},
                                {"doc": {**values, **gram_values(values), "purged_at": now_text}}))
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
