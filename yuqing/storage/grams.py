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

import re

from yuqing.query_ast import fold


_PLAIN_RUN = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]{2,}")  # runs of two or more plain characters


def _runs(folded: str) -> list[str]:
    """Each run of consecutive plain bigrams, as its bigrams space-separated."""
    return [" ".join(run[i:i + 2] for i in range(len(run) - 1)) for run in _PLAIN_RUN.findall(folded)]


def gram_text(text: str | None) -> str:
    """What the index holds for one field: the plain bigrams of ``fold(text)``, space-separated, in order."""
    return " ".join(_runs(fold(text or "")))


def lookup_phrases(folded_word: str) -> list[str]:
    """The phrases (space-separated bigrams) a document containing the folded word holds each of, in a row; []
    when the word has no plain bigram."""
    return list(dict.fromkeys(_runs(folded_word)))


def gram_values(values: dict) -> dict:
    """The bigram fields a store writes beside a document whose title and content are being written (Elasticsearch
    keeps them on the document); none when this write leaves the text alone (a masked post's re-crawl)."""
    if "title" not in values or "content" not in values:
        return {}
    return {"title_grams": gram_text(values["title"]), "content_grams": gram_text(values["content"]), "grams": 1}


#: Seconds a store spends, when it opens, on indexing documents stored before the character-pair index existed; the
#: rest is done by each ``process`` run (``jobs.process``), so opening a large upgraded store never stalls a command.
OPEN_BACKFILL_SECONDS = 2.0
