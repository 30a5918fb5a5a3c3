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


# Fast 64-bit path: each token's hash is "spread" once into a big int with one 16-bit lane per
# hash bit (lane i = bit i of the hash) plus lane 64 = 1 for a counted token. Summing the spread
# ints of a document's tokens counts, per bit, the weight of tokens with that bit set (S_i) and the
# total weight (W) in a single Python int addition per token; bit i of the SimHash is set when its
# vote S_i - (W - S_i) is positive, i.e. 2*S_i > W — exactly the vote of the general path below.
_LANE = 16
_MAX_FAST_TOKENS = (1 << _LANE) - 1  # longer token lists could overflow a lane: general path
_COUNTED = 1 << (64 * _LANE)
_SPREAD: dict[str, int] = {}
_SPREAD_MAX = 1 << 16  # distinct tokens kept (~170 bytes each); cleared when full, so memory is bounded


def _spread(token: str) -> int:
    if not token or token.isspace():
        value = 0  # not counted, as in the general path
    else:
        h = int.from_bytes(blake2b(token.encode("utf-8"), digest_size=8).digest(), "big")  # = _token_hash(token, 8)
        value = _COUNTED
        for i in range(64):
            if (h >> i) & 1:
                value |= 1 << (_LANE * i)
    if len(_SPREAD) >= _SPREAD_MAX:
        _SPREAD.clear()
    _SPREAD[token] = value
    return value


def _simhash64(tokens: list[str]) -> int:
    get = _SPREAD.get
    acc = 0
    for t in tokens:
        v = get(t)
        acc += _spread(t) if v is None else v
    if not acc:
        return 0
    lanes = np.frombuffer(acc.to_bytes(65 * _LANE // 8, "little"), dtype="<u2").astype(np.int64)
    return sum(1 << i for i in np.flatnonzero(2 * lanes[:64] > lanes[64]).tolist())


def simhash(tokens: list[str], bits: int = 64) -> int:
    """SimHash of ``tokens`` weighted by term frequency; 0 for an empty list."""
    if bits <= 0 or bits % 8:
        raise ValueError(f"bits 必须是 8 的正整数倍，收到 {bits}")
    if not isinstance(tokens, (list, tuple)):
        tokens = list(tokens)
    if bits == 64 and len(tokens) <= _MAX_FAST_TOKENS:
        return _simhash64(tokens)
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
