"""Read-side queries of documents: search by expression (near-duplicates folded), one post as officers see it, the
search filters' choices.
Personal information is masked by the views (:mod:`yuqing.views`)."""

from __future__ import annotations

from typing import Any

from yuqing.dashboard.services.queries import SENTIMENT_LABELS, department_names
from yuqing.model import Document
from yuqing.search import app_search
from yuqing.storage.base import DocumentFilter
from yuqing.views import DocumentView, build_document_view
from yuqing.views_search import SearchResultView


def search(app: Any, query: str, flt: DocumentFilter, *, limit: int = 20, offset: int = 0) -> SearchResultView:
    """One page of results for an expression of the search language (``yuqing.query``), near-duplicates folded, as
    a masked view; a bad expression raises ``QueryError`` (Chinese message, position)."""
    return app_search(app, query, flt, limit=limit, offset=offset)


def similar_posts(app: Any, doc_ids: list[str]) -> list[dict[str, Any]]:
    """The near-duplicates folded under a hit, as officers see them (masked by their views), in the order given."""
    from yuqing.dashboard.textfmt import fmt_time

    titles = {s.name: s.title or s.name for s in app.config.sources}
    docs = {d.id: build_document_view(d) for d in app.store.documents.get_documents(list(doc_ids))}
    return [{"id": v.id, "title": v.title, "source": titles.get(v.source, v.source), "time": fmt_time(v.published_at),
             "url": v.url} for v in (docs[i] for i in doc_ids if i in docs)]


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
