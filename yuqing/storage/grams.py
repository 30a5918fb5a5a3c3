"""Character bigrams of folded text: the candidate index that makes expression search exact (every backend).

``Query.matches`` means substring of the folded title/content (``yuqing.query_ast.fold``). A jieba token index
cannot promise that (「小区」 in a text cut 小/区内 is no token), a bigram index can: a document containing a word
contains every bigram of it, in a row. The index holds, for each field, the bigrams of its folded text whose two
characters are both *plain* (ASCII letters/digits, CJK unified ideographs: what every full-text tokenizer keeps as
token characters), space-separated, in text order; a word is looked up as the phrases of its runs of consecutive
plain bigrams (``lookup_phrases``), each of which occurs in a row in any document containing the word. A word with no
plain bigram (a single character, 「A-1」) gives no lookup: the caller scans.
"""

from __future__ import annotations

from yuqing.query_ast import fold


def _plain(ch: str) -> bool:
    return ("\u4e00" <= ch <= "\u9fff") or (ch.isascii() and ch.isalnum())


def _bigrams(folded: str) -> list[str | None]:
    """The bigram at each start, None where one of its characters is not plain."""
    return [folded[i:i + 2] if _plain(folded[i]) and _plain(folded[i + 1]) else None for i in range(len(folded) - 1)]


def gram_text(text: str | None) -> str:
    """What the index holds for one field: the plain bigrams of ``fold(text)``, space-separated, in order."""
    return " ".join(g for g in _bigrams(fold(text or "")) if g)


def lookup_phrases(folded_word: str) -> list[str]:
    """The phrases (space-separated bigrams) a document containing the folded word holds each of, in a row; []
    when the word has no plain bigram."""
    runs: list[list[str]] = [[]]
    for g in _bigrams(folded_word):
        if g:
            runs[-1].append(g)
        elif runs[-1]:
            runs.append([])
    return list(dict.fromkeys(" ".join(r) for r in runs if r))


def gram_values(values: dict) -> dict:
    """The bigram fields a store writes beside a document whose title and content are being written (Elasticsearch
    keeps them on the document); none when this write leaves the text alone (a masked post's re-crawl)."""
    if "title" not in values or "content" not in values:
        return {}
    return {"title_grams": gram_text(values["title"]), "content_grams": gram_text(values["content"]), "grams": 1}
