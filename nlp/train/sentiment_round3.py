"""Round-3 sentiment recipe (one three-class head), kept for ``yuqing train validate-sentiment|compare-snownlp`` and
the figures of nlp/data/MODELS.md's earlier sections. ``yuqing train sentiment`` runs yuqing.nlp.train.sentiment."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import numpy as np

from yuqing.nlp.linear import HASH_BITS, LinearModel, sentiment_features
from yuqing.nlp.segment import get_segmenter
from yuqing.nlp.train.common import Progress, _export, count_matrix, fit_idf, macro_f1, recall, stable_key, tfidf
from yuqing.nlp.train.sentiment_data import (
    SENTIMENT_CHAR_NGRAMS,
    SENTIMENT_LR_C,
    _recipe_meta,
    _tokenize_all,
    sentiment_datasets,
)


def evaluate_sentiment(model, tests: dict[str, tuple[list[str], list[str]]]) -> dict:
    """Negative vs not-negative macro-F1 and negative recall on each held-out set."""
    seg = get_segmenter()
    out = {}
    for name, (texts, labels) in tests.items():
        truth = ["neg" if y == "negative" else "not" for y in labels]
        pred = ["neg" if model.predict(seg.cut(t), t)[0] == "negative" else "not" for t in texts]
        out[name] = {"macro_f1": macro_f1(truth, pred, ["neg", "not"]),
                     "negative_recall": recall(truth, pred, "neg"), "n": len(texts)}
    return out


def fit_sentiment(token_lists: list[list[str]], labels: list[str], weights: np.ndarray, c: float = SENTIMENT_LR_C,
                  meta: dict | None = None) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    counts = count_matrix([sentiment_features(t, *SENTIMENT_CHAR_NGRAMS) for t in token_lists])
    idf = fit_idf(counts)
    clf = LogisticRegression(C=c, max_iter=400).fit(tfidf(counts, idf), labels, sample_weight=weights)
    meta = dict(meta or {})
    meta.update({"char_ngrams": list(SENTIMENT_CHAR_NGRAMS), "strip_courtesy": True, "hash_bits": HASH_BITS})
    # No pruning here: zeroing the smaller weights cost 3-8 points on the letters (measured).
    return _export(clf, idf, meta, keep_rows=1 << HASH_BITS)



def validate_sentiment(data_dir: Path, progress: Progress = print) -> dict:
    """Fit the shipped recipe without the validation parts and score those (model selection only;
    the held-out parts are neither trained on nor scored)."""
    from yuqing.nlp.sentiment import SentimentModel

    t0 = time.time()
    progress("【情感模型·验证集】读取情感语料（验证集从训练部分切出）……")
    texts, labels, weights, vals = sentiment_datasets(Path(data_dir), progress, validation=True)
    progress(f"训练样本 {len(texts)} 条：" + "，".join(f"{k} {v}" for k, v in sorted(Counter(labels).items())))
    tokens = _tokenize_all(texts, progress)
    progress("训练逻辑回归（三分类：负面/中性/正面）……")
    linear = fit_sentiment(tokens, labels, weights, SENTIMENT_LR_C, dict(_recipe_meta(), kind="sentiment"))
    metrics = evaluate_sentiment(SentimentModel(linear), vals)
    names = {"covid_weibo": "疫情微博", "hotel": "酒店评论"}
    for name, m in metrics.items():
        progress(f"验证集 {names[name]}（{m['n']} 条）：负面/非负面 macro-F1 = {m['macro_f1']:.4f}，"
                 f"负面召回率 = {m['negative_recall']:.4f}")
    progress(f"用时 {time.time() - t0:.0f} 秒")
    return metrics


def compare_snownlp(data_dir: Path, sample: int = 500, progress: Progress = print) -> dict:
    """Stock SnowNLP and SnowNLP's Bayes retrained on our training data with jieba tokens, on the
    same held-out sets (stock SnowNLP is slow: a deterministic sample of ``sample`` per set)."""
    from snownlp import SnowNLP
    from snownlp.sentiment import Sentiment

    seg = get_segmenter()

    class JiebaSentiment(Sentiment):
        def handle(self, doc):
            return seg.content_words(seg.cut(doc))

    texts, labels, _, tests = sentiment_datasets(Path(data_dir), progress)
    progress("用结巴分词重新训练 SnowNLP 朴素贝叶斯（负面 vs 非负面）……")
    retrained = JiebaSentiment()
    retrained.train([t for t, y in zip(texts, labels) if y == "negative"],
                    [t for t, y in zip(texts, labels) if y != "negative"])
    results = {}
    for name, (tx, ys) in tests.items():
        truth = ["neg" if y == "negative" else "not" for y in ys]
        pred_re = ["neg" if retrained.classify(t) < 0.5 else "not" for t in tx]
        order = sorted(range(len(tx)), key=lambda i: stable_key(tx[i]))[:sample]
        pred_stock = ["neg" if SnowNLP(tx[i]).sentiments < 0.5 else "not" for i in order]
        truth_s = [truth[i] for i in order]
        results[name] = {
            "retrained": {"macro_f1": macro_f1(truth, pred_re, ["neg", "not"]),
                          "negative_recall": recall(truth, pred_re, "neg"), "n": len(tx)},
            "stock": {"macro_f1": macro_f1(truth_s, pred_stock, ["neg", "not"]),
                      "negative_recall": recall(truth_s, pred_stock, "neg"), "n": len(order)},
        }
        for kind, m in results[name].items():
            progress(f"{name} SnowNLP（{'原版' if kind == 'stock' else '重新训练'}，{m['n']} 条）："
                     f"macro-F1 = {m['macro_f1']:.4f}，负面召回率 = {m['negative_recall']:.4f}")
    return results

