"""64-bit SimHash over tokens for near-duplicate detection (reposts, lightly edited copies).

Token hashes come from blake2b, not Python's ``hash()``, so a fingerprint computed today in one
process equals the one computed tomorrow in another (PYTHONHASHSEED randomises ``hash``).
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from hashlib import blake2b

import numpy as np

_SHIFTS64 = np.arange(64, dtype=np.uint64)


@lru_cache(maxsize=200_000)
def _token_hash(token: str, nbytes: int) -> int:
    return int.from_bytes(blake2b(token.encode("utf-8"), digest_size=nbytes).digest(), "big")


def simhash(tokens: list[str], bits: int = 64) -> int:
    """SimHash of ``tokens`` weighted by term frequency; 0 for an empty list."""
    if bits <= 0 or bits % 8:
        raise ValueError(f"bits 必须是 8 的正整数倍，收到 {bits}")
    nbytes = bits // 8
    counts = Counter(t for t in tokens if t and not t.isspace())
    if not counts:
        return 0
    if bits <= 64:
        # Vectorised: one row of bits per distinct token, weighted votes per bit position.
        hashes = np.fromiter((_token_hash(t, nbytes) for t in counts), dtype=np.uint64, count=len(counts))
        weights = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        planes = ((hashes[:, None] >> _SHIFTS64[:bits]) & np.uint64(1)).astype(np.int64)
        votes = weights @ (2 * planes - 1)
        return sum(1 << i for i in np.flatnonzero(votes > 0).tolist())
    acc = [0] * bits
    for token, weight in counts.items():
        h = _token_hash(token, nbytes)
        for i in range(bits):
            if (h >> i) & 1:
                acc[i] += weight
            else:
                acc[i] -= weight
    out = 0
    for i in range(bits):
        if acc[i] > 0:
            out |= 1 << i
    return out


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two fingerprints."""
    return (a ^ b).bit_count()


def to_hex(h: int, bits: int = 64) -> str:
    """Fixed-width lowercase hex (16 digits for 64 bits), safe to store and compare as text."""
    return format(h, f"0{bits // 4}x")


def from_hex(s: str) -> int:
    try:
        return int(s, 16)
    except (TypeError, ValueError):
        raise ValueError(f"不是十六进制的 SimHash 值：{s!r}") from None
