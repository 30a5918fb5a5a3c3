"""What both trainers share: deterministic held-out splits, metrics, hashed TF-IDF and model export.

scikit-learn is used in training only; the exported models run on numpy (yuqing.nlp.linear.LinearModel).
Held-out splits are deterministic: an item is in the test part when it sorts among the first
fraction of its class by md5 of its id (gov messages, covid weibo) or of its text (hotel reviews),
so the tests can recompute the same scores without storing the split.
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from yuqing.nlp.linear import HASH_BITS, LinearModel

Progress = Callable[[str], None]


# --- deterministic splits ------------------------------------------------------------------------
def training_data_dir(given: Path | None) -> Path | None:
    """``--data``, else ../shared/data; None, after saying so in Chinese on stderr, when that is not a folder."""
    import sys

    from yuqing.paths import shared_data_dir

    data = given or shared_data_dir()
    if data is None or not Path(data).is_dir():
        print("错误：找不到共享数据目录，请用 --data 指定 shared/data 的路径。", file=sys.stderr)
        return None
    return Path(data)


def stable_key(s: str) -> int:
    return int(hashlib.md5(s.encode("utf-8")).hexdigest()[:15], 16)


def stratified_holdout(keys: list[str], labels: list[str], fraction: float) -> list[bool]:
    """is_test flags: per label, the first ``fraction`` of items ordered by md5(key)."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, lab in enumerate(labels):
        by_label[lab].append(i)
    flags = [False] * len(keys)
    for idx in by_label.values():
        idx.sort(key=lambda i: (stable_key(keys[i]), i))
        for i in idx[: round(fraction * len(idx))]:
            flags[i] = True
    return flags


def _read_csv(path: Path, required: Iterable[str]) -> list[dict]:
    if not path.is_file():
        raise FileNotFoundError(f"找不到数据文件：{path}（请用 --data 指向 shared/data 目录）")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    missing = [c for c in required if rows and c not in rows[0]]
    if missing:
        raise ValueError(f"{path} 缺少列：{'、'.join(missing)}")
    return rows


def macro_f1(y_true: list[str], y_pred: list[str], labels: Iterable[str] | None = None) -> float:
    labels = sorted(set(y_true) | set(y_pred)) if labels is None else list(labels)
    f1s = []
    for lab in labels:
        tp = sum(1 for t, p in zip(y_true, y_pred) if t == lab and p == lab)
        fp = sum(1 for t, p in zip(y_true, y_pred) if t != lab and p == lab)
        fn = sum(1 for t, p in zip(y_true, y_pred) if t == lab and p != lab)
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s))


def recall(y_true: list[str], y_pred: list[str], label: str) -> float:
    pos = [p for t, p in zip(y_true, y_pred) if t == label]
    return sum(1 for p in pos if p == label) / len(pos) if pos else 0.0


# --- hashed TF-IDF (same arithmetic as yuqing.nlp.linear.LinearModel.decision) -------------------------
def count_matrix(id_arrays: list[np.ndarray], bits: int = HASH_BITS):
    """CSR matrix of bucket counts, one row per document."""
    from scipy.sparse import csr_matrix

    indptr = np.zeros(len(id_arrays) + 1, dtype=np.int64)
    np.cumsum([len(a) for a in id_arrays], out=indptr[1:])
    indices = np.concatenate(id_arrays) if id_arrays else np.zeros(0, dtype=np.int64)
    X = csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(id_arrays), 1 << bits))
    X.sum_duplicates()
    return X


def fit_idf(counts, min_df: int = 2) -> np.ndarray:
    """Smoothed idf per bucket (sklearn's formula); 0 for buckets in fewer than ``min_df`` texts.

    Rounded through float16 because that is how the model file stores it.
    """
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    idf[df < min_df] = 0.0
    return idf.astype(np.float16).astype(np.float32)


def tfidf(counts, idf: np.ndarray):
    """Sublinear TF × idf, rows L2-normalised."""
    from sklearn.preprocessing import normalize as l2_normalize

    X = counts.copy()
    X.data = (1.0 + np.log(X.data)).astype(np.float32) * idf[X.indices]
    X.eliminate_zeros()
    return l2_normalize(X, copy=False)


# Buckets whose weights are kept in the shipped file (largest max-|weight| first); the rest are zeroed
# (they still count in the TF-IDF norm, so scores of kept features are unchanged). Keeps files ~3 MB.
KEEP_WEIGHT_ROWS = 250_000


def _export(clf, idf: np.ndarray, meta: dict, weight_scale: float = 1.0, scale: np.ndarray | None = None,
            keep_rows: int = KEEP_WEIGHT_ROWS) -> LinearModel:
    """LinearModel from a fitted sklearn linear classifier; ``scale`` (classes × buckets) folds a
    per-class feature scaling (NB log-count ratios) into the weights."""
    coef = np.asarray(clf.coef_, dtype=np.float64) * weight_scale
    bias = np.asarray(clf.intercept_, dtype=np.float64) * weight_scale
    if scale is not None:
        coef = coef * scale
    classes = [str(c) for c in clf.classes_]
    if coef.shape[0] == 1:  # binary sklearn models keep one row: score of classes_[1]
        coef = np.vstack([-coef / 2, coef / 2])
        bias = np.array([-bias[0] / 2, bias[0] / 2])
    weights = coef.T.astype(np.float32)
    weights[idf == 0] = 0.0  # buckets dropped by min_df never score
    importance = np.abs(weights).max(axis=1)
    if np.count_nonzero(importance) > keep_rows:
        weights[np.argsort(-importance)[keep_rows:]] = 0.0
        meta = dict(meta, kept_weight_rows=keep_rows)
    return LinearModel(idf, weights, bias.astype(np.float32), classes, meta)


def save_scored(linear: LinearModel, out: Path, score: Callable[[LinearModel], dict]) -> dict:
    """Write the model, score the file as it ships (float16 weights) and record the held-out figures in it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    linear.save(out)
    shipped = LinearModel.load(out)
    metrics = score(shipped)
    shipped.meta["heldout"] = metrics
    shipped.save(out)
    return metrics
