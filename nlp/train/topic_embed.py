"""fastText-style topic classifier, trained on numpy/scipy and exported as a linear table.

Model: the document's feature buckets are embedded (``dim`` per bucket), summed with the same
L2-normalised sublinear TF-IDF values the SVM uses as weights, and mapped to class logits by one linear
layer; trained with cross-entropy (Adam, a few epochs, like fastText). There is no non-linearity between
the bag and the output, so logits = x · (E Wᵀ) + b: the product E Wᵀ is a (buckets × classes) table and
the trained model runs at inference exactly like the SVM (nlp.linear.LinearModel), at the same cost.
The low-rank factorisation and the early stop are what make it differ from the SVM.

The embedding rows get lazy ("sparse") Adam, as PyTorch's SparseAdam does: only the rows of the buckets
in a batch have their moments updated. Written on numpy so retraining needs no deep-learning framework
(the first version used PyTorch; this one gave the same cross-validated figure, see MODELS.md).
"""

from __future__ import annotations

import numpy as np

BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


class _Adam:
    """Adam moments for one parameter array; ``step`` updates all of it or only the given rows."""

    def __init__(self, shape: tuple[int, ...], lr: float):
        self.m = np.zeros(shape, dtype=np.float64)
        self.v = np.zeros(shape, dtype=np.float64)
        self.lr, self.t = lr, 0

    def step(self, param: np.ndarray, grad: np.ndarray, rows: np.ndarray | None = None) -> None:
        self.t += 1
        m, v = (self.m, self.v) if rows is None else (self.m[rows], self.v[rows])
        m = m + (1 - BETA1) * (grad - m)
        v = v + (1 - BETA2) * (grad * grad - v)
        size = self.lr * np.sqrt(1 - BETA2 ** self.t) / (1 - BETA1 ** self.t)
        update = size * m / (np.sqrt(v) + EPS)
        if rows is None:
            self.m, self.v = m, v
            param -= update
        else:
            self.m[rows], self.v[rows] = m, v
            param[rows] -= update


def train_embed(X, y: list[int], n_classes: int, dim: int = 64, epochs: int = 3, lr: float = 3e-3,
                batch: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(weights buckets × classes, bias) of the collapsed model; ``X`` is the CSR TF-IDF matrix.

    Deterministic for a given seed (fixed initialisation and shuffles, float64 arithmetic).
    """
    X = X.tocsr()
    used = np.unique(X.indices)  # buckets never seen in training keep a zero row: no need to embed them
    local = X[:, used].tocsr()
    rng = np.random.default_rng(seed)
    emb = rng.uniform(-1.0 / dim, 1.0 / dim, size=(len(used), dim))
    out_w = np.zeros((n_classes, dim))
    out_b = np.zeros(n_classes)
    adam_e, adam_w, adam_b = _Adam(emb.shape, lr), _Adam(out_w.shape, lr), _Adam(out_b.shape, lr)
    target = np.asarray(y)
    for _ in range(epochs):
        order = rng.permutation(local.shape[0])
        for s in range(0, len(order), batch):
            b = order[s:s + batch]
            sub = local[b]
            rows = np.unique(sub.indices)
            sub_rows = sub[:, rows]  # batch × rows-in-batch
            h = sub_rows @ emb[rows]  # bag of embeddings, weighted by TF-IDF
            logits = h @ out_w.T + out_b
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(b)), target[b]] -= 1.0
            g = p / len(b)  # d(mean cross-entropy)/d(logits)
            grad_h = g @ out_w
            grad_w, grad_b = g.T @ h, g.sum(axis=0)
            grad_e = np.asarray(sub_rows.T @ grad_h)
            adam_e.step(emb, grad_e, rows)
            adam_w.step(out_w, grad_w)
            adam_b.step(out_b, grad_b)
    weights = np.zeros((X.shape[1], n_classes))
    weights[used] = emb @ out_w.T
    return weights, out_b.copy()
