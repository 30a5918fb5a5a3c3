"""Sentiment model (issue 15): two heads (public affairs, reviews) in one table, a P(negative) cut-off per domain
chosen on validation, every shared set held out, the plain baseline and stock SnowNLP printed beside it."""

from __future__ import annotations

import datetime as _dt
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from yuqing.nlp.linear import HASH_BITS, LinearModel, sentiment_features
from yuqing.nlp.segment import get_segmenter
from yuqing.nlp.wordlists import load_wordlist
from yuqing.nlp.train.common import (
    Progress,
    _export,
    _read_csv,
    count_matrix,
    fit_idf,
    macro_f1,
    recall,
    save_scored,
    stable_key,
    stratified_holdout,
    tfidf,
)
from yuqing.nlp.train.sentiment_data import (
    GOV_WEAK_WEIGHT,
    NOTICES_PATH,
    OTHER_SET_CAP,
    SENTIMENT_CHAR_NGRAMS,
    SENTIMENT_CLASS_WEIGHT,
    SENTIMENT_LR_C,
    SENTIMENT_MODEL_PATH,
    SENTIMENT_TEST_FRACTION,
    SHOP_CATEGORY_WEIGHT,
    THANKS_PATH,
    NearCopies,
    _recipe_meta,
    _tokenize_all,
    evaluate_gov_sentiment,
    gov_sentiment_eval,
    gov_weak_labelled,
    sentiment_heldout,
    validation_flags,
)


# === issue 15: per-domain heads and thresholds, every shared set held out, baseline in the same run ===
# Every shared sentiment set has a held-out part (20 % per class by md5 of the text, of the id for the
# covid set). Review-like sets are scored by the general head; the epidemic Weibo set (the
# public-affairs domain: Weibo about public events, board letters, notices) by the public head.
REVIEW_SETS = {"waimai": "waimai_10k.csv", "weibo_senti": "weibo_senti_2400.csv",
               "online_shopping": "online_shopping_10_cats.csv"}
SET_DOMAIN = {"covid_weibo": "public", "hotel": "general", "waimai": "general", "weibo_senti": "general",
              "online_shopping": "general"}
SET_NAMES = {"covid_weibo": "疫情微博（负面/非负面）", "hotel": "ChnSentiCorp 酒店", "waimai": "外卖评论",
             "weibo_senti": "微博情感 weibo_senti", "online_shopping": "网购评论（不含酒店类）"}
# The shopping set's held-out part is large; a deterministic sample of it is scored (the rest of the
# held-out part is simply not trained on).
SHOP_TEST_SCORED = 3000
THRESHOLD_GRID = [round(0.20 + 0.025 * i, 3) for i in range(25)]  # P(negative) cut-offs 0.20 … 0.80
PUBLIC_HEAD_C = 4.0
# Sample weights of the two-head recipe (the round-3 DOMAIN_WEIGHT / SHOP_CATEGORY_WEIGHT up-weighted hotel
# reviews for one shared model); the review-only head chose uniform weights on validation (0.9135 vs 0.9112).
HEAD_DOMAIN_WEIGHT: dict[str, float] = {}
HEAD_SHOP_CATEGORY_WEIGHT: dict[str, float] = {}
BASELINE_C = 4.0


def _subsample(rows: list, key, limit: int | None) -> list:
    """At most ``limit`` rows (md5 order picks them, file order kept); all when limit is None."""
    if not limit or len(rows) <= limit:
        return rows
    chosen = set(sorted(range(len(rows)), key=lambda i: stable_key("lim:" + key(rows[i])))[:limit])
    return [r for i, r in enumerate(rows) if i in chosen]


def all_sentiment_sets(data_dir: Path, limit: int | None = None) -> dict[str, tuple[list[str], list[str], list[bool]]]:
    """name -> (texts, 3-way labels, is_test) for all five shared sets (covid and hotel as before).
    ``limit``: at most that many rows per set, split the same way (quick runs and tests only)."""
    data_dir = Path(data_dir)
    sets = sentiment_heldout(data_dir)
    if limit:
        for name, (tx, lab, _) in list(sets.items()):
            pairs = _subsample(list(zip(tx, lab)), lambda p: p[0], limit)
            tx2, lab2 = [p[0] for p in pairs], [p[1] for p in pairs]
            sets[name] = (tx2, lab2, stratified_holdout(tx2, lab2, SENTIMENT_TEST_FRACTION))
    for name, fname in REVIEW_SETS.items():
        rows = _read_csv(data_dir / "sentiment" / fname, ["label", "review"])
        rows = [r for r in rows if r["label"] in ("0", "1") and (r["review"] or "").strip()]
        rows = _subsample(rows, lambda r: r["review"], limit)
        tx = [(r["review"] or "").strip().lstrip("\ufeff") for r in rows]
        lab = ["positive" if r["label"] == "1" else "negative" for r in rows]
        cats = [r.get("cat") or "" for r in rows]
        # The shopping set's hotel category copies ChnSentiCorp: it is scored as the hotel set.
        flags = stratified_holdout(tx, [f"{c}|{y}" for c, y in zip(cats, lab)], SENTIMENT_TEST_FRACTION)
        if name == "online_shopping":
            flags = [f and c not in SHOP_CATEGORY_WEIGHT for f, c in zip(flags, cats)]
            sets[name] = (tx, lab, flags, cats)
        else:
            sets[name] = (tx, lab, flags)
    return sets


