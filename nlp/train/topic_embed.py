"""fastText-style topic classifier, trained with PyTorch (training only) and exported as a linear table.

Model: the document's feature buckets are embedded (EmbeddingBag, ``dim`` per bucket), summed with the
same L2-normalised sublinear TF-IDF values the SVM uses as weights, and mapped to class logits by one
linear layer; trained with cross-entropy (Adam, a few epochs, like fastText). There is no non-linearity
between the bag and the output, so logits = x · (E Wᵀ) + b: the product E Wᵀ is a (buckets × classes)
table and the trained model runs at inference exactly like the SVM (nlp.linear.LinearModel), on numpy,
at the same cost. The low-rank factorisation and the early stop are what make it differ from the SVM.
"""

from __future__ import annotations

import numpy as np


def train_embed(X, y: list[int], n_classes: int, dim: int = 64, epochs: int = 3, lr: float = 3e-3,
                batch: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(weights buckets × classes, bias) of the collapsed model; ``X`` is the CSR TF-IDF matrix.

    Deterministic for a given seed: one thread, fixed shuffles.
    """
    try:
        import torch
    except ImportError as exc:  # training-only dependency
        raise RuntimeError("训练主题模型需要 PyTorch（pip install 'yuqing[train]'）") from exc

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        emb = torch.nn.EmbeddingBag(X.shape[1], dim, mode="sum", sparse=True)
        torch.nn.init.uniform_(emb.weight, -1.0 / dim, 1.0 / dim)
        out = torch.nn.Linear(dim, n_classes)
        torch.nn.init.zeros_(out.weight)
        torch.nn.init.zeros_(out.bias)
        opt_sparse = torch.optim.SparseAdam(list(emb.parameters()), lr=lr)
        opt_dense = torch.optim.Adam(list(out.parameters()), lr=lr)
        target = torch.tensor(y)
        for _ in range(epochs):
            order = rng.permutation(X.shape[0])
            for s in range(0, len(order), batch):
                b = order[s:s + batch]
                sub = X[b]
                logits = out(emb(torch.from_numpy(sub.indices.astype(np.int64)),
                                 torch.from_numpy(sub.indptr[:-1].astype(np.int64)),
                                 per_sample_weights=torch.from_numpy(sub.data.astype(np.float32))))
                loss = torch.nn.functional.cross_entropy(logits, target[b])
                opt_sparse.zero_grad()
                opt_dense.zero_grad()
                loss.backward()
                opt_sparse.step()
                opt_dense.step()
        with torch.no_grad():
            weights = (emb.weight @ out.weight.T).numpy().astype(np.float64)
            bias = out.bias.numpy().astype(np.float64)
    finally:
        torch.set_num_threads(threads)
    return weights, bias
