"""The unanswered rule's backlog: posts already overdue when first seen become one digest alert per department;
posts that go overdue while we watch keep their own alert."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from yuqing.alerts.schema import parse_alerts
from yuqing.alerts.service import AlertService
from alerts_testkit import DEPT_A3
from yuqing.clock import TZ
from yuqing.config import ConfigError
from yuqing.model import AlertStatus, Document, DocumentKind, Reply, Role, User

FIRST_CRAWL = datetime(2024, 5, 20, 9, 0, tzinfo=TZ)  # Monday; May Day 2024 holidays are behind us
OFFICE = "A市人民政府办公室"  # fallback for posts from a region no department covers


def post(n: int, posted: datetime, region: str, *, category: str = "投诉", reply: bool = False) -> Document:
    return Document(url=f"http://board.example/p/{n}", source="a_city_board", title=f"{region}留言{n}：路灯不亮",
                    content="晚上路灯一直不亮，走路很危险", kind=DocumentKind.POST, published_at=posted,
                    region=region, category=category,
                    reply=Reply(text="已安排维修", department="A3区人民政府", time=posted + timedelta(days=1))
                    if reply else None)


def seen(app, docs, at):
    """The crawler stores the posts at ``at`` (their first sighting); the NLP stage analyses them."""
    app.store.documents.upsert_documents(docs, at)
    app.store.documents.save_analyses([(d.id, {"text": d.content, "tokens": ["路灯"]}) for d in docs], at)



def make(make_app, **rule):
    return make_app(alerts={"rules": [{"name": "留言超期", "type": "unanswered", "working_days": 5, **rule}]})


def test_history_on_the_first_crawl_is_one_digest_per_department_and_new_lateness_is_alerted_alone(make_app):
    app = make(make_app)
    svc = AlertService.from_config(app.config, app.store)
    old = [post(i, datetime(2024, 4, 8 + i, 7, 0, tzinfo=TZ), "A3区") for i in range(3)]  # 7:00 local: UTC's day before
    old += [post(10 + i, datetime(2024, 4, 22, 15, i, tzinfo=TZ), "A9区") for i in range(2)]
    answered = post(20, datetime(2024, 4, 9, 10, 0, tzinfo=TZ), "A3区", reply=True)
    fresh = post(30, FIRST_CRAWL - timedelta(days=1), "A3区")  # Sunday: not late yet
    seen(app, [*old, answered, fresh], FIRST_CRAWL)

    created = svc.evaluate(FIRST_CRAWL)
    by_department = {a.department: a for a in created}
    assert len(created) == 2 and set(by_department) == {"A3区人民政府", OFFICE}
    a3 = by_department["A3区人民政府"]
    assert a3.title == "A3区人民政府 3 条留言超期未答复" and a3.status is AlertStatus.NEW and a3.level == 3
    assert a3.details["count"] == 3 and a3.details["doc_ids"] == [d.id for d in old[:3]]  # oldest first
    assert "开始监测时已超期未答复" in a3.reason and "1.「A3区留言0：路灯不亮」（2024-04-08" in a3.reason
    assert a3.policy == "help" and a3.event_id is None
    assert by_department[OFFICE].details["count"] == 2
    assert svc.last_run["digested"] == 5
    detail = svc.get_alert(User(name="officer", role=Role.OFFICER, password_hash=""), a3.id, now=FIRST_CRAWL)
    assert [d.id for d in detail.documents] == a3.details["doc_ids"]
    audit = app.store.workflow.audit_for(a3.id)
    assert audit[0].action == "create" and "3 条留言" in audit[0].note

    assert svc.evaluate(FIRST_CRAWL + timedelta(hours=1)) == []  # every post is in an alert already

    # The fresh post goes late while we watch (Sunday + 5 working days = Friday 5/24; late on Monday 5/27).
    later = datetime(2024, 5, 27, 9, 0, tzinfo=TZ)
    (own,) = svc.evaluate(later)
    assert own.details["doc_id"] == fresh.id and own.title.startswith("留言未答复：") and own.policy == "complaint"
    assert own.details["rules"]["留言超期"]["backlog"] is False

    # A source added later brings more history: it joins the department's open digest instead of a new alert.
    extra = post(40, datetime(2024, 4, 1, 10, 0, tzinfo=TZ), "A3区")
    seen(app, [extra], later)
    (updated,) = svc.evaluate(later + timedelta(minutes=5))
    assert updated.id == a3.id and updated.details["count"] == 4 and updated.title.startswith("A3区人民政府 4 条")
    assert updated.details["doc_ids"][0] == extra.id
    assert app.store.workflow.audit_for(a3.id)[-1].action == "digest_add"
    assert app.store.workflow.list_alerts()[0] == 3

    # Once the digest is closed, the next batch of history starts a new one.
    officer = User(name="officer", role=Role.OFFICER, password_hash="")
    svc.act(officer, a3.id, "close", note="已逐条督促答复", now=later + timedelta(hours=1))
    seen(app, [post(41, datetime(2024, 4, 2, 10, 0, tzinfo=TZ), "A3区")], later + timedelta(hours=2))
    (again,) = svc.evaluate(later + timedelta(hours=2))
    assert again.id != a3.id and again.title == "A3区人民政府 1 条留言超期未答复"


def test_digest_routes_like_single_alerts_and_lists_a_capped_number_of_titles(make_app):
    app = make(make_app, backlog_list=2)
    svc = AlertService.from_config(app.config, app.store)
    docs = [post(i, datetime(2024, 4, 1, 9, i, tzinfo=TZ), "A3区") for i in range(4)]
    seen(app, docs, FIRST_CRAWL)
    # Topic from the NLP stage routes the posts to the district's housing bureau, as it would a single post.
    app.store.documents.save_analyses([(d.id, {"text": d.content, "topic": {"label": "城乡建设", "score": 0.9}})
                                       for d in docs], FIRST_CRAWL)
    (digest,) = svc.evaluate(FIRST_CRAWL)
    assert digest.department == DEPT_A3 and digest.details["count"] == 4
    assert "2.「" in digest.reason and "3.「" not in digest.reason and "等共 4 条" in digest.reason


@pytest.mark.parametrize("mode, expected", [("each", 3), ("ignore", 0)])
def test_backlog_each_or_ignore(make_app, mode, expected):
    app = make(make_app, backlog=mode)
    svc = AlertService.from_config(app.config, app.store)
    seen(app, [post(i, datetime(2024, 4, 8 + i, 10, 0, tzinfo=TZ), "A3区") for i in range(3)], FIRST_CRAWL)
    created = svc.evaluate(FIRST_CRAWL)
    assert len(created) == expected and all(a.title.startswith("留言未答复：") for a in created)
    # Whatever the backlog mode, a post that goes late while watched gets its own alert.
    seen(app, [post(9, FIRST_CRAWL, "A3区")], FIRST_CRAWL)
    assert len(svc.evaluate(datetime(2024, 5, 28, 9, 0, tzinfo=TZ))) == 1


def test_posts_first_seen_before_they_were_late_are_not_backlog_even_if_analysed_later(make_app):
    app = make(make_app)
    svc = AlertService.from_config(app.config, app.store)
    docs = [post(i, datetime(2024, 5, 13, 10, i, tzinfo=TZ), "A3区") for i in range(2)]
    app.store.documents.upsert_documents(docs, datetime(2024, 5, 13, 11, 0, tzinfo=TZ))  # seen the same day
    later = datetime(2024, 5, 21, 9, 0, tzinfo=TZ)  # 6 working days later
    app.store.documents.save_analyses([(d.id, {"text": d.content}) for d in docs], later)
    created = svc.evaluate(later)
    assert len(created) == 2 and all(a.details.get("doc_id") for a in created)


@pytest.mark.parametrize("option, value, words", [
    ("backlog", "summary", "backlog"),
    ("backlog_policy", "nope", "nope"),
    ("backlog_list", 0, "backlog_list"),
    ("category_policies", {"投诉": "no_such_policy"}, "no_such_policy"),
])
def test_backlog_options_are_validated(make_app, tmp_path, option, value, words):
    from alerts_testkit import make_config

    config = make_config(tmp_path, alerts={"rules": [{"name": "留言超期", "type": "unanswered", option: value}]})
    with pytest.raises(ConfigError) as info:
        parse_alerts(config)
    assert words in str(info.value)
