"""Sentiment data: the shared sets and their held-out splits, near-copy detection, citizen letters (hand-labelled
evaluation set and title-weakly-labelled training letters), and the constants both recipes share."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path
from typing import Callable

import numpy as np

from yuqing.nlp.linear import clean_text
from yuqing.nlp.segment import get_segmenter
from yuqing.nlp.wordlists import DATA_DIR, load_wordlist
from yuqing.nlp.train.common import Progress, _read_csv, macro_f1, recall, stable_key, stratified_holdout

SENTIMENT_MODEL_PATH = DATA_DIR / "sentiment.npz"
NOTICES_PATH = DATA_DIR / "neutral_notices.txt"
# Our own thank-you letters: real ones are too rare on the board to learn the positive letter from.
THANKS_PATH = DATA_DIR / "thanks_letters.txt"
SENTIMENT_TEST_FRACTION = 0.2
COVID_MAP = {"angry": "negative", "sad": "negative", "fear": "negative",
             "happy": "positive", "neural": "neutral", "surprise": "neutral"}


# --- shared by the recipes ---------------------------------------------------------------------------------------
OTHER_SET_CAP = 20_000
# Char unigrams add a third more features per document for little signal beyond the words.
SENTIMENT_CHAR_NGRAMS = (1, 3)
SENTIMENT_LR_C = 4.0
# The not-so-rare neutral class only comes from the covid set and our notices; weigh it up so
# notice-style text is not pulled towards positive/negative by the product reviews.
SENTIMENT_CLASS_WEIGHT = {"negative": 1.0, "positive": 1.0, "neutral": 2.0}
# Weakly labelled letters are few (~2,500 of ~50,000 texts) but they are the domain the system serves.
GOV_WEAK_WEIGHT = 3.0
# Per-domain weight of the labelled training parts (x class weight). Chosen on the validation split
# (nlp/data/MODELS.md): hotel reviews are ~4,000 of ~50,000 texts and the product reviews pulled them.
DOMAIN_WEIGHT = {"hotel": 3.0}
# online_shopping_10_cats rows by category: all of its hotel reviews are used (not just those in the
# sample), with this weight.
SHOP_CATEGORY_WEIGHT = {"酒店": 2.0}
VALIDATION_EVERY = 5  # every 5th training item (per class, md5 order) is the validation part
COPY_CONTAINMENT = 0.5
COPY_MIN_GRAMS = 10



def sentiment_tokens(text: str) -> list[str]:
    """Tokens the sentiment model sees at training time: segmented, courtesy formulas removed."""
    from yuqing.nlp.sentiment import strip_courtesy

    return strip_courtesy(get_segmenter().cut(text))



def _tokenize_all(texts: list[str], progress: Progress) -> list[list[str]]:
    progress("分词并提取特征……")
    tokens = []
    for i, t in enumerate(texts):
        tokens.append(sentiment_tokens(t))
        if (i + 1) % 20000 == 0:
            progress(f"  已处理 {i + 1}/{len(texts)}")
    return tokens



def _recipe_meta() -> dict:
    return {"lr_c": SENTIMENT_LR_C, "gov_weak_weight": GOV_WEAK_WEIGHT, "domain_weight": DOMAIN_WEIGHT,
            "shop_category_weight": SHOP_CATEGORY_WEIGHT, "other_set_cap": OTHER_SET_CAP,
            "copy_rule": f"前 60 字相同，或 4-gram 包含率 ≥ {COPY_CONTAINMENT}"}


# --- sentiment data ----------------------------------------------------------------------------------
def sentiment_heldout(data_dir: Path) -> dict[str, tuple[list[str], list[str], list[str]]]:
    """Evaluation sets: name -> (train texts, train labels 3-way, is_test flags) for covid and hotel."""
    data_dir = Path(data_dir) / "sentiment"
    covid = _read_csv(data_dir / "smp2020_covid_weibo_emotion.csv", ["id", "content", "label"])
    covid = [r for r in covid if r["label"] in COVID_MAP and (r["content"] or "").strip()]
    hotel = _read_csv(data_dir / "chnsenticorp_hotel.csv", ["label", "review"])
    hotel = [r for r in hotel if r["label"] in ("0", "1") and (r["review"] or "").strip()]
    sets = {}
    c_lab = [COVID_MAP[r["label"]] for r in covid]
    sets["covid_weibo"] = ([r["content"] for r in covid], c_lab,
                           stratified_holdout([r["id"] for r in covid], [r["label"] for r in covid],
                                              SENTIMENT_TEST_FRACTION))
    h_text = [r["review"] for r in hotel]
    h_lab = ["positive" if r["label"] == "1" else "negative" for r in hotel]
    sets["hotel"] = (h_text, h_lab, stratified_holdout(h_text, h_lab, SENTIMENT_TEST_FRACTION))
    return sets


def validation_flags(texts: list[str], labels: list[str], is_test: list[bool]) -> list[bool]:
    """Validation part cut from the training part only: within each class, every 5th training item in
    md5("val:" + text) order. Model selection uses it; the held-out (test) part is never looked at."""
    by_label: dict[str, list[int]] = {}
    for i, (y, f) in enumerate(zip(labels, is_test)):
        if not f:
            by_label.setdefault(y, []).append(i)
    flags = [False] * len(texts)
    for idx in by_label.values():
        idx.sort(key=lambda i: (stable_key("val:" + texts[i]), i))
        for i in idx[::VALIDATION_EVERY]:
            flags[i] = True
    return flags


class NearCopies:
    """Is a training text a (near-)copy of an evaluation text?

    Either its first 60 cleaned characters equal one's, or at least ``COPY_CONTAINMENT`` of the char
    4-grams (punctuation removed) of the shorter of the two, if it has ``COPY_MIN_GRAMS`` or more,
    occur in the other. The 60-character rule alone missed ~80 copies of held-out and validation hotel
    reviews in the shopping set: one character changed (么/幺), characters lost in ChnSentiCorp's copy
    (「服务态度超好」 → 「服度超好」), or one text a prefix of the other.
    """

    def __init__(self, texts: list[str]):
        self.keys = set()
        self.sizes: list[int] = []
        self.index: dict[str, list[int]] = {}
        for j, t in enumerate(texts):
            self.keys.add(clean_text(t)[:60])
            grams = _shingles(t)
            self.sizes.append(len(grams))
            for g in grams:
                self.index.setdefault(g, []).append(j)

    def __call__(self, text: str) -> bool:
        if clean_text(text)[:60] in self.keys:
            return True
        grams = _shingles(text)
        if len(grams) < COPY_MIN_GRAMS:
            return False
        hits: Counter = Counter()
        for g in grams:
            hits.update(self.index.get(g, ()))
        return any(v >= COPY_CONTAINMENT * min(len(grams), self.sizes[j])
                   for j, v in hits.items() if self.sizes[j] >= COPY_MIN_GRAMS)


_NON_WORD_RE = re.compile(r"[\W_]+")


def _shingles(text: str, k: int = 4) -> set[str]:
    s = _NON_WORD_RE.sub("", clean_text(text))
    return {s[i:i + k] for i in range(len(s) - k + 1)}


def sentiment_datasets(data_dir: Path, progress: Progress = print, drop_heldout_copies: bool = True,
                       gov_weak: bool = True, validation: bool = False):
    """(texts, labels, sample weights, evaluation sets).

    ``validation=True``: the evaluation sets are the validation parts (cut from the training parts
    by ``validation_flags``), which are then left out of training too; the held-out parts are left
    out either way. ``drop_heldout_copies=False`` is the naive setting, for comparison only: the
    shopping set's hotel category repeats ChnSentiCorp, so near-copies of held-out hotel reviews
    stay in training.
    """
    data_dir = Path(data_dir)
    sets = sentiment_heldout(data_dir)
    texts: list[str] = []
    labels: list[str] = []
    weights: list[float] = []
    tests: dict[str, tuple[list[str], list[str]]] = {}
    unseen: list[str] = []  # every text scored as held-out or validation: no copies in training
    for name, (tx, lab, flags) in sets.items():
        unseen += [t for t, f in zip(tx, flags) if f]
        if validation:
            val = validation_flags(tx, lab, flags)
            unseen += [t for t, v in zip(tx, val) if v]
            flags_eval = val
            train = [not (f or v) for f, v in zip(flags, val)]
        else:
            flags_eval = flags
            train = [not f for f in flags]
        tests[name] = ([t for t, f in zip(tx, flags_eval) if f], [y for y, f in zip(lab, flags_eval) if f])
        for t, y, k in zip(tx, lab, train):
            if k:
                texts.append(t)
                labels.append(y)
                weights.append(SENTIMENT_CLASS_WEIGHT[y] * DOMAIN_WEIGHT.get(name, 1.0))
    is_copy = NearCopies(unseen)
    extra = 0
    dropped = 0
    for fname in ("waimai_10k.csv", "weibo_senti_2400.csv", "online_shopping_10_cats.csv"):
        rows = _read_csv(data_dir / "sentiment" / fname, ["label", "review"])
        if OTHER_SET_CAP and len(rows) > OTHER_SET_CAP:
            # Keep training time modest: a deterministic sample of the big product-review set, plus
            # every review of its hotel category (the domain of the hotel set; copies dropped below).
            ordered = sorted(rows, key=lambda r: stable_key(r["review"] or ""))
            rows = ordered[:OTHER_SET_CAP] + [r for r in ordered[OTHER_SET_CAP:] if r.get("cat") in SHOP_CATEGORY_WEIGHT]
        for r in rows:
            t = (r["review"] or "").strip().lstrip("\ufeff")
            if not t or r["label"] not in ("0", "1"):
                continue
            # online_shopping has a hotel category drawn from the same reviews as the hotel test set.
            if drop_heldout_copies and is_copy(t):
                dropped += 1
                continue
            texts.append(t)
            labels.append("positive" if r["label"] == "1" else "negative")
            weights.append(SHOP_CATEGORY_WEIGHT.get(r.get("cat"), 1.0))
            extra += 1
    notices = load_wordlist(NOTICES_PATH)
    texts += notices
    labels += ["neutral"] * len(notices)
    weights += [SENTIMENT_CLASS_WEIGHT["neutral"]] * len(notices)
    thanks = load_wordlist(THANKS_PATH)
    texts += thanks
    labels += ["positive"] * len(thanks)
    weights += [GOV_WEAK_WEIGHT] * len(thanks)
    progress(f"其他情感语料 {extra} 条（剔除与{'验证集或' if validation else ''}测试集重复或近似重复 {dropped} 条），"
             f"自写中性通知 {len(notices)} 条，自写感谢信 {len(thanks)} 条")
    if gov_weak:
        g_texts, g_labels = gov_weak_labelled(data_dir)
        texts += g_texts
        labels += g_labels
        weights += [GOV_WEAK_WEIGHT] * len(g_texts)
        progress(f"政务留言按标题弱标注 {len(g_texts)} 条：" + "，".join(f"{k} {v}" for k, v in sorted(Counter(g_labels).items())))
    return texts, labels, np.array(weights, dtype=np.float64), tests


# --- citizen letters (gov_messages) for sentiment ----------------------------------------------------
GOV_EVAL_PATH = DATA_DIR / "gov_sentiment_eval.csv"
GOV_FILES = {"raw": "labeled_raw.csv", "rep": "messages_with_replies.csv"}
# Weak labels from the title of a letter (the writer's own summary). A title with cues of both
# kinds, or of none, gives no label. The hand-labelled evaluation letters are never used.
WEAK_NEGATIVE_RE = re.compile(
    r"投诉|举报|控告|检举|扰民|拖欠|欠薪|污染|乱收费|违规|违法|违章|欺诈|诈骗|不作为|乱作为|质疑|侵占|侵犯|"
    r"强制|强迫|噪音|噪声|霸王|克扣|坑害|恶劣|非法|严重|无人管|不管|难题|困难|堵塞|臭|脏|烂尾|漏水|破损|隐患|"
    r"骗|反映.{0,30}问题|为何|凭什么|迟迟|不合理|不公"
)
WEAK_NEUTRAL_RE = re.compile(r"咨询|请问|能否|是否|可否|如何|怎么|怎样|哪里|何时|什么时候|多少|建议|希望|政策|条件|流程|手续")
WEAK_POSITIVE_RE = re.compile(r"感谢|表扬|点赞|致谢|赞扬|锦旗")


def gov_letter_text(title: str, body: str) -> str:
    """Title and body cleaned the way yuqing.nlp.stages.NormalizeStage does it."""
    from yuqing.nlp.normalize import normalize

    return "\n".join(p for p in (normalize(title or ""), normalize(body or "")) if p)


def _gov_rows(data_dir: Path) -> dict[tuple[str, str], dict]:
    rows = {}
    for key, fname in GOV_FILES.items():
        for r in _read_csv(Path(data_dir) / "gov_messages" / fname, ["留言编号", "留言主题", "留言详情"]):
            rows[(key, r["留言编号"])] = r
    return rows


def gov_sentiment_eval(data_dir: Path) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Texts, hand labels and (file, id) keys of the hand-labelled letters (nlp/data/gov_sentiment_eval.csv)."""
    rows = _gov_rows(data_dir)
    with open(GOV_EVAL_PATH, encoding="utf-8") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    texts, labels, keys = [], [], []
    for item in csv.DictReader(lines):
        key = (item["file"], item["id"])
        if key not in rows:
            raise ValueError(f"{GOV_EVAL_PATH.name}：在 {GOV_FILES.get(key[0], key[0])} 中找不到留言 {key[1]}")
        texts.append(gov_letter_text(rows[key]["留言主题"], rows[key]["留言详情"]))
        labels.append(item["label"])
        keys.append(key)
    return texts, labels, keys


