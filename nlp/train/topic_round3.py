"""Round-3 topic recipe (before issue 15), kept so its figures in nlp/data/MODELS.md can be reproduced: LinearSVC
mixed with a fastText-style model on nlp.linear.topic_features, reply messages pseudo-labelled by the department
their official reply names. ``yuqing train topic`` runs the issue-15 recipe (nlp.train.topic.train_topic)."""

from __future__ import annotations

import datetime as _dt
import re
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from nlp.linear import HASH_BITS, LinearModel, topic_features
from nlp.segment import get_segmenter
from nlp.train.common import Progress, _export, _read_csv, count_matrix, fit_idf, macro_f1, save_scored, tfidf
from nlp.train.topic import (
    TOPIC_MODEL_PATH,
    TOPIC_SVM_C,
    TOPIC_TEMPERATURE,
    TOPIC_TEST_FRACTION,
    _dedupe_tokens,
    raw_message_text,
    topic_datasets,
    topic_raw_split,
)

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
