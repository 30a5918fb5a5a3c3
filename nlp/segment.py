"""Word segmentation: one jieba tokenizer per process with our government-domain dictionary.

jieba's global tokenizer builds its prefix dictionary lazily on the first cut (about a second),
so we build a private ``jieba.Tokenizer`` once, under a lock, and share it. Using a private
instance keeps our user dictionary from leaking into other code that imports jieba.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yuqing.nlp.segmenter import Segmenter

_SEGMENTER: Segmenter | None = None
_LOCK = threading.Lock()


def get_segmenter() -> Segmenter:
    """The process-wide Segmenter, built on first use (thread-safe)."""
    global _SEGMENTER
    seg = _SEGMENTER
    if seg is None:
        with _LOCK:
            if _SEGMENTER is None:
                from yuqing.nlp.segmenter import Segmenter  # jieba loads here, not when a command merely names the component

                _SEGMENTER = Segmenter()
            seg = _SEGMENTER
    return seg
