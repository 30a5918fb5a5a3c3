import pytest

from yuqing.nlp.pipeline import DEFAULT_STAGES, Analyzer, StageError, load_object, stage_paths
from yuqing.nlp.stages import DepartmentStage

# Sentiment and topic models come from another module; these tests exercise the pipeline
# machinery and our own stages without them.
NO_MODELS = {"yuqing.nlp.stages.SentimentStage": None, "yuqing.nlp.stages.TopicStage": None}

DEPARTMENTS = [
    {"name": "A市住房和城乡建设局", "topics": ["城乡建设"]},
    {"name": "A3区住房和城乡建设局", "topics": ["城乡建设"], "regions": ["A3区"]},
    {"name": "A3区人民政府", "regions": ["A3区"]},
    {"name": "A市人民政府办公室", "topics": []},
    {"name": "A市人民政府督查室", "supervisor": True},
]


class TopicFromSettings:
    """A plug-in stage for the tests: the topic is whatever the doc's 'given_topic' says."""

    @classmethod
    def from_settings(cls, settings):
        return cls()

    def process(self, doc):
        doc["topic"] = {"label": doc.get("given_topic"), "score": 1.0}
        return doc


class Recorder:
    seen: list = []

    @classmethod
    def from_settings(cls, settings):
        return cls()

    def process(self, doc):
        Recorder.seen.append(sorted(doc))
        return doc


def _analyzer(**extra):
    stages = dict(NO_MODELS)
    stages.update(extra.pop("stages", {}))
    return Analyzer.from_settings({"NLP_STAGES": stages, "departments": DEPARTMENTS, **extra})


def test_stage_order_and_disable():
    paths = stage_paths({"NLP_STAGES": {"yuqing.nlp.stages.SimHashStage": None, f"{__name__}.Recorder": 250}})
    assert "yuqing.nlp.stages.SimHashStage" not in paths
    assert "yuqing.nlp.stages.PiiMaskStage" not in paths  # off by default
    assert paths.index("yuqing.nlp.stages.SegmentStage") < paths.index(f"{__name__}.Recorder") < paths.index(
        "yuqing.nlp.stages.SentimentStage"
    )
    assert len(stage_paths({})) == sum(1 for v in DEFAULT_STAGES.values() if v is not None)


def test_plugged_stage_sees_earlier_keys():
    Recorder.seen = []
    a = _analyzer(stages={f"{__name__}.Recorder": 250})
    a.analyze({"id": "1", "title": "小区停水", "content": "已经停水三天。"})
    assert "tokens" in Recorder.seen[0] and "content_words" in Recorder.seen[0] and "text" in Recorder.seen[0]
    assert "keywords" not in Recorder.seen[0]


def test_bad_class_path_and_order_rejected_in_chinese():
    with pytest.raises(StageError, match="无法导入模块"):
        Analyzer.from_settings({"NLP_STAGES": {"nlp.nosuch.Stage": 10, **NO_MODELS}})
    with pytest.raises(StageError, match="顺序号"):
        stage_paths({"NLP_STAGES": {"yuqing.nlp.stages.SimHashStage": "late"}})
    with pytest.raises(StageError, match="类路径"):
        load_object("nothing")


def test_analyze_adds_keys_and_keeps_input():
    a = _analyzer()
    doc = {"id": "7", "title": "關於A3區停水的問題", "content": "小區停水三天，電話13812345678。", "region": "A市"}
    out = a.analyze(doc)
    assert out["id"] == "7" and out["content"] == doc["content"]
    assert out["text"] == "关于A3区停水的问题\n小区停水三天，电话13812345678。"  # stored unmasked
    assert len(out["simhash"]) == 16
    assert "停水" in out["keywords"]
    assert "tokens" not in out and "content_words" not in out
    assert "reply_quality" not in out
    assert doc.get("text") is None  # the input dict is not modified


def test_pii_mask_stage_optional():
    a = _analyzer(stages={"yuqing.nlp.stages.PiiMaskStage": 150})
    out = a.analyze({"id": "1", "content": "电话13812345678"})
    assert out["text_masked"] == "电话138****5678"
    assert out["text"] == "电话13812345678"


