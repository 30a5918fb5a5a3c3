"""Row values every backend stores, written once: documents and analyses as stored fields, retention's masked
replacements, search terms, JSON text, and the idempotency key of a notification message. One mapping, so the
backends cannot drift apart (SQLite, PostgreSQL and Elasticsearch all use these)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Sequence

from yuqing.clock import local_day, to_utc_text
from yuqing.model import Document, DocumentKind
from yuqing.privacy import mask_name, mask_pii
from yuqing.storage.base import StoreError


def delivery_message_key(delivery_ids: Iterable[int]) -> str:
    """The idempotency key of the message that carries these deliveries: the same ids give the same key, so a message
    sent again after its sender died (or after a failed attempt) can be recognised by the receiver as a repeat."""
    ids = ",".join(str(int(i)) for i in sorted(delivery_ids))
    return "yuqing-" + hashlib.sha256(f"deliveries:{ids}".encode("ascii")).hexdigest()[:32]


def _json(value: Any) -> str:
    """A value as the JSON text every backend stores (Chinese kept readable)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _loads(text: str | None, default: Any = None) -> Any:
    if text is None or text == "":
        return default
    return json.loads(text)


# Counts a re-crawl may change without changing the content: a new value is written, no new analysis needed.
COUNT_FIELDS = ("likes", "dislikes", "replies", "views", "reposts")


def engagement_fields(fields: Sequence[str]) -> tuple[str, ...]:
    """The counts whose sum is a document's engagement (``engagement_histogram``/``engaged_documents``), checked."""
    out = tuple(dict.fromkeys(fields))
    bad = [f for f in out if f not in COUNT_FIELDS]
    if not out or bad:
        raise StoreError(f"互动指标只能取 {', '.join(COUNT_FIELDS)} 中的一个或多个（实际为 {list(fields)!r}）")
    return out


def document_values(doc: Document, now: datetime) -> dict[str, Any]:
    """The stored fields a crawl sets on every upsert of ``doc``, as every document backend stores them (times as
    fixed-width UTC text). One mapping, so the backends cannot drift apart."""
    reply = doc.reply
    return {
        "url": doc.url, "source": doc.source, "kind": DocumentKind(doc.kind).value, "title": doc.title or "",
        "content": doc.content or "", "published_at": to_utc_text(doc.published_at),
        "fetched_at": to_utc_text(doc.fetched_at or now), "author": doc.author, "region": doc.region,
        "category": doc.category, "status": doc.status, "views": doc.views, "likes": doc.likes,
        "dislikes": doc.dislikes, "replies": doc.replies,
        "reply_text": reply.text if reply else None,
        "reply_department": reply.department if reply else None,
        "reply_at": to_utc_text(reply.time) if reply else None,
        "truncated": _json(doc.truncated) if doc.truncated else None,
        **social_values(doc),
    }


# The author's account and the reposted original (migration 30); ``reposts`` is among ``COUNT_FIELDS``.
SOCIAL_FIELDS = ("author_id", "author_verified", "author_official", "author_followers", "repost_of")


def social_values(doc: Document) -> dict[str, Any]:
    """A document's social fields as stored (flags as 0/1 so SQL and Elasticsearch rows read alike)."""
    return {"reposts": int(doc.reposts or 0), "author_id": doc.author_id,
            "author_verified": int(bool(doc.author_verified)), "author_official": int(bool(doc.author_official)),
            "author_followers": None if doc.author_followers is None else int(doc.author_followers),
            "repost_of": doc.repost_of}


def social_from_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """The ``Document`` keyword arguments of a stored row's social fields (a row from before migration 30 has none)."""
    keys = row.keys()
    get = (lambda k: row[k] if k in keys else None)
    return {"reposts": int(get("reposts") or 0), "author_id": get("author_id"),
            "author_verified": bool(get("author_verified")), "author_official": bool(get("author_official")),
            "author_followers": get("author_followers"), "repost_of": get("repost_of")}


def new_document_values(doc: Document, now: datetime) -> dict[str, Any]:
    """``document_values`` plus what only the first write of a document sets (it then needs processing)."""
    now_text = to_utc_text(now)
    at = doc.published_at or doc.fetched_at or now
    return {
        **document_values(doc, now),
        "id": doc.id, "first_seen": now_text, "updated_at": now_text, "at": to_utc_text(at), "day": local_day(at),
        "fingerprint": doc.content_fingerprint(), "needs_processing": 1,
        "reply_first_seen": now_text if doc.reply else None,
    }


def changed_document_values(doc: Document, old: Mapping[str, Any], now: datetime
                            ) -> tuple[dict[str, Any] | None, bool]:
    """For a document already stored (``old``: its stored ``fingerprint``, ``reply_text`` and ``COUNT_FIELDS``):
    the fields this re-crawl writes, or None when nothing changed, and whether the content changed (then it needs
    processing again). ``reply_first_seen`` is set when an answer appears for the first time."""
    values = document_values(doc, now)
    fingerprint = doc.content_fingerprint()
    if "purged_at" in old.keys() and old["purged_at"]:
        return _purged_document_values(doc, old, values, fingerprint, now)
    content_changed = old["fingerprint"] != fingerprint
    # A board post once stored as an article (before board records were always posts) becomes a post when seen again.
    promoted = "kind" in old.keys() and old["kind"] == DocumentKind.ARTICLE.value and values["kind"] == DocumentKind.POST.value
    if not content_changed and not promoted and all(old[k] == values[k] for k in COUNT_FIELDS):
        return None, False
    now_text = to_utc_text(now)
    values.update({"updated_at": now_text, "fingerprint": fingerprint})
    if content_changed:
        values["needs_processing"] = 1
    if doc.reply and not old["reply_text"]:
        values["reply_first_seen"] = now_text  # when we first saw the answer
    return values, content_changed


