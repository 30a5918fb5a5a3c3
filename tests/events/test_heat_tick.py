"""Heat in time: a tick with no new documents recomputes heat as of its own time — it decays and re-ranks.

Issue 15: heat was only recomputed when documents arrived, so a tick days later saw the heat of the last ingest
(a replay that ingested without --now saw heat 0.0 at every tick).
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

from yuqing.nlp.events.heat import compute_heat
from yuqing.nlp.events.stage import authority_map
from yuqing.nlp.events.settings import EventSettings
from yuqing import jobs
from yuqing.app import App
from yuqing.clock import TZ
from yuqing.config import DEFAULT_CONFIG, load_config

T = datetime(2018, 11, 20, 18, 0, tzinfo=TZ)

# A steady issue: a month of posts about one estate's kindergarten and clinic, well backed, the last this morning.
STEADY = [
    "A5区东澜湾社区配套幼儿园迟迟不开工，小孩上学要跑很远",
    "东澜湾社区医疗卫生服务中心一直没动静，居民看病难",
    "再次反映A5区东澜湾社区幼儿园和卫生服务中心建设问题",
    "东澜湾社区几千户居民盼望配套幼儿园早日开工",
    "A5区东澜湾社区幼儿园建设进度缓慢，请求督促开发商",
    "东澜湾社区卫生服务中心何时能投入使用",
    "请求加快A5区东澜湾社区配套幼儿园和医疗设施建设",
    "东澜湾社区居民再次呼吁配套幼儿园尽快开工建设",
]
# A burst: today's protest against demolishing a bridge, several posts within hours, nobody backing them yet.
BURST = [
    "K7县人民反对拆除五一桥来建商业廊桥",
    "反对K7县拆除五一桥建商铺廊桥",
    "K7县五一桥是老百姓出行的桥，反对拆桥建商业廊桥",
    "强烈反对K7县拆除五一桥来建商业廊桥",
    "K7县拆五一桥建商铺廊桥，群众强烈反对",
    "请求K7县保留五一桥，不要拆桥建商业廊桥",
]


def records() -> list[dict]:
    out = []
    for i, title in enumerate(STEADY * 2):  # two posts a day for eight days, every one liked
        at = T - timedelta(hours=8 + 11 * i)
        out.append({"url": f"http://board.example/steady/{i}", "source": "a_city_board", "title": title,
                    "content": title + "。恳请相关部门尽快落实，给居民一个答复。", "published_at": at.isoformat(),
                    "likes": 6 + i % 3, "replies": 1, "region": "A5区"})
    for i, title in enumerate(BURST * 2):
        at = T - timedelta(minutes=20 + 25 * i)
        out.append({"url": f"http://board.example/burst/{i}", "source": "a_city_board", "title": title,
                    "content": title + "。五一桥承载着几代人的记忆。", "published_at": at.isoformat(), "region": "K7县"})
    return out


def event_of(app: App, marker: str) -> str:
    _, docs = app.store.documents.list_documents(limit=500)
    counts: dict[str, int] = {}
    for d in docs:
        if marker in d.url and d.event_id:
            counts[d.event_id] = counts.get(d.event_id, 0) + 1
    return max(counts, key=counts.get)


def test_heat_decays_and_reranks_at_ticks_without_new_data(tmp_path):
    app = App(load_config(DEFAULT_CONFIG, home=tmp_path / "var"))
    try:
        lines = io.StringIO("\n".join(json.dumps(r, ensure_ascii=False) for r in records()) + "\n")
        assert not jobs.ingest(app, lines, T).bad
        first = jobs.tick(app, T)
        assert first["process"]["analysed"] == len(records())
        steady, burst = event_of(app, "/steady/"), event_of(app, "/burst/")
        assert steady != burst
        get = app.store.documents.get_event
        at_t = {e: get(e) for e in (steady, burst)}
        # This evening the burst leads (fresh and growing), the month-long issue follows.
        assert at_t[burst].heat > at_t[steady].heat > 0
        assert at_t[burst].heat_parts["growth"] > 0.5

        later = T + timedelta(days=3)
        report = jobs.tick(app, later)
        assert report["process"]["analysed"] == 0  # no new data
        assert report["process"]["events"]["heat_refreshed"] >= 2
        at_later = {e: get(e) for e in (steady, burst)}
        for e in (steady, burst):
            assert at_later[e].heat < at_t[e].heat
            assert at_later[e].heat_parts["recency"] < 0.2 and at_later[e].heat_parts["growth"] == 0
        # Three quiet days later the burst has faded below the well-backed issue: the ranking changed.
        assert at_later[steady].heat > at_later[burst].heat
        board = [e.id for e in app.store.documents.list_events(limit=50, order="heat")]
        assert board.index(steady) < board.index(burst)

        # What is stored is the heat formula as of the tick's time (the heat board and the heat rule read this).
        settings = EventSettings.from_section(app.config.section("events"))
        for e in (steady, burst):
            heat, parts, _ = compute_heat(at_later[e].state["members"].values(), settings,
                                          authority_map(app.config.sources), later.timestamp())
            assert at_later[e].heat == heat and at_later[e].heat_parts == parts

        # A tick at the same time again changes nothing and writes nothing; the scheduler's frequent idle passes
        # recompute at most every five minutes of the clock.
        assert jobs.tick(app, later)["process"]["events"]["heat_refreshed"] == 0
        assert app.events.refresh_heat(later) == 0
        assert jobs.process(app, later + timedelta(minutes=4))["events"]["heat_refreshed"] == 0
        assert get(burst).heat == at_later[burst].heat
        assert jobs.process(app, later + timedelta(minutes=6))["events"]["heat_refreshed"] >= 2
        assert get(burst).heat < at_later[burst].heat
    finally:
        app.store.close()


def test_a_tick_before_the_posts_sees_no_heat_and_a_later_tick_sees_it(tmp_path):
    """The replay case: posts ingested (and processed) at the wall clock, ticks replayed at their own dates."""
    app = App(load_config(DEFAULT_CONFIG, home=tmp_path / "var"))
    try:
        lines = io.StringIO("\n".join(json.dumps(r, ensure_ascii=False) for r in records()) + "\n")
        jobs.ingest(app, lines, T)
        jobs.process(app, T + timedelta(days=400))  # processed long after: heat decayed to nothing
        burst = event_of(app, "/burst/")
        assert app.store.documents.get_event(burst).heat == 0.0
        jobs.tick(app, T)  # replayed at the burst's own time: heat is back, with nothing new to process
        assert app.store.documents.get_event(burst).heat > 10
        jobs.tick(app, T - timedelta(days=1))  # before the burst's posts: it has no heat yet
        assert app.store.documents.get_event(burst).heat == 0.0
    finally:
        app.store.close()
