"""The spike rule on a real series: the shared provincial message board's own posting times, replayed day by day.

Eight months of real posts (2018-09 … 2019-03, with the months before as history), each region with its own
baseline. The board has one real burst in that time: on 19–20 November 2018, K7县 — a county that gets about one
post a month — had five posts in two days, three of them protesting the demolition of the 五一桥 bridge. That must
fire, once, on the 五一桥 issue; every other region's real series (the busiest, A市, included) is quiet and must
not.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from yuqing.alerts.engine import RuleEngine
from yuqing.alerts.rules.base import RuleContext
from yuqing.alerts.rules.spike import SpikeRule, poisson_tail
from alerts_testkit import board_rows
from yuqing.clock import TZ
from yuqing.config import Checker, ConfigError
from yuqing.model import Document, DocumentKind, Event
from yuqing.storage.base import Store
from yuqing.storage.sqlite import SQLiteStore

HISTORY_FROM = datetime(2018, 6, 1, tzinfo=TZ)
REPLAY_FROM, REPLAY_TO = datetime(2018, 9, 1, 18, tzinfo=TZ), datetime(2019, 3, 31, 18, tzinfo=TZ)
REGION = re.compile(r"[A-Z]\d*(?:市|区|县)")


def region_of(title: str, content: str) -> str | None:
    m = REGION.search(title) or REGION.search(content)
    return m.group(0) if m else None


def load_board(store: Store) -> list[Document]:
    """Every real post of the period as a board post with its region; posts with the same title within a week form
    one event (as near-copies are grouped), every other post is its own event (issues split into pieces)."""
    docs = []
    for r in board_rows():
        at = r["at"]
        if HISTORY_FROM <= at <= REPLAY_TO + timedelta(days=1):
            title, content = r["留言主题"].strip(), r["留言详情"].strip()
            docs.append(Document(url=f"http://board.example/{r['留言编号']}", source="province_board",
                                 kind=DocumentKind.POST, title=title, content=content, published_at=at,
                                 region=region_of(title, content)))
    docs.sort(key=lambda d: (d.published_at, d.id))
    store.documents.upsert_documents(docs, REPLAY_TO + timedelta(days=2))
    events: dict[str, Event] = {}
    open_by_title: dict[str, str] = {}
    links = {}
    for d in docs:
        eid = open_by_title.get(d.title)
        if eid is None or d.published_at - events[eid].last_seen > timedelta(days=7):
            eid = f"ev-{d.id[:12]}"
            events[eid] = Event(id=eid, title=d.title, region=d.region, first_seen=d.published_at,
                                last_seen=d.published_at, source_count=1)
            open_by_title[d.title] = eid
        events[eid].last_seen = d.published_at
        events[eid].doc_count += 1
        links[d.id] = (eid, None)
    store.documents.link_documents(links)
    store.documents.save_events(list(events.values()), REPLAY_TO + timedelta(days=2))
    return docs


def test_real_board_burst_fires_once_and_quiet_real_series_do_not(tmp_path):
    sqlite = SQLiteStore(tmp_path / "board.db")
    store = Store(sqlite, sqlite)
    try:
        docs = load_board(store)
        spike = SpikeRule.from_config(Checker("yuqing.toml", {"name": "声量突增", "type": "spike"}, "alerts.rules[0]"))
        engine = RuleEngine([spike])
        fired = []
        now = REPLAY_FROM
        while now <= REPLAY_TO:
            for f in engine.run(store, now).findings:
                fired.append((now, f))
            now += timedelta(days=1)
        assert [(now.date().isoformat(), f.region) for now, f in fired] == [("2018-11-20", "K7县")]
        _, finding = fired[0]
        assert "五一桥" in finding.title
        part = finding.details["rules"]["声量突增"]
        assert part["scope"] == "region" and part["group"] == "K7县" and part["recent"] == 5
        assert part["event_share"] == 3 and part["probability"] <= 0.01
        assert "地区「K7县」近 48 小时 5 篇" in finding.reason and "本事件占其中 3 篇" in finding.reason
        # The quiet series were real and active, not empty: 540 posts in 85 regions, the busiest (A市) with 74.
        replayed = [d for d in docs if REPLAY_FROM <= d.published_at <= REPLAY_TO]
        assert len(replayed) > 500 and len({d.region for d in replayed}) > 80
        assert sum(d.region == "A市" for d in replayed) > 70
    finally:
        sqlite.close()


def test_the_minimums_hold_on_the_real_burst(tmp_path):
    """The same real burst with a higher minimum, or before the store has any history, does not fire."""
    sqlite = SQLiteStore(tmp_path / "board.db")
    store = Store(sqlite, sqlite)
    try:
        load_board(store)
        at = datetime(2018, 11, 20, 18, tzinfo=TZ)
        strict = SpikeRule.from_config(Checker("yuqing.toml", {"name": "s", "type": "spike", "group_min_count": 6},
                                               "alerts.rules[0]"))
        assert RuleEngine([strict]).run(store, at).findings == []
        # A baseline window reaching back before the first stored post: no history, no group spike.
        long = SpikeRule.from_config(Checker("yuqing.toml", {"name": "s", "type": "spike", "group_baseline_days": 200},
                                             "alerts.rules[0]"))
        assert RuleEngine([long]).run(store, at).findings == []
        # The event scope keeps its own minimum (8 posts in 2 hours): one board's real events never reach it.
        ctx = RuleContext(store, at)
        assert all(strict.event_spike(e, ctx) is None for e in ctx.events())
    finally:
        sqlite.close()


def test_poisson_tail():
    assert poisson_tail(0, 3.0) == 1.0
    assert abs(poisson_tail(1, 1.0) - (1 - 0.36787944)) < 1e-6
    assert poisson_tail(5, 1.0) < 0.004 < poisson_tail(4, 1.0)


@pytest.mark.parametrize("options, problem", [
    ({"groups": ["department"]}, "无效"),
    ({"group_window_hours": 100}, "不大于"),
    ({"group_min_count": 1}, "不小于 2"),
    ({"group_max_p": 2}, "不大于"),
])
def test_bad_group_options_are_clear_errors(options, problem):
    with pytest.raises(ConfigError) as info:
        SpikeRule.from_config(Checker("yuqing.toml", {"name": "x", "type": "spike", **options}, "alerts.rules[0]"))
    assert problem in info.value.problem