def sentiment_corpus(data_dir: Path, progress: Progress = print, limit: int | None = None,
                     corrections: list[tuple[str, str]] | None = None) -> dict:
    """Training items with their domain and validation flags, and the held-out and validation sets; officers'
    sentiment corrections (``corrections``, None = the configured store's) join as public-domain items.

    Returns {"texts", "labels", "weights", "domains", "is_val" (training item is a validation item
    or a near-copy of one: left out of the validation fit), "tests", "vals"}.
    """
    data_dir = Path(data_dir)
    sets = all_sentiment_sets(data_dir, limit)
    texts: list[str] = []
    labels: list[str] = []
    weights: list[float] = []
    domains: list[str] = []
    val_item: list[bool] = []
    check: list[bool] = []  # review-set rows: checked against held-out/validation texts for near-copies
    tests: dict[str, tuple[list[str], list[str]]] = {}
    vals: dict[str, tuple[list[str], list[str]]] = {}
    for name, entry in sets.items():
        tx, lab, flags = entry[:3]
        cats = entry[3] if len(entry) > 3 else [""] * len(tx)
        test_idx = [i for i, f in enumerate(flags) if f]
        if name == "online_shopping":
            test_idx = sorted(test_idx, key=lambda i: stable_key("shop:" + tx[i]))[:SHOP_TEST_SCORED]
            # the unscored rest of the held-out part is not trained on either
        tests[name] = ([tx[i] for i in test_idx], [lab[i] for i in test_idx])
        is_heldout = flags
        train_mask = [not f for f in is_heldout]
        if name == "online_shopping":
            # training: a deterministic sample of the training part plus every hotel-category review
            order = sorted((i for i, k in enumerate(train_mask) if k and cats[i] not in SHOP_CATEGORY_WEIGHT),
                           key=lambda i: stable_key(tx[i]))
            chosen = set(order[:OTHER_SET_CAP]) | {i for i, c in enumerate(cats) if c in SHOP_CATEGORY_WEIGHT}
            train_mask = [k and i in chosen for i, k in enumerate(train_mask)]
        val = validation_flags(tx, [f"{c}|{y}" for c, y in zip(cats, lab)], [not k for k in train_mask])
        if name == "online_shopping":
            val = [v and cats[i] not in SHOP_CATEGORY_WEIGHT for i, v in enumerate(val)]
        vals[name] = ([t for t, v in zip(tx, val) if v], [y for y, v in zip(lab, val) if v])
        for i in range(len(tx)):
            if not train_mask[i]:
                continue
            texts.append(tx[i])
            labels.append(lab[i])
            w = SENTIMENT_CLASS_WEIGHT[lab[i]] * HEAD_DOMAIN_WEIGHT.get(name, 1.0)
            if name in REVIEW_SETS:
                w = HEAD_SHOP_CATEGORY_WEIGHT.get(cats[i], 1.0)
            weights.append(w)
            domains.append(SET_DOMAIN[name])
            val_item.append(val[i])
            check.append(name in REVIEW_SETS)
    held = [t for tx, _ in tests.values() for t in tx]
    valtexts = [t for tx, _ in vals.values() for t in tx]
    is_held_copy = NearCopies(held)
    is_val_copy = NearCopies(valtexts)
    keep = []
    n_held = n_val = 0
    for t, c, v in zip(texts, check, val_item):
        if c and is_held_copy(t):
            keep.append(False)
            n_held += 1
            continue
        keep.append(True)
    texts, labels, weights, domains, val_item, check = (
        [x for x, k in zip(seq, keep) if k] for seq in (texts, labels, weights, domains, val_item, check))
    is_val = []
    for t, c, v in zip(texts, check, val_item):
        cp = (not v) and c and is_val_copy(t)
        n_val += cp
        is_val.append(v or cp)
    notices = load_wordlist(NOTICES_PATH)
    thanks = load_wordlist(THANKS_PATH)
    g_texts, g_labels = gov_weak_labelled(data_dir)
    if limit:
        g_texts, g_labels = g_texts[:limit], g_labels[:limit]
    for group, lab, w in ((notices, "neutral", SENTIMENT_CLASS_WEIGHT["neutral"]), (thanks, "positive", GOV_WEAK_WEIGHT)):
        texts += group
        labels += [lab] * len(group)
        weights += [w] * len(group)
    texts += g_texts
    labels += g_labels
    weights += [GOV_WEAK_WEIGHT] * len(g_texts)
    if corrections is None:
        from yuqing.nlp.train.topic import officer_corrections

        corrections = officer_corrections(progress, field="sentiment")
    fixes = [(t, y) for t, y in corrections if not is_held_copy(t)]
    texts += [t for t, _ in fixes]
    labels += [y for _, y in fixes]
    weights += [SENTIMENT_CLASS_WEIGHT[y] for _, y in fixes]
    extra = len(notices) + len(thanks) + len(g_texts) + len(fixes)
    domains += ["public"] * extra
    is_val += [False] * extra
    progress(f"训练语料 {len(texts)} 条（剔除与测试集近似重复 {n_held} 条；验证拟合另剔除与验证集近似重复 {n_val} 条），"
             f"其中公共事务领域（疫情微博、政务留言弱标注 {len(g_texts)} 条、自写通知与感谢信）"
             f"{domains.count('public')} 条")
    return {"texts": texts, "labels": labels, "weights": np.array(weights, dtype=np.float64), "domains": domains,
            "is_val": np.array(is_val), "tests": tests, "vals": vals}


