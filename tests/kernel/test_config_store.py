"""Live configuration: changes are checked like the file, audited, versioned, seen by running applications, exported."""

from __future__ import annotations

import json
import tomllib
from datetime import datetime

import pytest

from yuqing import config_store
from yuqing.app import App
from yuqing.clock import TZ
from yuqing.config import DEFAULT_CONFIG, ConfigError, parse_config

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
FILE_SOURCES = len(tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))["sources"])  # a new source comes after them
NEW_SOURCE = {"name": "b_city_news", "type": "news", "title": "B市人民政府网",
              "start_urls": ["http://127.0.0.1:8600/news/index.html"], "interval_minutes": 10, "region": "B市"}


@pytest.fixture
def app(tmp_path):
    app = App.load(DEFAULT_CONFIG, tmp_path)
    yield app
    app.close()


def add_source(entry):
    return lambda raw: raw.setdefault("sources", []).append(dict(entry))


def test_a_change_is_checked_stored_audited_and_in_force(app):
    assert app.store.workflow.config_version() == 0
    version = config_store.change(app, "admin1", NOW, "新增来源 B市人民政府网", add_source(NEW_SOURCE))
    assert version == 1 and app.config_version == 1
    assert app.config.source("b_city_news").title == "B市人民政府网"
    assert app.file_config.raw.get("sources") != app.config.raw["sources"]  # the file itself is untouched
    row = app.store.workflow.config_overlay()
    assert row["actor"] == "admin1" and row["changes"] == [
        {"key": "sources[b_city_news]", "before": None, "after": NEW_SOURCE}]
    (entry,) = app.store.workflow.audit_for(config_store.CONFIG_AUDIT_ID)
    assert entry.actor == "admin1" and entry.action == "config_change"
    assert "新增来源 B市人民政府网" in entry.note and "修改前 （无）" in entry.note and "B市人民政府网" in entry.note
    assert app.store.workflow.verify_audit()["ok"]


def test_an_edit_records_before_and_after(app):
    def pause(raw):
        next(s for s in raw["sources"] if s["name"] == "repost_site")["enabled"] = False

    config_store.change(app, "admin1", NOW, "暂停来源", pause)
    (change,) = app.store.workflow.config_overlay()["changes"]
    assert change["key"] == "sources[repost_site]"
    assert "enabled" not in change["before"] and change["after"]["enabled"] is False
    assert app.config.source("repost_site").settings["enabled"] is False


@pytest.mark.parametrize("edit, key, problem", [
    (add_source({**NEW_SOURCE, "start_urls": ["ftp://x/"]}), f"sources[{FILE_SOURCES}].start_urls[0]", "http"),
    (add_source({**NEW_SOURCE, "name": "a_city_news"}), f"sources[{FILE_SOURCES}].name", "重复"),
    (add_source({**NEW_SOURCE, "interval_minutes": 0}), f"sources[{FILE_SOURCES}].interval_minutes", "不小于"),
    # the alerts stage's own schema: a rule threshold table with an impossible level
    (lambda raw: raw.setdefault("alerts", {}).__setitem__(
        "rules", [{"name": "热度分级", "type": "heat", "tiers": [{"level": 7, "min_heat": 10}]}]),
     "alerts.rules[0].tiers[0].level", "不大于"),
    # the notification registry: a contact key no channel declares
    (lambda raw: raw["departments"][0].__setitem__("fax", "0531-1234"), "departments[0].fax", "未知"),
    (lambda raw: raw.__setitem__("storage", {"sqlite_path": "other.db"}), "storage", "不能在看板中修改"),
])
def test_a_bad_change_is_refused_with_the_checkers_message_and_changes_nothing(app, edit, key, problem):
    before = app.config
    with pytest.raises(ConfigError) as info:
        config_store.change(app, "admin1", NOW, "错误的修改", edit)
    assert info.value.key.startswith(key.split(".")[0]) and problem in info.value.problem, info.value
    assert key in str(info.value)
    assert app.store.workflow.config_version() == 0 and app.config is before
    assert app.store.workflow.audit_for(config_store.CONFIG_AUDIT_ID) == []


def test_no_change_writes_no_version(app):
    assert config_store.change(app, "admin1", NOW, "无变化", lambda raw: None) == 0
    assert app.store.workflow.config_history() == []


def test_a_running_application_sees_the_new_version_at_its_next_cycle(app, tmp_path):
    other = App.load(DEFAULT_CONFIG, tmp_path)  # e.g. the scheduler, while `app` is the dashboard
    try:
        assert other.refresh() is False  # nothing new
        alerts_before = other.alerts
        rules = [{"name": "热度分级", "type": "heat", "tiers": [{"level": 3, "min_heat": 12.5, "min_docs": 2}]}]
        config_store.change(app, "admin1", NOW, "修改热度阈值",
                            lambda raw: raw.setdefault("alerts", {}).__setitem__("rules", rules))
        assert other.config_version == 0 and other.refresh() is True and other.config_version == 1
        assert other.alerts is not alerts_before  # rebuilt from the new configuration
        (rule,) = other.alerts.settings.rules
        assert rule.tiers == [(3, 12.5, 2)]
    finally:
        other.close()


