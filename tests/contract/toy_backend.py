"""A storage backend added the way any backend is added: this one module, plus configuration naming it.

``[storage] documents = workflow = "tests.contract.toy_backend.ToyStore"`` and its own options table
``[storage.toy]`` (``file``: the database file under YUQING_HOME). It keeps both halves in a SQLite file of its
choosing; the contract suite (conftest.py, backend ``toy``) opens it through ``open_store`` and runs every documents
and workflow contract test on it.
"""

from __future__ import annotations

from typing import Any

from yuqing.config import Checker, Config
from yuqing.storage.base import DocumentStore
from yuqing.storage.sqlite import SQLiteStore


class ToyStore(SQLiteStore):
    config_section = "toy"
    # No index of its own for expressions: the interface's reference scan, which the contract suite's expression
    # tests compare every other backend against.
    search_query = DocumentStore.search_query

    @classmethod
    def from_config(cls, config: Config, *, query_tokenizer: Any = None) -> "ToyStore":
        c = Checker(config.path, config.storage.options.get(cls.config_section, {}), "storage.toy")
        c.reject_unknown({"file"})
        name = c.get("file", str)
        if "/" in name or name in {"", ".", ".."}:
            raise c.fail("file", f"「{name}」应为 YUQING_HOME 下的文件名")
        return cls(config.home / name, query_tokenizer=query_tokenizer)
