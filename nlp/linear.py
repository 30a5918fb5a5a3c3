"""Small linear text classifiers that run on numpy alone.

Training (nlp.train) fits scikit-learn models on sublinear TF-IDF over string features; we export
the vocabulary, idf and weights into a compressed .npz so inference needs no sklearn: a dict lookup
per feature, a few numpy ops per document. The same feature functions are used at training and at
inference, so the two cannot drift apart.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

# Place codes anonymised by the message-board organiser (A市, A3区, B7县, 西地省) and plain
# addresses: they say where, not what, and labeled_tokens.csv already had place words removed.
_PLACE_RE = re.compile(r"^(?:[A-Za-z]\d{0,3}|[A-Za-z]\d{0,3}[市区县镇乡村省]|西地省|西地|省|市|区|县|镇|乡)$")
_SPACE_RE = re.compile(r"\s+")
_NOISE_RE = re.compile(r"_x000D_|https?://\S+|\d{3,4}-\d{7,8}|\*{3,}")


def clean_text(text: str) -> str:
    """Text with whitespace and scraping artefacts (_x000D_, urls, masked phones) removed."""
    return _SPACE_RE.sub("", _NOISE_RE.sub(" ", text)).lower()


def char_ngrams(s: str, lo: int, hi: int, prefix: str = "c") -> list[str]:
    out: list[str] = []
    n = len(s)
    for k in range(lo, hi + 1):
        out.extend([prefix + s[i:i + k] for i in range(n - k + 1)])
    return out


def topic_features(content_tokens: list[str]) -> list[str]:
    """Features for the topic model: content words, word bigrams and char 2-3 grams.

    Built from content words only (stopwords and place codes dropped) so raw messages look like the
    token-only training data.
    """
    toks = [t.lower() for t in content_tokens if _PLACE_RE.match(t) is None]
    feats = ["w" + t for t in toks]
    feats.extend(f"b{a}|{b}" for a, b in zip(toks, toks[1:]))
    feats.extend(char_ngrams("".join(toks), 2, 3))
    return feats


def sentiment_features(tokens: list[str], text: str, char_lo: int = 1, char_hi: int = 3) -> list[str]:
    """Features for sentiment: all words (negations kept), word bigrams, char n-grams of the text.

    Each feature is one dict lookup at inference, the main cost after segmentation, so the char
    n-gram range is a model setting (stored in the model file).
    """
    toks = [t.lower() for t in tokens if not t.isspace()]
    feats = ["w" + t for t in toks]
    feats.extend(f"b{a}|{b}" for a, b in zip(toks, toks[1:]))
    feats.extend(char_ngrams(clean_text(text), char_lo, char_hi))
    return feats


class LinearModel:
    """Softmax (or one-vs-rest sigmoid) linear model over sublinear-TF-IDF, L2-normalised features."""

    def __init__(self, vocab: list[str], idf: np.ndarray, weights: np.ndarray, bias: np.ndarray,
                 classes: list[str], meta: dict | None = None):
        if weights.shape != (len(vocab), len(classes)) or idf.shape != (len(vocab),):
            raise ValueError(
                f"模型文件不一致：词表 {len(vocab)} 项，权重 {weights.shape}，idf {idf.shape}，类别 {len(classes)}"
            )
        self.vocab = {f: i for i, f in enumerate(vocab)}
        self.idf = idf.astype(np.float32)
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.classes = list(classes)
        self.meta = dict(meta or {})
        self.output = self.meta.get("output", "softmax")

    # --- persistence -------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        inv = sorted(self.vocab, key=self.vocab.get)
        np.savez_compressed(
            path,
            vocab=np.array("\n".join(inv)),
            idf=self.idf.astype(np.float16),
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
            classes=np.array("\n".join(self.classes)),
            meta=np.array(json.dumps(self.meta, ensure_ascii=False)),
        )

    @classmethod
    def load(cls, path: str | Path) -> "LinearModel":
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"找不到模型文件：{path}（可用 `yuqing train sentiment|topic` 重新训练）")
        try:
            with np.load(path, allow_pickle=False) as z:
                vocab = str(z["vocab"]).split("\n")
                classes = str(z["classes"]).split("\n")
                meta = json.loads(str(z["meta"]))
                return cls(vocab, z["idf"], z["weights"], z["bias"], classes, meta)
        except (KeyError, ValueError, OSError) as exc:
            raise ValueError(f"模型文件 {path} 无法读取：{exc}") from exc

    # --- inference ---------------------------------------------------------------------------
    def decision(self, features: list[str]) -> np.ndarray:
        """Raw linear scores, one per class."""
        # map() over dict.get runs in C; np.unique gives term frequencies of the known features.
        known = [i for i in map(self.vocab.get, features) if i is not None]
        if not known:
            return self.bias.copy()
        ids, tf = np.unique(np.array(known, dtype=np.int64), return_counts=True)
        x = (1.0 + np.log(tf)) * self.idf[ids]
        x /= np.sqrt(float(x @ x))
        return x @ self.weights[ids] + self.bias

    def proba(self, features: list[str]) -> np.ndarray:
        z = self.decision(features)
        if self.output == "sigmoid":
            p = 1.0 / (1.0 + np.exp(-z))
            return p / p.sum()
        z = z - z.max()
        e = np.exp(z)
        return e / e.sum()