def test_a_stale_version_is_refused(app, tmp_path):
    other = App.load(DEFAULT_CONFIG, tmp_path)
    try:
        other.refresh()
        config_store.change(app, "admin1", NOW, "新增来源", add_source(NEW_SOURCE))
        from yuqing.storage.base import ConcurrentUpdateError

        with pytest.raises(ConcurrentUpdateError):
            other.store.workflow.add_config_version(0, {}, actor="x", at=NOW, summary="旧版本", changes=[])
    finally:
        other.close()


def test_export_round_trip_reseeds_the_same_configuration(app, tmp_path):
    config_store.change(app, "admin1", NOW, "新增来源", add_source(NEW_SOURCE))
    lists = {"安全事故": {"words": ["爆炸（排除：信息爆炸）", {"word": "伤亡", "exclude": ["伤亡情况"]}], "level": 2, "min_docs": 1}}
    rules = [{"name": "敏感词", "type": "keywords", "lists": lists},
             {"name": "热度分级", "type": "heat", "tiers": [{"level": 2, "min_heat": 55.5, "min_docs": 4}]}]
    config_store.change(app, "admin1", NOW, "修改规则", lambda raw: raw.setdefault("alerts", {}).__setitem__("rules", rules))
    text = config_store.to_toml(config_store.effective_raw(app.file_config.raw,
                                                           config_store.stored_overlay(app.store.workflow).document))
    data = tomllib.loads(text)
    assert data == app.config.raw
    reseeded = parse_config(data, tmp_path / "exported.toml", home=tmp_path / "fresh")
    assert [s.name for s in reseeded.sources] == [s.name for s in app.config.sources]
    assert reseeded.departments == app.config.departments


def test_the_cli_exports_shows_and_lists_history(app, tmp_path, capsys, monkeypatch):
    from yuqing.cli import main

    config_store.change(app, "admin1", NOW, "新增来源 B市人民政府网", add_source(NEW_SOURCE))
    monkeypatch.setenv("YUQING_HOME", str(tmp_path))
    out = tmp_path / "exported.toml"
    assert main(["--config", str(DEFAULT_CONFIG), "config", "export", "--out", str(out)]) == 0
    assert "b_city_news" in [s["name"] for s in tomllib.loads(out.read_text(encoding="utf-8"))["sources"]]
    capsys.readouterr()
    assert main(["--config", str(DEFAULT_CONFIG), "config", "history"]) == 0
    assert "第 1 版" in capsys.readouterr().out
    assert main(["--config", str(DEFAULT_CONFIG), "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["sources"] == FILE_SOURCES + 1  # every command sees the configuration in force
    # No account exists yet: every department is named, since none of them would get its alerts dispatched.
    assert "A市教育局" in stats["departments_without_accounts"]
    assert main(["--config", str(DEFAULT_CONFIG), "stats"]) == 0
    assert "个部门尚无账号，预警不会自动派发" in capsys.readouterr().out


def test_the_schedulers_crawl_jobs_follow_sources_changed_in_the_store(app, tmp_path, monkeypatch):
    """`yuqing run` is not restarted: its next job sees the new version and re-syncs the crawl jobs."""
    from yuqing import scheduler as sched

    running = App.load(DEFAULT_CONFIG, tmp_path)
    try:
        running.refresh()
        scheduler = sched.build_scheduler(running, blocking=False)
        monkeypatch.setattr(sched, "_app", running)
        monkeypatch.setattr(sched, "_scheduler", scheduler)
        assert scheduler.get_job("crawl:repost_site") is not None and scheduler.get_job("crawl:b_city_news") is None

        def edit(raw):
            raw["sources"].append(dict(NEW_SOURCE))
            next(s for s in raw["sources"] if s["name"] == "repost_site")["enabled"] = False

        config_store.change(app, "admin1", NOW, "新增 B市人民政府网，暂停转载站", edit)
        assert sched._get_app() is running and running.config_version == 1
        assert scheduler.get_job("crawl:repost_site") is None
        job = scheduler.get_job("crawl:b_city_news")
        assert job is not None and job.trigger.interval.total_seconds() == 600
        crawled = []
        monkeypatch.setattr(running, "component", lambda name: lambda config, names: crawled.append(names) or {})
        sched.job_crawl("repost_site")  # a run already queued for a paused source does nothing
        sched.job_crawl("b_city_news")
        assert crawled == [["b_city_news"]]
    finally:
        running.close()