def weak_label(title: str) -> str | None:
    neg = WEAK_NEGATIVE_RE.search(title) is not None
    neu = WEAK_NEUTRAL_RE.search(title) is not None
    pos = WEAK_POSITIVE_RE.search(title) is not None
    if pos and not (neg or neu):
        return "positive"
    if neg and not (neu or pos):
        return "negative"
    if neu and not (neg or pos):
        return "neutral"
    return None


def gov_weak_labelled(data_dir: Path) -> tuple[list[str], list[str]]:
    """Letters not in the evaluation set (by id, in either file, and by text), labelled by title cues."""
    held_texts, _, held_keys = gov_sentiment_eval(data_dir)
    held_ids = {i for _, i in held_keys}
    held = {t[:80] for t in held_texts}
    texts, labels, seen = [], [], set()
    for (_, mid), r in sorted(_gov_rows(data_dir).items()):
        lab = weak_label(r["留言主题"] or "")
        if lab is None or mid in held_ids:
            continue
        t = gov_letter_text(r["留言主题"], r["留言详情"])
        if t[:80] in held or t[:80] in seen:
            continue
        seen.add(t[:80])
        texts.append(t)
        labels.append(lab)
    return texts, labels


def evaluate_gov_sentiment(predict: Callable[[str], str], texts: list[str], labels: list[str]) -> dict:
    """3-way macro-F1 and negative-vs-not macro-F1 / negative recall of ``predict(text) -> label``."""
    pred = [predict(t) for t in texts]
    truth2 = ["neg" if y == "negative" else "not" for y in labels]
    pred2 = ["neg" if p == "negative" else "not" for p in pred]
    return {"macro_f1_3way": macro_f1(labels, pred, ["negative", "neutral", "positive"]),
            "macro_f1_neg": macro_f1(truth2, pred2, ["neg", "not"]),
            "negative_recall": recall(truth2, pred2, "neg"), "n": len(texts),
            "predicted": dict(Counter(pred))}


