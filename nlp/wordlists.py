"""The NLP stage's word lists on disk (user dictionary, stopwords) and the reader every list shares."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
USERDICT_PATH = DATA_DIR / "userdict.txt"
STOPWORDS_PATH = DATA_DIR / "stopwords.txt"


def load_wordlist(path: Path) -> list[str]:
    """One entry per line; blank lines and lines starting with '#' are ignored."""
    words = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#"):
                words.append(line)
    return words