def test_segment_once(monkeypatch):
    from yuqing.nlp.segment import get_segmenter

    seg = get_segmenter()
    calls = []
    real = seg.cut
    monkeypatch.setattr(seg, "cut", lambda text: calls.append(text) or real(text))
    _analyzer().analyze({"id": "1", "title": "地铁施工噪音", "content": "夜间施工扰民。"})
    assert len(calls) == 1


@pytest.mark.parametrize(
    "topic, text, region, expected, reason",
    [
        ("城乡建设", "A3区某小区违建", None, "A3区住房和城乡建设局", "主题“城乡建设”概率 0.90；标题所述地点“A3区”属本部门辖区 → A3区住房和城乡建设局（置信度 0.95）"),
        ("城乡建设", "某小区违建", "A市", "A市住房和城乡建设局", "主题“城乡建设”概率 0.90 → A市住房和城乡建设局（置信度 0.90）"),
        ("环境保护", "A3区河道污染", None, "A3区人民政府", "主题“环境保护”无专门部门，由属地承办；标题所述地点“A3区”属本部门辖区 → A3区人民政府（置信度 0.96）"),
        ("环境保护", "河道污染", None, "A市人民政府办公室", None),
    ],
)
def test_department_most_specific_match(topic, text, region, expected, reason):
    stage = DepartmentStage.from_settings({"departments": DEPARTMENTS})
    doc = {"text": text, "topic": {"label": topic, "score": 0.9}}
    if region:
        doc["region"] = region
    out = stage.process(doc)
    assert out["department"] == expected
    if reason:
        assert out["department_reason"] == reason
    else:
        assert "默认部门" in out["department_reason"]


def test_department_through_pipeline_with_plugged_topic():
    a = _analyzer(stages={f"{__name__}.TopicFromSettings": 400})
    out = a.analyze({"id": "1", "title": "A3区某小区违建", "content": "楼顶加盖。", "given_topic": "城乡建设"})
    assert out["department"] == "A3区住房和城乡建设局"


def test_department_config_errors():
    with pytest.raises(ValueError, match="部门名称"):
        DepartmentStage.from_settings({"departments": [{"topics": ["城乡建设"]}]})
    out = DepartmentStage.from_settings({}).process({"text": "x", "topic": {"label": "城乡建设"}})
    assert out["department"] is None and "未配置" in out["department_reason"]


def test_reply_quality_only_with_reply():
    a = _analyzer()
    out = a.analyze({
        "id": "1", "title": "小区停水", "content": "小区停水三天了。", "published_at": "2019-04-01 09:00:00",
        "reply": {"text": "您的留言已收悉。", "department": "A市水务局", "time": "2019-04-03 09:00:00"},
    })
    assert out["reply_quality"]["template"] is True
    assert out["reply_quality"]["timeliness"]["working_days"] == 2
    assert "_reply_text" not in out
    assert "reply_quality" not in a.analyze({"id": "2", "content": "小区停水。", "reply": ""})


def test_analyze_many_streams_and_skips_bad_docs():
    a = _analyzer()
    errors = []

    def docs():
        yield {"id": "1", "content": "小区停水。"}
        yield {"id": "2", "content": "路灯不亮。", "reply": 42}
        yield {"id": "3", "content": "噪音扰民。"}

    out = list(a.analyze_many(docs(), on_error=lambda d, e: errors.append((d["id"], str(e)))))
    assert [d["id"] for d in out] == ["1", "3"]
    assert errors and errors[0][0] == "2" and "reply" in errors[0][1]


def test_full_default_pipeline_with_models():
    a = Analyzer.from_settings({"departments": DEPARTMENTS})
    out = a.analyze({"id": "1", "title": "A3区某小区楼顶违章搭建", "content": "楼顶违章加盖两层，城管不管，希望住建部门尽快拆除。"})
    assert out["sentiment"]["label"] in ("negative", "neutral", "positive")
    assert 0 <= out["sentiment"]["score"] <= 1
    assert out["topic"]["label"] in ("城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "环境保护", "卫生计生", "交通运输")
    assert out["department"] and out["department_reason"]

