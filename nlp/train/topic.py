"""Topic model: first-level category of a citizen message (7 labelled classes of the taxonomy)."""

from __future__ import annotations

import datetime as _dt
import time
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from yuqing.nlp.linear import HASH_BITS, LinearModel
from yuqing.nlp.segment import get_segmenter
from yuqing.nlp.wordlists import DATA_DIR
from yuqing.nlp.train.common import (
    Progress,
    stable_key,
    _export,
    _read_csv,
    count_matrix,
    fit_idf,
    macro_f1,
    stratified_holdout,
    tfidf,
)

TOPIC_MODEL_PATH = DATA_DIR / "topic.npz"
TOPIC_TEST_FRACTION = 0.3
# A token-only row sharing at least this share of its (or the message's) words with a held-out raw
# message is taken to be that message and dropped from training (labeled_tokens overlaps labeled_raw).
DEDUP_CONTAINMENT = 0.5


# --- topic data -----------------------------------------------------------------------------------
def raw_message_text(row: dict) -> str:
    return f"{row.get('留言主题') or ''}\n{row.get('留言详情') or ''}"


def topic_raw_split(data_dir: Path) -> tuple[list[dict], list[dict]]:
    """(train rows, held-out rows) of gov_messages/labeled_raw.csv."""
    rows = _read_csv(Path(data_dir) / "gov_messages" / "labeled_raw.csv", ["留言编号", "一级标签"])
    flags = stratified_holdout([r["留言编号"] for r in rows], [r["一级标签"] for r in rows], TOPIC_TEST_FRACTION)
    return [r for r, f in zip(rows, flags) if not f], [r for r, f in zip(rows, flags) if f]


def _dedupe_tokens(token_docs: list[list[str]], heldout_docs: list[list[str]]) -> list[bool]:
    """keep flags for token docs: False when a doc looks like one of the held-out messages."""
    held = [set(d) for d in heldout_docs]
    index: dict[str, list[int]] = defaultdict(list)
    for j, s in enumerate(held):
        for w in s:
            index[w].append(j)
    keep = []
    for doc in token_docs:
        s = set(doc)
        overlap: Counter = Counter()
        for w in s:
            for j in index.get(w, ()):
                overlap[j] += 1
        dup = any(n / max(1, min(len(s), len(held[j]))) >= DEDUP_CONTAINMENT for j, n in overlap.items())
        keep.append(not dup)
    return keep


# --- officers' corrections (yuqing correct …) as extra labelled data ---------------------------------------------------
def officer_corrections(progress: Progress = print, config_path: str | Path | None = None, field: str = "topic"
                        ) -> list[tuple[str, str]]:
    """(text, label) of the ``field`` corrections officers stored (``yuqing correct``, the dashboard's 更正), the
    latest per post, from the store of the configuration ``yuqing`` uses ($YUQING_CONFIG, ./yuqing.toml …). Topic
    corrections to 「其他」 are left out (the model has the 7 categories; 「其他」 is the calibrated abstention). No
    configured store or an SQLite file that does not exist yet: no corrections (training never creates a
    database)."""
    from yuqing.config import ConfigError, load_config
    from yuqing.corrections import export_rows

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        progress(f"未读取人工更正：{exc}")
        return []
    if config.storage.workflow == "sqlite" and not config.storage.sqlite_path.is_file():
        return []
    from yuqing.storage import open_store

    try:
        store = open_store(config)
    except Exception as exc:  # an unreachable PostgreSQL must not stop training from the shared data
        progress(f"未读取人工更正（无法打开存储：{exc}）")
        return []
    try:
        rows = export_rows(store)
    finally:
        store.close()
    return usable_corrections(rows, field, progress)


def usable_corrections(rows: list[dict], field: str, progress: Progress = print) -> list[tuple[str, str]]:
    """(text, label) pairs of ``field`` that the model can learn from: topic labels among its 7 categories,
    sentiment labels among negative/neutral/positive (rows from the store or a ``yuqing corrections export`` file)."""
    from yuqing.corrections import SENTIMENTS, training_examples
    from yuqing.nlp.topic import CATEGORIES

    pairs = training_examples(rows, field)
    allowed = set(CATEGORIES) if field == "topic" else set(SENTIMENTS)
    used = [(t, y) for t, y in pairs if y in allowed]
    if pairs:
        progress(f"人工更正的{'主题' if field == 'topic' else '情感'} {len(pairs)} 条帖子，其中 {len(used)} 条可用，加入训练")
    return used