def fit_heads(token_lists: list[list[str]], labels: list[str], weights: np.ndarray, domains: list[str],
              thresholds: dict[str, float] | None = None, meta: dict | None = None,
              progress: Progress | None = None) -> LinearModel:
    """One table, two heads over the same hashed TF-IDF: the general head (every text) and the
    public-affairs head (covid Weibo, letters, notices only). Classes: negative, neutral, positive,
    public:negative, public:neutral, public:positive; the heads' softmaxes are taken separately."""
    from sklearn.linear_model import LogisticRegression

    counts = count_matrix([sentiment_features(t, *SENTIMENT_CHAR_NGRAMS) for t in token_lists])
    idf = fit_idf(counts)
    X = tfidf(counts, idf)
    gen_rows = np.flatnonzero(np.array([d == "general" for d in domains]))
    if progress:
        progress(f"  评论头（general）：逻辑回归，只用评论类语料（{len(gen_rows)} 条）……")
    gen = LogisticRegression(C=SENTIMENT_LR_C, max_iter=400).fit(
        X[gen_rows], [labels[i] for i in gen_rows], sample_weight=weights[gen_rows])
    if list(gen.classes_) == ["negative", "positive"]:  # reviews carry no neutral label: the head never says it
        w, b = gen.coef_[0], gen.intercept_[0]
        gen = SimpleNamespace(coef_=np.vstack([-w / 2, np.zeros_like(w), w / 2]),
                              intercept_=np.array([-b / 2, -30.0, b / 2]), classes_=np.array(LABEL_ORDER))
    pub_rows = np.flatnonzero(np.array([d == "public" for d in domains]))
    if progress:
        progress(f"  公共事务头：逻辑回归（{len(pub_rows)} 条）……")
    pub = LogisticRegression(C=PUBLIC_HEAD_C, max_iter=400).fit(
        X[pub_rows], [labels[i] for i in pub_rows], sample_weight=weights[pub_rows])
    assert list(gen.classes_) == list(LABEL_ORDER) == list(pub.classes_)

    both = SimpleNamespace(coef_=np.vstack([gen.coef_, pub.coef_]), intercept_=np.concatenate([gen.intercept_, pub.intercept_]),
                           classes_=np.array(list(LABEL_ORDER) + [f"public:{c}" for c in LABEL_ORDER]))
    meta = dict(meta or {})
    meta.update({"char_ngrams": list(SENTIMENT_CHAR_NGRAMS), "strip_courtesy": True, "hash_bits": HASH_BITS,
                 "heads": {"general": list(LABEL_ORDER), "public": [f"public:{c}" for c in LABEL_ORDER]},
                 "thresholds": dict(thresholds or {})})
    return _export(both, idf, meta, keep_rows=1 << HASH_BITS)


LABEL_ORDER = ("negative", "neutral", "positive")


