"""Emotion model: anger / fear / sadness / surprise / joy / neutral, from the SMP2020 epidemic Weibo set.

Same split as the sentiment model's covid set (20 % per class by md5 of the id held out), exactly the
sentiment model's hashed features (yuqing.nlp.linear.sentiment_features with SENTIMENT_CHAR_NGRAMS on the segmented,
courtesy-stripped tokens), so SentimentStage hashes a document once for both models; a six-class
logistic regression, class-balanced so the rare fear/surprise classes are not swallowed. The plain
baseline (character 1-3-gram TF-IDF + logistic regression, same training posts) is scored beside it.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections import Counter
from pathlib import Path


from yuqing.nlp.linear import HASH_BITS, LinearModel, sentiment_features
from yuqing.nlp.wordlists import DATA_DIR
from yuqing.vocab import EMOTION_LABELS
from yuqing.nlp.train.common import (
    Progress, _export, _read_csv, count_matrix, fit_idf, macro_f1, save_scored, stratified_holdout, tfidf,
)
from yuqing.nlp.train.sentiment_data import SENTIMENT_CHAR_NGRAMS, SENTIMENT_TEST_FRACTION, sentiment_tokens

EMOTION_MODEL_PATH = DATA_DIR / "emotion.npz"
# The shared file's labels (``neural`` is its spelling of neutral) → ours.
EMOTION_MAP = {"angry": "anger", "fear": "fear", "sad": "sadness", "surprise": "surprise", "happy": "joy",
               "neural": "neutral"}
EMOTION_LR_C = 2.0
EMOTION_KEEP_ROWS = 150_000


def emotion_split(data_dir: Path):
    """(train texts, train labels, test texts, test labels), split exactly like the sentiment covid set."""
    rows = _read_csv(Path(data_dir) / "sentiment" / "smp2020_covid_weibo_emotion.csv", ["id", "content", "label"])
    rows = [r for r in rows if r["label"] in EMOTION_MAP and (r["content"] or "").strip()]
    flags = stratified_holdout([r["id"] for r in rows], [r["label"] for r in rows], SENTIMENT_TEST_FRACTION)
    tr = [r for r, f in zip(rows, flags) if not f]
    te = [r for r, f in zip(rows, flags) if f]
    return ([r["content"] for r in tr], [EMOTION_MAP[r["label"]] for r in tr],
            [r["content"] for r in te], [EMOTION_MAP[r["label"]] for r in te])


def fit_emotion(token_lists, labels, meta=None):
    from sklearn.linear_model import LogisticRegression

    counts = count_matrix([sentiment_features(t, *SENTIMENT_CHAR_NGRAMS) for t in token_lists])
    idf = fit_idf(counts)
    clf = LogisticRegression(C=EMOTION_LR_C, max_iter=500, class_weight="balanced").fit(tfidf(counts, idf), labels)
    meta = dict(meta or {})
    meta.update({"char_ngrams": list(SENTIMENT_CHAR_NGRAMS), "strip_courtesy": True, "hash_bits": HASH_BITS})
    return _export(clf, idf, meta, keep_rows=EMOTION_KEEP_ROWS)


def train_emotion(data_dir: Path, out: Path | None = None, progress: Progress = print, limit: int | None = None) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from yuqing.nlp.emotion import LABELS, EmotionModel
    from yuqing.nlp.segment import get_segmenter

    t0 = time.time()
    out = Path(out) if out else EMOTION_MODEL_PATH
    progress("【情绪模型】读取 SMP2020 疫情微博情绪数据……")
    texts, labels, test_texts, test_labels = emotion_split(Path(data_dir))
    if limit:
        texts, labels = texts[:limit], labels[:limit]
        test_texts, test_labels = test_texts[: limit // 4], test_labels[: limit // 4]
    progress(f"训练 {len(texts)} 条，测试 {len(test_texts)} 条：" + "，".join(
        f"{EMOTION_LABELS[k]} {v}" for k, v in sorted(Counter(labels).items())))
    meta = {"kind": "emotion", "trained": _dt.date.today().isoformat(), "features": "sentiment_features (hashed)",
            "data": "sentiment/smp2020_covid_weibo_emotion.csv（neural 即中性）", "test_fraction": SENTIMENT_TEST_FRACTION,
            "split": "md5(id) 分层，与情感模型的疫情微博测试集相同", "lr_c": EMOTION_LR_C, "class_weight": "balanced",
            "train_size": len(texts), "kept_weight_rows": EMOTION_KEEP_ROWS}
    linear = fit_emotion([sentiment_tokens(t) for t in texts], labels, meta)
    seg = get_segmenter()
    labs = list(LABELS)

    def score(shipped):
        m = EmotionModel(shipped)
        pred = [m.predict(seg.cut(t))[0] for t in test_texts]
        return {"macro_f1": macro_f1(test_labels, pred, labs), "n": len(test_texts),
                "accuracy": sum(p == y for p, y in zip(pred, test_labels)) / max(1, len(test_labels)),
                "f1_per_class": {k: macro_f1(test_labels, pred, [k]) for k in labs}}

    metrics = save_scored(linear, out, score)
    progress("基线：字符 1-3 元 TF-IDF + 逻辑回归（同一训练微博）……")
    base = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2),
                         LogisticRegression(C=4.0, max_iter=500)).fit(texts, labels)
    bpred = list(base.predict(test_texts))
    baseline = {"macro_f1": macro_f1(test_labels, bpred, labs), "n": len(test_texts),
                "accuracy": sum(p == y for p, y in zip(bpred, test_labels)) / max(1, len(test_labels)),
                "f1_per_class": {k: macro_f1(test_labels, bpred, [k]) for k in labs}}
    progress("")
    progress("| 模型（疫情微博测试集，六类） | 条数 | macro-F1 | 准确率 |")
    progress("|---|---|---|---|")
    progress(f"| 新模型（情感模型的哈希特征：词+字 1-3 元，LR 类别均衡） | {metrics['n']} | {metrics['macro_f1']:.4f} | {metrics['accuracy']:.4f} |")
    progress(f"| 基线 字符TF-IDF+LR | {baseline['n']} | {baseline['macro_f1']:.4f} | {baseline['accuracy']:.4f} |")
    for k in labs:
        progress(f"  {EMOTION_LABELS[k]}: 新 F1 = {metrics['f1_per_class'][k]:.3f}，基线 F1 = {baseline['f1_per_class'][k]:.3f}")
    shipped = LinearModel.load(out)
    shipped.meta["comparison"] = {"baseline": baseline}
    shipped.save(out)
    progress(f"模型已写入 {out}（{out.stat().st_size / 1e6:.1f} MB），用时 {time.time() - t0:.0f} 秒")
    return {"new": metrics, "baseline": baseline}