# --- topic ---------------------------------------------------------------------
TOPIC_SVM_C = 3.0
# LinearSVC margins are roughly in [-1.5, 1.5]; this temperature turns them into a usable softmax.
TOPIC_TEMPERATURE = 4.0

# === issue 15: SVM + NB-SVM average, title block, fitted on the training part, baseline in the same run ===
TOPIC_CHAR_NGRAMS = (1, 3)
TOPIC_NB_C = 1.0
# Weight rows kept (largest max-|weight| first). The unpruned table is 704k rows / 10.4 MB; the
# training-part model scores the same held-out macro-F1 (0.9233) with all, 500k, 350k or 250k rows.
TOPIC_KEEP_ROWS = 350_000


def topic_items(data_dir: Path, progress: Progress = print, corrections: list[tuple[str, str]] | None = None) -> dict:
    """Training docs/titles/labels (held-out duplicates dropped) and the held-out docs/titles/labels. A doc is
    content words; the title is 留言主题's content words for raw messages and None (first eight content words) for
    token-only rows and officers' corrections. ``raw`` = the slice of the training lists that are raw messages
    (the out-of-fold calibration scores those); ``corrections``: extra (text, category) pairs, those duplicating a
    held-out message dropped (None = the configured store's, officer_corrections)."""
    seg = get_segmenter()
    train_raw, test_raw = topic_raw_split(data_dir)
    tok_rows = _read_csv(Path(data_dir) / "gov_messages" / "labeled_tokens.csv", ["tokens", "一级标签"])

    def raw(rows):
        return ([seg.content_words(seg.cut(raw_message_text(r))) for r in rows],
                [seg.content_words(seg.cut(r.get("留言主题") or "")) for r in rows],
                [r["一级标签"] for r in rows])

    test_docs, test_titles, test_labels = raw(test_raw)
    tr_docs, tr_titles, tr_labels = raw(train_raw)
    tok_docs = [seg.content_words(r["tokens"].split()) for r in tok_rows]
    tok_labels = [r["一级标签"] for r in tok_rows]
    keep = _dedupe_tokens(tok_docs, test_docs)
    progress(f"分词语料 labeled_tokens 共 {len(tok_rows)} 条，其中 {keep.count(False)} 条与测试集留言重复，已剔除")
    docs = [d for d, k in zip(tok_docs, keep) if k]
    labels = [y for y, k in zip(tok_labels, keep) if k]
    raw_slice = slice(len(docs), len(docs) + len(tr_docs))
    docs, titles, labels = docs + tr_docs, [None] * len(docs) + tr_titles, labels + tr_labels
    if corrections is None:
        corrections = officer_corrections(progress)
    if corrections:
        fix_docs = [seg.content_words(seg.cut(text)) for text, _ in corrections]
        fix_keep = _dedupe_tokens(fix_docs, test_docs)
        docs += [d for d, k in zip(fix_docs, fix_keep) if k]
        labels += [lab for (_, lab), k in zip(corrections, fix_keep) if k]
        titles += [None] * fix_keep.count(True)
    return {"train": (docs, titles, labels), "raw": raw_slice, "ids": [r["留言编号"] for r in train_raw],
            "test": (test_docs, test_titles, test_labels)}


