"""What every document backend shares when it searches by a parsed expression (``DocumentStore.search_query``):
candidates in rank order are verified with ``Query.matches`` and the requested page is kept, as ``SearchHit`` s.

An index proposes candidates from the query's positive terms (``Query.candidates()``); ``Query.matches`` is the
meaning. Each term is looked up in the form typed and in its folded form (Traditional → Simplified, lower case): the
NLP stage indexes normalised, Simplified text, so a Traditional query finds Simplified posts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping

from yuqing.clock import from_utc_text
from yuqing.model import Document
from yuqing.storage.base import SearchHit

if TYPE_CHECKING:
    from yuqing.query import Query

# The document columns a verification reads (title, content, source) plus what a hit shows.
HIT_COLUMNS = ("id", "title", "content", "source", "text", "at", "sentiment_label", "topic_label", "department",
               "region", "url", "simhash", "duplicate_of")


class RowFields:
    """A stored row (sqlite3.Row or a dict) seen as the title/content/source object ``Query.matches`` reads."""

    __slots__ = ("title", "content", "source")

    def __init__(self, row: Mapping[str, Any]):
        self.title = row["title"] or ""
        self.content = row["content"] or ""
        self.source = row["source"] or ""


def hit_from_row(row: Mapping[str, Any], terms: list[str]) -> SearchHit:
    from yuqing.storage.sqlite_search import make_snippet

    return SearchHit(
        id=row["id"], title=row["title"], snippet=make_snippet(row["text"] or row["content"] or "", terms),
        source=row["source"], sentiment=row["sentiment_label"],
        published_at=row["published_at"] if "published_at" in row.keys() else from_utc_text(row["at"]),
        topic=row["topic_label"], department=row["department"], region=row["region"], url=row["url"], terms=terms,
        simhash=row["simhash"], duplicate_of=row["duplicate_of"])


def _document_row(doc: Document) -> dict[str, Any]:
    a = doc.analysis or {}
    at = doc.published_at or doc.fetched_at
    return {"id": doc.id, "title": doc.title, "content": doc.content, "source": doc.source, "text": a.get("text"),
            "published_at": at, "sentiment_label": (a.get("sentiment") or {}).get("label"),
            "topic_label": (a.get("topic") or {}).get("label"), "department": a.get("department"),
            "region": doc.region, "url": doc.url, "simhash": a.get("simhash"),
            "duplicate_of": a.get("duplicate_of")}


def collect_hits(query: "Query", candidates: Iterable[Any], *, limit: int, offset: int,
                 source_titles: Mapping[str, str] | None = None) -> tuple[int, list[SearchHit]]:
    """Verify candidates (rows with ``HIT_COLUMNS``, or Documents) in the order given; (total, page)."""
    terms = query.terms()
    total, page = 0, []
    for item in candidates:
        if isinstance(item, Document):
            row = _document_row(item)
            fields: Any = item
        else:
            row, fields = item, RowFields(item)
        if not query.matches(fields, source_titles=source_titles):
            continue
        if offset <= total < offset + limit:
            page.append(hit_from_row(row, terms))
        total += 1
    return total, page
