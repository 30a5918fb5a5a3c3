"""A rule threshold changed through the store is used by the next ``tick`` of an application that keeps running."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from yuqing import config_store, jobs
from yuqing.app import App
from yuqing.clock import now as clock_now
from yuqing.config import DEFAULT_CONFIG


def heat_rules(min_heat: float) -> list[dict]:
    return [{"name": "热度分级", "type": "heat", "tiers": [{"level": 3, "min_heat": min_heat, "min_docs": 2}]}]


def test_the_next_tick_uses_a_threshold_changed_in_between(tmp_path):
    from yuqing.samples.timeline import generate_posts

    now = clock_now()
    scheduler = App.load(DEFAULT_CONFIG, tmp_path)  # one process, one application, two ticks
    dashboard = App.load(DEFAULT_CONFIG, tmp_path)  # where the administrator changes the rule
    try:
        config_store.change(dashboard, "admin1", now, "热度阈值调高",
                            lambda raw: raw.setdefault("alerts", {}).__setitem__("rules", heat_rules(1000)))
        posts = generate_posts(seed=11, n=120, start=now - timedelta(days=3), days=3, labels=False, now=now)
        jobs.ingest(scheduler, io.StringIO("\n".join(json.dumps(p, ensure_ascii=False) for p in posts)), now)
        first = jobs.tick(scheduler, now)
        assert first["alerts"] == []  # nothing reaches a heat of 1000
        heats = [e.heat for e in scheduler.store.documents.list_events(limit=50, order="heat")]
        assert heats and max(heats) > 0

        threshold = round(max(heats) / 2, 1)
        config_store.change(dashboard, "admin1", now, "热度阈值调低",
                            lambda raw: raw["alerts"].__setitem__("rules", heat_rules(threshold)))
        second = jobs.tick(scheduler, now + timedelta(minutes=1))
        assert second["alerts"], "the lowered threshold was not used"
        assert scheduler.config_version == 2
        for alert_id in second["alerts"]:
            alert = scheduler.store.workflow.get_alert(alert_id)
            assert alert.rule == "热度分级" and f"阈值 {threshold:g}" in alert.reason
    finally:
        scheduler.close()
        dashboard.close()
