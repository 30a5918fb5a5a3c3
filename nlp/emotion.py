"""Emotion of a post: anger / fear / sadness / surprise / joy / neutral.

A six-class logistic regression over exactly the sentiment model's hashed features (words, word bigrams,
char 1-3 grams of the courtesy-stripped tokens), trained by ``yuqing train emotion`` on the shared
SMP2020 epidemic Weibo emotion set; figures and provenance in nlp/data/MODELS.md. Runs on numpy
(one table lookup per document); SentimentStage hashes a document once and scores both models on it
when their ``feature_spec`` agree.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from yuqing.nlp.linear import LinearModel, load_cached, sentiment_features
from yuqing.nlp.wordlists import DATA_DIR

DEFAULT_PATH = DATA_DIR / "emotion.npz"
LABELS = ("anger", "fear", "sadness", "surprise", "joy", "neutral")  # Chinese labels: yuqing.vocab.EMOTION_LABELS


class EmotionModel:
    def __init__(self, linear: LinearModel):
        missing = [c for c in LABELS if c not in linear.classes]
        if missing:
            raise ValueError(f"情绪模型缺少类别：{'、'.join(missing)}")
        self.linear = linear
        self._idx = np.array([linear.classes.index(c) for c in LABELS])
        self._char_range = tuple(linear.meta.get("char_ngrams", (2, 3)))
        self._courtesy = bool(linear.meta.get("strip_courtesy", False))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "EmotionModel":
        """The model at ``path``; the shipped model (cached per process) when path is None."""
        return load_cached(cls, path, DEFAULT_PATH)

    @property
    def feature_spec(self) -> tuple:
        return (self._char_range, self._courtesy, self.linear.bits)

    def proba(self, tokens: list[str], features: tuple | None = None) -> dict[str, float]:
        """Probabilities of the six emotions from the tokens of ``Segmenter.cut(text)``; ``features`` = (ids,
        (unique ids, counts)) of a model with the same ``feature_spec`` (then ``tokens`` is not read)."""
        if features is None:
            if self._courtesy:
                from yuqing.nlp.sentiment import strip_courtesy

                tokens = strip_courtesy(tokens)
            features = (sentiment_features(tokens, *self._char_range, bits=self.linear.bits), None)
        p = self.linear.proba(*features)[self._idx]
        p = p / p.sum()
        return {c: float(v) for c, v in zip(LABELS, p)}

    def predict(self, tokens: list[str], features: tuple | None = None) -> tuple[str, float]:
        """(label, probability of that label)."""
        p = self.proba(tokens, features)
        label = max(LABELS, key=p.__getitem__)
        return label, p[label]
