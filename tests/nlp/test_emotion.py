"""Emotion model (issue 15): the shipped file loads, gives the six emotions, scores real-shaped posts
sensibly, runs in the NLP stage, and an event carries the emotion mix of its posts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from yuqing.nlp.emotion import LABELS, EmotionModel
from yuqing.nlp.segment import get_segmenter

# Written for this test in the style of the epidemic Weibo posts (not copied from the shared set).
JOYFUL = "今天小区解封了，终于可以出门晒太阳了，太开心了！感谢所有医护人员的付出，加油！"
ANGRY = "这些囤积口罩高价倒卖的奸商太可恶了，气死我了，必须严惩！"
FEARFUL = "楼下确诊了一例，好害怕，担心家里老人被传染，晚上都睡不着"


@pytest.fixture(scope="module")
def model():
    return EmotionModel.load()


def test_six_labels_and_probabilities(model):
    assert set(model.linear.classes) == set(LABELS) == {"anger", "fear", "sadness", "surprise", "joy", "neutral"}
    p = model.proba(get_segmenter().cut(JOYFUL))
    assert set(p) == set(LABELS)
    assert sum(p.values()) == pytest.approx(1.0, abs=1e-5)
    assert model.proba([])  # empty text still gets a distribution, no error


@pytest.mark.parametrize("text,expected", [(JOYFUL, "joy"), (ANGRY, "anger"), (FEARFUL, "fear")])
def test_real_shaped_posts(model, text, expected):
    label, p = model.predict(get_segmenter().cut(text))
    assert label == expected
    assert 1 / 6 < p <= 1


def test_file_is_small_and_has_provenance(model):
    from yuqing.nlp.emotion import DEFAULT_PATH

    assert DEFAULT_PATH.stat().st_size < 4_000_000
    meta = model.linear.meta
    assert meta["kind"] == "emotion" and "smp2020" in meta["data"]
    # the held-out figure beside the baseline's, both recorded at training time
    assert meta["heldout"]["macro_f1"] >= meta["comparison"]["baseline"]["macro_f1"]


def test_heldout_figure_recomputes(shared_data, model):
    from yuqing.nlp.train.emotion import emotion_split
    from yuqing.nlp.train.common import macro_f1

    _, _, texts, labels = emotion_split(shared_data)
    seg = get_segmenter()
    pred = [model.predict(seg.cut(t))[0] for t in texts]
    assert macro_f1(labels, pred, list(LABELS)) == pytest.approx(model.linear.meta["heldout"]["macro_f1"], abs=0.005)


def test_analyzer_adds_emotion():
    from yuqing.nlp.pipeline import Analyzer

    doc = Analyzer.from_settings({}).analyze({"id": "1", "title": "小区解封了", "content": JOYFUL})
    assert doc["emotion"]["label"] in LABELS and 0 < doc["emotion"]["score"] <= 1


def test_sentiment_stage_hashes_once_for_both_models():
    """The shipped emotion model uses exactly the sentiment model's features, so SentimentStage computes them once;
    the answers are those of each model on its own."""
    from yuqing.nlp.emotion import EmotionModel
    from yuqing.nlp.sentiment import SentimentModel
    from yuqing.nlp.stages import SentimentStage

    sent, emo = SentimentModel.load(), EmotionModel.load()
    assert sent.feature_spec == emo.feature_spec
    tokens = get_segmenter().cut(ANGRY)
    calls = []

    class Counting(SentimentModel):
        def features(self, toks):
            calls.append(1)
            return super().features(toks)

    doc = SentimentStage(Counting(sent.linear), emo).process({"tokens": tokens, "text": ANGRY})
    assert len(calls) == 1
    assert doc["emotion"]["label"] == emo.predict(tokens)[0]
    assert doc["emotion"]["score"] == pytest.approx(emo.predict(tokens)[1], abs=1e-4)
    assert doc["sentiment"]["label"] == sent.predict(tokens, ANGRY)[0]


def test_emotion_step_can_be_disabled():
    from yuqing.nlp.pipeline import Analyzer

    doc = Analyzer.from_settings({"NLP_EMOTION_MODEL": None}).analyze({"id": "1", "title": "t", "content": ANGRY})
    assert "emotion" not in doc and "sentiment" in doc


def test_event_carries_emotion_mix(tmp_path):
    from yuqing.nlp.events.settings import EventSettings
    from yuqing.nlp.events.stage import EventStage
    from yuqing.nlp.pipeline import Analyzer
    from yuqing.clock import TZ
    from yuqing.model import Document
    from yuqing.storage.base import Store
    from yuqing.storage.sqlite import SQLiteStore

    now = datetime(2024, 3, 2, 12, 0, tzinfo=TZ)
    posts = [  # three posts about one estate's water cut, worded differently
        ("幸福里小区停水三天无人管", "幸福里小区停水三天了，物业和自来水公司互相推诿，居民气愤不已，太过分了！"),
        ("幸福里小区停水", "幸福里小区又停水了，已经三天没有水用，物业不管不问，真是气死人了。"),
        ("幸福里小区停水问题", "幸福里小区停水第三天，老人孩子没水喝，物业电话打不通，请有关部门尽快处理。"),
    ]
    analyzer = Analyzer.from_settings({"NLP_KEEP_TOKENS": True})  # as yuqing.app runs it: clustering reuses tokens
    db = SQLiteStore(tmp_path / "y.db")
    try:
        docs = [Document(url=f"https://bbs.example.cn/t/{i}", source="论坛", title=t, content=c,
                         published_at=now - timedelta(hours=3 - i)) for i, (t, c) in enumerate(posts)]
        db.upsert_documents(docs, now)
        analyses = [analyzer.analyze({"id": d.id, "title": d.title, "content": d.content}) for d in docs]
        db.save_analyses([(d.id, a) for d, a in zip(docs, analyses)], now)
        # thresholds low enough that the three posts surely form one event (linking is not under test here)
        EventStage(Store(db, db), EventSettings(join_similarity=0.02, merge_similarity=0.02)).run(now)
        ids = {r[0] for r in db.db.execute("SELECT event_id FROM documents WHERE event_id IS NOT NULL")}
        assert len(ids) == 1
        event = db.get_event(ids.pop())
        mix = event.state["emotions"]
        assert set(mix) <= set(LABELS)
        assert sum(mix.values()) == pytest.approx(1.0, abs=0.01)
        expected = {a["emotion"]["label"] for a in analyses}
        assert set(mix) == expected
        # what an officer sees (event view: dashboard event table, alert detail, CLI JSON): Chinese labels
        from yuqing.views import build_event_view
        from yuqing.vocab import EMOTION_LABELS

        view = build_event_view(event)
        assert view.emotions == {EMOTION_LABELS[k]: v for k, v in mix.items()}
        assert set(view.to_dict()["emotions"]) <= {"愤怒", "恐惧", "悲伤", "惊讶", "喜悦", "中性"}
    finally:
        db.close()


def test_train_command_prints_the_table_on_a_tiny_slice(shared_data, tmp_path, capsys):
    from yuqing.nlp.train.cli import main

    out = tmp_path / "emotion.npz"
    assert main(["emotion", "--data", str(shared_data), "--limit", "300", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "基线 字符TF-IDF+LR" in text and "| 新模型" in text
    model = EmotionModel.load(out)
    assert set(model.linear.classes) == set(LABELS)
    assert "baseline" in model.linear.meta["comparison"]
