"""Triggers that read the sentence, and levels composed from the evidence (issue 15).

Sentences are short quotes from real citizen messages in ../shared/data/gov_messages (the message id is given; the
provenance test checks every quote against the data when it is present). The heating complaint is the demo's own
burst, written by our sample-site generator.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta

import pytest

from yuqing.alerts.rules.base import LevelParts, LevelSettings, RuleContext, compose_level
from yuqing.alerts.rules.keywords import KeywordRule
from yuqing.alerts.rules.negative import NegativeShareRule
from yuqing.alerts.schema import parse_alerts
from alerts_testkit import T0
from yuqing.config import Checker, ConfigError
from yuqing.model import Document, DocumentKind, Event

# id → quote; what the keyword rule must make of the listed word there.
NEGATED = {
    "10023": ("所幸没有人员伤亡", "伤亡"),
    "11819": ("虽然通过救援未造成人员伤亡", "伤亡"),
    "46981": ("幸亏未造成人员伤亡事故", "伤亡"),
    "97475": ("没造成人员伤亡", "伤亡"),
    "126541": ("我们并不想上访", "上访"),
}
HYPOTHETICAL = {
    "16503": ("一旦爆炸，后果不堪设想", "爆炸"),
    "8764": ("这中间是否存在腐败问题？", "腐败"),
    "260150": ("此事如果在D市解决不好，要到省政府、省教育厅上访", "上访"),  # the condition sits in the clause before
    "36248": ("生怕那天整栋楼会坍塌", "坍塌"),
    "117609": ("会不会中毒呢", "中毒"),
    "173204": ("唯有向全社会招标才能遏制基建腐败", "腐败"),  # prevention, not an incident
}
PAST = {
    "34239": ("前几年广西柳州铁路边锅炉爆炸事件", "爆炸"),
    "126547": ("之前上访几次", "上访"),
}
AFFIRMATIVE = {
    "5609": ("已经发生多起伤亡事故", "伤亡"),  # 伤亡事故 is one jieba token; 伤亡|事故 are both words
    "22948": ("室外电缆起火爆炸等等各种问题层出不穷", "爆炸"),
    "17869": ("对我们村组相关腐败问题进行举报", "腐败"),
    "7293": ("业主们被迫集体上访A5区政府信访局", "上访"),
    "145294": ("追查市农路局不作为的腐败行为", "腐败"),  # 不 negates 作为, not the corruption
    # 当年 dates the expansion and 是否 asks about 合法; past the 及 the corruption is asserted.
    "161377": ("依法对E8县为百水泥当年2015-2016年度扩产取得的《环评报告》是否合法及环评过程中的腐败行为进行核查", "腐败"),
}
GENRE = {  # id → (title, genre label)
    "49946": ("感谢相关部门解决C5市港越世纪城酒吧噪声污染问题", "thanks"),
    "21552": ("感谢各位领导，我反映的问题得到了重视", "thanks"),
    "31548": ("致西地省第二人民医院医生的感谢信", "thanks"),
    "167058": ("感谢帮忙解决E12市邮政局拖欠工程款一事，希望剩余的一万多元也能讨回", "other"),
    "85083": ("为G2区政府点赞，请求发展建立一个夜市场", "other"),
    "37334": ("关于B9市是否开展“绿卫2019”专项行动的质疑", "other"),
    "132582": ("关于L3县开展食品安全专项整治工作的建议", "other"),
    "82062": ("急切盼望G市出台养狗规范", "other"),
}
# Titles of real government pages (../shared/data/news_pages) and the issue's notice: 政府发布/通知.
NOTICE_TITLES = ["A市开展根治欠薪冬季专项行动", "常德市金融系统积极开展“金融知识普及月 金融知识进万家”活动",
                 "顺德区大良街道党工委委员潘卓辉一行到众创金融街开展调研工作", "交通运输部：着力打造京津冀区域综合立体交通网络",
                 "全国人民代表大会常务委员会关于批准财政部发行特别国债购买外汇及调整2007年末国债余额限额的决议"]


def keyword_rule(**options) -> KeywordRule:
    return KeywordRule.from_config(Checker("yuqing.toml", {"name": "敏感词", "type": "keywords", **options},
                                           "alerts.rules[0]"))


def all_entries(rule: KeywordRule):
    return [e for _, entries, _, _ in rule.lists for e in entries]


def polarity(rule: KeywordRule, text: str, word: str) -> set[str]:
    return {m.polarity for m in rule.matches(text, all_entries(rule)) if m.word == word}


def test_quotes_are_real(shared_data):
    texts: dict[str, list[str]] = {}
    for name in ("labeled_raw.csv", "messages_with_replies.csv"):
        with open(shared_data / "gov_messages" / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                body = re.sub(r"\s+", "", (row["留言主题"] + "\n" + row["留言详情"]).replace("_x000D_", ""))
                texts.setdefault(row["留言编号"], []).append(body)
    for table in (NEGATED, HYPOTHETICAL, PAST, AFFIRMATIVE):
        for msg_id, (quote, word) in table.items():
            assert any(quote in t for t in texts.get(msg_id, [])), (msg_id, quote)
            assert word in quote
    for msg_id, (title, _) in GENRE.items():
        assert any(title in t for t in texts.get(msg_id, [])), (msg_id, title)


@pytest.mark.parametrize("table,expected", [(NEGATED, "negated"), (HYPOTHETICAL, "hypothetical"), (PAST, "past"),
                                            (AFFIRMATIVE, "affirmative")])
def test_real_sentences_are_read_for_negation_hypothesis_and_time(table, expected):
    rule = keyword_rule()
    for msg_id, (quote, word) in table.items():
        assert polarity(rule, quote, word) == {expected}, (msg_id, quote)


def test_words_not_substrings():
    rule = keyword_rule()
    # 反腐败 and 爆炸性 are words of their own; 腐败/爆炸 inside them are not mentions.
    assert polarity(rule, "坚决支持反腐败斗争", "腐败") == set()
    assert polarity(rule, "这是一条爆炸性新闻", "爆炸") == set()
    # A word cut across tokens by jieba's slip (「上/访求」) is still the word.
    assert polarity(rule, "作为父亲，我必须上访求解决", "上访") == {"affirmative"}  # message 39454
    assert polarity(rule, "敲打人民", "打人") == set()


def test_entries_carry_exclusions_in_two_forms():
    rule = keyword_rule(lists={"安全": {"words": [{"word": "伤亡", "exclude": ["伤亡情况"]},
                                                "爆炸（排除：信息爆炸、人口爆炸）"], "level": 2}})
    assert polarity(rule, "请统计伤亡情况", "伤亡") == {"excluded"}
    assert polarity(rule, "隧道塌方造成伤亡", "伤亡") == {"affirmative"}
    assert polarity(rule, "信息爆炸的时代", "爆炸") == {"excluded"}
    assert polarity(rule, "锅炉爆炸了", "爆炸") == {"affirmative"}


@pytest.mark.parametrize("words,key,problem", [
    ([{"word": "伤亡", "exclude": ["事故"]}], "alerts.rules[0].lists.安全.words[0]", "不含关键词「伤亡」"),
    (["伤亡（排除：）"], "alerts.rules[0].lists.安全.words[0]", "没有列出要排除的短语"),
    (["伤亡，爆炸"], "alerts.rules[0].lists.安全.words[0]", "含空白或标点"),
    (["伤亡", "伤亡"], "alerts.rules[0].lists.安全.words[1]", "重复"),
    ([{"word": "伤亡", "exlude": ["无伤亡"]}], "alerts.rules[0].lists.安全.words[0].exlude", "未知配置项"),
    ([{"word": "伤亡", "exclude": ["伤亡"]}], "alerts.rules[0].lists.安全.words[0]", "就是关键词本身"),
    ([3], "alerts.rules[0].lists.安全.words[0]", "应为关键词字符串"),
])
def test_bad_entries_are_named_in_chinese(words, key, problem):
    with pytest.raises(ConfigError) as err:
        keyword_rule(lists={"安全": {"words": words}})
    assert err.value.key == key and problem in err.value.problem


@pytest.mark.parametrize("levels,key,problem", [
    ({"volume": [10, 3]}, "alerts.rules[0].levels.volume", "不能小于"),
    ({"engagement": [200]}, "alerts.rules[0].levels.engagement", "两个阈值"),
    ({"sources": [2, "四"]}, "alerts.rules[0].levels.sources[1]", "应为整数"),
    ({"level1_points": 1, "level2_points": 2}, "alerts.rules[0].levels.level1_points", "不能低于"),
    ({"level1_min_docs": 1}, "alerts.rules[0].levels.level1_min_docs", "不小于 2"),
    ({"speed": 1}, "alerts.rules[0].levels.speed", "未知配置项"),
])
def test_bad_level_thresholds_are_named_in_chinese(levels, key, problem):
    with pytest.raises(ConfigError) as err:
        keyword_rule(levels=levels)
    assert err.value.key == key and problem in err.value.problem


# -- the level composition -------------------------------------------------------------------------------------
def test_compose_level_one_post_is_never_level_one_whatever_its_backing():
    s = LevelSettings()
    level, parts = compose_level(LevelParts(docs=1, engagement=50_000, growth=9.0, sensitivity=1), s)
    assert level == 2 and "一级还需至少 5 篇、2 个来源" in parts[-1]
    level, _ = compose_level(LevelParts(docs=1), s)
    assert level == 3
    level, parts = compose_level(LevelParts(docs=1, engagement=1762), s)  # many people back one post
    assert level == 2 and "互动 1762（+1）" in parts
    level, parts = compose_level(LevelParts(docs=12, sources=4, growth=3.0, sensitivity=1), s)
    assert level == 1 and parts[-1] == "定级：5 分 → 一级"
    level, parts = compose_level(LevelParts(docs=12, sources=4, growth=3.0, sensitivity=3), s)
    assert level == 3 and "受敏感度限制" in parts[-1]


def add_posts(store, event_id: str, posts: list[dict], *, now: datetime = T0) -> Event:
    """An event of analysed posts (text, genre, sentiment as the NLP stage stores them)."""
    docs = []
    for i, p in enumerate(posts):
        docs.append(Document(url=f"http://board.example/{event_id}/{i}", source=p.get("source", "a_city_board"),
                             title=p.get("title", p["text"][:20]), content=p["text"], kind=DocumentKind.POST,
                             published_at=p.get("at", now - timedelta(hours=1 + i)), region="A3区",
                             likes=p.get("likes", 0), replies=p.get("replies", 0)))
    store.documents.upsert_documents(docs, now)
    store.documents.save_analyses([(d.id, {"text": f"{d.title}\n{d.content}", "genre": {"label": p.get("genre", "other")},
                                           "sentiment": {"label": p.get("sentiment", "negative"), "score": 0.9}})
                                   for d, p in zip(docs, posts)], now)
    store.documents.link_documents({d.id: (event_id, None) for d in docs})
    n = len(posts)
    neg = sum(p.get("sentiment", "negative") == "negative" for p in posts)
    event = Event(id=event_id, title=posts[0].get("title", posts[0]["text"][:20]), region="A3区", topic="城乡建设",
                  first_seen=min(d.published_at for d in docs), last_seen=max(d.published_at for d in docs),
                  doc_count=n, source_count=len({d.source for d in docs}), negative=neg, neutral=n - neg, heat=30.0)
    store.documents.save_events([event], now)
    return event


def test_reason_shows_the_parts_and_details_keep_the_numbers(make_app):
    app = make_app()
    rule = keyword_rule()
    ev = add_posts(app.store, "ev-pit", [
        {"text": "这个路口车速太快，已经发生多起伤亡事故，请尽快处理", "likes": 10, "replies": 2},  # message 5609's words
        {"text": "填土区出现了多次滑坡现象，所幸没有人员伤亡", "likes": 3},  # message 10023
    ])
    f = rule.check_event(ev, RuleContext(app.store, T0))
    assert f is not None and f.level == 3  # one affirmative post: 一般, never the 48-hour level 2 by itself
    assert "敏感词 2 篇（有效 1 篇，否定/假设/过去 1 篇）；来源 1 个；互动 12；增长 —" in f.reason
    assert "「伤亡」否定（没有" in f.reason
    assert f.details["level_parts"] == {"docs": 1, "weak_docs": 1, "sources": 1, "engagement": 12, "growth": None,
                                        "sensitivity": 2}
    assert f.details["hits"] == {"伤亡": 1} and f.details["weak_hits"] == {"伤亡": {"negated": 1}}


def test_negated_and_hypothetical_posts_raise_nothing(make_app):
    app = make_app()
    ev = add_posts(app.store, "ev-weak", [{"text": q} for q, _ in [*NEGATED.values(), *HYPOTHETICAL.values()]])
    assert keyword_rule().check_event(ev, RuleContext(app.store, T0)) is None


def test_a_single_keyword_post_is_never_level_one_even_on_a_level_one_list(make_app):
    app = make_app()
    rule = keyword_rule(lists={"重大": {"words": ["爆炸"], "level": 1}})
    ev = add_posts(app.store, "ev-one", [{"text": "化工厂仓库发生爆炸，浓烟很大", "likes": 5000, "replies": 900}])
    f = rule.check_event(ev, RuleContext(app.store, T0))
    assert f.level == 2 and "互动 5900（+2）" in f.reason and "定级：2 分 → 二级" in f.reason
    many = add_posts(app.store, "ev-many", [
        {"text": f"化工厂仓库发生爆炸，现场第{i}次听到巨响", "source": f"site{i % 3}", "at": T0 - timedelta(minutes=20 * i + 5)}
        for i in range(12)])
    f = rule.check_event(many, RuleContext(app.store, T0))
    assert f.level == 1 and f.details["level_parts"]["sources"] == 3 and f.details["level_parts"]["docs"] == 12


def test_the_demo_heating_complaint_is_not_level_one(make_app):
    from yuqing.samples.timeline import Timeline

    start = T0 - timedelta(hours=2)
    timeline = Timeline(seed=42, start=start, history=10, city_articles=0, a3_articles=0)
    burst = [p for p in timeline.live_posts(start + timedelta(seconds=600)) if p.issue_key == timeline.burst_issue.key]
    with_petition = [p for p in burst if "上访" in p.content]
    assert with_petition  # the demo's angry posts say 「再不解决我们只能去上访了」
    app = make_app()
    posts = [{"title": p.title, "text": p.content, "likes": p.likes, "replies": p.comments,
              "at": p.published_at} for p in burst]
    ev = add_posts(app.store, "ev-heating", posts)
    rule = next(r for r in parse_alerts(app.config).rules if r.type_name == "keywords")  # the shipped lists
    f = rule.check_event(ev, RuleContext(app.store, T0))
    # 「再不解决…」 is a condition: no petition has happened, so the 群体性事件 list does not fire at all.
    assert f is None or (f.level > 1 and f.details["list"] != "群体性事件")
    # Had one of them really petitioned, it is still one post: not a level-1 emergency.
    one = add_posts(app.store, "ev-heating-1", [{"title": with_petition[0].title, "text": with_petition[0].content.replace(
        "再不解决我们只能去上访了", "我们已经去区政府上访了"), "likes": with_petition[0].likes}])
    rule1 = keyword_rule(lists={"群体性事件": {"words": ["上访"], "level": 1}})
    f = rule1.check_event(one, RuleContext(app.store, T0))
    assert f is not None and f.level > 1


# -- genre: official notices and thank-you letters -------------------------------------------------------------
def test_genre_mark_on_real_titles():
    from yuqing.nlp.stages import GenreStage

    for msg_id, (title, label) in GENRE.items():
        assert GenreStage.classify(title)["label"] == label, (msg_id, title)
    for title in NOTICE_TITLES:
        g = GenreStage.classify(title)
        assert g["label"] == "notice" and g["name"] == "政府发布/通知" and g["reason"], title


def test_genre_stage_runs_in_the_default_pipeline():
    from yuqing.nlp.pipeline import Analyzer

    out = Analyzer.from_settings({}).analyze({"id": "n1", "title": "A市开展根治欠薪冬季专项行动",
                                              "content": "为切实保障农民工工资支付，A市人社局部署开展专项行动，严厉打击恶意欠薪。"})
    assert out["genre"]["label"] == "notice"


def test_notices_and_thanks_do_not_raise_keyword_or_negative_alerts(make_app):
    app = make_app()
    notice = {"title": "A市开展根治欠薪冬季专项行动", "genre": "notice", "sentiment": "negative",
              "text": "针对部分工地发生农民工聚集讨薪、堵路等情况，市人社局部署开展专项行动。"}
    thanks = {"title": "感谢相关部门解决噪声污染问题", "genre": "thanks", "sentiment": "negative",
              "text": "之前业主聚集讨薪堵路的问题得到了解决，感谢各部门。"}
    ev = add_posts(app.store, "ev-notice", [notice, thanks] * 3)
    ctx = RuleContext(app.store, T0)
    assert keyword_rule().check_event(ev, ctx) is None
    # The same words in citizens' own posts do raise it.
    posts = add_posts(app.store, "ev-citizens", [{**notice, "genre": "other", "title": "工地讨薪"}] * 2 + [notice])
    f = keyword_rule().check_event(posts, RuleContext(app.store, T0))
    assert f is not None and f.details["matched_docs"] == 2 and f.details["skipped_genre_docs"] == 1
    assert "已跳过政府通知/感谢信 1 篇" in f.reason
    neg = NegativeShareRule.from_config(Checker("yuqing.toml", {"name": "负面", "type": "negative_share",
                                                                "tiers": [{"level": 3, "min_share": 0.6, "min_docs": 2}]},
                                                "alerts.rules[0]"))
    assert neg.check_event(ev, ctx) is None  # six notices/letters: nothing left to be negative
    mixed = add_posts(app.store, "ev-mixed", [notice, notice, {"text": "工资拖欠半年没人管", "genre": "other"},
                                              {"text": "还是没有发工资", "genre": "other"}])
    f = neg.check_event(mixed, RuleContext(app.store, T0))
    assert f is not None and f.details["total"] == 2 and f.details["skipped_genre_docs"] == 2
    assert "已除去政府通知/感谢信 2 篇" in f.reason


def test_through_the_store_analysed_posts_alert_only_on_what_they_assert(make_app):
    """The NLP stage's output (genre included) stored as `process` stores it; the service's evaluate decides."""
    from yuqing.alerts.service import AlertService
    from yuqing.nlp.pipeline import Analyzer
    from yuqing.jobs import analyzer_input

    app = make_app(alerts={"rules": [
        {"name": "敏感词", "type": "keywords"},
        {"name": "负面占比", "type": "negative_share", "tiers": [{"level": 3, "min_share": 0.6, "min_docs": 3}]}]})
    store = app.store
    groups = {
        "ev-negated": [("填土区滑坡", "填土区因为今年大雨也出现了多次滑坡现象，所幸没有人员伤亡。"),  # message 10023
                       ("组上道路安全隐患", "组上村民及车辆通行，曾经多次出现人、车小触碰，幸亏未造成人员伤亡事故，存在极大安全隐患。")],  # 46981
        "ev-asserted": [("路口车速太快", "行人从公交下车后只能冒险横穿马路，已经发生多起伤亡事故。建议政府引起重视。")],  # 5609
        "ev-notice": [("A市开展根治欠薪冬季专项行动", "针对部分工地农民工聚集讨薪的情况，市人社局部署开展专项行动，依法查处欠薪。"),
                      ("A市人社局召开根治欠薪工作会议", "会议通报了农民工聚集讨薪事件的处置情况，部署下一步工作。"),
                      ("关于开展根治拖欠农民工工资专项检查的通知", "各区人社局：近期个别工地发生农民工聚集讨薪，现就开展专项检查通知如下。")],
    }
    analyzer = Analyzer.from_settings({})
    for event_id, posts in groups.items():
        docs = [Document(url=f"http://board.example/{event_id}/{i}", source="a_city_board", title=title, content=text,
                         kind=DocumentKind.POST, published_at=T0 - timedelta(hours=2 + i), region="A3区")
                for i, (title, text) in enumerate(posts)]
        store.documents.upsert_documents(docs, T0)
        results = []
        for d in docs:
            record = analyzer_input(d)
            out = analyzer.analyze(record)
            results.append((d.id, {k: v for k, v in out.items() if k not in record}))
        store.documents.save_analyses(results, T0)
        store.documents.link_documents({d.id: (event_id, None) for d in docs})
        stored = store.documents.get_documents([d.id for d in docs])
        neg = sum((d.analysis["sentiment"]["label"] == "negative") for d in stored)
        store.documents.save_events([Event(id=event_id, title=posts[0][0], region="A3区", topic="城乡建设",
                                           first_seen=T0 - timedelta(hours=3), last_seen=T0 - timedelta(hours=2),
                                           doc_count=len(docs), source_count=1, negative=neg,
                                           neutral=len(docs) - neg)], T0)
    stored_notice = store.documents.list_documents(event_id="ev-notice")[1]
    assert {d.analysis["genre"]["label"] for d in stored_notice} == {"notice"}
    created = AlertService.from_config(app.config, store).evaluate(T0)
    assert [a.event_id for a in created] == ["ev-asserted"]
    alert = created[0]
    assert alert.level == 3 and alert.status.value == "new"  # one post: 一般, waits for an officer; no 48-hour clock
    assert "敏感词 1 篇；来源 1 个；互动 0；增长 —；敏感度 最高二级；定级：0 分 → 三级" in alert.reason
    assert alert.details["rules"]["敏感词"]["level_parts"]["docs"] == 1


def test_growth_is_recent_volume_against_the_windows_before_with_floors():
    from yuqing.alerts.rules.base import growth_ratio

    hour = lambda h: (T0 - timedelta(hours=h)).replace(minute=0)  # noqa: E731
    # 6 posts in the last day, 4 in the two days before (2 a day): ×3.
    counts = {hour(1): 3, hour(5): 3, hour(30): 2, hour(60): 2}
    assert growth_ratio(counts, T0, 24) == pytest.approx(3.0)
    assert growth_ratio({hour(1): 2}, T0, 24) is None  # two posts are no trend
    assert growth_ratio({hour(1): 4}, T0, 24) == pytest.approx(4.0)  # nothing before: floor of one a window
    level, parts = compose_level(LevelParts(docs=4, growth=growth_ratio(counts, T0, 24)), LevelSettings())
    assert "增长 ×3.0（+1）" in parts and level == 2


def test_quoted_clauses_in_the_reason_are_masked(make_app):
    app = make_app()
    ev = add_posts(app.store, "ev-pii", [{"text": "我是业主13812345678所幸没有人员伤亡"},
                                         {"text": "工地发生坍塌，已造成人员伤亡"}])
    f = keyword_rule().check_event(ev, RuleContext(app.store, T0))
    assert f is not None and "13812345678" not in f.reason and "13812345678" not in str(f.details)
    assert "138****5678" in f.reason


def test_shipped_exclusions_cover_place_nouns_seen_in_real_posts():
    rule = keyword_rule()
    assert polarity(rule, "公众聚集场所在投入使用前", "聚集") == {"excluded"}  # message 5349 (a 消防法 quote)
    assert polarity(rule, "在快速路、环线、部分易堵路段增加摄像头密度", "堵路") == {"excluded"}  # message 5607
    assert polarity(rule, "数百名业主在售楼部聚集", "聚集") == {"affirmative"}
