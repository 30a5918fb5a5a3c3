"""Fixtures shared by every test area."""

from __future__ import annotations

import pytest

from yuqing.paths import shared_data_dir


@pytest.fixture(scope="session")
def shared_data():
    """Path to ../shared/data; tests needing real data skip with a reason where it is absent."""
    path = shared_data_dir()
    if path is None:
        pytest.skip("需要 ../shared/data 中的真实数据（用户的新机器上没有；CI 上总是有）")
    return path
