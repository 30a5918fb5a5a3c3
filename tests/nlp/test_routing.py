"""Routing that abstains: calibrated topic with 「其他」, named agencies, the problem's region, top-3 candidates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from yuqing.nlp.normalize import html_to_text, normalize
from yuqing.nlp.pipeline import Analyzer, settings_from_config
from yuqing.nlp.stages import DepartmentStage
from yuqing.nlp.topic import OTHER, Calibration, TopicModel, calibration_path, fit_temperature, official_notice_signals, softmax
from yuqing.config import ConfigError, DEFAULT_CONFIG, load_config, parse_config
from yuqing.paths import REPO_ROOT, shared_data_dir

NOTICES = REPO_ROOT / "nlp" / "data" / "neutral_notices.txt"


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer.from_settings(settings_from_config(load_config(DEFAULT_CONFIG)))


def _analyze(analyzer, title, content, region="A市"):
    return analyzer.analyze({"id": "1", "title": title, "content": content, "region": region})


# --- policy documents abstain --------------------------------------------------------------------------------------
def test_government_notices_get_other_and_are_not_routed(analyzer):
    notices = [line.strip() for line in NOTICES.read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#") and line.startswith("关于")]
    assert len(notices) >= 5
    for title in notices:
        out = _analyze(analyzer, title, "")
        assert out["topic"]["label"] == OTHER, title
        assert out["department"] is None and "政府文件" in out["department_abstain"], title
    # The issue's own example: an official notice about wage arrears names 人社局 and still is no citizen matter.
    out = _analyze(analyzer, "A市开展根治欠薪冬季专项行动",
                   "各区人民政府，各委、局，各直属单位：为切实保障农民工工资支付，市人社局部署开展根治欠薪冬季专项行动。"
                   "现将有关事项通知如下。")
    assert out["topic"]["label"] == OTHER and out["department"] is None
    assert out["department_candidates"][0]["department"] == "A市人力资源和社会保障局"  # still shown to the officer
    # GenreStage's verdict from the title's form counts too (no document marker in the body here).
    out = _analyze(analyzer, "A市交通运输局启动春运道路客运安全检查", "检查组分赴各客运站，查看车辆安全设施与驾驶员资质。")
    assert out["genre"]["label"] == "notice" and out["topic"]["label"] == OTHER and out["department"] is None


@pytest.mark.parametrize("page", ["tests/zsnews/1.html", "tests/cjddsb/1.html"])
def test_real_government_work_news_pages_abstain(analyzer, page):
    data = shared_data_dir()
    if data is None or not (data / "news_pages" / page).is_file():
        pytest.skip("需要 ../shared/data/news_pages（共享数据不在本机）")
    text = normalize(html_to_text((data / "news_pages" / page).read_bytes().decode("utf-8")))
    out = analyzer.analyze({"id": "p", "title": "", "content": text})
    assert out["topic"]["label"] == OTHER and out["department"] is None


def test_citizen_messages_quoting_a_notice_are_not_taken_for_notices():
    assert official_notice_signals("关于A市人才引进政策的咨询：请问本科落户后购房资格怎么认定？") == []
    assert official_notice_signals("我是A3区居民，根据《关于印发棚户区改造实施方案的通知》，我家的安置房什么时候能交？") == []
    assert official_notice_signals("关于印发《A市生活垃圾分类管理办法》的通知\n各区人民政府，市直各单位：现将办法印发给你们。")


def test_real_messages_are_rarely_taken_for_notices():
    data = shared_data_dir()
    path = data / "gov_messages" / "labeled_raw.csv" if data else None
    if path is None or not path.is_file():
        pytest.skip("需要 ../shared/data/gov_messages（共享数据不在本机）")
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    flagged = [r["留言主题"] for r in rows if official_notice_signals(f"{r['留言主题']}\n{r['留言详情']}")]
    assert len(flagged) <= 0.01 * len(rows), flagged[:10]


# --- calibration -------------------------------------------------------------------------------------------------
def test_temperature_fit_recovers_the_temperature_that_generated_the_labels():
    rng = np.random.default_rng(0)
    scores = rng.normal(0, 3, size=(4000, 7))
    p = softmax(scores / 2.5)
    labels = np.array([rng.choice(7, p=row) for row in p])
    assert fit_temperature(scores, labels) == pytest.approx(2.5, rel=0.1)


def test_shipped_calibration_sits_beside_the_weights_and_is_used():
    model = TopicModel.load()
    cal_file = calibration_path(None)
    assert cal_file.name == "topic.calibration.json" and cal_file.parent == Path(REPO_ROOT / "nlp" / "data")
    data = json.loads(cal_file.read_text(encoding="utf-8"))
    assert model.calibration is not None and model.calibration.temperature == data["temperature"]
    assert data["classes"] == list(model.classes) and 0 < data["floor"] < 1
    out = model.classify(["小区", "物业", "乱收费", "电梯", "停运"], "小区物业乱收费，电梯停运")
    assert abs(sum(p for _, p in out["candidates"]) - 1) < 0.2 and len(out["candidates"]) == 3
    assert out["candidates"][0][0] == out["model_label"]


def test_calibration_floor_gives_other_and_bad_files_say_so_in_chinese(tmp_path):
    model = TopicModel.load()
    sure = TopicModel(model.linear, Calibration(temperature=1.0, floor=0.999, classes=list(model.classes)))
    out = sure.classify(["请问", "办理", "手续"], "请问这个手续怎么办理")
    assert out["label"] == OTHER and "低于下限" in out["abstain"] and out["model_label"] in model.classes
    bad = tmp_path / "topic.calibration.json"
    bad.write_text('{"temperature": 0, "floor": 0.5}', encoding="utf-8")
    with pytest.raises(ValueError, match="temperature 应大于 0"):
        Calibration.load(bad)


# --- departments -------------------------------------------------------------------------------------------------
DEPTS = [
    {"name": "A市住房和城乡建设局", "topics": ["城乡建设"], "aliases": ["住建局"], "keywords": ["物业"]},
    {"name": "A市商务局", "topics": ["商贸旅游"], "aliases": ["商务局"]},
    {"name": "A市公安局", "aliases": ["派出所", "公安局"], "keywords": ["寻衅滋事", "殴打"]},
    {"name": "A3区公安分局", "regions": ["A3区"], "aliases": ["派出所", "公安分局"], "keywords": ["寻衅滋事"]},
    {"name": "A5区公安分局", "regions": ["A5区"], "aliases": ["派出所", "公安分局"], "keywords": ["寻衅滋事"]},
    {"name": "A市人民政府办公室"},
]


def _topic(*pairs):
    return {"label": pairs[0][0], "score": pairs[0][1], "candidates": [list(p) for p in pairs]}


def test_a_bureau_named_in_the_text_wins_over_the_topic_guess():
    stage = DepartmentStage(DEPTS, None)
    doc = {"title": "小区物业费一年涨了一倍", "text": "小区物业费一年涨了一倍\n业主多次反映，住建局一直不管。",
           "topic": _topic(("商贸旅游", 0.55), ("城乡建设", 0.3), ("交通运输", 0.05))}
    out = stage.process(doc)
    assert out["department"] == "A市住房和城乡建设局"
    best = out["department_candidates"][0]
    assert "正文点名“住建局”" in best["reasons"] and best["confidence"] >= 0.6
    assert out["department_candidates"][1]["department"] == "A市商务局"


def test_region_is_where_the_problem_is_not_the_writers_address():
    stage = DepartmentStage(DEPTS, None)
    text = ("夜里被人拦路寻衅滋事\n我家住在A3区，昨晚路过A5区人民路口时被几个人拦住寻衅滋事，"
            "报警后派出所至今没有处理结果。")
    out = stage.process({"title": "夜里被人拦路寻衅滋事", "text": text, "region": "A市", "topic": _topic(("城乡建设", 0.4))})
    assert out["problem_region"] == "A5区"
    assert out["department"] == "A5区公安分局"
    assert all(c["department"] != "A3区公安分局" for c in out["department_candidates"])
    # A place in the subject beats the body's.
    out = stage.process({"title": "A3区某路口寻衅滋事", "text": "A3区某路口寻衅滋事\n事情发生后我去了A5区派出所。",
                         "topic": _topic(("城乡建设", 0.4))})
    assert out["problem_region"] == "A3区" and out["department"] == "A3区公安分局"


def test_unsure_routing_abstains_with_three_candidates_and_reasons(analyzer):
    out = _analyze(analyzer, "反映一个情况", "我们村口那块空地最近被人圈起来了，也不知道要干什么，问了几个人都说不清楚，希望有关部门来看看。")
    assert out["department"] is None and "低于下限" in out["department_abstain"]
    assert len(out["department_candidates"]) == 3
    assert all(c["reasons"] and 0 <= c["confidence"] < 0.6 for c in out["department_candidates"])
    # Close rivals of different functions: the officer decides.
    stage = DepartmentStage(DEPTS, None)
    out = stage.process({"title": "投诉", "text": "投诉\n住建局和派出所都说不归他们管。", "topic": _topic(("城乡建设", 0.2))})
    assert out["department"] is None and "难以区分" in out["department_abstain"]


def test_real_message_examples_route_to_the_bureau_that_handles_them(analyzer):
    out = _analyze(analyzer, "A3区幸福小区物业乱收费", "A3区幸福小区物业今年物业费涨了一倍，业主多次反映，住建局一直不管。")
    assert out["department"] == "A3区住房和城乡建设局" and out["department_confidence"] >= 0.9
    out = _analyze(analyzer, "举报某局长收受贿赂", "某局长多次收受工程老板贿赂，以权谋私，请纪委调查。")
    assert out["department"] == "A市纪委监委"


def test_department_aliases_and_keywords_in_configuration(tmp_path):
    import tomllib

    data = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    names = {d["name"] for d in data["departments"]}
    for bureau in ("公安局", "市场监督管理局", "自然资源", "城市管理", "民政局", "信访局", "教育局", "卫生健康", "住房和城乡建设",
                   "交通运输局", "人力资源和社会保障", "生态环境", "商务局", "文化旅游", "应急管理", "水务局"):
        assert any(bureau in n for n in names), bureau
    config = parse_config(data, tmp_path / "yuqing.toml", home=tmp_path)
    police = next(d for d in config.departments if d.name == "A市公安局")
    assert "派出所" in police.aliases and "寻衅滋事" in police.keywords
    data["departments"][0]["aliases"] = ["住建 局"]
    with pytest.raises(ConfigError, match="空白字符"):
        parse_config(data, tmp_path / "yuqing.toml", home=tmp_path)


def test_training_data_takes_officers_corrections_but_never_a_held_out_message():
    data = shared_data_dir()
    if data is None or not (data / "gov_messages" / "labeled_raw.csv").is_file():
        pytest.skip("需要 ../shared/data/gov_messages（共享数据不在本机）")
    from yuqing.nlp.segment import get_segmenter
    from yuqing.nlp.train.topic import raw_message_text, topic_items, topic_raw_split

    _, held = topic_raw_split(data)
    base_docs, _, _ = topic_items(data, progress=lambda _m: None, corrections=[])["train"]
    fixes = [("村口那块空地被人圈起来建厂房，晚上机器轰鸣，粉尘到处飞，河里的水也变了颜色。", "环境保护"),
             (raw_message_text(held[0]), "城乡建设")]  # the same as a held-out message: dropped
    docs, titles, labels = topic_items(data, progress=lambda _m: None, corrections=fixes)["train"]
    assert len(docs) == len(base_docs) + 1 and labels[-1] == "环境保护" and titles[-1] is None
    seg = get_segmenter()
    assert docs[-1] == seg.content_words(seg.cut(fixes[0][0]))


@pytest.mark.parametrize("value", ["高", 1.5, True])
def test_a_bad_floor_in_configuration_is_named_in_chinese(value):
    with pytest.raises(ValueError, match=r"\[nlp\] department_floor 应为 0–1 之间的数"):
        DepartmentStage.from_settings({"departments": DEPTS, "department_floor": value})
    assert DepartmentStage.from_settings({"departments": DEPTS, "department_floor": 0.8}).floor == 0.8


def test_shipped_calibration_belongs_to_the_shipped_weights_and_never_saw_the_held_out_part(tmp_path):
    """The shipped calibration was fitted (by `yuqing train topic`) on out-of-fold scores of the training part, for
    exactly the shipped weights; refitting on the held-out part (--heldout) still works and writes beside a copy."""
    data = shared_data_dir()
    if data is None or not (data / "gov_messages" / "labeled_raw.csv").is_file():
        pytest.skip("需要 ../shared/data/gov_messages（共享数据不在本机）")
    import shutil

    from yuqing.nlp.topic import DEFAULT_PATH, file_sha256
    from yuqing.nlp.train.calibrate import fit_calibration

    shipped = Calibration.load(calibration_path(None))
    assert shipped.model_sha256 == file_sha256(DEFAULT_PATH), \
        "topic.npz 已重新训练而校准文件未重新拟合：请运行 python -m yuqing.nlp.train.calibrate"
    assert "交叉拟合" in shipped.provenance["data"] and "留出集未参与" in shipped.provenance["data"]
    assert shipped.provenance["precision_at_floor"] >= 0.95 and shipped.provenance["n"] > 700
    weights = tmp_path / "topic.npz"
    shutil.copy(DEFAULT_PATH, weights)
    out = fit_calibration(data, weights, progress=lambda _m: None, heldout=True)
    assert out == tmp_path / "topic.calibration.json"
    fitted = Calibration.load(out)
    assert fitted.model_sha256 == shipped.model_sha256 and "留出集" in fitted.provenance["data"]
    assert 0.05 < fitted.temperature < 20 and fitted.provenance["n"] > 300
    # A model loaded from that path finds its own calibration beside it.
    assert TopicModel.load(weights).calibration.temperature == fitted.temperature