def _neg_f1(truth: list[str], pred: list[str]) -> tuple[float, float]:
    t2 = ["neg" if y == "negative" else "not" for y in truth]
    p2 = ["neg" if y == "negative" else "not" for y in pred]
    return macro_f1(t2, p2, ["neg", "not"]), recall(t2, p2, "neg")


def choose_thresholds(model, vals: dict, progress: Progress = print) -> dict[str, float]:
    """Per domain, the P(negative) cut-off with the best mean negative-vs-not macro-F1 on its
    validation sets (None-like 'argmax' when no cut-off beats it)."""
    seg = get_segmenter()
    chosen = {}
    for domain in ("general", "public"):
        names = [n for n in vals if SET_DOMAIN[n] == domain]
        probs = {n: [model.proba(seg.cut(t), t, domain=domain) for t in vals[n][0]] for n in names}

        def score(cut):
            f = []
            for n in names:
                pred = [model.label_of(p, cut) for p in probs[n]]
                f.append(_neg_f1(vals[n][1], pred)[0])
            return float(np.mean(f))

        base = score(None)
        best = max(THRESHOLD_GRID, key=score)
        chosen[domain] = best if score(best) > base else None
        progress(f"  {domain} 域验证集（{'、'.join(SET_NAMES[n] for n in names)}）：取最大概率 {base:.4f}；"
                 f"P(负面) ≥ {best} 时 {score(best):.4f} → 采用 {chosen[domain] or '取最大概率'}")
    return chosen


