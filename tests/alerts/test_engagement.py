"""The engagement rule: one post backed by many people, far above its source's norm, is an alert on its own.

The source's norm is real-shaped: the real posts of the shared provincial message board (titles, text and posting
times of the 90 days before "now"), with like counts shaped like the replayed board of issue 15 — most posts have
none, some a few, a handful dozens, and the top posts the replay left uncovered (821, 733, 669, 242 likes).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from yuqing.alerts.rules.engagement import EngagementRule, norm_stats, quantile, share_below
from yuqing.alerts.service import AlertService
from alerts_testkit import board_rows
from yuqing.clock import TZ
from yuqing.config import Checker, ConfigError
from yuqing.model import Document, DocumentKind, Event

NOW = datetime(2019, 8, 8, 18, 0, tzinfo=TZ)
RULES = {"rules": [{"name": "单帖高互动", "type": "engagement"}]}


def real_posts(until: datetime, days: int) -> list[dict[str, str]]:
    return [r for r in board_rows() if until - timedelta(days=days) <= r["at"] < until]


def board_likes(rng: random.Random) -> int:
    u = rng.random()
    if u < 0.62:
        return 0
    if u < 0.92:
        return rng.randrange(1, 10)
    return rng.randrange(10, 61)


def board(store, source: str, until: datetime, *, days: int = 88, seed: int = 15, tops=(821, 733, 669, 242),
          scale: int = 1, floor: int = 0) -> list[Document]:
    """The source's recent posts: real ones, with board-shaped likes; the top posts are older than a week."""
    rng = random.Random(seed)
    posts = real_posts(until - timedelta(days=1), days)
    docs = []
    for i, r in enumerate(posts):
        docs.append(Document(url=f"http://{source}.example/{r['留言编号']}", source=source, kind=DocumentKind.POST,
                             title=r["留言主题"].strip(), content=r["留言详情"].strip(), published_at=r["at"],
                             likes=floor + board_likes(rng) * scale, replies=rng.randrange(0, 3)))
    older = [d for d in docs if d.published_at < until - timedelta(days=10)]
    for d, likes in zip(rng.sample(older, len(tops)), tops):
        d.likes = likes
    store.documents.upsert_documents(docs, until - timedelta(days=1))
    return docs


def star(source: str, likes: int, *, at: datetime = NOW - timedelta(hours=20), n: int = 1) -> Document:
    return Document(url=f"http://{source}.example/star/{n}", source=source, kind=DocumentKind.POST, published_at=at,
                    title="A5区汇金路搅拌站24小时噪音粉尘扰民，周边三个小区上千户居民无法休息",
                    content="搅拌站紧挨居民楼，夜间运输车辆不断，粉尘覆盖阳台，孩子咳嗽不止，恳请相关部门彻查。",
                    likes=likes, replies=12)


