import pytest

from nlp.segment import get_segmenter, load_wordlist
from nlp.sentiment import SentimentModel
from nlp.train import NOTICES_PATH

THANKS = ["感谢区政府及时解决了我们小区的供暖问题", "街道办的工作人员很负责，第二天就把路灯修好了，给你们点赞！"]
COMPLAINTS = [
    "小区垃圾堆了一个星期没人清理，臭气熏天，物业根本不管，投诉多次也没有用",
    "拖欠农民工工资半年了，找了劳动监察也没人理，太让人失望了",
]
# Written for this test; deliberately not in nlp/data/neutral_notices.txt (the training notices).
NOTICES = [
    "关于做好2025年元旦期间森林防火工作的通知",
    "区人社局关于开展2025年度企业职工养老保险缴费基数申报工作的通知",
    "根据市政府安排，现将城市道路桥梁检测工作有关事项通知如下。",
]


@pytest.fixture(scope="module")
def model():
    return SentimentModel.load()


def _predict(model, text):
    return model.predict(get_segmenter().cut(text), text)


def test_notice_examples_are_not_training_data():
    training = set(load_wordlist(NOTICES_PATH))
    assert not training & set(NOTICES)


@pytest.mark.parametrize("text", THANKS)
def test_thanks_are_positive(model, text):
    label, score = _predict(model, text)
    assert label == "positive"
    assert score > 0.5


@pytest.mark.parametrize("text", COMPLAINTS)
def test_complaints_are_negative(model, text):
    label, score = _predict(model, text)
    assert label == "negative"
    assert score < 0.5
    assert model.predict_proba_negative(get_segmenter().cut(text), text) > 0.5


@pytest.mark.parametrize("text", NOTICES)
def test_notices_are_neutral(model, text):
    label, score = _predict(model, text)
    assert label == "neutral"
    assert 0.2 < score < 0.8


def test_scores_are_ordered_and_bounded(model):
    seg = get_segmenter()
    neg = [model.predict_proba_negative(seg.cut(t), t) for t in THANKS + COMPLAINTS]
    assert all(0.0 <= p <= 1.0 for p in neg)
    assert max(neg[:2]) < min(neg[2:])
    label, score = model.predict([], "")
    assert label in {"negative", "neutral", "positive"} and 0 <= score <= 1


def test_load_is_cached_and_bad_path_is_named(tmp_path):
    assert SentimentModel.load() is SentimentModel.load()
    with pytest.raises(FileNotFoundError, match="找不到模型文件"):
        SentimentModel.load(tmp_path / "none.npz")


def test_heldout_targets(shared_data, model):
    from nlp.train import evaluate_sentiment, sentiment_heldout

    tests = {}
    for name, (texts, labels, flags) in sentiment_heldout(shared_data).items():
        tests[name] = ([t for t, f in zip(texts, flags) if f], [y for y, f in zip(labels, flags) if f])
    metrics = evaluate_sentiment(model, tests)
    # Same split as at training time: the model file records what it scored then.
    for name, m in metrics.items():
        assert m["macro_f1"] == pytest.approx(model.linear.meta["heldout"][name]["macro_f1"], abs=0.005)
    assert metrics["covid_weibo"]["n"] > 1500 and metrics["hotel"]["n"] > 1200
    assert metrics["covid_weibo"]["macro_f1"] >= 0.82
    # Target 0.93 is not reached yet (measured 0.857, see nlp/data/MODELS.md); guard what we have.
    assert metrics["hotel"]["macro_f1"] >= 0.85
    assert metrics["covid_weibo"]["negative_recall"] >= 0.80
    assert metrics["hotel"]["negative_recall"] >= 0.80