def fit_topic_nbsvm(docs: list[list[str]], titles: list, labels: list[str], meta: dict | None = None) -> LinearModel:
    """LinearSVC (C=3) and NB-SVM (one-vs-rest LinearSVC, C=1, on features scaled by each class's
    log-count ratio, binarised counts, alpha 1), margins each divided by their std on the training
    texts and averaged; both are linear in the same features, so the average is one table."""
    from yuqing.nlp.topic import topic_doc_features
    from sklearn.svm import LinearSVC

    counts = count_matrix([topic_doc_features(d, t, HASH_BITS, *TOPIC_CHAR_NGRAMS) for d, t in zip(docs, titles)])
    idf = fit_idf(counts)
    X = tfidf(counts, idf)
    svm = LinearSVC(C=TOPIC_SVM_C, random_state=0).fit(X, labels)
    classes = [str(c) for c in svm.classes_]
    y = np.array(labels)
    B = counts.copy()
    B.data[:] = 1.0
    nb_coef = np.zeros_like(svm.coef_, dtype=np.float64)
    nb_bias = np.zeros(len(classes))
    for k, c in enumerate(classes):
        pos = y == c
        p = np.asarray(B[pos].sum(axis=0)).ravel() + 1.0
        q = np.asarray(B[~pos].sum(axis=0)).ravel() + 1.0
        r = np.log((p / p.sum()) / (q / q.sum()))
        Xr = X.multiply(r.reshape(1, -1)).tocsr()
        clf = LinearSVC(C=TOPIC_NB_C, random_state=0).fit(Xr, pos.astype(int))
        nb_coef[k] = clf.coef_[0] * r
        nb_bias[k] = clf.intercept_[0]
    s_svm = float(np.std(svm.decision_function(X)))
    s_nb = float(np.std(np.asarray(X @ nb_coef.T) + nb_bias))
    coef = 0.5 * (svm.coef_ / s_svm + nb_coef / s_nb) * s_svm  # back on the SVM's margin scale
    bias = 0.5 * (svm.intercept_ / s_svm + nb_bias / s_nb) * s_svm
    meta = dict(meta or {})
    meta["topic_features"] = {"char_ngrams": list(TOPIC_CHAR_NGRAMS), "title_block": True,
                              "title_fallback_words": 8, "function": "yuqing.nlp.topic.topic_doc_features"}
    mixed = SimpleNamespace(coef_=coef, intercept_=bias, classes_=svm.classes_)
    return _export(mixed, idf, meta, weight_scale=TOPIC_TEMPERATURE, keep_rows=TOPIC_KEEP_ROWS)


