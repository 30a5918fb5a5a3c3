"""Backends for the contract suite: the same tests run on every backend.

SQLite always. PostgreSQL at ``YUQING_TEST_POSTGRES_DSN`` and Redis at ``YUQING_TEST_REDIS_URL`` (``.ci/run`` starts
both from Debian's packages). Elasticsearch: a real cluster when ``ES_URL`` is set, otherwise ``osmem-server`` (an
in-memory OpenSearch-compatible test server) with a test-only node class. Outside CI a missing server skips with the
reason; in CI (``CI=true``) it fails, so a broken service set-up can never pass as green.
"""

from __future__ import annotations

import os
import uuid

import jieba
import pytest

from yuqing.storage.sqlite import SQLiteStore

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
PG_DSN = os.environ.get("YUQING_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("YUQING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ES_URL = os.environ.get("ES_URL", "")


def unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"CI 中该后端必须可用：{reason}", pytrace=False)
    pytest.skip(reason)


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


@pytest.fixture(scope="session")
def pg_dsn():
    try:
        import psycopg
    except ImportError:
        unavailable("未安装 psycopg（pip install \"psycopg[binary]\"）")
    try:
        psycopg.connect(PG_DSN, connect_timeout=3).close()
    except psycopg.Error as exc:
        unavailable(f"PostgreSQL 不可用（YUQING_TEST_POSTGRES_DSN={PG_DSN}）：{str(exc).strip()}")
    return PG_DSN


@pytest.fixture
def pg_store(pg_dsn):
    from yuqing.storage.postgresql import PostgresWorkflowStore

    store = PostgresWorkflowStore(pg_dsn, schema=f"yqtest_{uuid.uuid4().hex[:10]}")
    yield store
    store.drop_schema()
    store.close()


@pytest.fixture(scope="session")
def redis_url():
    try:
        import redis
    except ImportError:
        unavailable("未安装 redis 客户端（pip install redis scrapy-redis）")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis 不可用（YUQING_TEST_REDIS_URL={REDIS_URL}）：{exc}")
    return REDIS_URL


@pytest.fixture
def sqlite_store(tmp_path):
    store = SQLiteStore(tmp_path / "contract.db", query_tokenizer=jieba.lcut)
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "elasticsearch"])
def documents(request):
    """A DocumentStore of every kind."""
    return request.getfixturevalue("sqlite_store" if request.param == "sqlite" else "es_store")


@pytest.fixture(params=["sqlite", "postgresql"])
def workflow(request):
    """A WorkflowStore of every kind."""
    return request.getfixturevalue("sqlite_store" if request.param == "sqlite" else "pg_store")
