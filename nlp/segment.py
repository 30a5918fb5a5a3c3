"""Word segmentation: one jieba tokenizer per process with our government-domain dictionary.

jieba's global tokenizer builds its prefix dictionary lazily on the first cut (about a second),
so we build a private ``jieba.Tokenizer`` once, under a lock, and share it. Using a private
instance keeps our user dictionary from leaking into other code that imports jieba.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import jieba

DATA_DIR = Path(__file__).resolve().parent / "data"
USERDICT_PATH = DATA_DIR / "userdict.txt"
STOPWORDS_PATH = DATA_DIR / "stopwords.txt"

# Punctuation, symbols and whitespace: a token made only of these is never a content word.
_PUNCT_RE = re.compile(r"^[\s\W_]+$", re.UNICODE)
# A lone digit or a bare number carries no topic; multi-character codes like 12345 are in the dict.
_NUMBER_RE = re.compile(r"^[0-9０-９.．%％]+$")
_CONTENT_CACHE_MAX = 200_000


def load_wordlist(path: Path) -> list[str]:
    """One entry per line; blank lines and lines starting with '#' are ignored."""
    words = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#"):
                words.append(line)
    return words


class Segmenter:
    """A jieba tokenizer loaded with nlp/data/userdict.txt, plus our stopword list."""

    def __init__(self, userdict: Path | None = USERDICT_PATH, stopwords: Path | None = STOPWORDS_PATH):
        # jieba logs "Building prefix dict..." at DEBUG/INFO; keep CLI output clean.
        jieba.setLogLevel(logging.WARNING)
        self._tok = jieba.Tokenizer()
        self._tok.initialize()
        self.userdict_size = 0
        if userdict is not None:
            for word in load_wordlist(Path(userdict)):
                # freq=None lets jieba pick a frequency just high enough to keep the word whole,
                # without demoting common words it already knows.
                self._tok.add_word(word)
                self.userdict_size += 1
        self.stopwords: frozenset[str] = frozenset(load_wordlist(Path(stopwords))) if stopwords else frozenset()
        # token -> is it a content word? Tokens repeat across documents, so the two regex matches
        # per token are paid once per distinct token. Bounded: cleared when full.
        self._is_content: dict[str, bool] = {}

    def cut(self, text: str) -> list[str]:
        """All tokens of ``text`` in order (accurate mode, HMM on), whitespace tokens dropped."""
        if not isinstance(text, str):
            raise TypeError(f"分词输入必须是字符串，收到的是 {type(text).__name__}")
        return [t for t in self._tok.cut(text) if not t.isspace()]

    def is_content_word(self, token: str) -> bool:
        return not (
            token in self.stopwords
            or _PUNCT_RE.match(token) is not None
            or _NUMBER_RE.match(token) is not None
        )

    def content_words(self, tokens: list[str]) -> list[str]:
        """Tokens without stopwords, punctuation/symbols and bare numbers."""
        cache = self._is_content
        get = cache.get
        out = []
        for t in tokens:
            ok = get(t)
            if ok is None:
                ok = self.is_content_word(t)
                if len(cache) >= _CONTENT_CACHE_MAX:
                    cache.clear()
                cache[t] = ok
            if ok:
                out.append(t)
        return out


_SEGMENTER: Segmenter | None = None
_LOCK = threading.Lock()


def get_segmenter() -> Segmenter:
    """The process-wide Segmenter, built on first use (thread-safe)."""
    global _SEGMENTER
    seg = _SEGMENTER
    if seg is None:
        with _LOCK:
            if _SEGMENTER is None:
                _SEGMENTER = Segmenter()
            seg = _SEGMENTER
    return seg
