"""Data at rest is private to the service user: YUQING_HOME and its folders 0700, the database, its WAL and SHM,
logs and reports 0600, whatever umask the operator's shell had."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from yuqing.app import App
from yuqing.config import DEFAULT_CONFIG, load_config
from yuqing.storage.sqlite import SQLiteStore


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    """The usual shell umask (022) during the test, the process's own restored after it."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_fresh_store_files_are_0600_and_its_folder_0700(tmp_path, loose_umask):
    path = tmp_path / "home" / "yuqing.db"
    store = SQLiteStore(path)
    try:
        store.set_state("test", "k", "v")  # a write: the -wal and -shm files exist while the store is open
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert mode(path.parent) == 0o700
        # A second connection in another thread does not loosen anything.
        import threading

        t = threading.Thread(target=lambda: store.get_state("test", "k"))
        t.start()
        t.join(60)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        store.close()


def test_existing_world_readable_store_is_tightened(tmp_path, loose_umask):
    path = tmp_path / "old.db"
    SQLiteStore(path).close()
    os.chmod(path, 0o644)
    wal = Path(f"{path}-wal")
    wal.write_bytes(b"")
    os.chmod(wal, 0o644)
    store = SQLiteStore(path)
    try:
        assert mode(path) == 0o600 and mode(wal) == 0o600
        assert store.get_state("x", "y") is None  # still a working database
    finally:
        store.close()


def test_app_home_logs_and_reports_are_private(tmp_path, loose_umask):
    home = tmp_path / "var"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    (home / "logs").mkdir()
    os.chmod(home / "logs", 0o755)
    old_log = home / "logs" / "crawl-20250101.log"
    old_log.write_text("旧日志", encoding="utf-8")
    stray = home / "export.csv"
    stray.write_text("a,b\n", encoding="utf-8")
    os.chmod(stray, 0o644)
    app = App(load_config(DEFAULT_CONFIG, home=home))
    try:
        app.store  # opening the store secures the home
        assert mode(home) == 0o700
        assert mode(home / "logs") == 0o700
        assert mode(stray) == 0o600
        assert mode(home / "yuqing.db") == 0o600
        # Files and folders the process makes from now on (a report, a new log folder) are private too.
        report = tmp_path / "日报.docx"
        report.write_bytes(b"PK")
        (home / "crawl-state").mkdir()
        assert mode(report) == 0o600
        assert mode(home / "crawl-state") == 0o700
    finally:
        app.store.close()


def test_symlink_and_foreign_files_left_alone(tmp_path, loose_umask):
    from yuqing.paths import secure_home

    home = tmp_path / "home"
    home.mkdir()
    outside = tmp_path / "shared.txt"
    outside.write_text("x", encoding="utf-8")
    os.chmod(outside, 0o644)
    (home / "link").symlink_to(outside)
    secure_home(home)
    assert mode(home) == 0o700
    assert mode(outside) == 0o644  # a link is not followed out of the home


def test_unusable_home_is_a_clear_error(tmp_path, loose_umask):
    from yuqing.storage.base import StoreError

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    app = App(load_config(DEFAULT_CONFIG, home=blocker / "var"))
    with pytest.raises(StoreError, match="无法创建或设置数据目录"):
        app.store
