"""Storage: the interface (``base``) and its backends, chosen by configuration.

A backend is a class named in ``[storage] documents`` / ``workflow`` (a class path; the built-in short names
``sqlite``, ``elasticsearch`` and ``postgresql`` stand for the classes in ``yuqing.storage_config``'s
``DOCUMENT_BACKENDS`` / ``WORKFLOW_BACKENDS``). It builds itself with ``from_config(config, query_tokenizer=…)`` and
reads its options from ``[storage.<config_section>]``, so adding a backend is one module plus configuration.
"""

from __future__ import annotations

from typing import Callable

from yuqing.config import Config
from yuqing.plugins import load_object
from yuqing.storage.base import DocumentStore, Store, WorkflowStore


def open_store(config: Config, *, query_tokenizer: Callable[[str], list[str]] | None = None) -> Store:
    """Open the configured backends. When both halves name the same class, one object serves both (the embedded
    default keeps both halves in one SQLite file); a scaled-out deployment puts documents in Elasticsearch and/or
    the workflow tables in PostgreSQL."""
    documents: DocumentStore = load_object(config.storage.documents).from_config(config,
                                                                                 query_tokenizer=query_tokenizer)
    if config.storage.workflow == config.storage.documents:
        workflow: WorkflowStore = documents  # type: ignore[assignment]
    else:
        try:
            workflow = load_object(config.storage.workflow).from_config(config, query_tokenizer=query_tokenizer)
        except BaseException:
            close = getattr(documents, "close", None)
            if close:
                close()
            raise
    return Store(documents, workflow)