# -- retention (``[privacy] retention_days``): raw text older than the cut-off is replaced by its masked form ---

# Text fields of a document row that hold what a citizen wrote; the author is a name (mask_name), the rest text.
PURGED_TEXT_FIELDS = ("title", "content", "reply_text", "text", "title_tokens", "search_tokens", "content_words")


def purged_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """The masked replacements of a stored document's raw text fields (``PURGED_TEXT_FIELDS`` and ``author``); the
    token fields are space-separated words, masked as text so a phone number or labelled name in them goes too."""
    values = {k: mask_pii(row[k]) if isinstance(row[k], str) else row[k] for k in PURGED_TEXT_FIELDS}
    values["author"] = mask_name(row["author"]) if row["author"] else row["author"]
    if "author_id" in row.keys() and row["author_id"]:  # a platform account id names a person as much as the name
        values["author_id"] = mask_name(str(row["author_id"]))
    return values


def _purged_document_values(doc: Document, old: Mapping[str, Any], values: dict[str, Any], fingerprint: str,
                            now: datetime) -> tuple[dict[str, Any] | None, bool]:
    """A re-crawl of a document the retention job masked: counts update, a first answer is stored masked (and sent
    to analysis), raw text is never written back. The fingerprint stays that of the raw crawl, so the same page
    crawled again is recognised as unchanged."""
    first_reply = bool(doc.reply) and not old["reply_text"]
    if not first_reply and all(old[k] == values[k] for k in COUNT_FIELDS):
        return None, False
    raw = {"title", "content", "author", "author_id", "reply_text", "reply_department", "reply_at"}
    changed = {k: v for k, v in values.items() if k not in raw}
    changed["updated_at"] = to_utc_text(now)
    if first_reply:
        changed.update(reply_text=mask_pii(values["reply_text"]), reply_department=values["reply_department"],
                       reply_at=values["reply_at"], reply_first_seen=to_utc_text(now), fingerprint=fingerprint,
                       needs_processing=1)
    return changed, first_reply


def search_terms(tokens: Iterable[str]) -> list[str]:
    """Index terms for full-text search: each token plus, for long tokens, its two-character pieces (like
    search-mode jieba), so a query segmented slightly differently from the document still matches."""
    terms: list[str] = []
    for token in tokens:
        token = token.strip().lower()
        if not token or not any(ch.isalnum() for ch in token):
            continue
        terms.append(token)
        if len(token) >= 3 and all("\u4e00" <= ch <= "\u9fff" for ch in token):
            terms.extend(token[i:i + 2] for i in range(len(token) - 1))
    return terms


def query_terms(tokenizer: Callable[[str], list[str]], query: str | None) -> list[str]:
    """The distinct terms of a user's search, lower-cased, in order; punctuation-only tokens dropped. Every
    backend requires all of them and treats each as plain text, never as query syntax."""
    tokens = [t.strip().lower() for t in tokenizer(query or "")]
    return [t for t in dict.fromkeys(tokens) if t and any(ch.isalnum() for ch in t)]


# Analysis keys with a field of their own; the rest of an analysis is kept as JSON in ``analysis``.
_ANALYSIS_FIELDS = {"text", "tokens", "title_tokens", "content_words", "sentiment", "topic", "department",
                    "department_reason", "keywords", "simhash", "reply_quality"}


def analysis_values(a: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The stored fields of one NLP result (``save_analyses``), as every document backend stores them; ``keywords``
    stays as the analysis gave it (each backend stores it its own way). Saving an analysis marks the document processed."""
    sentiment = a.get("sentiment") or {}
    topic = a.get("topic") or {}
    return {
        "text": a.get("text"),
        "title_tokens": " ".join(search_terms(a.get("title_tokens") or [])),
        "search_tokens": " ".join(search_terms(a.get("content_words") or a.get("tokens") or [])),
        "content_words": " ".join(a.get("content_words") or []),
        "sentiment_label": sentiment.get("label"), "sentiment_score": sentiment.get("score"),
        "topic_label": topic.get("label"), "topic_score": topic.get("score"),
        "department": a.get("department"), "department_reason": a.get("department_reason"),
        "keywords": a.get("keywords") or [], "simhash": a.get("simhash"),
        "reply_quality": _json(a["reply_quality"]) if a.get("reply_quality") else None,
        "analysis": _json({k: v for k, v in a.items() if k not in _ANALYSIS_FIELDS}),
        "analyzed_at": to_utc_text(now), "needs_processing": 0,
    }


#: ``relabel_documents``: an officer's correction → the stored column it overrides.
RELABEL_COLUMNS = {"topic": "topic_label", "sentiment": "sentiment_label", "department": "department"}


def relabel_values(changes: Mapping[str, str]) -> dict[str, str]:
    """The stored columns of a correction (``relabel_documents``), checked."""
    bad = [f for f in changes if f not in RELABEL_COLUMNS]
    if bad or not changes:
        raise StoreError(f"只能更正 {', '.join(RELABEL_COLUMNS)}（实际为 {list(changes)!r}）")
    return {RELABEL_COLUMNS[f]: v for f, v in changes.items()}
