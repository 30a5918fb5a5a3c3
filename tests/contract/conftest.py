"""Backends for the contract suite: the same tests run on every backend.

SQLite always. PostgreSQL at ``YUQING_TEST_POSTGRES_DSN`` (tests/backends.py; ``.ci/run`` starts it from Debian's
packages). Elasticsearch: a real cluster when ``ES_URL`` is set, otherwise ``osmem-server`` (an
in-memory OpenSearch-compatible test server) with a test-only node class. Outside CI a missing server skips with the
reason; in CI (``CI=true``) it fails, so a broken service set-up can never pass as green.

Every backend the suite runs on is one entry in ``DOCUMENT_BACKENDS`` / ``WORKFLOW_BACKENDS`` (backend name → the
fixture that opens it). ``toy`` is tests/contract/toy_backend.py, named by class path in a configuration file and
opened by ``open_store`` the way the application opens any backend.
"""

from __future__ import annotations

import os
import uuid

import jieba
import pytest

from tests.backends import postgres_workflow, unavailable
from tests.contract.toy_backend import ToyStore
from yuqing.config import load_config
from yuqing.storage import open_store
from yuqing.storage.sqlite import SQLiteStore

ES_URL = os.environ.get("ES_URL", "")


def _plain_json_node_class():
    from .es_testing import PlainJsonNode  # test-only: see es_testing.py

    return PlainJsonNode


@pytest.fixture(scope="session")
def es_endpoint():
    """(url, node_class) of the Elasticsearch the suite runs against."""
    try:
        import elasticsearch  # noqa: F401
    except ImportError:
        unavailable("未安装 elasticsearch 客户端（pip install elasticsearch）")
    if ES_URL:
        yield ES_URL, None, None
        return
    try:
        from osmem_server import OsmemServer
    except ImportError:
        unavailable("未设置 ES_URL，且未安装 osmem-server（pip install osmem-server）")
    try:
        server = OsmemServer.start(japanese=False)
    except Exception as exc:  # the bundled binary may not run on this platform
        unavailable(f"osmem-server 无法启动：{exc}")
    yield None, _plain_json_node_class(), server
    server.close()


@pytest.fixture
def es_store(es_endpoint):
    from yuqing.storage.elasticsearch import ElasticsearchDocumentStore

    url, node_class, server = es_endpoint
    clone = None
    if server is not None:
        clone = server.clone()
        url = clone.url
    store = ElasticsearchDocumentStore(hosts=[url], node_class=node_class, index_prefix=f"yqtest-{uuid.uuid4().hex[:10]}",
                                       query_tokenizer=jieba.lcut, replicas=0)
    yield store
    try:
        store.drop_all()
    finally:
        store.close()
        if clone is not None:
            clone.close()


@pytest.fixture
def pg_store():
    store = postgres_workflow()
    yield store
    store.drop_schema()
    store.close()


@pytest.fixture
def sqlite_store(tmp_path):
    store = SQLiteStore(tmp_path / "contract.db", query_tokenizer=jieba.lcut)
    yield store
    store.close()


TOY_CONFIG = """\
[storage]
documents = "tests.contract.toy_backend.ToyStore"
workflow = "tests.contract.toy_backend.ToyStore"

[storage.toy]
file = "toy.db"
"""


@pytest.fixture
def toy_store(tmp_path):
    """The toy backend, opened from configuration by class path like any backend."""
    path = tmp_path / "yuqing.toml"
    path.write_text(TOY_CONFIG, encoding="utf-8")
    store = open_store(load_config(path, home=tmp_path), query_tokenizer=jieba.lcut)
    assert type(store.documents) is ToyStore and store.workflow is store.documents
    assert (tmp_path / "toy.db").exists()
    yield store.documents
    store.close()


#: backend name → fixture; the documents and workflow contract tests run once per entry.
DOCUMENT_BACKENDS = {"sqlite": "sqlite_store", "elasticsearch": "es_store", "toy": "toy_store"}
WORKFLOW_BACKENDS = {"sqlite": "sqlite_store", "postgresql": "pg_store", "toy": "toy_store"}


@pytest.fixture(params=list(DOCUMENT_BACKENDS))
def documents(request):
    """A DocumentStore of every kind."""
    return request.getfixturevalue(DOCUMENT_BACKENDS[request.param])


@pytest.fixture(params=list(WORKFLOW_BACKENDS))
def workflow(request):
    """A WorkflowStore of every kind."""
    return request.getfixturevalue(WORKFLOW_BACKENDS[request.param])
