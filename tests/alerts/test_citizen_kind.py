"""The citizen kind of a post (投诉/求助/建议/咨询) read from its title, and the working-day policy it chooses for an
overdue-reply alert when the board gives no category (咨询 2, 求助/建议 10, 投诉 15 working days)."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest

from yuqing.nlp.stages import GenreStage
from yuqing import jobs
from yuqing.app import App
from yuqing.clock import TZ
from yuqing.config import DEFAULT_CONFIG

# Real titles from the shared board (gov_messages/messages_with_replies.csv, 留言编号 in the first column).
REAL_TITLES = [
    ("3692", "A5区鄱阳村D区安置房人防工程的咨询", "咨询"),
    ("35462", "请问B市西环线两侧辅道何时能全线贯通", "咨询"),
    ("37429", "咨询B9市左权镇的大病救助报销政策", "咨询"),  # the named kind wins over 救助 in the subject
    ("3727", "投诉A3区桐梓坡路益丰大药房以次充好", "投诉"),
    ("3704", "举报A市芒果金融平台涉嫌诈骗", "投诉"),
    ("25627", "强烈反对A7县星沙204路公交线的调整", "投诉"),
    ("3683", "反映A市美麓阳光住宅楼无故停工以及质量问题", "投诉"),
    ("3713", "建议增开A市261路公交车", "建议"),
    ("25131", "希望A7县秋江路早日修建和扩充", "建议"),
    ("133536", "L6县金塘村村民生活困难，请求政府帮助！", "求助"),
    ("124246", "再次请求救救L10县县艮山口乡万亩农田及万亩果园！", "求助"),
]


@pytest.mark.parametrize("msg_id, title, kind", REAL_TITLES, ids=[t[0] for t in REAL_TITLES])
def test_kind_from_real_titles(msg_id, title, kind):
    genre = GenreStage.classify(title, title + "\n")
    assert genre["label"] == "other" and genre["kind"] == kind, (msg_id, genre)
    assert genre["kind_reason"]


def test_notices_and_thanks_have_no_citizen_kind():
    notice = GenreStage.classify("关于开展2019年度根治欠薪冬季专项行动的通知")
    thanks = GenreStage.classify("感谢各位领导，我反映的问题得到了重视")
    assert notice["label"] == "notice" and "kind" not in notice
    assert thanks["label"] == "thanks" and "kind" not in thanks
    assert "kind" not in GenreStage.classify("A2区洗煤厂生活区31栋环境")  # nothing says: the rule's default applies


POSTED = datetime(2024, 9, 2, 10, 0, tzinfo=TZ)  # a Monday


def test_the_kind_chooses_the_deadline_policy_when_the_board_gives_no_category(tmp_path):
    """Posts stored without a category go through the real NLP stage; the overdue-reply alert of each carries the
    policy of its kind, and a board category still decides where there is one."""
    home = tmp_path / "var"
    app = App.load(DEFAULT_CONFIG, home)
    try:
        records = [
            {"id": "k1", "title": "咨询A市商业住房贷款转公积金贷款问题", "content": "请问如何办理，需要哪些材料？"},
            {"id": "k2", "title": "投诉A3区桐梓坡路益丰大药房以次充好", "content": "药品质量差，要求查处。"},
            {"id": "k3", "title": "建议增开A市261路公交车", "content": "高峰期太挤，建议增加班次。"},
            {"id": "k4", "title": "咨询A市东六线段目前建设进展", "content": "什么时候通车？", "category": "投诉"},
        ]
        lines = "\n".join(json.dumps({**r, "source": "a_city_board", "kind": "post", "region": "A市",
                                      "published_at": POSTED.isoformat()}, ensure_ascii=False) for r in records)
        report = jobs.ingest(app, io.StringIO(lines), POSTED)
        assert not report.bad
        jobs.process(app, POSTED)
        kinds = {d.id: (d.analysis or {}).get("genre", {}).get("kind")
                 for d in app.store.documents.get_documents([r["id"] for r in records])}
        assert kinds == {"k1": "咨询", "k2": "投诉", "k3": "建议", "k4": "咨询"}
        alerts = app.alerts.evaluate(POSTED + timedelta(days=14))
        policy = {a.details["doc_id"]: a.policy for a in alerts if a.details.get("doc_id")}
        assert policy == {"k1": "consult", "k2": "complaint", "k3": "help", "k4": "complaint"}
    finally:
        app.close()
