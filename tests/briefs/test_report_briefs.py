"""The 日报/周报 quote the briefs of the period's hottest events instead of one fixed sentence."""

from __future__ import annotations

from datetime import timedelta

from tests.briefs.conftest import PLANTED_ID, PLANTED_NAME, PLANTED_PHONE


def test_weekly_report_narrative_carries_the_top_events_briefs(brief_app):
    from yuqing.dashboard.report import build_brief, narrative
    from yuqing.eventviews import build_brief_view

    events = brief_app.store.documents.list_events(limit=1000, order="recent")
    last = events[0].last_seen
    report = build_brief(brief_app, "weekly", last.date(), now=last + timedelta(hours=2))
    text = narrative(report)
    hottest = brief_app.store.documents.list_events(limit=3, since=report.start, order="heat")
    assert hottest
    for i, event in enumerate(hottest, 1):
        brief = build_brief_view(event)
        assert f"热点事件{i}：{brief.title}" in text
        if brief.places:
            assert brief.places[0] in text
        if brief.demands:
            assert brief.demands[0].text[:20] in text
    for secret in (PLANTED_PHONE, PLANTED_ID, PLANTED_NAME):
        assert secret not in text
