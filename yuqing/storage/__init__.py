"""Storage: the interface (``base``) and its backends, chosen by configuration."""

from __future__ import annotations

from typing import Callable

from yuqing.config import Config
from yuqing.storage.base import DocumentStore, Store, StoreError, WorkflowStore


def open_store(config: Config, *, query_tokenizer: Callable[[str], list[str]] | None = None) -> Store:
    """Open the configured backends. The embedded default keeps both halves in one SQLite file; a scaled-out
    deployment puts documents in Elasticsearch and/or the workflow tables in PostgreSQL."""
    from yuqing.storage.sqlite import SQLiteStore

    sqlite = None
    if "sqlite" in (config.storage.documents, config.storage.workflow):
        sqlite = SQLiteStore(config.storage.sqlite_path, query_tokenizer=query_tokenizer)
    if config.storage.documents == "sqlite":
        documents: DocumentStore = sqlite
    elif config.storage.documents == "elasticsearch":
        from yuqing.storage.elasticsearch import ElasticsearchDocumentStore

        documents = ElasticsearchDocumentStore.from_config(config.storage.elasticsearch, config.path,
                                                           query_tokenizer=query_tokenizer)
    else:
        raise StoreError(f"未知的文档存储「{config.storage.documents}」（可选 sqlite、elasticsearch）")
    if config.storage.workflow == "sqlite":
        workflow: WorkflowStore = sqlite
    elif config.storage.workflow == "postgresql":
        from yuqing.config import Checker
        from yuqing.storage.postgresql import PostgresWorkflowStore

        c = Checker(config.path, config.storage.postgresql, "storage.postgresql")
        c.reject_unknown({"dsn", "schema", "connect_timeout"})
        workflow = PostgresWorkflowStore(c.get("dsn", str), schema=c.get("schema", str, "public"),
                                         connect_timeout=c.get("connect_timeout", int, 10, minimum=1))
    else:
        raise StoreError(f"未知的流程存储「{config.storage.workflow}」（可选 sqlite、postgresql）")
    return Store(documents, workflow)