def char_baseline(texts: list[str], labels: list[str], c: float = BASELINE_C):
    """The plain baseline: character 1-3-gram TF-IDF (sublinear) + logistic regression, unweighted."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2),
                         LogisticRegression(C=c, max_iter=400)).fit(texts, labels)


def stock_snownlp_labels(texts: list[str]) -> list[str]:
    from snownlp import SnowNLP

    return ["negative" if SnowNLP(t).sentiments < 0.5 else "positive" for t in texts]


def sentiment_table(results: dict, progress: Progress = print) -> None:
    """One line per shared set: the new model, the plain baseline and stock SnowNLP side by side."""
    progress("")
    progress("| 数据集 | 条数 | 新模型 macro-F1（负面召回） | 基线 字符TF-IDF+LR | 基线 同域训练 | SnowNLP 原版（样本） |")
    progress("|---|---|---|---|---|---|")
    for name, r in results.items():
        def cell(k):
            m = r.get(k)
            return "–" if not m else f"{m['macro_f1']:.4f}（{m['negative_recall']:.3f}）" + (
                f" n={m['n']}" if k == "snownlp" else "")
        progress(f"| {SET_NAMES.get(name, name)} | {r['new']['n']} | {cell('new')} | {cell('baseline')} | "
                 f"{cell('baseline_in_domain')} | {cell('snownlp')} |")


def letter_label(model, seg, text: str) -> str:
    """A letter's label as SentimentStage gives it: the public head, and positive when the title (first line) reads
    as a thank-you letter (GenreStage's 感谢 rule, nlp.stages.SentimentStage.thanks_title)."""
    from yuqing.nlp.stages import SentimentStage

    if SentimentStage.thanks_title(text.split("\n", 1)[0]):
        return "positive"
    return model.predict(seg.cut(text), text, domain="public")[0]


def train_sentiment(data_dir: Path, out: Path | None = None, progress: Progress = print,
                    snownlp_sample: int = 500, validate: bool = True, limit: int | None = None,
                    corrections: list[tuple[str, str]] | None = None) -> dict:
    """Validation fit (thresholds per domain), final fit, baseline and stock SnowNLP on every held-out set.

    ``limit``: at most that many rows of each shared set (quick runs and tests only)."""
    from yuqing.nlp.sentiment import SentimentModel

    t0 = time.time()
    data_dir = Path(data_dir)
    out = Path(out) if out else SENTIMENT_MODEL_PATH
    progress("【情感模型】读取情感语料……")
    corpus = sentiment_corpus(data_dir, progress, limit, corrections)
    texts, labels, weights, domains, is_val = (corpus[k] for k in ("texts", "labels", "weights", "domains", "is_val"))
    tests, vals = corpus["tests"], corpus["vals"]
    progress(f"训练样本 {len(texts)} 条：" + "，".join(f"{k} {v}" for k, v in sorted(Counter(labels).items())))
    tokens = _tokenize_all(texts, progress)
    meta = {"kind": "sentiment", "trained": _dt.date.today().isoformat(), "features": "sentiment_features (hashed)",
            "test_fraction": SENTIMENT_TEST_FRACTION, "train_size": len(texts), **_recipe_meta(),
            "split": "每个共享集按类别 md5 分层留出 20 %（疫情微博按 id）；政务留言：人工标注的 186 条不参与训练",
            "domain_rule": "政务/留言板/公共事件文本 → public 头；商品、外卖、酒店评论 → general 头",
            "head_domain_weight": HEAD_DOMAIN_WEIGHT, "head_shop_category_weight": HEAD_SHOP_CATEGORY_WEIGHT}
    thresholds: dict[str, float | None] = {"general": None, "public": None}
    if validate:
        progress("验证拟合（验证集及其近似重复不参与）：按领域选负面阈值……")
        keep = np.flatnonzero(~is_val)
        vmodel = SentimentModel(fit_heads([tokens[i] for i in keep], [labels[i] for i in keep], weights[keep],
                                          [domains[i] for i in keep], progress=progress))
        thresholds = choose_thresholds(vmodel, vals, progress)
    progress("最终拟合（全部训练部分）……")
    linear = fit_heads(tokens, labels, weights, domains, thresholds, meta, progress)
    g_texts, g_labels, _ = gov_sentiment_eval(data_dir)
    seg = get_segmenter()

    def score(shipped: LinearModel) -> dict:
        model = SentimentModel(shipped)
        metrics = {}
        for name, (tx, ys) in tests.items():
            pred = [model.predict(seg.cut(t), t, domain=SET_DOMAIN[name])[0] for t in tx]
            f, r = _neg_f1(ys, pred)
            metrics[name] = {"macro_f1": f, "negative_recall": r, "n": len(tx), "domain": SET_DOMAIN[name]}
        metrics["gov_letters"] = evaluate_gov_sentiment(lambda t: letter_label(model, seg, t), g_texts, g_labels)
        metrics["gov_letters_model_only"] = evaluate_gov_sentiment(
            lambda t: model.predict(seg.cut(t), t, domain="public")[0], g_texts, g_labels)
        return metrics

    metrics = save_scored(linear, out, score)
    progress("基线：字符 1-3 元 TF-IDF + 逻辑回归（同一训练文本，不加权）……")
    base = char_baseline(texts, labels)
    pub = [i for i, d in enumerate(domains) if d == "public"]
    base_pub = char_baseline([texts[i] for i in pub], [labels[i] for i in pub])
    results = {}
    for name, (tx, ys) in tests.items():
        r = {"new": metrics[name]}
        f, rc = _neg_f1(ys, list(base.predict(tx)))
        r["baseline"] = {"macro_f1": f, "negative_recall": rc, "n": len(tx)}
        if SET_DOMAIN[name] == "public":
            f, rc = _neg_f1(ys, list(base_pub.predict(tx)))
            r["baseline_in_domain"] = {"macro_f1": f, "negative_recall": rc, "n": len(tx)}
        if snownlp_sample:
            order = sorted(range(len(tx)), key=lambda i: stable_key(tx[i]))[:snownlp_sample]
            f, rc = _neg_f1([ys[i] for i in order], stock_snownlp_labels([tx[i] for i in order]))
            r["snownlp"] = {"macro_f1": f, "negative_recall": rc, "n": len(order)}
        results[name] = r
    sentiment_table(results, progress)
    g, g0 = metrics["gov_letters"], metrics["gov_letters_model_only"]
    gb = evaluate_gov_sentiment(lambda t: str(base_pub.predict([t])[0]), g_texts, g_labels)
    progress(f"人工标注政务留言（{g['n']} 条，public 头 + 标题感谢信规则）：三分类 macro-F1 = {g['macro_f1_3way']:.4f}，"
             f"负面/非负面 macro-F1 = {g['macro_f1_neg']:.4f}，负面召回率 = {g['negative_recall']:.4f}；只用模型 "
             f"{g0['macro_f1_3way']:.4f} / {g0['macro_f1_neg']:.4f} / {g0['negative_recall']:.4f}；同域基线 "
             f"{gb['macro_f1_3way']:.4f} / {gb['macro_f1_neg']:.4f} / {gb['negative_recall']:.4f}")
    shipped = LinearModel.load(out)
    shipped.meta["comparison"] = {n: {k: v for k, v in r.items() if k != "new"} for n, r in results.items()}
    shipped.meta["comparison"]["gov_letters"] = {"baseline_in_domain": gb}
    shipped.save(out)
    progress(f"模型已写入 {out}（{out.stat().st_size / 1e6:.1f} MB），阈值 {thresholds}，用时 {time.time() - t0:.0f} 秒")
    return {"metrics": metrics, "table": results, "thresholds": thresholds}
