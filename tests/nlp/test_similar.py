"""类案参考: template detection, the reply draft, masking, the ``yuqing similar`` command line (on a store built by the
real stages) and retrieval on the real shared messages (skipped with a reason where ../shared/data is absent)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from yuqing.clock import TZ
from yuqing.model import Document, DocumentKind, Reply
from yuqing.nlp.reply_quality import is_template
from yuqing.similar_draft import assemble_draft, substance_sentences
from yuqing.similar_views import LOCAL, build_similar_case

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=TZ)
SUBSTANTIVE = ("网友您好！您的留言已收悉。经A5区教育局核实，东澜湾幼儿园主体建筑已完工，预计2019年9月开园招生。"
               "如有疑问，可拨打0731-84567890咨询。感谢您对我们工作的关心和支持！2019年1月10日 A5区教育局")


def _case(reply: str, score: float | None, template: bool | None, similarity: float = 1.0, n: int = 0):
    doc = Document(url=f"http://board/{n}", source="board", title="幼儿园何时开园", content="东澜湾小区幼儿园一直没开工",
                   kind=DocumentKind.POST, published_at=T0, reply=Reply(reply, "A5区教育局", T0 + timedelta(days=11)),
                   analysis={"topic": {"label": "教育文体"},
                             **({"reply_quality": {"template": template, "score": score}} if template is not None else {})})
    return build_similar_case(doc, similarity, LOCAL)


# -- template detection (the NLP stage's reply-quality scoring, stored with each replied post) ------------------------
@pytest.mark.parametrize("reply, template", [
    ("您的留言已收悉。", True),
    ("网友您好！您反映的问题已转交相关部门调查处理，请耐心等待回复。", True),
    ("已收悉，正在办理中。", True),
    ("您好，已转交A3区住建局办理。谢谢！", True),
    (SUBSTANTIVE, False),
])
def test_template_replies_are_flagged(reply, template):
    assert is_template(reply) is template
    case = _case(reply, 20.0 if template else 70.0, is_template(reply))
    assert case.template is template


def test_case_view_reply_time_masking_and_evaluation():
    case = _case(SUBSTANTIVE + "联系人张三，手机13912345678。", 72.0, False)
    assert case.reply_days == 11.0
    assert "13912345678" not in case.reply and "139****5678" in case.reply and "张三" not in case.reply
    assert case.evaluation == "答复质量 72 分"
    assert _case("已收悉", None, None).evaluation == "未评估" and _case("已收悉", None, None).template is None
    rated = build_similar_case(Document(url="http://b/9", source="b", title="t", reply=Reply("r")), 1.0, LOCAL, "满意")
    assert rated.evaluation == "回访评价：满意"


# -- the draft ----------------------------------------------------------------------------------------------------------
def test_draft_uses_the_best_rated_non_template_replies_without_their_wrappers():
    template = _case("您的留言已收悉，已转交相关部门。", 20.0, True, similarity=9.0, n=1)
    unassessed = _case("经核实，已安排维修。", None, None, similarity=8.0, n=2)
    weaker = _case("经核实，幼儿园由开发商建设，区教育局已督促其加快进度。下一步将加强监管。", 55.0, False, 7.0, n=3)
    best = _case(SUBSTANTIVE, 80.0, False, similarity=6.0, n=4)
    off_topic = _case("经查，该路段红绿灯配时已调整。下一步将持续观察。", 95.0, False, similarity=3.0, n=5)
    draft, used = assemble_draft("幼儿园何时开园", [template, unassessed, weaker, best, off_topic])
    assert used == (best.id, weaker.id)
    lines = draft.splitlines()
    assert lines[0].startswith("您好！您反映的“幼儿园何时开园”问题已收悉") and lines[-1].startswith("感谢")
    body = lines[1:-1]
    assert body[0].startswith("经A5区教育局核实") and "经核实，幼儿园由开发商建设，区教育局已督促其加快进度。" in body
    assert not any(re.search(r"收悉|您好|感谢|2019年1月10日|^A5区教育局$", s) for s in body)
    assert "0731-8456****" in draft and "84567890" not in draft  # masked: the views are masked when built
    assert "转交" not in draft and "安排维修" not in draft  # templates and unassessed replies are never used
    assert "红绿灯" not in draft  # rated best, but far less similar than the best case: another matter
    assert assemble_draft("x", [template, unassessed]) == ("", ())


def test_substance_sentences_drop_greetings_thanks_dates_and_signatures():
    assert substance_sentences(SUBSTANTIVE) == [
        "经A5区教育局核实，东澜湾幼儿园主体建筑已完工，预计2019年9月开园招生。", "如有疑问，可拨打0731-84567890咨询。"]
    assert substance_sentences("已移交A市城市管理局。请联系A5区教育局。2019-01-10。A市住房和城乡建设局") == [
        "已移交A市城市管理局。", "请联系A5区教育局。"]  # a sentence naming a body is kept; a bare signature is not


# -- the command line, on a store built by the real stages ---------------------------------------------------------------
@pytest.fixture(scope="module")
def built_home(tmp_path_factory):
    from tests.dashboard.conftest import build_store

    home = tmp_path_factory.mktemp("similar_home")
    build_store(home, documents=300)
    return home


@pytest.fixture
def cli_home(built_home, tmp_path, monkeypatch):
    from tests.dashboard.conftest import CONFIG

    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    config = tmp_path / "yuqing.toml"
    config.write_text(CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("YUQING_HOME", str(home))
    monkeypatch.setenv("YUQING_CONFIG", str(config))
    return home, config


def run(capsys, *argv, stdin: str | None = None, monkeypatch=None):
    from yuqing.cli import main

    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["similar", *argv])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def _event_alert(home):
    from yuqing.app import App

    app = App.load()
    try:
        alerts = app.store.workflow.list_alerts(limit=200)[1]
        return next(a for a in alerts if a.event_id and a.department == "A市住房和城乡建设局")
    finally:
        app.close()


def test_cli_alert_json(cli_home, capsys, monkeypatch):
    home, _ = cli_home
    alert = _event_alert(home)
    code, out, _ = run(capsys, "--alert", alert.id, "--json", "--top", "3")
    assert code == 0
    view = json.loads(out)
    assert view["alert_id"] == alert.id and 0 < len(view["local"]) <= 3 and view["reference"] == []
    for case in view["local"]:
        assert case["reply"] and {"reply_days", "template", "evaluation", "similarity"} <= set(case)
        assert not re.search(r"1[3-9]\d{9}", case["reply"] + case["snippet"])
    assert any("参考库" in n for n in view["notes"])  # no reference corpus configured: said, not silently empty
    # A department account sees its own alerts only; --as needs the password (the same rules as `alerts`).
    code, out, _ = run(capsys, "--alert", alert.id, "--json", "--top", "3", "--as", "dept1", "--password-stdin",
                       stdin="correct-horse-9\n", monkeypatch=monkeypatch)
    assert code == 0 and json.loads(out)["local"] == view["local"]
    code, _, err = run(capsys, "--alert", alert.id, "--as", "dept2", "--password-stdin", stdin="correct-horse-9\n",
                       monkeypatch=monkeypatch)
    assert code == 1 and "无法查找类案" in err


@pytest.mark.parametrize("argv, message", [
    ([], "二者选一"), (["--alert", "A1", "--text", "x"], "二者选一"), (["--text", "供暖", "--top", "0"], "1 到 20"),
    (["--text", "供暖", "--top", "三"], "1 到 20"), (["--text", "   "], "不能为空"), (["--alert", "不存在"], "不存在"),
    (["--text", "供暖", "--as", "dept1"], "只用于 --alert"), (["--bogus"], "参数错误"),
])
def test_cli_bad_input_gets_chinese_errors(cli_home, capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code in (1, 2) and message in err


def test_cli_text_and_reference_import(cli_home, capsys, shared_data, tmp_path):
    home, config = cli_home
    rows = list(csv.DictReader((shared_data / "gov_messages" / "messages_with_replies.csv").open(encoding="utf-8")))
    subset = tmp_path / "replies.csv"
    with subset.open("w", encoding="utf-8", newline="") as fh:  # real rows, a few, so the test stays quick
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:150])
    code, _, err = run(capsys, "import")
    assert code == 1 and "[similar] reference" in err
    config.write_text(config.read_text(encoding="utf-8") + f'\n[similar]\nreference = "{subset.name}"\n',
                      encoding="utf-8")
    code, out, _ = run(capsys, "import")
    assert code == 0 and "150" in out
    code, out, _ = run(capsys, "import")  # idempotent: ids from 留言编号
    from yuqing.storage.sqlite import SQLiteStore
    ref = SQLiteStore(home / "similar_reference.db")
    assert ref.document_stats()["documents"] == 150
    ref.close()
    target = rows[0]
    code, out, _ = run(capsys, "--text", target["留言主题"] + target["留言详情"][:200], "--json")
    assert code == 0
    view = json.loads(out)
    assert view["reference"] and view["reference"][0]["title"].strip() == target["留言主题"].strip()
    assert view["reference"][0]["reply_days"] is not None and view["draft"]
    code, out, _ = run(capsys, "--text", "小区供暖不热")  # text output renders the same view
    assert code == 0 and "类案参考" in out and "答复草稿" in out


# -- retrieval on the real shared messages --------------------------------------------------------------------------------
def test_real_messages_bm25_finds_same_category_cases_far_above_random(shared_data):
    from yuqing.nlp.similar_bench import category_figures

    figures = category_figures(shared_data, limit=80)
    m = figures["methods"]
    assert figures["queries"] == 80 and figures["corpus"] > 700
    assert m["bm25"]["same_share_at_5"] > 2 * m["random"]["same_share_at_5"]
    assert m["bm25"]["hit_at_5"] > m["random"]["hit_at_5"]
    assert m["bm25_topic"]["same_share_at_5"] >= m["bm25"]["same_share_at_5"]


def test_real_messages_drafts_are_relevant_unlike_random_replies(shared_data):
    from yuqing.nlp.similar_bench import draft_figures

    figures = draft_figures(shared_data, limit=40)
    assert figures["drafted"] >= 30
    rel = figures["relevance"]
    assert rel["draft"] > 5 * rel["random"] and rel["real"] > 5 * rel["random"]
    assert figures["draft_beats_random"] > 0.8


@pytest.mark.parametrize("body, key", [('[similar]\nreferense = "x.csv"\n', "referense"), ("[similar]\nreference = 3\n",
                                                                                         "reference")])
def test_bad_similar_configuration_names_the_key(tmp_path, body, key):
    from tests.dashboard.conftest import CONFIG
    from yuqing.config import ConfigError, load_config

    path = tmp_path / "yuqing.toml"
    path.write_text(CONFIG.read_text(encoding="utf-8") + "\n" + body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, home=tmp_path)
    assert key in str(err.value) and "similar" in str(err.value)


def test_cases_of_our_own_store_carry_the_loops_evaluation(cli_home):
    from yuqing.app import App
    from yuqing.similar import similar_for_terms, terms_from_words

    app = App.load()
    try:
        rated = next(a for a in app.store.workflow.list_alerts(status="closed", limit=200)[1] if a.event_id and a.rating)
        _, posts = app.store.documents.list_documents(event_id=rated.event_id, limit=200)
        replied = [d for d in posts if d.reply and d.analysis]
        assert replied, "the sample's rated event has replied posts"
        view = similar_for_terms(app, terms_from_words([replied[0].analysis["content_words"]]), replied[0].title, top=10)
        from_event = [c for c in view.local if c.id in {d.id for d in posts}]
        assert from_event and all(c.rating == rated.rating for c in from_event)
        assert all(c.evaluation.startswith(f"回访评价：{rated.rating}") for c in from_event)
        others = [c for c in view.local if c.id not in {d.id for d in posts}]
        assert all(c.rating is None for c in others)  # the sample rates one event only
    finally:
        app.close()
