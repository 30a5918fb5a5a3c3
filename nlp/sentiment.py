"""Sentiment of a post: negative / neutral / positive, one model for every source.

A three-class logistic regression over hashed words, word bigrams and char 2-3 grams (see
nlp.linear.sentiment_features), trained by yuqing.nlp.train.sentiment.train_sentiment on the shared review and Weibo
sets, our own neutral notice sentences and weakly labelled citizen letters (gov_messages, title cues).
Letter-writing courtesy (此致敬礼, 万分感谢！, 盼复, 尊敬的领导, 您好 …) is removed before features:
a complaint that ends 「万分感谢！」 is still a complaint. It replaces stock SnowNLP, which was trained on shopping
reviews and calls 「感谢区政府及时解决了供暖问题」 negative; figures in nlp/data/MODELS.md.

Score convention: ``score = P(positive) + 0.5 * P(neutral)`` in [0, 1]; 0 = very negative,
1 = very positive, about 0.5 = neutral. The label is the most probable class.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from yuqing.nlp.linear import LinearModel, load_cached, sentiment_features
from yuqing.nlp.wordlists import DATA_DIR

DEFAULT_PATH = DATA_DIR / "sentiment.npz"
LABELS = ("negative", "neutral", "positive")

# Courtesy formulas of letters to officials. A thanks word counts as courtesy only when it stands
# alone (addressee at most, then punctuation or the end): 「万分感谢！」 is a formula, while
# 「感谢区政府及时解决了…」 is what the letter is about and stays.
_THANKS = r"(?:万分|非常|十分|特别|在此|先|提前|衷心|真诚|深表)?(?:感谢|谢谢|多谢|致谢|感激不尽|不胜感激|感激)"
_ADDRESSEE = r"(?:您|你|你们|您们|领导|各位领导|政府|各位)?"
COURTESY_RE = re.compile(
    r"此致敬礼|此致|敬礼|"
    r"尊敬的[^，。！？,.!?：:]{0,12}?(?:领导|书记|市长|县长|区长|厅长|局长|主任|省长|镇长|同志)(?:们)?(?:您好|你好)?|"
    r"(?:领导|书记|市长|县长|区长|厅长|局长|主任)?(?:您们好|您好|你们好|你好)|"
    r"(?:盼|望|请|恳请|期待|希望|敬请)(?:早日|尽快|及时)?(?:回复|答复|解答)|盼复|"
    r"(?:祝|敬祝|顺祝)(?:领导|您|你们)?(?:身体健康|工作顺利|工作顺心|万事如意|阖家幸福)+|"
    r"(?:在)?百忙之中(?:抽空)?|辛苦了|麻烦(?:您|你们|领导)?(?:解答|回复|答复)?一下|"
    r"(?:(?<=^)|(?<=[，。！？,.!?\s]))" + _THANKS + _ADDRESSEE + r"(?=[，。！？,.!?~～…\s]|$)"
)


def strip_courtesy(tokens: list[str]) -> list[str]:
    """Tokens without those lying wholly inside a courtesy formula (see COURTESY_RE)."""
    joined = "".join(tokens)
    spans = [m.span() for m in COURTESY_RE.finditer(joined)]
    if not spans:
        return tokens
    # covered[i] = how many of the first i characters are inside a formula; a token is dropped when
    # all of its characters are (vectorised: no numpy call per token).
    mark = np.zeros(len(joined) + 1, dtype=np.int32)
    for a, b in spans:
        mark[a] += 1
        mark[b] -= 1
    covered = np.zeros(len(joined) + 1, dtype=np.int32)
    np.cumsum(np.cumsum(mark[:-1]) > 0, out=covered[1:])
    lens = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    ends = np.cumsum(lens)
    keep = (covered[ends] - covered[ends - lens]) < lens
    return [t for t, k in zip(tokens, keep.tolist()) if k]




DOMAINS = ("public", "general")
DEFAULT_DOMAIN = "public"  # what this system reads: boards, government pages, Weibo about public affairs


class SentimentModel:
    """Two heads in one table (files from issue 15 on): ``public`` (public affairs: epidemic Weibo,
    citizen letters, notices) and ``general`` (product, food and hotel reviews), each a softmax over
    negative/neutral/positive, with a P(negative) cut-off per domain chosen on validation (None =
    most probable class). Older single-head files load as one general head used for every domain."""

    def __init__(self, linear: LinearModel):
        missing = [c for c in LABELS if c not in linear.classes]
        if missing:
            raise ValueError(f"情感模型缺少类别：{'、'.join(missing)}")
        self.linear = linear
        heads = linear.meta.get("heads") or {"general": list(LABELS)}
        try:
            self._heads = {d: np.array([linear.classes.index(c) for c in cols]) for d, cols in heads.items()}
        except ValueError as exc:
            raise ValueError(f"情感模型的输出头与类别不一致：{exc}") from exc
        self._thresholds = dict(linear.meta.get("thresholds") or {})
        self._char_range = tuple(linear.meta.get("char_ngrams", (2, 3)))
        self._courtesy = bool(linear.meta.get("strip_courtesy", False))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "SentimentModel":
        """The model at ``path``; the shipped model (cached per process) when path is None."""
        return load_cached(cls, path, DEFAULT_PATH)

    def features(self, tokens: list[str]) -> np.ndarray:
        if self._courtesy:
            tokens = strip_courtesy(tokens)
        return sentiment_features(tokens, *self._char_range, bits=self.linear.bits)

    def _head(self, domain: str | None) -> str:
        domain = domain or DEFAULT_DOMAIN
        if domain not in DOMAINS:
            raise ValueError(f"未知的情感领域：{domain}（可选：{'、'.join(DOMAINS)}）")
        return domain if domain in self._heads else "general"

    @property
    def feature_spec(self) -> tuple:
        """What ``features`` depends on: another model with the same spec can score the same feature array."""
        return (self._char_range, self._courtesy, self.linear.bits)

    def proba(self, tokens: list[str], text: str = "", domain: str | None = None,
              features: tuple | None = None) -> dict[str, float]:
        """Class probabilities from the tokens of ``Segmenter.cut(text)`` (all tokens), by the head
        of ``domain`` (public affairs by default). Features come from the tokens only; ``features`` =
        (ids, (unique ids, counts)) already computed by ``self.features`` (SentimentStage shares them)."""
        ids, counted = features if features is not None else (self.features(tokens), None)
        z = self.linear.decision(ids, counted)[self._heads[self._head(domain)]]
        e = np.exp(z - z.max())
        p = e / e.sum()
        return {c: float(v) for c, v in zip(LABELS, p)}

    def label_of(self, p: dict[str, float], cut: float | None) -> str:
        """negative when P(negative) reaches ``cut``; otherwise the more probable of the others
        (``cut`` None: the most probable class)."""
        if cut is None:
            return max(LABELS, key=p.__getitem__)
        if p["negative"] >= cut:
            return "negative"
        return "positive" if p["positive"] > p["neutral"] else "neutral"

    def predict(self, tokens: list[str], text: str = "", domain: str | None = None,
                features: tuple | None = None) -> tuple[str, float]:
        """(label, score): label in negative/neutral/positive, score = P(pos) + 0.5 P(neutral)."""
        p = self.proba(tokens, text, domain, features)
        label = self.label_of(p, self._thresholds.get(self._head(domain)))
        return label, min(1.0, max(0.0, p["positive"] + 0.5 * p["neutral"]))

    def predict_proba_negative(self, tokens: list[str], text: str = "", domain: str | None = None) -> float:
        return self.proba(tokens, text, domain)["negative"]
