"""Contract of the live-configuration versions (yuqing/config_store.py) on every workflow backend."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from yuqing.clock import TZ
from yuqing.model import AuditEntry
from yuqing.storage.base import ConcurrentUpdateError

T0 = datetime(2024, 10, 8, 9, 0, tzinfo=TZ)
DOC = {"sources": [{"name": "b_city", "type": "news", "title": "B市「政府网」", "start_urls": ["http://b.example/"]}]}
CHANGES = [{"key": "sources[b_city]", "before": None, "after": DOC["sources"][0]}]


def test_versions_start_at_zero_and_count_up(workflow):
    assert workflow.config_version() == 0 and workflow.config_overlay() is None and workflow.config_history() == []
    assert workflow.add_config_version(0, DOC, actor="admin1", at=T0, summary="新增来源", changes=CHANGES) == 1
    second = {**DOC, "alerts": {"rules": [{"name": "热度分级", "type": "heat", "tiers": [{"level": 2, "min_heat": 55.5}]}]}}
    assert workflow.add_config_version(1, second, actor="admin2", at=T0 + timedelta(minutes=1), summary="改阈值",
                                       changes=[]) == 2
    assert workflow.config_version() == 2
    latest = workflow.config_overlay()
    assert latest == {"version": 2, "document": second, "actor": "admin2", "at": T0 + timedelta(minutes=1),
                      "summary": "改阈值", "changes": []}
    first = workflow.config_overlay(1)
    assert first["document"] == DOC and first["changes"] == CHANGES and first["at"] == T0
    assert [r["version"] for r in workflow.config_history()] == [2, 1]
    assert [r["version"] for r in workflow.config_history(1)] == [2]


def test_a_version_written_from_a_stale_one_is_refused(workflow):
    workflow.add_config_version(0, DOC, actor="admin1", at=T0, summary="新增来源", changes=CHANGES)
    with pytest.raises(ConcurrentUpdateError):
        workflow.add_config_version(0, {}, actor="admin2", at=T0, summary="基于旧版本", changes=[])
    with pytest.raises(ConcurrentUpdateError):
        workflow.add_config_version(5, {}, actor="admin2", at=T0, summary="不存在的版本", changes=[])
    assert workflow.config_version() == 1 and workflow.config_overlay()["actor"] == "admin1"


def test_a_version_and_its_audit_entry_commit_together(workflow):
    with pytest.raises(RuntimeError):
        with workflow.transaction():
            workflow.add_config_version(0, DOC, actor="admin1", at=T0, summary="新增来源", changes=CHANGES)
            workflow.append_audit(AuditEntry(alert_id="config", actor="admin1", action="config_change", at=T0,
                                             note="配置第 1 版"))
            raise RuntimeError("boom")
    assert workflow.config_version() == 0 and workflow.audit_for("config") == []
