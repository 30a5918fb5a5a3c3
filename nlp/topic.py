"""Topic classifier: one of the 7 first-level government categories of a citizen message.

A linear model over hashed content words, word bigrams and char 1-3 grams, plus a separate title block
(topic_doc_features), trained by nlp.train.train_topic: a linear SVM and an NB-SVM, margins averaged
(one table, so inference is one lookup), refit on every labelled message; the score is a softmax over
the temperature-scaled margins, so treat it as a confidence, not a calibrated probability. Files
trained before issue 15 (no ``topic_features`` in their meta) keep the previous feature function.
Held-out figures: nlp/data/MODELS.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from nlp.linear import _PLACE_RE, LinearModel, hashed_ngrams, load_cached, topic_features
from nlp.segment import DATA_DIR, get_segmenter

DEFAULT_PATH = DATA_DIR / "topic.npz"
CATEGORIES = ("城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "环境保护", "卫生计生", "交通运输")



def load_taxonomy(path: str | Path) -> list[str]:
    """First-level category names from taxonomy.csv (column 一级分类), in file order, unique."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"找不到分类体系文件：{path}")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "一级分类" not in reader.fieldnames:
            raise ValueError(f"{path} 缺少“一级分类”列")
        names: list[str] = []
        for row in reader:
            name = (row.get("一级分类") or "").strip()
            if name and name not in names:
                names.append(name)
    return names


# --- features (issue 15) -----------------------------------------------------------------------------
# Content words and word bigrams, char 1-3 grams of the joined content words, plus a separate TITLE
# block: the same n-grams of the title's content words, moved to other buckets by a fixed bijection of
# the bucket ids (multiply by an odd number, add a constant, modulo the bucket count), so 「停水」 in
# the title and 「停水」 in the body are different features. Where no title is known (token-only rows,
# documents without a title) the first TITLE_FALLBACK_WORDS content words stand in for it.
TITLE_FALLBACK_WORDS = 8
_TITLE_MUL = 0x9E3779B1  # odd
_TITLE_ADD = 0x7F4A7C15


def _content(tokens: list[str]) -> list[str]:
    return [t for t in tokens if _PLACE_RE.match(t) is None]


def topic_doc_features(content_tokens: list[str], title_tokens: list[str] | None = None, bits: int = 20,
                       char_lo: int = 1, char_hi: int = 3) -> np.ndarray:
    """Bucket ids of a document for the issue-15 topic model: body block + title block."""
    body = _content(content_tokens)
    title = _content(title_tokens) if title_tokens is not None else body[:TITLE_FALLBACK_WORDS]
    ids = hashed_ngrams(body, char_lo, char_hi, bits)
    if not title:
        return ids
    mask = (1 << bits) - 1
    t = hashed_ngrams(title, char_lo, char_hi, bits)
    t = (t * _TITLE_MUL + _TITLE_ADD) & mask
    return np.concatenate([ids, t])


def title_content_words(tokens: list[str], text: str) -> list[str]:
    """Content words of the first line of ``text`` (NormalizeStage writes title + "\n" + body), found
    in ``tokens`` (= Segmenter.cut(text), whitespace dropped) by counting characters: no second cut."""
    first = "".join(text.split("\n", 1)[0].split())
    n, k = 0, 0
    while k < len(tokens) and n < len(first):
        n += len(tokens[k])
        k += 1
    return get_segmenter().content_words(tokens[:k])


class TopicModel:
    def __init__(self, linear: LinearModel):
        self.linear = linear
        self.classes = linear.classes
        feats = linear.meta.get("topic_features") or {}
        self._title_block = bool(feats.get("title_block", False))
        self._chars = tuple(feats.get("char_ngrams", (2, 3)))

    def features(self, content_tokens: list[str], title_tokens: list[str] | None = None) -> np.ndarray:
        """Feature buckets; files without ``topic_features`` in meta use the previous function."""
        if not self._title_block:
            return topic_features(content_tokens, self.linear.bits)
        return topic_doc_features(content_tokens, title_tokens, self.linear.bits, *self._chars)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "TopicModel":
        """The model at ``path``; the shipped model (cached per process) when path is None."""
        return load_cached(cls, path, DEFAULT_PATH)

    def predict_content(self, content_tokens: list[str], title_tokens: list[str] | None = None) -> tuple[str, float]:
        """Prediction from content words (stopwords already removed); ``title_tokens`` = the title's
        content words when the document has a title (else its first eight content words stand in)."""
        p = self.linear.proba(self.features(content_tokens, title_tokens))
        i = int(p.argmax())
        return self.classes[i], float(p[i])

    def predict(self, tokens: list[str], text: str = "") -> tuple[str, float]:
        """(category, confidence) from the tokens of ``Segmenter.cut``; stopwords are dropped here.

        ``text`` is accepted for the common model interface; the topic model needs only tokens.
        """
        return self.predict_content(get_segmenter().content_words(tokens))

    def proba(self, tokens: list[str], title_tokens: list[str] | None = None) -> dict[str, float]:
        p = self.linear.proba(self.features(get_segmenter().content_words(tokens), title_tokens))
        return {c: float(v) for c, v in zip(self.classes, p)}
