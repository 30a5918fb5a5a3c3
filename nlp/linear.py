"""Small linear text classifiers that run on numpy alone.

Training (yuqing.nlp.train) fits scikit-learn models on sublinear TF-IDF over hashed n-gram features; we
export idf and weights per hash bucket into a compressed .npz, so inference needs no sklearn and no
vocabulary: the features of a document are hashed in bulk with numpy (no Python string per n-gram)
and scored with a few array ops. The same feature functions are used at training and at inference,
so the two cannot drift apart.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import numpy as np

# Place codes anonymised by the message-board organiser (A市, A3区, B7县, 西地省) and plain
# addresses: they say where, not what, and labeled_tokens.csv already had place words removed.
_PLACE_RE = re.compile(r"^(?:[A-Za-z]\d{0,3}|[A-Za-z]\d{0,3}[市区县镇乡村省]|西地省|西地|省|市|区|县|镇|乡)$")
_SPACE_RE = re.compile(r"\s+")
_NOISE_RE = re.compile(r"_x000D_|https?://\S+|\d{3,4}-\d{7,8}|\*{3,}")


def clean_text(text: str) -> str:
    """Text with whitespace and scraping artefacts (_x000D_, urls, masked phones) removed."""
    return _SPACE_RE.sub("", _NOISE_RE.sub(" ", text)).lower()


# --- hashed n-gram features --------------------------------------------------------------------
# Every feature (word, word bigram, char n-gram) is a substring of the joined tokens, so one
# prefix-hash array per document gives all their hashes with a few numpy ops and no Python string
# per feature. Arithmetic is modulo 2**64 (numpy uint64 wraps), so hashes are identical on every
# machine and at training and inference time.
HASH_BITS = 20
_P = 0x100000001B3  # odd, so it is invertible modulo 2**64
_PINV = pow(_P, -1, 1 << 64)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of h * _MIX are well spread
_KIND_SALT = {"w": 0x51ED270B27CB7A1D, "b": 0x2545F4914F6CDD1D, "c": 0xD6E8FEB86659FD93}
_POW_LOCK = threading.Lock()
_pow_p = np.ones(1, dtype=np.uint64)
_pow_q = np.ones(1, dtype=np.uint64)


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P**j and P**-j (mod 2**64) for j < n, grown on demand and shared by all documents."""
    global _pow_p, _pow_q
    if len(_pow_p) < n:
        with _POW_LOCK:
            if len(_pow_p) < n:
                size = max(n, 2 * len(_pow_p), 4096)
                with np.errstate(over="ignore"):
                    p = np.full(size, _P, dtype=np.uint64)
                    p[0] = 1
                    q = np.full(size, _PINV, dtype=np.uint64)
                    q[0] = 1
                    _pow_p, _pow_q = np.cumprod(p, dtype=np.uint64), np.cumprod(q, dtype=np.uint64)
    return _pow_p, _pow_q


def _lower_tokens(tokens: list[str]) -> tuple[str, list[str]]:
    s = "".join(tokens)
    low = s.lower()
    if len(low) == len(s):
        return low, tokens
    toks = [t.lower() for t in tokens]  # rare: lower() changed a length (e.g. 'İ')
    return "".join(toks), toks


def hashed_ngrams(tokens: list[str], char_lo: int, char_hi: int, bits: int = HASH_BITS) -> np.ndarray:
    """Bucket ids of the words, word bigrams and char n-grams of the (lowercased) token sequence.

    Char n-grams run over the joined tokens, across word boundaries, like n-grams of the text.
    """
    if not tokens:
        return np.zeros(0, dtype=np.int64)
    joined, toks = _lower_tokens(tokens)
    n = len(joined)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    pp, pq = _powers(n + 1)
    with np.errstate(over="ignore"):
        prefix = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(codes * pq[:n], out=prefix[1:])
        lens = np.fromiter(map(len, toks), dtype=np.int64, count=len(toks))
        ends = np.cumsum(lens)
        starts = ends - lens
        parts_a = [starts, starts[:-1]]
        parts_b = [ends, ends[1:]]
        # word: salt w; bigram: salt b plus the split point, so 'ab|c' differs from 'a|bc'
        salts = [np.full(len(starts), _KIND_SALT["w"], dtype=np.uint64),
                 np.uint64(_KIND_SALT["b"]) + lens[:-1].astype(np.uint64) * np.uint64(0x9E37)]
        for k in range(char_lo, char_hi + 1):
            if n >= k:
                a = np.arange(n - k + 1)
                parts_a.append(a)
                parts_b.append(a + k)
                salts.append(np.full(n - k + 1, _KIND_SALT["c"], dtype=np.uint64))
        a = np.concatenate(parts_a)
        b = np.concatenate(parts_b)
        h = (prefix[b] - prefix[a]) * pp[a]  # sum codes[j] * P**-(j-a): position independent
        h = (h + np.concatenate(salts) + (b - a).astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)) * _MIX
    return (h >> np.uint64(64 - bits)).astype(np.int64)


