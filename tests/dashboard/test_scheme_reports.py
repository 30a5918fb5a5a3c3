"""Per-scheme 日报/周报 on a store built by the real stages: only the scheme's documents, events and alerts, and only
the period's; ``yuqing report … --scheme``; the report page's scheme picker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.dashboard.conftest import CONFIG
from tests.dashboard.pagekit import no_exception
from tests.dashboard.test_scheme_pages import _add, _scan

EXPR = "拖欠 OR 工资 OR 物业"


@pytest.fixture
def app(dash_home):
    from yuqing.app import App

    app = App.load(CONFIG, dash_home)
    _add(app.store, "民生", EXPR)
    yield app
    app.close()


def _in(doc, start, end) -> bool:
    at = doc.published_at or doc.fetched_at
    return start <= at < end


def test_weekly_brief_of_a_scheme_counts_only_its_documents_in_the_period(app):
    from yuqing.clock import now
    from yuqing.dashboard.report import build_brief, period

    t = now()
    brief = build_brief(app, "weekly", t.date(), t, scheme="民生")
    overall = build_brief(app, "weekly", t.date(), t)
    start, end = period("weekly", t.date())
    matched = _scan(app.store, EXPR)
    in_period = [d for d in matched.values() if _in(d, start, end)]
    assert brief.summary["舆情总量"] == len(in_period) > 0
    assert brief.summary["负面数量"] == sum(((d.analysis or {}).get("sentiment") or {}).get("label") == "negative"
                                       for d in in_period)
    assert overall.summary["舆情总量"] > brief.summary["舆情总量"]
    assert sum(n for _, n in brief.topics) == len(in_period)
    assert brief.title.startswith("「民生」舆情周报")
    # Events: only those holding a matched document; alerts: only those on such events (or scoped to the scheme).
    scheme_events = {d.event_id for d in matched.values() if d.event_id}
    titles = {e.id: e.title for e in app.store.documents.list_events(limit=10_000)}
    assert brief.events and {r["事件"] for r in brief.events} <= {titles[i] for i in scheme_events}
    alerts = {a.id: a for a in app.store.workflow.list_alerts(limit=10_000)[1]}
    assert brief.alerts, "the scheme has alerts on its events this week"
    for row in brief.alerts:
        assert alerts[row["编号"]].event_id in scheme_events
    others = [r for r in overall.alerts if alerts[r["编号"]].event_id not in scheme_events]
    assert others, "the city-wide brief has alerts the scheme's leaves out"
    assert sum(r["预警数"] for r in brief.departments) == brief.summary["新增预警"] == len(brief.alerts)


def test_a_day_without_the_schemes_documents_is_an_empty_brief(app):
    from yuqing.clock import now
    from yuqing.dashboard.report import build_brief

    t = now()
    brief = build_brief(app, "daily", (t - timedelta(days=200)).date(), t, scheme="民生")
    assert brief.summary["舆情总量"] == 0 and brief.summary["新增预警"] == 0 and not brief.alerts


def test_report_command_takes_a_scheme(app, tmp_path, capsys):
    from docx import Document as Docx

    from yuqing.clock import now
    from yuqing.dashboard.report import report_main

    out = tmp_path / "民生周报.docx"
    assert report_main(["weekly", "--date", now().date().isoformat(), "--scheme", "民生", "--out", str(out)], app) == 0
    assert "「民生」舆情周报" in capsys.readouterr().out
    text = "\n".join(p.text for p in Docx(str(out)).paragraphs)
    assert "「民生」舆情周报" in text
    assert report_main(["daily", "--scheme", "没有", "--out", str(tmp_path / "x.docx")], app) == 2
    err = capsys.readouterr().err
    assert "监测方案「没有」不存在" in err and "民生" in err
    assert not (tmp_path / "x.docx").exists()


def test_report_page_scheme_picker(as_user, app):
    at = as_user("officer1")
    at.switch_page("views/reports.py").run()
    no_exception(at)
    at.selectbox(key="r_scheme").set_value("民生").run()
    next(b for b in at.button if b.label == "生成简报").click().run()
    no_exception(at)
    assert any(h.value.startswith("「民生」舆情") for h in at.subheader)
