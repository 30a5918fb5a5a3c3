"""Topic model: first-level category of a citizen message (7 labelled classes of the taxonomy)."""

from __future__ import annotations

import datetime as _dt
import time
from collections import Counter, defaultdict
from pathlib import Path

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


def topic_datasets(data_dir: Path, progress: Progress = print):
    """Training docs (content-word lists) and labels, plus the held-out raw docs and labels."""
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
    return docs, labels, test_docs, [r["一级标签"] for r in test_raw]


# --- topic ------------------------------------------------------------------------------------------
TOPIC_SVM_C = 3.0
# LinearSVC margins are roughly in [-1.5, 1.5]; this temperature turns them into a usable softmax.
TOPIC_TEMPERATURE = 4.0


def evaluate_topic(model, docs: list[list[str]], labels: list[str]) -> dict:
    pred = [model.predict_content(d)[0] for d in docs]
    per_class = {lab: macro_f1(labels, pred, [lab]) for lab in sorted(set(labels))}
    acc = sum(p == t for p, t in zip(pred, labels)) / len(labels)
    return {"macro_f1": macro_f1(labels, pred, sorted(set(labels))), "accuracy": acc,
            "n": len(labels), "f1_per_class": per_class}


def fit_topic(docs: list[list[str]], labels: list[str], c: float = TOPIC_SVM_C, meta: dict | None = None) -> LinearModel:
    from sklearn.svm import LinearSVC

    counts = count_matrix([topic_features(d) for d in docs])
    idf = fit_idf(counts)
    clf = LinearSVC(C=c).fit(tfidf(counts, idf), labels)
    return _export(clf, idf, dict(meta or {}), weight_scale=TOPIC_TEMPERATURE)


def train_topic(data_dir: Path, out: Path | None = None, progress: Progress = print) -> dict:
    from nlp.topic import TopicModel

    t0 = time.time()
    data_dir = Path(data_dir)
    out = Path(out) if out else TOPIC_MODEL_PATH
    progress("【主题模型】读取并分词政务留言数据……")
    docs, labels, test_docs, test_labels = topic_datasets(data_dir, progress)
    progress(f"训练样本 {len(docs)} 条，测试样本（原始留言，未参与训练）{len(test_docs)} 条")
    progress("训练线性 SVM（哈希特征：词、词二元组、字 2-3 元组）……")
    meta = {
        "kind": "topic", "trained": _dt.date.today().isoformat(), "features": "topic_features (hashed)",
        "hash_bits": HASH_BITS, "svm_c": TOPIC_SVM_C, "test_fraction": TOPIC_TEST_FRACTION,
        "split": "md5(留言编号) 分层", "train_size": len(docs),
    }
    linear = fit_topic(docs, labels, TOPIC_SVM_C, meta)
    out.parent.mkdir(parents=True, exist_ok=True)
    linear.save(out)
    shipped = LinearModel.load(out)  # score what ships (float16 weights)
    metrics = evaluate_topic(TopicModel(shipped), test_docs, test_labels)
    shipped.meta["heldout"] = metrics
    shipped.save(out)
    progress(f"测试集（原始留言）macro-F1 = {metrics['macro_f1']:.4f}，准确率 = {metrics['accuracy']:.4f}")
    for lab, f in metrics["f1_per_class"].items():
        progress(f"  {lab}: F1 = {f:.3f}")
    progress(f"模型已写入 {out}（{out.stat().st_size / 1e6:.1f} MB），用时 {time.time() - t0:.0f} 秒")
    return metrics
