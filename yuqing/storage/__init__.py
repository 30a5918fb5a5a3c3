"""Storage: the interface (``base``) and its backends, chosen by configuration."""

from __future__ import annotations

from typing import Callable

from yuqing.config import Config
from yuqing.storage.base import (
    ConcurrentUpdateError, DocumentFilter, DocumentStore, DuplicateError, SearchHit, Store, StoreError, UpsertResult,
    WorkflowStore,
)


def open_store(config: Config, *, query_tokenizer: Callable[[str], list[str]] | None = None) -> Store:
    """Open the configured backends. The embedded default keeps both halves in one SQLite file."""
    from yuqing.storage.sqlite import SQLiteStore

    sqlite = None
    if "sqlite" in (config.storage.documents, config.storage.workflow):
        sqlite = SQLiteStore(config.storage.sqlite_path, query_tokenizer=query_tokenizer)
    if config.storage.documents == "sqlite":
        documents: DocumentStore = sqlite
    else:
        raise StoreError("Elasticsearch 文档存储尚未在本版本中提供；请将 storage.documents 设为 \"sqlite\"")
    if config.storage.workflow == "sqlite":
        workflow: WorkflowStore = sqlite
    else:
        raise StoreError("PostgreSQL 流程存储尚未在本版本中提供；请将 storage.workflow 设为 \"sqlite\"")
    return Store(documents, workflow)


__all__ = ["ConcurrentUpdateError", "DocumentFilter", "DuplicateError", "SearchHit", "Store", "StoreError",
           "UpsertResult", "open_store"]
