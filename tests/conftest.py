"""Fixtures shared by every test area."""

from __future__ import annotations

import os

import pytest

# Tests replay the response loop at fixed times: `yuqing alerts act|raise --now` is honoured only with this switch
# (alerts/cli.py CLOCK_OVERRIDE_ENV). Subprocesses the tests start inherit it.
os.environ["YUQING_ALLOW_CLOCK_OVERRIDE"] = "1"

from yuqing.paths import shared_data_dir


@pytest.fixture(scope="session")
def shared_data():
    """Path to ../shared/data; tests needing real data skip with a reason where it is absent."""
    path = shared_data_dir()
    if path is None:
        pytest.skip("需要 ../shared/data 中的真实数据（用户的新机器上没有；CI 上总是有）")
    return path


@pytest.fixture(scope="session")
def news_pages(shared_data):
    """The 51 real saved news pages of ../shared/data/news_pages."""
    path = shared_data / "news_pages"
    if not path.is_dir():
        pytest.skip("共享数据中没有 news_pages/ 目录")
    return path


@pytest.fixture(autouse=True)
def _restore_yuqing_config():
    """`yuqing --config FILE` exports YUQING_CONFIG for its subprocesses (yuqing/cli.py); a test calling main() in
    process must not hand its file to the tests after it."""
    before = os.environ.get("YUQING_CONFIG")
    yield
    if before is None:
        os.environ.pop("YUQING_CONFIG", None)
    else:
        os.environ["YUQING_CONFIG"] = before


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh YUQING_HOME with no YUQING_CONFIG, as on a new machine (areas with other needs define their own)."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("YUQING_HOME", str(path))
    monkeypatch.delenv("YUQING_CONFIG", raising=False)
    return path
