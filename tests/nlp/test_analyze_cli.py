import io
import json


from yuqing.nlp.cli import analyze_main

NO_MODELS = {"yuqing.nlp.stages.SentimentStage": None, "yuqing.nlp.stages.TopicStage": None}
DEPARTMENTS = [{"name": "A3区人民政府", "regions": ["A3区"]}, {"name": "A市人民政府办公室", "topics": []}]

LINES = [
    json.dumps({"id": "m1", "title": "反映A3區小區停水", "content": "小区停水三天，電話13812345678。", "region": "A市"},
               ensure_ascii=False),
    "{not json",
    json.dumps(["a", "list"]),
    json.dumps({"title": "没有编号"}, ensure_ascii=False),
    json.dumps({"id": "m5", "content": "", "title": ""}),
    "",
    json.dumps({"id": 6, "html": "<p>网络發佈</p><nav><a>首页</a></nav>",
                "reply": {"text": "您的留言已收悉。", "department": "A市水务局", "time": "2019-04-03"},
                "published_at": "2019-04-01"}, ensure_ascii=False),
]


def _run(lines, settings):
    stdin = io.StringIO("\n".join(lines) + "\n")
    stdout, stderr = io.StringIO(), io.StringIO()
    code = analyze_main(stdin, stdout, stderr, settings=settings)
    return code, [json.loads(l) for l in stdout.getvalue().splitlines()], stderr.getvalue()


def test_bad_lines_reported_with_line_numbers_and_good_lines_out():
    code, out, err = _run(LINES, {"NLP_STAGES": NO_MODELS, "departments": DEPARTMENTS})
    assert code == 1
    assert [d["id"] for d in out] == ["m1", 6]
    assert "第 2 行：不是有效的 JSON" in err
    assert "第 3 行：应为 JSON 对象" in err
    assert "第 4 行：缺少 id" in err
    assert "第 5 行：没有可分析的文本" in err
    assert "第 6 行" not in err  # blank lines are not records
    first = out[0]
    assert first["text"] == "反映A3区小区停水\n小区停水三天，电话13812345678。"
    assert first["department"] == "A3区人民政府"
    assert first["department_reason"] == "正文所述地点“A3区”属本部门辖区 → A3区人民政府（置信度 0.60）"
    assert len(first["simhash"]) == 16 and int(first["simhash"], 16) >= 0
    assert "停水" in first["keywords"]
    assert "reply_quality" not in first
    assert out[1]["text"] == "网络发布"
    assert out[1]["reply_quality"]["template"] is True


def test_all_good_exit_zero_and_utf8_output():
    code, out, err = _run([LINES[0]], {"NLP_STAGES": NO_MODELS})
    assert code == 0 and len(out) == 1
    assert "成功 1 条" in err


def test_unbuildable_pipeline_exit_2():
    code, out, err = _run([LINES[0]], {"NLP_STAGES": {"nlp.nosuch.Stage": 1}})
    assert code == 2 and out == [] and "无法导入模块" in err


def test_end_to_end_with_models():
    code, out, err = _run(LINES, {"departments": DEPARTMENTS})
    assert code == 1 and len(out) == 2
    for doc in out:
        assert set(doc) >= {"text", "sentiment", "topic", "department", "department_reason", "keywords", "simhash"}
        assert doc["sentiment"]["label"] in ("negative", "neutral", "positive")

