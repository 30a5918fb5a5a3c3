"""Topic classifier: one of the 7 first-level government categories of a citizen message.

A linear model over hashed content words, word bigrams and char 2-3 grams (see nlp.linear.topic_features),
trained by nlp.train.train_topic: linear SVM margins mixed with the logits of a fastText-style model on
the same features (which collapses to the same kind of table, so inference is one lookup); the score
is a softmax over the temperature-scaled mix, so treat it as a confidence, not a calibrated
probability. Held-out figures: nlp/data/MODELS.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

from nlp.linear import LinearModel, load_cached, topic_features
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


class TopicModel:
    def __init__(self, linear: LinearModel):
        self.linear = linear
        self.classes = linear.classes

    @classmethod
    def load(cls, path: str | Path | None = None) -> "TopicModel":
        """The model at ``path``; the shipped model (cached per process) when path is None."""
        return load_cached(cls, path, DEFAULT_PATH)

    def predict_content(self, content_tokens: list[str]) -> tuple[str, float]:
        """Prediction from content words (stopwords already removed)."""
        p = self.linear.proba(topic_features(content_tokens, self.linear.bits))
        i = int(p.argmax())
        return self.classes[i], float(p[i])

    def predict(self, tokens: list[str], text: str = "") -> tuple[str, float]:
        """(category, confidence) from the tokens of ``Segmenter.cut``; stopwords are dropped here.

        ``text`` is accepted for the common model interface; the topic model needs only tokens.
        """
        return self.predict_content(get_segmenter().content_words(tokens))

    def proba(self, tokens: list[str]) -> dict[str, float]:
        p = self.linear.proba(topic_features(get_segmenter().content_words(tokens), self.linear.bits))
        return {c: float(v) for c, v in zip(self.classes, p)}
