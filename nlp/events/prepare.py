"""Turning input records into :class:`ClusterDoc` — with the full analyzer, or cheaply for benchmarks.

``quick_analysis`` uses the same building blocks as the NLP pipeline (normalisation, our jieba segmenter,
content-word filter, SimHash) but caches segmentation per sentence: jieba cuts text into blocks at
punctuation anyway, so cutting sentence by sentence gives the same tokens, and generated posts repeat
sentences, which makes preparing 100,000 documents affordable. Sentiment, topic and department are not
computed there (the benchmark times clustering, not NLP).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from yuqing.nlp.events.features import ClusterDoc
from yuqing.clock import parse_time

_SENTENCE_RE = re.compile(r"[^。！？!?\n]+[。！？!?\n]*")


@lru_cache(maxsize=200_000)
def _cut_sentence(sentence: str) -> tuple[str, ...]:
    from yuqing.nlp.segment import get_segmenter

    return tuple(get_segmenter().cut(sentence))


def quick_analysis(record: dict[str, Any], *, clean: bool = True) -> dict[str, Any]:
    """text, tokens, content_words and simhash (hex) for a record with title/content.

    ``clean=False`` skips normalisation (about two thirds of the cost) for text known to be clean Simplified.
    """
    from yuqing.nlp.normalize import normalize
    from yuqing.nlp.segment import get_segmenter
    from yuqing.nlp.simhash import simhash, to_hex

    norm = normalize if clean else (lambda s: s.strip())
    title = norm(record.get("title") or "")
    body = norm(record.get("content") or "")
    text = "\n".join(p for p in (title, body) if p)
    tokens: list[str] = []
    for sentence in _SENTENCE_RE.findall(text):
        tokens.extend(_cut_sentence(sentence))
    content = get_segmenter().content_words(tokens)
    return {"text": text, "tokens": tokens, "content_words": content, "simhash": to_hex(simhash(content))}


def record_time(record: dict[str, Any], field: str = "published_at") -> datetime:
    at = parse_time(record.get(field), field=field)
    if at is None:
        raise ValueError(f"缺少 {field}（事件聚类需要发布时间）")
    return at


def doc_from_record(record: dict[str, Any], analysis: dict[str, Any] | None = None, *, id_key: str = "id",
                    at: datetime | None = None) -> ClusterDoc:
    """A ClusterDoc from an analyze input/output record (``analysis`` defaults to the record itself)."""
    a = analysis if analysis is not None else record
    return ClusterDoc.from_analysis(
        str(record[id_key]), a, at or record_time(record), title=record.get("title") or "",
        source=record.get("source") or "", region=record.get("region"), likes=record.get("likes") or 0,
        dislikes=record.get("dislikes") or 0, replies=record.get("replies") or 0, reposts=record.get("reposts") or 0)
