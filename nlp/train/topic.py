"""Topic model: first-level category of a citizen message (7 labelled classes of the taxonomy)."""

from __future__ import annotations

import datetime as _dt
import re
import time
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from nlp.linear import HASH_BITS, LinearModel, topic_features
from nlp.segment import DATA_DIR, get_segmenter
from nlp.train.common import (
    Progress,
    _export,
    _read_csv,
    count_matrix,
    fit_idf,
    macro_f1,
    stratified_holdout,
    tfidf,
    save_scored,
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
def officer_corrections(progress: Progress = print, config_path: str | Path | None = None) -> list[tuple[str, str]]:
    """(text, category) of the topic corrections officers stored (``yuqing correct --topic``), the latest per post,
    from the store of the configuration ``yuqing`` uses ($YUQING_CONFIG, ./yuqing.toml …). Corrections to 「其他」
    are left out (the model has the 7 categories; 「其他」 is the calibrated abstention). No configured store or an
    SQLite file that does not exist yet: no corrections (training never creates a database)."""
    from nlp.topic import CATEGORIES
    from yuqing.config import ConfigError, load_config

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
        latest: dict[str, dict] = {}
        for c in store.workflow.list_corrections("topic"):
            latest[c["doc_id"]] = c
    finally:
        store.close()
    used = [(c["text"], c["new_value"]) for c in latest.values() if c["new_value"] in CATEGORIES]
    if latest:
        progress(f"人工更正的主题 {len(latest)} 条帖子，其中 {len(used)} 条属于七个分类，加入训练")
    return used


def topic_datasets(data_dir: Path, progress: Progress = print, corrections: list[tuple[str, str]] | None = None):
    """Training docs (content-word lists) and labels, plus the held-out raw docs and labels.

    ``corrections``: extra (text, category) pairs — by default the officers' topic corrections in the configured
    store (officer_corrections); any that duplicate a held-out message are dropped like the token rows."""
    seg = get_segmenter()
    train_raw, test_raw = topic_raw_split(data_dir)
    tok_rows = _read_csv(Path(data_dir) / "gov_messages" / "labeled_tokens.csv", ["tokens", "一级标签"])
    test_docs = [seg.content_words(seg.cut(raw_message_text(r))) for r in test_raw]
    train_docs = [seg.content_words(seg.cut(raw_message_text(r))) for r in train_raw]
    tok_docs = [seg.content_words(r["tokens"].split()) for r in tok_rows]
    keep = _dedupe_tokens(tok_docs, test_docs)
    progress(f"分词语料 labeled_tokens 共 {len(tok_rows)} 条，其中 {keep.count(False)} 条与测试集留言重复，已剔除")
    docs = [d for d, k in zip(tok_docs, keep) if k] + train_docs
    labels = [r["一级标签"] for r, k in zip(tok_rows, keep) if k] + [r["一级标签"] for r in train_raw]
    if corrections is None:
        corrections = officer_corrections(progress)
    if corrections:
        fix_docs = [seg.content_words(seg.cut(text)) for text, _ in corrections]
        fix_keep = _dedupe_tokens(fix_docs, test_docs)
        if fix_keep.count(False):
            progress(f"人工更正中 {fix_keep.count(False)} 条与测试集留言重复，已剔除")
        docs += [d for d, k in zip(fix_docs, fix_keep) if k]
        labels += [lab for (_, lab), k in zip(corrections, fix_keep) if k]
    return docs, labels, test_docs, [r["一级标签"] for r in test_raw]


# --- pseudo-labelled messages from messages_with_replies.csv ------------------------------------------
# The official reply often names the body that handled the message; a body maps to one category.
# Alone this is right for ~71-87 % of the replies that duplicate a labelled message (it misses that 交警
# is 政法 and that many replies name several bodies), so a reply message is used only when exactly one
# category's bodies are named AND the first-pass model predicts that same category for the message.
REPLY_DEPARTMENTS = {
    "教育文体": "教育局|教育厅|教育体育局|教体局|文体局|体育局|文广新|招生考试|教育部门",
    "劳动和社会保障": "人社局|人力资源和社会保障|人力资源社会保障|源和社会保障|社会保险|社保局|社保中心|社保处|医保中心|"
                "医疗保险|劳动保障监察|就业服务|人社部门",
    "城乡建设": "住建局|住房和城乡建设|住房城乡建设|房和城乡建设|城乡规划|规划局|规划分局|城管|城市管理|住房保障|房产局|"
            "房地产管理|公积金管理|房屋征收|征收办|不动产|住建部门",
    "交通运输": "交通运输局|交通局|交通运输厅|交通运输委|公路局|公路管理|运管|公交|道路运输|轨道交通|地铁|出租车|交通部门",
    "卫生计生": "卫健委|卫生健康|卫计委|卫生计生|卫生局|疾控|疾病预防控制|食品药品监督|卫生部门",
    "环境保护": "环保局|环境保护局|生态环境|环境局|环保厅|环境保护厅|环保部门",
    "商贸旅游": "商务局|市场监管|市场监督管理|工商局|工商分局|旅游局|旅游发展委|质监|质量技术监督|物价局|商务部门|旅游部门",
}
_DEPT_RE = {cat: re.compile(p) for cat, p in REPLY_DEPARTMENTS.items()}


def reply_department(reply: str) -> str | None:
    """The category whose bodies the reply names, when exactly one category's are named."""
    cats = [cat for cat, rx in _DEPT_RE.items() if rx.search(reply or "")]
    return cats[0] if len(cats) == 1 else None


def reply_messages(data_dir: Path, heldout_rows: list[dict], heldout_docs: list[list[str]],
                   progress: Progress = print) -> tuple[list[list[str]], list[str | None]]:
    """Content words of the messages in messages_with_replies.csv and their reply's category (or None).

    Every message that is, or nearly is, a held-out message is dropped first: same 留言编号, or the
    containment rule used for labeled_tokens.
    """
    seg = get_segmenter()
    rows = _read_csv(Path(data_dir) / "gov_messages" / "messages_with_replies.csv", ["留言编号", "答复意见"])
    held_ids = {r["留言编号"] for r in heldout_rows}
    docs = [seg.content_words(seg.cut(raw_message_text(r))) for r in rows]
    keep = [k and r["留言编号"] not in held_ids for k, r in zip(_dedupe_tokens(docs, heldout_docs), rows)]
    progress(f"带答复的留言 {len(rows)} 条，其中 {keep.count(False)} 条与测试集留言相同或近似，已剔除")
    return ([d for d, k in zip(docs, keep) if k],
            [reply_department(r["答复意见"]) for r, k in zip(rows, keep) if k])


# --- topic ------------------------------------------------------------------------------------------
TOPIC_SVM_C = 3.0
# LinearSVC margins are roughly in [-1.5, 1.5]; this temperature turns them into a usable softmax.
TOPIC_TEMPERATURE = 4.0
# Chosen by 3-fold CV on the training raw messages (nlp/data/MODELS.md): share of the fastText-style
# model in the mixed score (0 = SVM only), its epochs, and whether reply messages are pseudo-labelled.
TOPIC_EMBED_WEIGHT = 0.3
TOPIC_EMBED_EPOCHS = 3
TOPIC_REPLY_PSEUDO = True


def evaluate_topic(model, docs: list[list[str]], labels: list[str]) -> dict:
    pred = [model.predict_content(d)[0] for d in docs]
    per_class = {lab: macro_f1(labels, pred, [lab]) for lab in sorted(set(labels))}
    acc = sum(p == t for p, t in zip(pred, labels)) / len(labels)
    return {"macro_f1": macro_f1(labels, pred, sorted(set(labels))), "accuracy": acc,
            "n": len(labels), "f1_per_class": per_class}


def fit_topic(docs: list[list[str]], labels: list[str], c: float = TOPIC_SVM_C, meta: dict | None = None,
              embed_weight: float = 0.0, embed_epochs: int = 0, progress: Progress | None = None) -> LinearModel:
    """LinearSVC on hashed TF-IDF; with ``embed_weight`` > 0 its margins are mixed with the logits of a
    fastText-style model (nlp.train.topic_embed) on the same features, each scaled by its standard
    deviation on the training texts. Both are linear in the same features, so the mix is one table."""
    from sklearn.svm import LinearSVC

    counts = count_matrix([topic_features(d) for d in docs])
    idf = fit_idf(counts)
    X = tfidf(counts, idf)
    clf = LinearSVC(C=c, random_state=0).fit(X, labels)  # liblinear shuffles: fixed seed, reproducible file
    coef, bias = np.asarray(clf.coef_, dtype=np.float64), np.asarray(clf.intercept_, dtype=np.float64)
    if embed_weight > 0:
        from nlp.train.topic_embed import train_embed

        if progress:
            progress(f"训练 fastText 式模型（哈希特征的嵌入求和 → softmax，{embed_epochs} 轮）……")
        classes = [str(x) for x in clf.classes_]
        w, b = train_embed(X, [classes.index(lab) for lab in labels], len(classes), epochs=embed_epochs)
        w[idf == 0] = 0.0
        k = float(np.std(clf.decision_function(X))) / float(np.std(np.asarray(X @ w) + b))
        coef = (1 - embed_weight) * coef + embed_weight * k * w.T
        bias = (1 - embed_weight) * bias + embed_weight * k * b
    mixed = SimpleNamespace(coef_=coef, intercept_=bias, classes_=clf.classes_)
    return _export(mixed, idf, dict(meta or {}), weight_scale=TOPIC_TEMPERATURE)


def pseudo_labelled_replies(base: LinearModel, reply_docs: list[list[str]], reply_cats: list[str | None]):
    """(docs, labels) of the reply messages whose department category the first-pass model agrees with."""
    from nlp.topic import TopicModel

    model = TopicModel(base)
    out_docs, out_labels = [], []
    for doc, cat in zip(reply_docs, reply_cats):
        if cat is not None and model.predict_content(doc)[0] == cat:
            out_docs.append(doc)
            out_labels.append(cat)
    return out_docs, out_labels


def train_topic_round3(data_dir: Path, out: Path | None = None, progress: Progress = print) -> dict:
    from nlp.topic import TopicModel

    t0 = time.time()
    data_dir = Path(data_dir)
    out = Path(out) if out else TOPIC_MODEL_PATH
    progress("【主题模型】读取并分词政务留言数据……")
    docs, labels, test_docs, test_labels = topic_datasets(data_dir, progress)
    progress(f"训练样本 {len(docs)} 条，测试样本（原始留言，未参与训练）{len(test_docs)} 条")
    n_pseudo = 0
    if TOPIC_REPLY_PSEUDO:
        progress("读取带答复的留言，按答复中的承办部门与初训模型一致者作伪标注……")
        _, test_rows = topic_raw_split(data_dir)
        reply_docs, reply_cats = reply_messages(data_dir, test_rows, test_docs, progress)
        progress("初训线性 SVM（用于伪标注）……")
        base = fit_topic(docs, labels, TOPIC_SVM_C)
        extra_docs, extra_labels = pseudo_labelled_replies(base, reply_docs, reply_cats)
        n_pseudo = len(extra_docs)
        progress(f"伪标注留言 {n_pseudo} 条（答复指明单一类别 {sum(c is not None for c in reply_cats)} 条），加入训练："
                 + "，".join(f"{k} {v}" for k, v in sorted(Counter(extra_labels).items())))
        docs, labels = docs + extra_docs, labels + extra_labels
    progress("训练线性 SVM（哈希特征：词、词二元组、字 2-3 元组）……")
    meta = {
        "kind": "topic", "trained": _dt.date.today().isoformat(), "features": "topic_features (hashed)",
        "hash_bits": HASH_BITS, "svm_c": TOPIC_SVM_C, "test_fraction": TOPIC_TEST_FRACTION,
        "split": "md5(留言编号) 分层", "train_size": len(docs), "pseudo_labelled_replies": n_pseudo,
        "embed_weight": TOPIC_EMBED_WEIGHT, "embed_epochs": TOPIC_EMBED_EPOCHS,
    }
    linear = fit_topic(docs, labels, TOPIC_SVM_C, meta, TOPIC_EMBED_WEIGHT, TOPIC_EMBED_EPOCHS, progress)
    metrics = save_scored(linear, out, lambda shipped: evaluate_topic(TopicModel(shipped), test_docs, test_labels))
    progress(f"测试集（原始留言）macro-F1 = {metrics['macro_f1']:.4f}，准确率 = {metrics['accuracy']:.4f}")
    for lab, f in metrics["f1_per_class"].items():
        progress(f"  {lab}: F1 = {f:.3f}")
    progress(f"模型已写入 {out}（{out.stat().st_size / 1e6:.1f} MB），用时 {time.time() - t0:.0f} 秒")
    if out.is_file():  # new weights need their own calibration (nlp.train.calibrate; the file sits beside them)
        from nlp.train.calibrate import fit_calibration

        fit_calibration(data_dir, out, progress)
    return metrics


# === issue 15: SVM + NB-SVM average, title block, refit on all labelled data, baseline in the same run ===
TOPIC_CHAR_NGRAMS = (1, 3)
TOPIC_NB_C = 1.0
# Weight rows kept (largest max-|weight| first). The unpruned table is 704k rows / 10.4 MB; the
# training-part model scores the same held-out macro-F1 (0.9233) with all, 500k, 350k or 250k rows.
TOPIC_KEEP_ROWS = 350_000


def topic_items(data_dir: Path, progress: Progress = print) -> dict:
    """Training docs/titles/labels (held-out-duplicates dropped), the held-out docs, and every labelled
    doc (for the final refit). A doc is content words; the title is 留言主题's content words for raw
    messages and None (first eight content words) for token-only rows."""
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
    progress(f"分词语料 labeled_tokens 共 {len(tok_rows)} 条，其中 {keep.count(False)} 条与测试集留言重复，评测拟合时剔除")
    docs = [d for d, k in zip(tok_docs, keep) if k] + tr_docs
    titles = [None] * keep.count(True) + tr_titles
    labels = [y for y, k in zip(tok_labels, keep) if k] + tr_labels
    return {"train": (docs, titles, labels), "test": (test_docs, test_titles, test_labels),
            "all": (tok_docs + tr_docs + test_docs, [None] * len(tok_docs) + tr_titles + test_titles,
                    tok_labels + tr_labels + test_labels)}


def fit_topic_nbsvm(docs: list[list[str]], titles: list, labels: list[str], meta: dict | None = None) -> LinearModel:
    """LinearSVC (C=3) and NB-SVM (one-vs-rest LinearSVC, C=1, on features scaled by each class's
    log-count ratio, binarised counts, alpha 1), margins each divided by their std on the training
    texts and averaged; both are linear in the same features, so the average is one table."""
    from nlp.topic import topic_doc_features
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
                              "title_fallback_words": 8, "function": "nlp.topic.topic_doc_features"}
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


