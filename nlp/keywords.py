"""TF-IDF keywords over already-segmented tokens.

The IDF table is jieba's own (jieba/analyse/idf.txt, part of the installed package, ~350k
words from a general corpus), loaded once per process. Words it does not know get the median
IDF, as jieba.analyse does.
"""

from __future__ import annotations

import heapq
import re
import threading
from functools import lru_cache
from pathlib import Path

# Anonymised or real place codes (A3区, B市, C4县, L1区) and bare codes are noise as keywords.
_PLACE_CODE_RE = re.compile(r"^[A-Za-z]{1,2}\d{0,3}(?:区|市|县|镇|乡|村|省|州|街道)?$")
_NUMBERISH_RE = re.compile(r"^[\d.,:%％/\-+~年月日号时分秒第万亿千百元个条项次]+$")
_HAS_WORD_RE = re.compile(r"[\u4e00-\u9fffA-Za-z]")
# Words that fill every citizen message and reply; they rank high on a general-corpus IDF but
# say nothing about what a post is about.
_GENERIC = frozenset(
    "问题 反映 情况 希望 领导 相关 部门 谢谢 您好 你好 网友 留言 回复 目前 现在 已经 没有 一个 我们 你们 他们 "
    "这个 那个 这些 那些 进行 要求 请求 请问 是否 可以 能够 需要 有关 如下 工作 感谢 支持 理解 监督 收悉 "
    "尊敬 书记 市长 处理 解决 关于 经过 以及 为了 因为 所以 但是 由于 时候 时间 一直 还是 就是 什么 怎么 "
    "如何 为什么 这样 那么 非常 特别 严重 多次 很多 不能 不是 不会 应该 本人 自己 大家 作为 告知".split()
)

_IDF: dict[str, float] | None = None
_MEDIAN_IDF = 0.0
_LOCK = threading.Lock()


def _idf_path() -> Path:
    import jieba

    return Path(jieba.__file__).resolve().parent / "analyse" / "idf.txt"


def load_idf() -> tuple[dict[str, float], float]:
    """The IDF table and its median (loaded once per process)."""
    global _IDF, _MEDIAN_IDF
    if _IDF is None:
        with _LOCK:
            if _IDF is None:
                table: dict[str, float] = {}
                with open(_idf_path(), encoding="utf-8") as fh:
                    for line in fh:
                        word, _, value = line.strip().rpartition(" ")
                        if word:
                            table[word] = float(value)
                values = sorted(table.values())
                _MEDIAN_IDF = values[len(values) // 2]
                _IDF = table
    return _IDF, _MEDIAN_IDF


@lru_cache(maxsize=200_000)  # the vocabulary is small next to the token stream
def is_keyword_candidate(token: str) -> bool:
    t = token.strip()
    return (
        len(t) >= 2
        and _HAS_WORD_RE.search(t) is not None
        and _NUMBERISH_RE.match(t) is None
        and _PLACE_CODE_RE.match(t) is None
        and t not in _GENERIC
    )


# token -> its stripped form when it is a keyword candidate, else "" (one dict lookup per token
# instead of an lru_cache call plus strip()). Bounded: cleared when full.
_CANDIDATE_WORD: dict[str, str] = {}
_CANDIDATE_CACHE_MAX = 200_000


def _candidate_word(token: str) -> str:
    word = token.strip() if is_keyword_candidate(token) else ""
    if len(_CANDIDATE_WORD) >= _CANDIDATE_CACHE_MAX:
        _CANDIDATE_WORD.clear()
    _CANDIDATE_WORD[token] = word
    return word


def keywords(tokens: list[str], k: int = 8) -> list[str]:
    """The ``k`` tokens with the highest TF-IDF, best first (ties keep first-seen order).

    ``tokens`` may be all tokens or content words; stopwords, single characters, numbers and
    place codes are filtered here anyway so any token list works.
    """
    if k <= 0:
        return []
    idf, median = load_idf()
    get = _CANDIDATE_WORD.get
    counts: dict[str, int] = {}  # insertion order = first-seen order, the tie-break
    total = 0
    for t in tokens:
        w = get(t)
        if w is None:
            w = _candidate_word(t)
        if w:
            counts[w] = counts.get(w, 0) + 1
            total += 1
    if not counts:
        return []
    idf_get = idf.get
    # (-tf·idf, first-seen rank) is unique per word; nsmallest is sorted(...)[:k] without sorting all.
    scored = [(-(c / total) * idf_get(w, median), i, w) for i, (w, c) in enumerate(counts.items())]
    return [w for _, _, w in heapq.nsmallest(k, scored)]