def topic_features(content_tokens: list[str], bits: int = HASH_BITS) -> np.ndarray:
    """Hashed features for the topic model: content words, word bigrams and char 2-3 grams.

    Built from content words only (stopwords and place codes dropped) so raw messages look like the
    token-only training data.
    """
    toks = [t for t in content_tokens if _PLACE_RE.match(t) is None]
    return hashed_ngrams(toks, 2, 3, bits)


def sentiment_features(tokens: list[str], char_lo: int = 2, char_hi: int = 3, bits: int = HASH_BITS) -> np.ndarray:
    """Hashed features for sentiment: all words (negations kept), word bigrams, char n-grams."""
    return hashed_ngrams(tokens, char_lo, char_hi, bits)


def tfidf_rows(ids: np.ndarray, idf: np.ndarray, counted: tuple[np.ndarray, np.ndarray] | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """(bucket ids, L2-normalised sublinear TF-IDF values) of one document's feature buckets. ``counted``: the
    (unique ids, counts) of ``ids`` when a caller already has them (two models over the same features)."""
    ids, tf = counted if counted is not None else np.unique(ids, return_counts=True)
    x = (1.0 + np.log(tf)).astype(np.float32) * idf[ids]
    norm = float(np.sqrt(x @ x))
    if norm > 0:
        x /= norm
    return ids, x

class LinearModel:
    """Softmax (or one-vs-rest sigmoid) linear model over hashed sublinear-TF-IDF features.

    ``idf`` has one entry per hash bucket (0 for buckets seen in fewer than two training texts,
    which drops them, like min_df=2); ``weights`` is (buckets, classes).
    """

    def __init__(self, idf: np.ndarray, weights: np.ndarray, bias: np.ndarray, classes: list[str],
                 meta: dict | None = None):
        if weights.ndim != 2 or weights.shape != (len(idf), len(classes)) or bias.shape != (len(classes),):
            raise ValueError(
                f"模型文件不一致：idf {idf.shape}，权重 {weights.shape}，偏置 {bias.shape}，类别 {len(classes)}"
            )
        buckets = len(idf)
        if buckets & (buckets - 1):
            raise ValueError(f"模型文件不一致：哈希桶数 {buckets} 不是 2 的幂")
        self.bits = buckets.bit_length() - 1
        self.idf = np.ascontiguousarray(idf, dtype=np.float32)
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.bias = bias.astype(np.float32)
        self.classes = list(classes)
        self.meta = dict(meta or {})
        self.output = self.meta.get("output", "softmax")

    # --- persistence -------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        # Only rows with a non-zero weight are stored; float16 halves the file again.
        rows = np.flatnonzero(np.any(self.weights != 0, axis=1)).astype(np.int32)
        np.savez_compressed(
            path,
            idf=self.idf.astype(np.float16),
            rows=rows,
            weights=self.weights[rows].astype(np.float16),
            bias=self.bias.astype(np.float32),
            classes=np.array("\n".join(self.classes)),
            meta=np.array(json.dumps(self.meta, ensure_ascii=False)),
        )

    @classmethod
    def load(cls, path: str | Path) -> "LinearModel":
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"找不到模型文件：{path}（可用 `yuqing train sentiment|topic` 重新训练）")
        try:
            with np.load(path, allow_pickle=False) as z:
                classes = str(z["classes"]).split("\n")
                meta = json.loads(str(z["meta"]))
                idf = z["idf"].astype(np.float32)
                rows = z["rows"]
                weights = np.zeros((len(idf), len(classes)), dtype=np.float32)
                weights[rows] = z["weights"]
                return cls(idf, weights, z["bias"], classes, meta)
        except (KeyError, ValueError, OSError, IndexError) as exc:
            raise ValueError(f"模型文件 {path} 无法读取：{exc}") from exc

    # --- inference ---------------------------------------------------------------------------
    def decision(self, feature_ids: np.ndarray, counted: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """Raw linear scores, one per class, from the hashed feature buckets of one document (``counted``: their
        np.unique(..., return_counts=True), when already computed)."""
        if len(feature_ids) == 0:
            return self.bias.copy()
        ids, x = tfidf_rows(feature_ids, self.idf, counted)
        return x @ self.weights[ids] + self.bias

    def proba(self, feature_ids: np.ndarray, counted: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        z = self.decision(feature_ids, counted)
        if self.output == "sigmoid":
            p = 1.0 / (1.0 + np.exp(-z))
            return p / p.sum()
        z = z - z.max()
        e = np.exp(z)
        return e / e.sum()


_MODEL_CACHE: dict[tuple[type, str], object] = {}
_MODEL_LOCK = threading.Lock()


def load_cached(wrapper: type, path: str | Path | None, default_path: Path):
    """``wrapper(LinearModel)`` for the file at ``path`` (the shipped model when None), one per process:
    models are read-only once loaded, and loading one costs far more than a document's analysis."""
    key = (wrapper, str(Path(path).resolve()) if path else str(default_path))
    with _MODEL_LOCK:
        model = _MODEL_CACHE.get(key)
        if model is None:
            model = _MODEL_CACHE[key] = wrapper(LinearModel.load(key[1]))
    return model
