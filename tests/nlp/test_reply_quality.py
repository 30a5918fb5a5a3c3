from datetime import datetime

import pytest

from yuqing.nlp.reply_quality import assess_reply, calibrate, is_template, parse_time

POST = (
    "反映A2区广厦新村夜宵摊油烟扰民\n广厦新村内夜宵摊就摆在花坛旁，油烟到处飘，烧烤摊每晚经营到凌晨，"
    "居民不敢开窗，希望城管部门管一管。"
)
GOOD = (
    "网友您好！您的留言已收悉。现将有关情况回复如下：经调查核实，留言反映的广厦新村书院路入口处烧烤摊点"
    "油烟扰民情况基本属实。对此，街道城管办已责令摊主停止占道经营，并联合城管执法中队对夜宵摊进行了整顿。"
    "下一步，街道将加强巡查，防止反弹。如有问题可拨打监督电话0731-88881234。感谢您对我们工作的支持！"
)


@pytest.mark.parametrize(
    "reply",
    [
        "已收悉",
        "网友：您好！留言已收悉",
        "您的留言已收悉。关于您反映的问题，已转市商务粮食局调查处理。",
        "“UU0081646”您好！您通过平台的留言收悉，已转有关部门答复反馈，谢谢！2019年7月9日",
        "您好，您所反映的问题，已转交相关部门调查处置。",
    ],
)
def test_template_replies_flagged(reply):
    assert is_template(reply)
    res = assess_reply(POST, reply)
    assert res["template"] is True
    assert res["score"] <= 20
    assert any("模板" in r for r in res["reasons"])


def test_substantive_reply_beats_template_and_lists_parts():
    good = assess_reply(POST, GOOD, "2019/1/2 10:00:00", "2019/1/10 09:00:00")
    assert good["template"] is False
    assert set(good["parts_found"]) >= {"核实情况", "处理措施", "下一步安排或时限", "联系方式"}
    assert good["completeness"] >= 0.9
    assert good["relevance"] > 0.5
    assert good["timeliness"]["on_time"] is True
    assert good["score"] > 70
    bad = assess_reply(POST, "您的留言已收悉。", "2019/1/2 10:00:00", "2019/1/10 09:00:00")
    assert good["score"] > bad["score"] + 40


def test_irrelevant_reply_named_with_missing_words():
    res = assess_reply(POST, "经核实，该路段公交线路已调整，102路公交车改道运行，将于月底前恢复。")
    assert res["relevance"] < 0.2
    assert any("关联度低" in r and "夜宵" in r for r in res["reasons"])


def test_timeliness_counts_working_days_across_national_day():
    # 2019-09-30 (Mon) → 2019-10-08 (Tue): 1–7 Oct are holidays, so only 8 Oct counts when the
    # holiday calendar is in use (5 with the weekend-only fallback).
    res = assess_reply(POST, GOOD, datetime(2019, 9, 30, 9), datetime(2019, 10, 8, 9))
    assert res["timeliness"]["working_days"] in (1, 5)
    late = assess_reply(POST, GOOD, "2019-01-02", "2019-03-01", limit_days=15)
    assert late["timeliness"]["on_time"] is False
    assert any("超过 15 个工作日" in r for r in late["reasons"])


def test_unreadable_time_reported_not_fatal():
    res = assess_reply(POST, GOOD, "昨天", "2019-01-10")
    assert res["timeliness"]["working_days"] is None
    assert any("无法计算答复用时" in r for r in res["reasons"])


def test_consultation_answered_with_policy_is_complete():
    post = "咨询残疾人建房补贴政策\n我是三级残疾人，请问建房有补贴吗？"
    reply = "网友：你好。根据《农村危房改造补助办法》规定，符合条件的残疾人家庭可申请危房改造补助，具体请向当地住建部门咨询。"
    res = assess_reply(post, reply)
    assert res["consultation"] is True
    assert res["completeness"] >= 0.6
    assert res["reasons"] == ["答复切题，包含政策依据、政策解答"]


def test_parse_time_formats():
    assert parse_time("2019/1/29 10:53:00") == datetime(2019, 1, 29, 10, 53)
    assert parse_time("2019-01-29T10:53:00+08:00") == datetime(2019, 1, 29, 10, 53)
    with pytest.raises(ValueError, match="无法识别"):
        parse_time("下周")


def test_calibration_on_real_pairs(shared_data):
    summary = calibrate(shared_data / "gov_messages" / "messages_with_replies.csv", sample=0, out=lambda *a: None)
    assert summary["pairs"] == 2748
    # True post/reply pairs must be told apart from random pairs.
    assert summary["relevance_auc"] > 0.85
    # Real boards: roughly one reply in ten is a one-line template (已收悉 / 已转…).
    assert 0.04 < summary["templates"] / summary["pairs"] < 0.2
    q = summary["score_quantiles"]
    assert q["p10"] < q["p50"] < q["p90"]
