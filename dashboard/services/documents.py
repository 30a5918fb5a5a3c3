"""Read-side queries of documents: full-text search, one post as officers see it, the search filters' choices.
Personal information is masked by the views (:mod:`yuqing.views`)."""

from __future__ import annotations

from typing import Any

from yuqing.dashboard.services.queries import SENTIMENT_LABELS, department_names, masked
from yuqing.model import Document
from yuqing.storage.base import DocumentFilter
from yuqing.views import DocumentView, build_document_view


def search(app: Any, query: str, flt: DocumentFilter, *, limit: int = 20, offset: int = 0
           ) -> tuple[int, list[dict[str, Any]]]:
    from yuqing.dashboard.textfmt import fmt_time

    total, hits = app.store.documents.search(query, flt, limit=limit, offset=offset)
    titles = {s.name: s.title for s in app.config.sources if s.title}  # sources by the name users know them by
    return total, [{
        "id": h.id, "title": masked(h.title), "snippet": masked(h.snippet), "source": titles.get(h.source, h.source),
        "time": fmt_time(h.published_at), "sentiment": SENTIMENT_LABELS.get(h.sentiment or "", h.sentiment or ""),
        "topic": h.topic or "", "department": h.department or "", "region": h.region or "", "url": h.url,
        "terms": h.terms,
    } for h in hits]


def document_view(doc: Document | DocumentView) -> dict[str, Any]:
    """A document as shown to officers (PII masked by its view), with display labels."""
    from yuqing.dashboard.textfmt import fmt_time

    v = doc if isinstance(doc, DocumentView) else build_document_view(doc)
    return {
        "id": v.id, "title": v.title, "text": v.text, "url": v.url, "source": v.source, "time": fmt_time(v.published_at),
        "author": v.author, "sentiment": SENTIMENT_LABELS.get(v.sentiment or "", v.sentiment or ""), "topic": v.topic,
        "reply": v.reply, "reply_department": v.reply_department, "reply_quality": v.reply_quality,
    }


def filter_options(app: Any) -> dict[str, list[str]]:
    """Choices for search filters: configured sources, departments, and topics/regions seen in the store."""
    docs = app.store.documents
    return {
        "source": [s.name for s in app.config.sources],
        "department": department_names(app, include_supervisor=False),
        "topic": [k for k, _ in docs.count_by("topic", DocumentFilter(), limit=50) if k != "未知"],
        "region": [k for k, _ in docs.count_by("region", DocumentFilter(), limit=50) if k != "未知"],
    }
