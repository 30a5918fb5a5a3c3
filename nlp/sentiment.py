"""Sentiment of a post: negative / neutral / positive, one model for every source.

A three-class logistic regression over words, word bigrams and char 1-3 grams (see
nlp.linear.sentiment_features), trained by nlp.train.train_sentiment on the shared review and Weibo
sets plus our own neutral notice sentences. It replaces stock SnowNLP, which was trained on shopping
reviews and calls 「感谢区政府及时解决了供暖问题」 negative; figures in nlp/data/MODELS.md.

Score convention: ``score = P(positive) + 0.5 * P(neutral)`` in [0, 1]; 0 = very negative,
1 = very positive, about 0.5 = neutral. The label is the most probable class.
"""

from __future__ import annotations

import threading
from pathlib import Path

from nlp.linear import LinearModel, sentiment_features
from nlp.segment import DATA_DIR

DEFAULT_PATH = DATA_DIR / "sentiment.npz"
LABELS = ("negative", "neutral", "positive")

_CACHE: dict[str, "SentimentModel"] = {}
_LOCK = threading.Lock()


class SentimentModel:
    def __init__(self, linear: LinearModel):
        missing = [c for c in LABELS if c not in linear.classes]
        if missing:
            raise ValueError(f"情感模型缺少类别：{'、'.join(missing)}")
        self.linear = linear
        self._idx = [linear.classes.index(c) for c in LABELS]
        self._char_range = tuple(linear.meta.get("char_ngrams", (1, 3)))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "SentimentModel":
        """The model at ``path``; the shipped model (cached per process) when path is None."""
        key = str(Path(path).resolve()) if path else str(DEFAULT_PATH)
        with _LOCK:
            model = _CACHE.get(key)
            if model is None:
                model = _CACHE[key] = cls(LinearModel.load(key))
        return model

    def proba(self, tokens: list[str], text: str) -> dict[str, float]:
        """Class probabilities from the tokens of ``Segmenter.cut(text)`` (all tokens) and the text."""
        p = self.linear.proba(sentiment_features(tokens, text or "", *self._char_range))
        return {c: float(p[i]) for c, i in zip(LABELS, self._idx)}

    def predict(self, tokens: list[str], text: str) -> tuple[str, float]:
        """(label, score): label in negative/neutral/positive, score = P(pos) + 0.5 P(neutral)."""
        p = self.proba(tokens, text)
        label = max(LABELS, key=p.__getitem__)
        return label, min(1.0, max(0.0, p["positive"] + 0.5 * p["neutral"]))

    def predict_proba_negative(self, tokens: list[str], text: str) -> float:
        return self.proba(tokens, text)["negative"]