def train_topic(data_dir: Path, out: Path | None = None, progress: Progress = print, limit: int | None = None) -> dict:
    """Fit on the training part, score it, the previous shipped file and the baseline on the held-out
    raw messages; then refit on every labelled message and write that (its held-out figure is the
    training-part model's: the refit has seen the held-out messages)."""
    from nlp.topic import TopicModel

    t0 = time.time()
    data_dir = Path(data_dir)
    out = Path(out) if out else TOPIC_MODEL_PATH
    progress("【主题模型】读取并分词政务留言数据……")
    items = topic_items(data_dir, progress)
    docs, titles, labels = items["train"]
    test_docs, test_titles, test_labels = items["test"]
    all_docs, all_titles, all_labels = items["all"]
    if limit:
        docs, titles, labels = docs[-limit:], titles[-limit:], labels[-limit:]
        all_docs, all_titles, all_labels = all_docs[-limit:], all_titles[-limit:], all_labels[-limit:]
    progress(f"评测拟合：训练样本 {len(docs)} 条，测试样本（原始留言，未参与训练）{len(test_docs)} 条")
    meta = {"kind": "topic", "trained": _dt.date.today().isoformat(), "hash_bits": HASH_BITS, "svm_c": TOPIC_SVM_C,
            "nb_svm_c": TOPIC_NB_C, "test_fraction": TOPIC_TEST_FRACTION, "split": "md5(留言编号) 分层",
            "recipe": "LinearSVC + NB-SVM 平均（各除以训练集上分值的标准差），字 1-3 元 + 词 1-2 元 + 标题块，保留权重最大的 35 万个桶"}
    model = TopicModel(fit_topic_nbsvm(docs, titles, labels, meta))
    new = _topic_scores([model.predict_content(d, t)[0] for d, t in zip(test_docs, test_titles)], test_labels)
    progress("基线：字符 1-3 元 TF-IDF + 线性 SVM（同一训练样本）……")
    base = topic_baseline(docs, labels)
    baseline = _topic_scores(list(base.predict(["".join(d) for d in test_docs])), test_labels)
    previous = None
    if TOPIC_MODEL_PATH.is_file() and out.resolve() != Path("/nonexistent"):
        try:
            prev_model = TopicModel(LinearModel.load(TOPIC_MODEL_PATH))
            if not prev_model._title_block:
                previous = _topic_scores([prev_model.predict_content(d)[0] for d in test_docs], test_labels)
        except ValueError:
            previous = None
    progress("")
    progress("| 模型（测试集：labeled_raw 留出 30 %） | 条数 | macro-F1 | 准确率 |")
    progress("|---|---|---|---|")
    rows = [("新模型 SVM+NB-SVM，标题块（训练部分拟合）", new), ("基线 字符TF-IDF+线性SVM", baseline)]
    if previous:
        rows.append(("此前发布的模型（SVM+fastText）", previous))
    for name, m in rows:
        progress(f"| {name} | {m['n']} | {m['macro_f1']:.4f} | {m['accuracy']:.4f} |")
    for lab in sorted(new["f1_per_class"]):
        progress(f"  {lab}: 新 F1 = {new['f1_per_class'][lab]:.3f}，基线 F1 = {baseline['f1_per_class'][lab]:.3f}")
    progress(f"最终拟合：全部标注数据 {len(all_docs)} 条（含测试集留言）……")
    final_meta = dict(meta, train_size=len(all_docs), refit_on_all_labelled=True,
                      heldout=new, heldout_note="训练部分拟合的模型在留出集上的成绩；发布文件在全部标注数据上重新拟合",
                      comparison={"baseline": baseline, **({"previous_shipped": previous} if previous else {})})
    linear = fit_topic_nbsvm(all_docs, all_titles, all_labels, final_meta)
    out.parent.mkdir(parents=True, exist_ok=True)
    linear.save(out)
    progress(f"模型已写入 {out}（{out.stat().st_size / 1e6:.1f} MB），用时 {time.time() - t0:.0f} 秒")
    return {"new": new, "baseline": baseline, "previous": previous}