def test_one_post_with_many_likes_alerts_against_its_source_norm(make_app):
    app = make_app(alerts=RULES)
    docs = board(app.store, "city_board", NOW)
    assert len(docs) >= 150  # a real quarter of the board
    post = star("city_board", 1762)
    app.store.documents.upsert_documents([post], NOW - timedelta(hours=19))
    svc = AlertService.from_config(app.config, app.store)

    created = svc.evaluate(NOW)
    assert len(created) == 1  # the old top posts are part of the norm, not candidates any more
    alert = created[0]
    assert alert.details["doc_id"] == post.id and alert.event_id is None
    assert alert.level == 2  # ≥ 1000: level 2; a single post is never level 1
    # 「点赞 1762，为该来源近 90 天中位数的 N 倍（P99 以上）」 with the figures
    assert "点赞 1762" in alert.reason and "近 90 天中位数" in alert.reason and "P99 以上" in alert.reason
    part = alert.details["rules"]["单帖高互动"]
    totals = sorted(d.likes + d.replies for d in docs) + [1774]
    assert part["median"] == sorted(totals)[(len(totals) + 1) // 2 - 1]
    assert part["total"] == 1774 and part["norm_docs"] == len(docs) + 1
    assert f"{part['ratio']:.0f} 倍" in alert.reason and part["ratio"] >= 10
    assert part["percentile_rank"] > 99
    # Once alerted, the same post is not a second alert on the next tick.
    assert svc.evaluate(NOW + timedelta(minutes=10)) == []


def test_quiet_source_with_a_few_likes_does_not_alert(make_app):
    app = make_app(alerts=RULES)
    # A quiet county board: the same real posts, almost no likes; one post with 12 likes is its best ever
    # (above its P99) but far below the absolute minimum.
    rng = random.Random(4)
    posts = real_posts(NOW - timedelta(days=1), 88)
    quiet = [Document(url=f"http://county.example/{r['留言编号']}", source="county_board", kind=DocumentKind.POST,
                      title=r["留言主题"].strip(), content=r["留言详情"].strip(), published_at=r["at"],
                      likes=1 if rng.random() < 0.1 else 0) for r in posts]
    app.store.documents.upsert_documents([*quiet, star("county_board", 12)], NOW - timedelta(hours=19))
    svc = AlertService.from_config(app.config, app.store)
    assert svc.evaluate(NOW) == []
    # The check itself would fire once the post reaches the minimum: the quiet source is judged, not ignored.
    app.store.documents.upsert_documents([star("county_board", 150, n=2)], NOW - timedelta(hours=2))
    created = svc.evaluate(NOW)
    assert len(created) == 1, svc.last_run
    alert = created[0]
    assert "点赞 150" in alert.reason and alert.level == 4 and "中位数（0，按 1 计）" in alert.reason


def test_what_is_ordinary_for_a_busy_source_is_not_an_alert(make_app):
    app = make_app(alerts=RULES)
    # A busy account where hundreds of likes are ordinary (median ~200, P99 in the thousands): 1,000 likes is within
    # its norm → nothing; the same 1,000 likes on the city board (median 2, best post 821) is an alert.
    board(app.store, "busy_weibo", NOW, scale=60, floor=200, tops=(30000, 25000, 24000, 21000))
    board(app.store, "city_board", NOW, seed=16)
    busy, city = star("busy_weibo", 1000), star("city_board", 1000)
    app.store.documents.upsert_documents([busy, city], NOW - timedelta(hours=19))
    [alert] = AlertService.from_config(app.config, app.store).evaluate(NOW)
    assert alert.details["doc_id"] == city.id and alert.level == 2
    assert alert.details["rules"]["单帖高互动"]["median"] == 2


def test_on_an_event_the_alert_is_the_event_and_names_the_post(make_app):
    app = make_app(alerts=RULES)
    board(app.store, "city_board", NOW)
    post = star("city_board", 900)
    other = Document(url="http://city_board.example/follow", source="city_board", kind=DocumentKind.POST,
                     published_at=NOW - timedelta(hours=5), title="搅拌站噪音问题还没解决", content="同上")
    app.store.documents.upsert_documents([post, other], NOW - timedelta(hours=4))
    app.store.documents.link_documents({post.id: ("ev-mix", None), other.id: ("ev-mix", None)})
    app.store.documents.save_events([Event(id="ev-mix", title="A5区汇金路搅拌站噪音扰民", region="A5区", topic="环境保护",
                                           first_seen=post.published_at, last_seen=other.published_at, doc_count=2,
                                           source_count=1)], NOW - timedelta(hours=4))
    [alert] = AlertService.from_config(app.config, app.store).evaluate(NOW)
    assert alert.event_id == "ev-mix" and alert.level == 3
    assert alert.reason.startswith("【单帖高互动】帖子「A5区汇金路搅拌站") and "点赞 900" in alert.reason
    assert alert.details["rules"]["单帖高互动"]["doc_id"] == post.id


def test_norm_statistics_on_a_histogram():
    h = [(0, 62), (3, 30), (40, 7), (1762, 1)]
    assert quantile(h, 0.5) == 0 and quantile(h, 0.9) == 3 and quantile(h, 0.99) == 40 and quantile(h, 1.0) == 1762
    assert share_below(h, 1762) == 0.99 and share_below(h, 0) == 0
    assert norm_stats([]) == {"docs": 0, "median": 0.0, "p90": 0.0, "p99": 0.0}


@pytest.mark.parametrize("options, problem", [
    ({"fields": ["likes", "shares"]}, "互动指标"),
    ({"tiers": [{"level": 1, "min_total": 5000}]}, "不小于 2"),
    ({"tiers": []}, "至少需要一档"),
    ({"percentile": 100}, "不大于"),
    ({"min_total": 0}, "不小于 1"),
    ({"min_total": 200, "min_total_no_norm": 100}, "不小于 200"),
    ({"norm_window": 30}, "未知配置项"),
])
def test_bad_options_are_clear_errors(options, problem):
    with pytest.raises(ConfigError) as info:
        EngagementRule.from_config(Checker("yuqing.toml", {"name": "x", "type": "engagement", **options}, "alerts.rules[0]"))
    assert problem in info.value.problem


def test_shares_count_when_the_rule_names_them(make_app):
    """A 微博-like source (issue 19): a post shared by thousands is an alert when the rule counts reposts, and the
    reason names the shares in Chinese."""
    rules = {"rules": [{"name": "单帖高互动", "type": "engagement", "fields": ["likes", "replies", "reposts"]}]}
    app = make_app(alerts=rules)
    board(app.store, "weibo_city", NOW)
    post = star("weibo_city", 40)
    post.reposts = 2600
    app.store.documents.upsert_documents([post], NOW - timedelta(hours=19))
    created = AlertService.from_config(app.config, app.store).evaluate(NOW)
    assert [a.details["doc_id"] for a in created] == [post.id]
    assert "转发 2600" in created[0].reason
    assert created[0].details["rules"]["单帖高互动"]["counts"]["reposts"] == 2600
    quiet = make_app(alerts=RULES)  # the default fields (likes + replies) do not see the shares
    board(quiet.store, "weibo_city", NOW)
    quiet.store.documents.upsert_documents([post], NOW - timedelta(hours=19))
    assert AlertService.from_config(quiet.config, quiet.store).evaluate(NOW) == []
