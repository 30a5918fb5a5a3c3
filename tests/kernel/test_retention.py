"""[privacy] retention_days: validated like every section, and `tick` masks older raw text once and says so."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from yuqing import jobs
from yuqing.app import App
from yuqing.clock import TZ
from yuqing.config import DEFAULT_CONFIG, ConfigError, load_config
from yuqing.model import Document, DocumentKind

NOW = datetime(2026, 9, 30, 10, 0, tzinfo=TZ)


def config_with(tmp_path: Path, privacy: str) -> Path:
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace("retention_days = 0\n", privacy)
    assert text != DEFAULT_CONFIG.read_text(encoding="utf-8") or privacy == "retention_days = 0\n"
    path = tmp_path / "yuqing.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_keeps_raw_text(tmp_path):
    assert load_config(DEFAULT_CONFIG, home=tmp_path).privacy == {"retention_days": 0}


@pytest.mark.parametrize("line, problem", [
    ("retention_days = -1\n", "不小于 0"),
    ('retention_days = "30"\n', "整数"),
    ("retention_days = 30.5\n", "整数"),
    ("retention_days = 1000000\n", "不大于"),
    ("retention_days = 30\nkeep_forever = true\n", "未知配置项"),
])
def test_bad_retention_is_a_clear_error(tmp_path, line, problem):
    path = config_with(tmp_path, line)
    with pytest.raises(ConfigError) as info:
        load_config(path, home=tmp_path)
    assert info.value.key.startswith("privacy.") and problem in info.value.problem


def test_tick_masks_old_posts_once_and_reports_it(tmp_path):
    app = App(load_config(config_with(tmp_path, "retention_days = 30\n"), home=tmp_path / "var"))
    old = Document(url="http://board/1", source="a_city_board", kind=DocumentKind.POST, title="噪音扰民",
                   content="我叫张三，电话13812345678，夜间施工噪音太大", published_at=NOW - timedelta(days=40))
    new = Document(url="http://board/2", source="a_city_board", kind=DocumentKind.POST, title="噪音扰民",
                   content="我叫李四，电话13912345678，夜间施工噪音太大", published_at=NOW - timedelta(days=2))
    try:
        app.store.documents.upsert_documents([old, new], NOW)
        said: list[str] = []
        report = jobs.tick(app, NOW, progress=said.append)
        assert report["retention"] == {"days": 30, "purged": 1}
        assert any("保留期 30 天" in m and "1 篇" in m for m in said)
        stored = app.store.documents.get_document(old.id)
        assert "13812345678" not in stored.content and "张三" not in stored.content
        assert stored.analysis is not None and stored.analysis["sentiment"]["label"]  # analysed, labels kept
        assert "13812345678" not in (stored.analysis["text"] or "")
        assert app.store.documents.get_document(new.id).content == new.content
        assert jobs.tick(app, NOW + timedelta(minutes=5))["retention"] == {"days": 30, "purged": 0}
    finally:
        app.store.close()


def test_tick_without_retention_leaves_text(tmp_path):
    app = App(load_config(DEFAULT_CONFIG, home=tmp_path / "var"))
    doc = Document(url="http://board/3", source="a_city_board", kind=DocumentKind.POST, title="路灯不亮",
                   content="电话13812345678", published_at=NOW - timedelta(days=4000))
    try:
        app.store.documents.upsert_documents([doc], NOW)
        assert "retention" not in jobs.tick(app, NOW)
        assert app.store.documents.get_document(doc.id).content == "电话13812345678"
    finally:
        app.store.close()


def test_scheduler_runs_retention_only_when_it_is_on(tmp_path, monkeypatch):
    """`yuqing run` alone must purge too: the scheduler has a retention job exactly when retention_days > 0."""
    from yuqing import scheduler as sched

    on = App(load_config(config_with(tmp_path, "retention_days = 30\n"), home=tmp_path / "on"))
    off = App(load_config(config_with(tmp_path, "retention_days = 0\n"), home=tmp_path / "off"))
    try:
        assert sched.build_scheduler(on, blocking=False).get_job("retention") is not None
        assert sched.build_scheduler(off, blocking=False).get_job("retention") is None
        old = Document(url="http://board/9", source="a_city_board", kind=DocumentKind.POST, title="噪音扰民",
                       content="电话13812345678", published_at=datetime.now(TZ) - timedelta(days=40))
        on.store.documents.upsert_documents([old], datetime.now(TZ))
        monkeypatch.setattr(sched, "_app", on)
        sched.job_retention()
        assert "13812345678" not in on.store.documents.get_document(old.id).content
    finally:
        on.store.close()
        off.store.close()
