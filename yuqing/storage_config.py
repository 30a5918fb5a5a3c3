"""``[storage]``: which backend holds each half (a built-in short name or a backend's class path) and the
``[storage.NAME]`` option tables the backends read (see ``yuqing.storage``).

Kernel module: parsed with the :class:`yuqing.config.Checker` it is handed; it imports no backend until a class path
names one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yuqing.config import Checker


#: Short names of the built-in storage backends (what ``[storage] documents`` / ``workflow`` say in users' files)
#: and the class each stands for. Any other backend is named by its class path (``package.module.ClassName``).
DOCUMENT_BACKENDS = {"sqlite": "yuqing.storage.sqlite.SQLiteStore",
                     "elasticsearch": "yuqing.storage.elasticsearch.ElasticsearchDocumentStore"}
WORKFLOW_BACKENDS = {"sqlite": "yuqing.storage.sqlite.SQLiteStore",
                     "postgresql": "yuqing.storage.postgresql.PostgresWorkflowStore"}
#: ``[storage.NAME]`` option tables of the built-in backends (each backend's ``config_section``).
BUILTIN_STORAGE_SECTIONS = ("elasticsearch", "postgresql")


@dataclass
class StorageConfig:
    documents: str = DOCUMENT_BACKENDS["sqlite"]  # class path of the documents backend
    workflow: str = WORKFLOW_BACKENDS["sqlite"]  # class path of the workflow backend
    sqlite_path: Path = Path("yuqing.db")
    # ``[storage.NAME]`` tables: each backend reads the one named by its ``config_section``.
    options: dict[str, dict[str, Any]] = field(default_factory=dict)

def _storage_backend(c: Checker, name: str, short_names: dict[str, str]) -> str:
    """``[storage] documents`` / ``workflow``: a built-in backend's short name or a backend's class path."""
    value = c.get(name, str, "sqlite")
    if value in short_names:
        return short_names[value]
    if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+", value):
        raise c.fail(name, f"取值 {value!r} 无效，可选：{', '.join(short_names)}，或存储后端的类路径（形如 package.module.ClassName）")
    return value


def _backend_section(c: Checker, name: str, path: str) -> str:
    """The ``config_section`` of a backend named by class path (imported here so a wrong path is reported at start-up)."""
    from yuqing.plugins import PluginError, load_object
    from yuqing.storage.base import DocumentStore, WorkflowStore

    try:
        cls = load_object(path)
    except PluginError as exc:
        raise c.fail(name, str(exc)) from exc
    half = DocumentStore if name == "documents" else WorkflowStore
    if not (isinstance(cls, type) and issubclass(cls, half)):
        raise c.fail(name, f"「{path}」不是{'文档' if name == 'documents' else '流程'}存储后端（应为 {half.__module__}.{half.__name__} 的子类）")
    return cls.config_section


def _parse_storage(c: Checker, home: Path) -> StorageConfig:
    documents = _storage_backend(c, "documents", DOCUMENT_BACKENDS)
    workflow = _storage_backend(c, "workflow", WORKFLOW_BACKENDS)
    sections = set(BUILTIN_STORAGE_SECTIONS)
    for name, path, builtin in (("documents", documents, DOCUMENT_BACKENDS), ("workflow", workflow, WORKFLOW_BACKENDS)):
        if path not in builtin.values():
            sections.add(_backend_section(c, name, path))
    sections.discard("")
    c.reject_unknown({"documents", "workflow", "sqlite_path", *sections})
    path = Path(c.get("sqlite_path", str, "yuqing.db"))
    return StorageConfig(
        documents=documents,
        workflow=workflow,
        sqlite_path=path if path.is_absolute() else home / path,
        options={name: c.get(name, dict, {}) for name in sorted(sections)},
    )


__all__ = ["BUILTIN_STORAGE_SECTIONS", "DOCUMENT_BACKENDS", "WORKFLOW_BACKENDS", "StorageConfig"]
