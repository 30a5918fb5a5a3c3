"""Nothing waits forever: undispatched alerts on their own clock, overdue-reply alerts that close when the official
reply arrives, board records that are posts whatever they lack, one on-time rule at the deadline's exact second,
readable alert titles, and `alerts list` pages with a total."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from yuqing.alerts.cli import alerts_main
from yuqing.alerts.creation import create
from yuqing.alerts.monitor import check_waiting_one
from yuqing.alerts.rules.base import Finding
from yuqing.alerts.service import AlertService, ConcurrentUpdateError
from yuqing.alerts.titles import first_clause, is_degenerate
from alerts_testkit import DEPT_A3, SUPERVISOR, add_event, burst, make_config
from yuqing import jobs
from yuqing.clock import TZ
from yuqing.config import ConfigError, parse_config
from yuqing.model import AlertStatus, DocumentKind, Role, User
from yuqing.workdays import DEFAULT_CALENDAR, OFFICE_HOURS, add_working_time

OFFICER = User(name="officer", role=Role.OFFICER, password_hash="")
OFFICERS = {"officers": [{"channel": "email", "target": "yuqing-duty@a.gov.cn"}]}
CONTACTS = {SUPERVISOR: {"email": "duban@a.gov.cn"}, DEPT_A3: {"email": "a3zj@a.gov.cn"}}
BOARD = "a_city_board"  # a [[sources]] entry of type "board" in the default configuration
UNANSWERED = {"rules": [{"name": "留言超期未答复", "type": "unanswered", "working_days": 5}]}


# -- real posts ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def messages(shared_data):
    path = shared_data / "gov_messages" / "messages_with_replies.csv"
    if not path.exists():
        pytest.skip(f"缺少真实留言数据 {path}")
    with path.open(encoding="utf-8") as f:
        return {r["留言编号"]: r for r in csv.DictReader(f)}


def _local(text: str) -> datetime:
    return datetime.strptime(text.strip(), "%Y/%m/%d %H:%M:%S").replace(tzinfo=TZ)


def record(row: dict[str, str], *, replied: bool = False, title: str | None = None, source: str = BOARD) -> dict:
    """The board's record of a post as ``yuqing ingest`` takes it: before its answer, nothing but the post (no
    reply, no status, no category); once answered, the reply with its real time."""
    rec = {"url": f"http://board.example/message/{row['留言编号']}", "source": source,
           "title": row["留言主题"].strip() if title is None else title, "content": row["留言详情"].strip(),
           "author": row["留言用户"], "published_at": _local(row["留言时间"]).isoformat()}
    if replied:
        rec["reply"] = {"text": row["答复意见"].strip(), "time": _local(row["答复时间"]).isoformat()}
    return rec


def ingest(app, records: list[dict], now: datetime) -> None:
    report = jobs.ingest(app, [json.dumps(r, ensure_ascii=False) for r in records], now)
    assert not report.bad, report.bad


def deliveries(app, alert_id: str, kind: str) -> list[dict]:
    return [d for d in app.store.workflow.list_deliveries(alert_id) if d["kind"] == kind]


def actions(app, alert_id: str) -> list[str]:
    return [e.action for e in app.store.workflow.audit_for(alert_id)]


# -- the waiting clock --------------------------------------------------------------------------------------------
def test_working_time_skips_nights_weekends_and_holidays_and_counts_tiaoxiu_saturdays():
    friday = datetime(2024, 5, 10, 16, 30, tzinfo=TZ)
    # Saturday 2024-05-11 was a 调休 working day (劳动节 2024): the clock runs on it.
    assert add_working_time(friday, timedelta(hours=4)) == datetime(2024, 5, 11, 12, 0, tzinfo=TZ)
    # 国庆 2024: 10-01..10-07 off, so 4 working hours from 09-30 16:00 end on 10-08 11:30.
    assert add_working_time(datetime(2024, 9, 30, 16, 0, tzinfo=TZ), timedelta(hours=4)) == \
        datetime(2024, 10, 8, 11, 30, tzinfo=TZ)
    # Ending exactly at closing time stays there; a clock started at night starts at the next opening.
    assert add_working_time(datetime(2024, 5, 13, 9, 0, tzinfo=TZ), OFFICE_HOURS.length) == \
        datetime(2024, 5, 13, 17, 30, tzinfo=TZ)
    assert add_working_time(datetime(2024, 5, 12, 23, 0, tzinfo=TZ), timedelta(hours=1), DEFAULT_CALENDAR) == \
        datetime(2024, 5, 13, 10, 0, tzinfo=TZ)


def test_waiting_section_is_validated_with_chinese_errors(tmp_path):
    base = make_config(tmp_path).raw

    def parse(waiting):
        return parse_config({**base, "waiting": waiting}, tmp_path / "yuqing.toml", home=tmp_path)

    cfg = parse({"office_hours": "08:30-17:00", "levels": {"3": {"remind": 2}, "4": {"remind": 0}}})
    assert cfg.waiting.levels[3].remind == 2 and cfg.waiting.levels[3].escalate == 8  # unit and escalate kept
    assert 4 not in cfg.waiting.levels and cfg.waiting.office_hours.length == timedelta(hours=8, minutes=30)
    for waiting, key, words in (
            ({"levels": {"3": {"unit": "minutes", "remind": 1}}}, "waiting.levels.3.unit", "可选"),
            ({"levels": {"3": {"remind": 9}}}, "waiting.levels.3.escalate", "应长于提醒时长"),
            ({"levels": {"3": {"unit": "hours"}}}, "waiting.levels.3.remind", "须同时给出 remind"),
            ({"levels": {"5": {"remind": 1}}}, "waiting.levels.5", "级别应为"),
            ({"office_hours": "17:30-09:00"}, "waiting.office_hours", "晚于上班时间"),
            ({"office_hours": "9点"}, "waiting.office_hours", "HH:MM-HH:MM"),
            ({"levels": {"2": {"remind": -1}}}, "waiting.levels.2.remind", "不小于"),
            ({"clock": 1}, "waiting.clock", "未知配置项")):
        with pytest.raises(ConfigError) as err:
            parse(waiting)
        assert key in str(err.value) and words in str(err.value), (waiting, str(err.value))


def test_a_level3_alert_left_unassigned_is_reminded_once_then_escalated_once(make_app, messages):
    app = make_app(alerts=UNANSWERED, notifications=OFFICERS, contacts=CONTACTS)
    svc, other = AlertService.from_config(app.config, app.store), AlertService.from_config(app.config, app.store)
    row = messages["137256"]  # 再次投诉M3县上渡街道办祥和街有机食府厨房大型抽风机噪音吵人 (Monday 2018-11-26 15:43)
    ingest(app, [record(row)], _local(row["留言时间"]) + timedelta(minutes=30))

    raised = datetime(2018, 12, 4, 10, 0, tzinfo=TZ)  # six working days later (Tuesday)
    (alert,) = svc.evaluate(raised)
    assert alert.level == 3 and alert.status is AlertStatus.NEW and alert.dispatched_at is None

    remind_at = datetime(2018, 12, 4, 14, 0, tzinfo=TZ)  # 4 working hours
    escalate_at = datetime(2018, 12, 5, 9, 30, tzinfo=TZ)  # 8 working hours: 7.5 on Tuesday, 0.5 on Wednesday
    assert svc.waiting_due(alert) == (remind_at, escalate_at)
    assert svc.check_deadlines(remind_at)["waiting"]["reminded"] == 0  # at the exact second: not yet run out
    assert deliveries(app, alert.id, "waiting_reminder") == []

    stale = app.store.workflow.get_alert(alert.id)
    later = remind_at + timedelta(seconds=1)
    assert svc.check_deadlines(later)["waiting"]["reminded"] == 1
    # A second tick, and a second scheduler with its own service, find it recorded and send nothing more.
    assert svc.check_deadlines(later + timedelta(minutes=30))["waiting"]["reminded"] == 0
    assert other.check_deadlines(later + timedelta(minutes=31))["waiting"]["reminded"] == 0
    # A scheduler that read the alert before the reminder was recorded loses the version check: nothing sent.
    with pytest.raises(ConcurrentUpdateError):
        check_waiting_one(other, stale, app.config.waiting.levels[3], later, {"reminded": 0, "escalated": 0})
    (reminder,) = deliveries(app, alert.id, "waiting_reminder")
    assert reminder["target"] == "yuqing-duty@a.gov.cn"
    assert "已等待派发 4 个工作小时" in reminder["payload"]["message"]
    assert actions(app, alert.id).count("waiting_remind") == 1
    stored = app.store.workflow.get_alert(alert.id)
    assert stored.details["waiting"]["reminded_at"] == later.isoformat() and not stored.escalated

    # Still waiting the next morning: escalated to the supervising office once, by both schedulers together.
    after = escalate_at + timedelta(seconds=1)
    counts = [svc.check_deadlines(after)["waiting"]["escalated"], other.check_deadlines(after)["waiting"]["escalated"]]
    assert counts == [1, 0]
    escalations = deliveries(app, alert.id, "waiting_escalation")
    assert sorted(d["target"] for d in escalations) == ["duban@a.gov.cn", "yuqing-duty@a.gov.cn"]
    assert f"报 {SUPERVISOR} 督办" in escalations[0]["payload"]["message"]
    stored = app.store.workflow.get_alert(alert.id)
    assert stored.escalated and stored.details["escalated_to"] == SUPERVISOR
    assert actions(app, alert.id).count("waiting_escalate") == 1 and stored.status is AlertStatus.NEW

    # Dispatching stops the waiting clock: the department's own deadlines take over.
    svc.act(OFFICER, alert.id, "dispatch", department=DEPT_A3, now=after + timedelta(hours=1))
    assert svc.check_deadlines(after + timedelta(days=3))["waiting"]["checked"] == 0


def test_a_scheduler_down_past_both_marks_sends_only_the_escalation(make_app):
    app = make_app(notifications=OFFICERS, contacts=CONTACTS)
    svc = AlertService.from_config(app.config, app.store)
    created = datetime(2024, 5, 13, 9, 0, tzinfo=TZ)
    alert = svc.raise_manual(OFFICER, "A3区幸福小区电梯停运", "居民反映电梯停运三天", level=4, now=created)
    assert alert.status is AlertStatus.NEW
    remind_at, escalate_at = svc.waiting_due(alert)  # 2 and 4 working days of 8.5 hours
    assert (remind_at, escalate_at) == (datetime(2024, 5, 14, 17, 30, tzinfo=TZ), datetime(2024, 5, 16, 17, 30, tzinfo=TZ))
    counts = svc.check_deadlines(datetime(2024, 5, 20, 9, 0, tzinfo=TZ))["waiting"]
    assert (counts["reminded"], counts["escalated"]) == (0, 1)
    assert deliveries(app, alert.id, "waiting_reminder") == [] and len(deliveries(app, alert.id, "waiting_escalation")) == 2
    assert svc.check_deadlines(datetime(2024, 5, 21, 9, 0, tzinfo=TZ))["waiting"] == {
        "checked": 1, "reminded": 0, "escalated": 0, "conflicts": 0, "errors": 0}


# -- overdue-reply alerts close themselves -----------------------------------------------------------------------
def test_an_overdue_reply_alert_closes_itself_when_the_real_reply_arrives(make_app, messages):
    app = make_app(alerts=UNANSWERED, notifications=OFFICERS)
    svc = AlertService.from_config(app.config, app.store)
    row = messages["137256"]
    ingest(app, [record(row)], _local(row["留言时间"]) + timedelta(minutes=30))
    (alert,) = svc.evaluate(datetime(2018, 12, 4, 10, 0, tzinfo=TZ))
    assert alert.title == "留言未答复：再次投诉M3县上渡街道办祥和街有机食府厨房大型抽风机噪音吵人"
    assert svc.evaluate(datetime(2018, 12, 6, 10, 0, tzinfo=TZ)) == []
    assert app.store.workflow.get_alert(alert.id).status is AlertStatus.NEW  # no reply yet: stays open

    replied = _local(row["答复时间"])  # 2018-12-07 16:43:49, the board's real reply time
    ingest(app, [record(row, replied=True)], replied + timedelta(minutes=20))  # the re-crawl brings the reply
    svc.evaluate(replied + timedelta(minutes=21))
    assert svc.last_run["answered"]["closed"] == 1
    closed = app.store.workflow.get_alert(alert.id)
    assert closed.status is AlertStatus.CLOSED and closed.details["auto_closed"]["reason"] == "official_reply"
    last = app.store.workflow.audit_for(alert.id)[-1]
    assert (last.actor, last.action, last.from_status, last.to_status) == ("system", "auto_close", "new", "closed")
    assert last.note == "官方答复已于 2018-12-07 16:43 发布，预警自动办结"
    assert len(deliveries(app, alert.id, "auto_closed")) == 1
    # Later ticks neither reopen it nor repeat the entry; the post never raises a new alert.
    assert svc.evaluate(replied + timedelta(days=3)) == []
    assert actions(app, alert.id).count("auto_close") == 1


def test_a_backlog_digest_drops_answered_posts_and_closes_when_all_are_answered(make_app, messages):
    app = make_app(alerts=UNANSWERED)
    svc = AlertService.from_config(app.config, app.store)
    first, second = messages["119157"], messages["76633"]  # both posted 2019-01-15, answered 02-19 and 02-22
    ingest(app, [record(first), record(second)], datetime(2019, 1, 28, 9, 0, tzinfo=TZ))  # a new source: backlog
    (digest,) = svc.evaluate(datetime(2019, 1, 28, 9, 5, tzinfo=TZ))
    assert digest.details["digest"] == "backlog" and digest.details["count"] == 2

    one = _local(first["答复时间"])
    ingest(app, [record(first, replied=True), record(second)], one + timedelta(minutes=10))
    svc.evaluate(one + timedelta(minutes=11))
    kept = app.store.workflow.get_alert(digest.id)
    assert kept.status is AlertStatus.NEW and kept.details["count"] == 1
    assert [p["title"] for p in kept.details["posts"]] == [second["留言主题"].strip()]
    assert kept.title.endswith(" 1 条留言超期未答复") and first["留言主题"].strip() not in kept.reason
    note = app.store.workflow.audit_for(digest.id)[-1]
    assert note.action == "digest_answered" and "答复于 2019-02-19 16:28" in note.note and "仍有 1 条未答复" in note.note

    two = _local(second["答复时间"])
    ingest(app, [record(second, replied=True)], two + timedelta(minutes=10))
    svc.evaluate(two + timedelta(minutes=11))
    done = app.store.workflow.get_alert(digest.id)
    assert done.status is AlertStatus.CLOSED and done.details["count"] == 0
    answered = {p["doc_id"]: p["answered_at"] for p in done.details["answered_posts"]}
    assert answered == {d: _local(r["答复时间"]).isoformat() for d, r in zip(digest.details["doc_ids"], (first, second))}
    assert "均已答复，预警自动办结" in app.store.workflow.audit_for(digest.id)[-1].note


# -- board records are posts -------------------------------------------------------------------------------------
def test_a_board_record_without_reply_or_status_is_a_post_and_the_unanswered_rule_sees_it(make_app, messages):
    app = make_app(alerts=UNANSWERED)
    svc = AlertService.from_config(app.config, app.store)
    row = messages["16366"]  # 咨询A7县小升初的问题, 2018-08-18
    bare = record(row)
    assert not {"reply", "status", "category", "kind"} & set(bare)
    news = {**record(messages["16673"], source="a_city_news")}  # the same shape from a news site stays an article
    ingest(app, [bare, news], _local(row["留言时间"]) + timedelta(hours=1))
    assert jobs.document_from_record(bare).kind is DocumentKind.ARTICLE  # without knowing the source's type …
    stored = app.store.documents.get_document(jobs.document_from_record(bare).id)
    assert stored.kind is DocumentKind.POST  # … but ingest knows it is a board
    assert app.store.documents.get_document(jobs.document_from_record(news).id).kind is DocumentKind.ARTICLE

    (alert,) = svc.evaluate(datetime(2018, 8, 28, 10, 0, tzinfo=TZ))
    assert alert.details["doc_id"] == stored.id and alert.title == "留言未答复：咨询A7县小升初的问题"


def test_a_crawled_item_from_a_board_source_is_a_post():
    from yuqing.crawlers.pipelines import item_to_document

    item = {"url": "http://board.example/p/1", "source": BOARD, "title": "路灯不亮", "content": "晚上路灯一直不亮"}
    assert item_to_document(item, board_sources={BOARD}).kind is DocumentKind.POST
    assert item_to_document(item).kind is DocumentKind.ARTICLE
    assert item_to_document({**item, "kind": "article"}, board_sources={BOARD}).kind is DocumentKind.ARTICLE


# -- the deadline's exact second ---------------------------------------------------------------------------------
def _dispatched(svc, now):
    return svc.raise_manual(OFFICER, "A3区幸福小区电梯停运", "居民反映电梯停运三天", level=2, department=DEPT_A3, now=now)


@pytest.mark.parametrize("offset,overdue", [(timedelta(0), False), (timedelta(seconds=1), True)])
def test_a_tick_and_a_response_at_the_same_second_agree_on_time(make_app, offset, overdue):
    t0 = datetime(2024, 5, 13, 9, 0, tzinfo=TZ)
    app = make_app()
    svc = AlertService.from_config(app.config, app.store)
    ticked, answered = _dispatched(svc, t0), _dispatched(svc, t0 + timedelta(seconds=1))
    assert ticked.deadlines == {"response": t0 + timedelta(hours=48)}
    at = ticked.deadlines["response"] + offset
    assert svc.check_deadlines(at)["overdue"] == int(overdue)
    assert svc.flags(app.store.workflow.get_alert(ticked.id), at)["overdue"] is overdue
    # The other alert's deadline is one second later: a response at its exact second (or one after).
    at = answered.deadlines["response"] + offset
    user = User(name="a3zj", role=Role.DEPARTMENT, password_hash="", department=DEPT_A3)
    svc.act(user, answered.id, "respond", text="已组织维修，电梯已恢复运行", now=at)
    note = app.store.workflow.audit_for(answered.id)[-1].note
    assert note.endswith("（超时：回应关切）" if overdue else "（按时）")


# -- titles ------------------------------------------------------------------------------------------------------
def test_degenerate_titles_are_recognised_and_replaced_by_the_first_meaningful_clause():
    for bad in ("）", "？？", "……", "求助", "无标题", "（无标题）", " ", "A1"):
        assert is_degenerate(bad), bad
    for good in ("咨询A7县小升初的问题", "路灯不亮", "A3区"):
        assert not is_degenerate(good), good
    assert first_clause("尊敬的领导：您好！我是A5区东澜湾社区居民，小区附近幼儿园一直没开工。") == "我是A5区东澜湾社区居民"
    assert first_clause("领导您好！西地省A市A2区泉塘街道的路灯不亮") == "西地省A市A2区泉塘街道的路灯不亮"


def test_an_alert_title_never_comes_from_a_degenerate_post_title(make_app, messages):
    app = make_app(alerts=UNANSWERED)
    svc = AlertService.from_config(app.config, app.store)
    row = messages["137256"]
    ingest(app, [record(row, title="）")], _local(row["留言时间"]) + timedelta(minutes=30))
    (alert,) = svc.evaluate(datetime(2018, 12, 4, 10, 0, tzinfo=TZ))
    text_start = first_clause(row["留言详情"])
    assert text_start and alert.title == f"留言未答复：{text_start}" and "）" not in alert.title
    assert f"留言「{text_start}" in alert.reason

    # An event whose title is degenerate takes its posts' words instead.
    now = datetime(2024, 5, 13, 9, 0, tzinfo=TZ)
    add_event(app.store, "ev-q", now=now, posts=burst(now, 14), title="？？")
    finding = Finding(rule="热度分级", rule_type="heat", level=2, reason="热度 30", event_id="ev-q", title="？？")
    made = create(svc, "E-test", finding, now)
    assert made.title.startswith("A3区幸福小区电梯又停运了")


# -- alerts list pages -------------------------------------------------------------------------------------------
def test_alerts_list_pages_with_a_total_and_never_cuts_silently(make_app, capsys):
    app = make_app()
    svc = AlertService.from_config(app.config, app.store)
    t0 = datetime(2024, 5, 13, 9, 0, tzinfo=TZ)
    ids = {svc.raise_manual(OFFICER, f"人工预警{i}", "核实中", level=4, now=t0 + timedelta(minutes=i)).id
           for i in range(103)}
    assert alerts_main(["list"], app) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 101 and out[-1] == "共 103 条，第 1/2 页（下一页：--page 2）"
    assert alerts_main(["list", "--page", "2", "--json"], app) == 0
    page = json.loads(capsys.readouterr().out)
    assert (page["total"], page["page"], page["pages"], page["page_size"], len(page["alerts"])) == (103, 2, 2, 100, 3)
    seen = set()
    for p in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11):
        assert alerts_main(["list", "--page", str(p), "--page-size", "10", "--json"], app) == 0
        seen |= {a["id"] for a in json.loads(capsys.readouterr().out)["alerts"]}
    assert seen == ids  # every match on some page, none twice lost
    assert alerts_main(["list", "--page", "12", "--page-size", "10"], app) == 0
    assert capsys.readouterr().out.splitlines() == ["没有符合条件的预警", "共 103 条，共 11 页：第 12 页超出范围"]
    with pytest.raises(SystemExit):
        alerts_main(["list", "--page", "0"], app)
    assert "--page 应在 1–1000000000 之间" in capsys.readouterr().err


def test_an_operational_alert_is_reminded_but_never_escalated(make_app):
    app = make_app(notifications=OFFICERS, contacts=CONTACTS)
    svc = AlertService.from_config(app.config, app.store)
    created = datetime(2024, 5, 13, 9, 0, tzinfo=TZ)
    finding = Finding(rule="来源异常", rule_type="source_health", level=4, reason="来源 a_city_board 连续 3 轮抓取失败",
                      doc_id="source-health:a_city_board:1", title="采集来源异常：a_city_board", source=BOARD)
    alert = create(svc, "S-test", finding, created, route=(None, "运维告警"))
    counts = svc.check_deadlines(datetime(2024, 5, 27, 9, 0, tzinfo=TZ))["waiting"]
    assert (counts["reminded"], counts["escalated"]) == (1, 0)
    assert deliveries(app, alert.id, "waiting_escalation") == []
    assert [d["target"] for d in deliveries(app, alert.id, "waiting_reminder")] == ["yuqing-duty@a.gov.cn"]


def test_a_board_post_stored_as_an_article_by_the_old_rule_becomes_a_post_when_seen_again(make_app, messages):
    app = make_app(alerts=UNANSWERED)
    row = messages["16366"]
    at = _local(row["留言时间"]) + timedelta(hours=1)
    old = jobs.document_from_record(record(row), at)  # what ingest stored before it knew the source's type
    app.store.documents.upsert_documents([old], at)
    assert app.store.documents.get_document(old.id).kind is DocumentKind.ARTICLE
    ingest(app, [record(row)], at + timedelta(hours=2))  # the same record again: content and counts unchanged
    assert app.store.documents.get_document(old.id).kind is DocumentKind.POST
    (alert,) = AlertService.from_config(app.config, app.store).evaluate(datetime(2018, 8, 28, 10, 0, tzinfo=TZ))
    assert alert.details["doc_id"] == old.id
