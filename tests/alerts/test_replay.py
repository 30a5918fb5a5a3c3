"""The replay benchmark on a short slice of the shared real messages: its figures agree with the store and the data.

No synthetic input: the slice 2018-11-15 … 2018-11-24 of gov_messages holds the 「五一桥」 issue (three posts of
2018-11-19/20 titled 「K7县人民反对拆除五一桥来建商业廊桥」), checked by hand.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from yuqing.alerts.replay.data import derive_issues, load_messages, title_entities
from yuqing.alerts.replay.judge import _segmenter, keyword_context
from yuqing.alerts.replay.report import bench_replay_main, format_report
from yuqing.alerts.replay.run import run_replay

START, DAYS = date(2018, 11, 15), 10


@pytest.fixture(scope="module")
def replayed(shared_data, tmp_path_factory):
    home = tmp_path_factory.mktemp("replay-home")
    result = run_replay(shared_data, start=START, days=DAYS, progress=None, keep_home=home)
    return result, home


def test_counts_agree_with_the_store(replayed):
    result, home = replayed
    with sqlite3.connect(home / "replay.db") as db:
        stored = db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
        documents = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    alerts = result["alerts"]
    assert alerts["total"] == alerts["in_store"] == stored
    assert alerts["per_day"]["total"] == stored
    assert sum(alerts["by_rule"].values()) == stored == sum(alerts["by_level"].values())
    assert sum(result["routing"]["departments"].values()) == stored
    assert result["data"]["stored_documents"] == documents == result["data"]["replayed_messages"]
    assert result["data"]["days"] in (DAYS, DAYS + 1)  # a post after the last day's 18:00 tick needs one more day
    assert result["data"]["bad_records"] == []
    assert stored > 0  # the slice holds posts left unanswered past five working days


def test_shares_are_shares(replayed):
    result, _ = replayed
    for section, key in [("one_post", "share"), ("keywords", "share"), ("keywords", "share_some"),
                         ("routing", "abstention_share"), ("overdue_reply", "share"), ("uncovered", "share")]:
        value = result[section][key]
        assert value is None or 0.0 <= value <= 1.0, (section, key, value)
    assert result["one_post"]["alerts"] <= result["alerts"]["total"]
    kw = result["keywords"]
    assert kw["all_negated_or_hypothetical"] <= kw["some_negated_or_hypothetical"] <= kw["alerts"]
    assert sum(kw["by_context"].values()) == kw["all_negated_or_hypothetical"]
    for issue in result["issues"]["list"]:
        assert 0.0 <= issue["best_event_share"] <= 1.0
        assert issue["covered_posts"] <= issue["posts"]
        assert issue["event_alerts"] <= issue["alerts"] == len(issue["alert_ids"])


def test_issues_are_the_ones_in_the_data(replayed, shared_data):
    result, _ = replayed
    messages, _ = load_messages(shared_data)
    in_slice = [m for m in messages if START <= m.posted.date() < date(2018, 11, 25)]
    expected = [(s.name, len(s.posts)) for s in derive_issues(in_slice)]
    found = [(r["issue"], r["posts"]) for r in result["issues"]["list"]]
    assert found == expected
    assert ("五一桥", 3) in found
    bridge = next(r for r in result["issues"]["list"] if r["issue"] == "五一桥")
    assert bridge["first"] == "2018-11-19" and bridge["last"] == "2018-11-20"
    # Three posts within a day and no history: one burst, starting at the first post.
    bursts = [b for b in result["bursts"]["list"] if b["issue"] == "五一桥"]
    assert len(bursts) == 1 and bursts[0]["posts"] == 3 and bursts[0]["start"].startswith("2018-11-19")
    report = format_report(result)
    assert "五一桥：3 帖" in report and f"共 {result['alerts']['total']} 条" in report


def test_issue_names_come_from_titles():
    assert title_entities("K7县人民反对拆除五一桥来建商业廊桥") >= {"五一桥"}
    assert title_entities("投诉J10县邦华小区西南物业违法锁电梯、停水停电") == {"邦华小区"}
    assert title_entities("举报A市美亲汽租赁有限公司合同欺骗") == {"美亲汽租赁有限公司"}
    # A kind of place is not a place.
    assert title_entities("请求合理设置L市城区的火车站") == set()


@pytest.mark.parametrize("text, word, context", [
    ("所幸无人员伤亡，但周边居民十分恐慌", "伤亡", "negated"),
    ("小区燃气管道紧挨着楼道，万一爆炸怎么办？", "爆炸", "hypothetical"),
    ("如果发生坍塌，后果不堪设想", "坍塌", "hypothetical"),
    ("该路段曾经发生过起火事故", "起火", "past"),
    ("昨晚工地发生坍塌，造成两人死亡", "死亡", "plain"),
    ("昨晚工地发生坍塌，造成两人死亡", "坍塌", "plain"),
])
def test_keyword_context_on_sentences(text, word, context):
    assert keyword_context(text, word) == [context]
    assert keyword_context(text, word, _segmenter()) == [context]  # every one of these is a real word use


def test_keyword_context_from_the_board_posts():
    """Sentences of real posts in the shared data that the sensitive-word rule matched."""
    segment = _segmenter()
    # 起火 is not a word here: 「引起|火灾」 (and the clause is a worry, not a fire).
    assert keyword_context("污垢随时都会发生电路短路引起火灾，则后果不堪设想", "起火", segment) == ["substring"]
    # 一旦 governs the whole clause, however far from the word.
    assert keyword_context("一旦失误极容易引起火灾和爆炸事故", "爆炸", segment) == ["hypothetical"]
    assert keyword_context("出现了多次滑坡现象，所幸没有人员伤亡。", "伤亡", segment) == ["negated"]
    # Real harm, said plainly: the fish died when the power went.
    assert keyword_context("很多莱品和鱼池养的鱼没电增氧死亡，哪个部门会给老百姓一个说法", "死亡", segment) == ["plain"]
    assert keyword_context("执法局的一些贪污受贿的人", "贪污", segment) == ["plain"]


def test_bad_invocations_answer_in_chinese(capsys, tmp_path):
    with pytest.raises(SystemExit):
        bench_replay_main(["--days", "0"])
    assert "--days 必须为正整数" in capsys.readouterr().err
    assert bench_replay_main(["--data", str(tmp_path)]) == 2
    assert "找不到共享数据" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench_replay_main(["--start", "2018-13-01"])
    assert "应为日期 YYYY-MM-DD" in capsys.readouterr().err