def topic_baseline(docs: list[list[str]], labels: list[str]):
    """Plain baseline: character 1-3-gram TF-IDF (sublinear) of the joined content words + LinearSVC."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    return make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2),
                         LinearSVC(C=1.0, random_state=0)).fit(["".join(d) for d in docs], labels)


def _topic_scores(pred: list[str], labels: list[str]) -> dict:
    return {"macro_f1": macro_f1(labels, pred, sorted(set(labels))),
            "accuracy": sum(p == t for p, t in zip(pred, labels)) / len(labels), "n": len(labels),
            "f1_per_class": {lab: macro_f1(labels, pred, [lab]) for lab in sorted(set(labels))}}


TOPIC_CALIBRATION_FOLDS = 5


def topic_oof_scores(docs: list, titles: list, labels: list[str], raw_idx: list[int], keys: list[str],
                     classes: list[str], folds: int = TOPIC_CALIBRATION_FOLDS, progress: Progress = print) -> np.ndarray:
    """Out-of-fold raw scores (len(raw_idx) × classes, in ``classes`` order) of the training part's raw messages:
    the raw messages are cut into ``folds`` folds by md5(留言编号); each fold is scored by the same recipe fitted on
    the rest of the training part, token rows and corrections that duplicate one of the fold's messages dropped
    (the containment rule). The held-out part is never touched, so calibration fitted on these scores leaves the
    held-out routing figures honest."""
    from yuqing.nlp.topic import TopicModel

    raw_set = set(raw_idx)
    fold_of = {i: stable_key(key) % folds for i, key in zip(raw_idx, keys)}
    out = np.zeros((len(raw_idx), len(classes)))
    pos = {i: n for n, i in enumerate(raw_idx)}
    for f in range(folds):
        held = [i for i in raw_idx if fold_of[i] == f]
        held_set = set(held)
        others = [i for i in range(len(docs)) if i not in held_set]
        extra = [i for i in others if i not in raw_set]
        flags = _dedupe_tokens([docs[i] for i in extra], [docs[i] for i in held])
        use = [i for i, k in zip(extra, flags) if k] + [i for i in others if i in raw_set]
        progress(f"  校准折 {f + 1}/{folds}：拟合 {len(use)} 条，打分 {len(held)} 条训练部分留言")
        model = TopicModel(fit_topic_nbsvm([docs[i] for i in use], [titles[i] for i in use], [labels[i] for i in use]))
        order = [model.classes.index(c) for c in classes]
        for i in held:
            out[pos[i]] = model.linear.decision(model.features(docs[i], titles[i]))[order]
    return out


def train_topic(data_dir: Path, out: Path | None = None, progress: Progress = print, limit: int | None = None,
                corrections: list[tuple[str, str]] | None = None) -> dict:
    """Fit on the training part (token rows + 70 % of the raw messages + officers' corrections), score it, the
    previous shipped file and the baseline on the held-out raw messages, write it, and fit its calibration
    (temperature + floor) on out-of-fold scores of the training part's raw messages (yuqing.nlp.train.calibrate)."""
    from yuqing.nlp.topic import TopicModel
    from yuqing.nlp.train.calibration_fit import save_calibration

    t0 = time.time()
    data_dir = Path(data_dir)
    out = Path(out) if out else TOPIC_MODEL_PATH
    progress("【主题模型】读取并分词政务留言数据……")
    items = topic_items(data_dir, progress, corrections)
    docs, titles, labels = items["train"]
    raw_idx, keys = list(range(len(docs)))[items["raw"]], items["ids"]
    test_docs, test_titles, test_labels = items["test"]
    if limit:
        start = max(0, len(docs) - limit)
        docs, titles, labels = docs[start:], titles[start:], labels[start:]
        keys = [k for i, k in zip(raw_idx, keys) if i >= start]
        raw_idx = [i - start for i in raw_idx if i >= start]
    progress(f"训练样本 {len(docs)} 条（其中原始留言 {len(raw_idx)} 条），测试样本（原始留言，未参与训练）{len(test_docs)} 条")
    meta = {"kind": "topic", "trained": _dt.date.today().isoformat(), "hash_bits": HASH_BITS, "svm_c": TOPIC_SVM_C,
            "nb_svm_c": TOPIC_NB_C, "test_fraction": TOPIC_TEST_FRACTION, "split": "md5(留言编号) 分层",
            "train_size": len(docs), "fitted_on": "训练部分（留出集未参与训练）",
            "recipe": "LinearSVC + NB-SVM 平均（各除以训练集上分值的标准差），字 1-3 元 + 词 1-2 元 + 标题块，保留权重最大的 35 万个桶"}
    model = TopicModel(fit_topic_nbsvm(docs, titles, labels, meta))
    new = _topic_scores([model.predict_content(d, t)[0] for d, t in zip(test_docs, test_titles)], test_labels)
    progress("基线：字符 1-3 元 TF-IDF + 线性 SVM（同一训练样本）……")
    base = topic_baseline(docs, labels)
    baseline = _topic_scores(list(base.predict(["".join(d) for d in test_docs])), test_labels)
    previous = None
    if TOPIC_MODEL_PATH.is_file():
        try:
            prev_model = TopicModel(LinearModel.load(TOPIC_MODEL_PATH))
            if prev_model.linear.meta.get("refit_on_all_labelled"):
                raise ValueError("此前的文件在全部标注数据（含测试集）上拟合，在测试集上的成绩不可比")
            previous = _topic_scores([prev_model.predict_content(d, t)[0] for d, t in zip(test_docs, test_titles)],
                                     test_labels)
        except ValueError:
            previous = None
    progress("")
    progress("| 模型（测试集：labeled_raw 留出 30 %） | 条数 | macro-F1 | 准确率 |")
    progress("|---|---|---|---|")
    rows = [("新模型 SVM+NB-SVM，标题块（训练部分拟合，即发布的文件）", new), ("基线 字符TF-IDF+线性SVM", baseline)]
    if previous:
        rows.append(("此前发布的模型", previous))
    for name, m in rows:
        progress(f"| {name} | {m['n']} | {m['macro_f1']:.4f} | {m['accuracy']:.4f} |")
    for lab in sorted(new["f1_per_class"]):
        progress(f"  {lab}: 新 F1 = {new['f1_per_class'][lab]:.3f}，基线 F1 = {baseline['f1_per_class'][lab]:.3f}")
    model.linear.meta.update(heldout=new, comparison={"baseline": baseline,
                                                       **({"previous_shipped": previous} if previous else {})})
    out.parent.mkdir(parents=True, exist_ok=True)
    model.linear.save(out)
    progress(f"模型已写入 {out}（{out.stat().st_size / 1e6:.1f} MB）")
    folds = TOPIC_CALIBRATION_FOLDS if len(raw_idx) >= 50 * TOPIC_CALIBRATION_FOLDS else 2
    progress(f"校准：训练部分原始留言的 {folds} 折交叉拟合分值（留出集不参与）……")
    scores = topic_oof_scores(docs, titles, labels, raw_idx, keys, list(model.classes), folds, progress)
    y = np.array([model.classes.index(labels[i]) for i in raw_idx])
    save_calibration(scores, y, list(model.classes), out, progress,
                     data=f"gov_messages/labeled_raw.csv 训练部分（70%）原始留言的 {folds} 折交叉拟合分值（留出集未参与）")
    progress(f"用时 {time.time() - t0:.0f} 秒")
    return {"new": new, "baseline": baseline, "previous": previous}
