"""The test servers several suites share: PostgreSQL and Redis where ``.ci/run`` starts them.

Outside CI a missing server skips with the reason; in CI (``CI=true``) it fails, so a broken service set-up can
never pass as green.
"""

from __future__ import annotations

import os
import uuid

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
PG_DSN = os.environ.get("YUQING_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("YUQING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"CI 中该后端必须可用：{reason}", pytrace=False)
    pytest.skip(reason)


def postgres_dsn() -> str:
    """``YUQING_TEST_POSTGRES_DSN`` once it answers."""
    try:
        import psycopg
    except ImportError:
        unavailable("未安装 psycopg（pip install \"psycopg[binary]\"）")
    try:
        psycopg.connect(PG_DSN, connect_timeout=3).close()
    except psycopg.Error as exc:
        unavailable(f"PostgreSQL 不可用（YUQING_TEST_POSTGRES_DSN={PG_DSN}）：{str(exc).strip()}")
    return PG_DSN


def postgres_workflow(prefix: str = "yqtest"):
    """A PostgreSQL workflow store in a throwaway schema; the caller drops it (``drop_schema``) and closes it."""
    from yuqing.storage.postgresql import PostgresWorkflowStore

    return PostgresWorkflowStore(postgres_dsn(), schema=f"{prefix}_{uuid.uuid4().hex[:10]}")


def redis_url() -> str:
    """``YUQING_TEST_REDIS_URL`` once it answers."""
    from yuqing.crawlers.distributed import ping

    try:
        ping(REDIS_URL)
    except ValueError as exc:
        unavailable(f"Redis 不可用（设置 YUQING_TEST_REDIS_URL）：{exc}")
    return REDIS_URL
