"""The Elasticsearch backend's index layout (mappings, analysis settings, the fields it filters and groups on) and
its error texts. See ``yuqing.storage.elasticsearch`` for the layout's description."""

from __future__ import annotations

from typing import Any

from yuqing.storage.base import StoreError


_GROUPABLE = {"source": "source", "topic": "topic_label", "department": "department", "region": "region",
              "sentiment": "sentiment_label", "kind": "kind"}
_FILTER_FIELDS = (("source", "source"), ("topic", "topic_label"), ("department", "department"),
                  ("region", "region"), ("sentiment", "sentiment_label"), ("kind", "kind"))

# Columns of a document row, as the SQLite backend has them (so row → Document conversion is shared).
DOC_COLUMNS = (
    "id", "url", "source", "kind", "title", "content", "published_at", "fetched_at", "first_seen", "updated_at", "at",
    "day", "author", "region", "category", "status", "views", "likes", "dislikes", "replies", "reply_text",
    "reply_department", "reply_at", "reply_first_seen", "fingerprint", "needs_processing", "text", "title_tokens",
    "search_tokens", "content_words", "sentiment_label", "sentiment_score", "topic_label", "topic_score", "department",
    "department_reason", "keywords", "simhash", "reply_quality", "analysis", "analyzed_at", "event_id", "duplicate_of",
    "truncated", "reposts", "author_id", "author_verified", "author_official", "author_followers", "repost_of",
)
_KW = {"type": "keyword"}
_TIME = {"type": "keyword"}  # fixed-width UTC text: exact ordering and ranges, same as the SQL backends

DOCUMENT_MAPPING = {
    "dynamic": False,  # everything else (title, content, text, analysis …) is kept in _source, not indexed
    "properties": {
        **{f: _KW for f in ("id", "source", "kind", "day", "hour", "region", "category", "status", "department",
                            "sentiment_label", "topic_label", "keywords", "event_id", "duplicate_of",
                            "reply_department", "schemes")},
        **{f: _TIME for f in ("at", "published_at", "fetched_at", "first_seen", "updated_at", "reply_at",
                              "reply_first_seen", "analyzed_at", "purged_at")},
        "url": {"type": "keyword", "index": False},
        "fingerprint": {"type": "keyword", "index": False},
        "needs_processing": {"type": "byte"},
        "has_reply": {"type": "boolean"},
        "analysis_failed": {"type": "boolean"},  # the analysis carries an analysis_error (stats count them)
        **{f: {"type": "integer"} for f in ("views", "likes", "dislikes", "replies")},
        # Social fields (migration 30 on SQL): shares, the author's account id, flags (0/1) and followers.
        **{f: {"type": "integer"} for f in ("reposts", "author_followers")},
        **{f: {"type": "byte"} for f in ("author_verified", "author_official")},
        "author_id": _KW,
        "repost_of": {"type": "keyword", "index": False},
        "sentiment_score": {"type": "float"},
        "topic_score": {"type": "float"},
        "title_tokens": {"type": "text", "analyzer": "yuqing_tokens"},
        "search_tokens": {"type": "text", "analyzer": "yuqing_tokens"},
        # Bigrams of the folded title/content (yuqing.storage.grams), the exact search's candidates; grams = 1 once set.
        "title_grams": {"type": "text", "analyzer": "yuqing_tokens"},
        "content_grams": {"type": "text", "analyzer": "yuqing_tokens"},
        "grams": {"type": "byte"},
    },
}
ANALYSIS_SETTINGS = {"analyzer": {"yuqing_tokens": {"type": "custom", "tokenizer": "whitespace",
                                                    "filter": ["lowercase"]}}}
EVENT_MAPPING = {
    "dynamic": False,
    "properties": {
        **{f: _KW for f in ("id", "keywords", "region", "topic", "department")},
        **{f: _TIME for f in ("first_seen", "last_seen", "updated_at")},
        **{f: {"type": "integer"} for f in ("doc_count", "source_count", "negative", "neutral", "positive")},
        "heat": {"type": "double"},
    },
}
EVENT_LOG_MAPPING = {"dynamic": False, "properties": {"event_id": _KW, "at": _TIME, "seq": {"type": "long"},
                                                      "action": _KW}}
RAW_MAPPING = {"dynamic": False, "properties": {"doc_id": _KW, "fetched_at": _TIME}}

_RETRYABLE = {429, 500, 502, 503, 504}
_PAGE = 1000


class BulkWriteError(StoreError):
    """Some bulk items could not be written even after retries; ``failures`` maps id → reason."""

    def __init__(self, what: str, failures: dict[str, str]):
        self.failures = failures
        shown = "；".join(f"{k}：{v}" for k, v in list(failures.items())[:5])
        more = f" 等（共 {len(failures)} 条）" if len(failures) > 5 else ""
        super().__init__(f"{what}有 {len(failures)} 条写入 Elasticsearch 失败：{shown}{more}。"
                         f"写入是幂等的，可直接重试；请检查集群状态与磁盘空间")


def _reason(exc: Any) -> str:
    try:
        err = exc.body.get("error") if isinstance(exc.body, dict) else None
        if isinstance(err, dict):
            return f"{err.get('type')}: {err.get('reason')}"
    except AttributeError:
        pass
    return str(exc)


def _item_reason(result: dict[str, Any]) -> str:
    err = result.get("error")
    if isinstance(err, dict):
        return f"HTTP {result.get('status')} {err.get('type')}: {err.get('reason')}"
    return f"HTTP {result.get('status')} {err or ''}".strip()
