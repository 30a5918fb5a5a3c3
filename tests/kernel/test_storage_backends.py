"""Storage backends are class paths in configuration; the built-in short names users' files use still work."""

from __future__ import annotations

import pytest

from tests.contract.toy_backend import ToyStore
from yuqing.config import ConfigError, load_config
from yuqing.plugins import load_object
from yuqing.storage import open_store
from yuqing.storage.sqlite import SQLiteStore
from yuqing.storage_config import DOCUMENT_BACKENDS, WORKFLOW_BACKENDS

TOY = "tests.contract.toy_backend.ToyStore"


def load(tmp_path, text):
    path = tmp_path / "yuqing.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, home=tmp_path)


def test_short_names_stand_for_the_builtin_classes(tmp_path):
    config = load(tmp_path, '[storage]\ndocuments = "elasticsearch"\nworkflow = "postgresql"\n')
    assert config.storage.documents == "yuqing.storage.elasticsearch.ElasticsearchDocumentStore"
    assert config.storage.workflow == "yuqing.storage.postgresql.PostgresWorkflowStore"
    for name, path in {**DOCUMENT_BACKENDS, **WORKFLOW_BACKENDS}.items():
        cls = load_object(path)
        assert cls.config_section in ("", name)  # each built-in reads [storage.<its short name>]


def test_default_is_one_sqlite_file_for_both_halves(tmp_path):
    store = open_store(load(tmp_path, '[storage]\nsqlite_path = "a/b.db"\n'))
    try:
        assert type(store.documents) is SQLiteStore and store.workflow is store.documents
        assert (tmp_path / "a" / "b.db").exists()
    finally:
        store.close()


def test_a_backend_named_by_class_path_reads_its_own_table(tmp_path):
    config = load(tmp_path, f'[storage]\ndocuments = "{TOY}"\nworkflow = "sqlite"\n[storage.toy]\nfile = "t.db"\n')
    store = open_store(config)
    try:
        assert type(store.documents) is ToyStore and type(store.workflow) is SQLiteStore
        assert (tmp_path / "t.db").exists() and (tmp_path / "yuqing.db").exists()
    finally:
        store.close()


@pytest.mark.parametrize("text, key, words", [
    ('[storage]\ndocuments = "nosuch.module.Store"\n', "storage.documents", ["nosuch.module"]),
    ('[storage]\nworkflow = "yuqing.storage.sqlite.NoSuchStore"\n', "storage.workflow", ["NoSuchStore"]),
    ('[storage]\nworkflow = "yuqing.model.Document"\n', "storage.workflow", ["不是流程存储后端"]),
    ('[storage]\ndocuments = "yuqing.storage.postgresql.PostgresWorkflowStore"\n', "storage.documents",
     ["不是文档存储后端"]),
    ('[storage]\ndocuments = "mongo"\n', "storage.documents", ["可选", "类路径"]),
    ('[storage.toy]\nfile = "t.db"\n', "storage.toy", ["未知配置项"]),  # the toy backend is not configured
    ('[storage]\nsqlite = "x"\n', "storage.sqlite", ["未知配置项"]),
])
def test_bad_backend_configuration_names_the_key(tmp_path, text, key, words):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    assert info.value.key == key
    for word in words:
        assert word in info.value.problem


def test_backend_options_are_checked_by_the_backend(tmp_path):
    config = load(tmp_path, f'[storage]\ndocuments = "{TOY}"\nworkflow = "{TOY}"\n[storage.toy]\nfiel = "t.db"\n')
    with pytest.raises(ConfigError) as info:
        open_store(config)
    assert info.value.key == "storage.toy.fiel" and "未知配置项" in info.value.problem
