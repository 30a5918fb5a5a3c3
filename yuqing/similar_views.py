"""The read model of 类案参考 (similar past cases with their official replies, and a reply draft): frozen views built
by :mod:`yuqing.similar`, masked once when built, rendered by the CLI (``yuqing similar``) and the department desk.

Kernel module: imports only the kernel (model, clock, viewparts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from yuqing.model import Document
from yuqing.viewparts import _plain, masked

REPLY_CAP = 1500  # characters of an official reply kept in a view
SNIPPET_CAP = 160
LOCAL, REFERENCE = "本市", "参考库"  # where a case comes from: the city's own store, or the imported real messages


@dataclass(frozen=True)
class SimilarCaseView:
    id: str
    corpus: str  # LOCAL or REFERENCE
    title: str
    snippet: str
    source: str
    url: str
    topic: str | None
    published_at: datetime | None
    reply: str
    reply_department: str | None
    reply_at: datetime | None
    reply_days: float | None  # days from the post to its official reply
    template: bool | None  # None: the reply was never assessed
    quality_score: float | None  # the NLP stage's reply-quality score, 0–100
    rating: str | None  # the citizen's evaluation in our own loop (满意/基本满意/不满意), when the case is ours
    similarity: float  # BM25 (or the re-ranker's score); comparable within one list only

    @property
    def evaluation(self) -> str:
        parts = []
        if self.rating:
            parts.append(f"回访评价：{self.rating}")
        if self.quality_score is not None:
            parts.append(f"答复质量 {self.quality_score:.0f} 分")
        return "；".join(parts) or "未评估"

    def to_dict(self) -> dict[str, Any]:
        out = {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}
        out["evaluation"] = self.evaluation
        return out


def build_similar_case(doc: Document, similarity: float, corpus: str, rating: str | None = None) -> SimilarCaseView:
    a = doc.analysis or {}
    quality = a.get("reply_quality") if isinstance(a.get("reply_quality"), dict) else None
    text = a.get("text") or doc.content or ""
    reply = doc.reply
    days = None
    if reply and reply.time and doc.published_at and reply.time >= doc.published_at:
        days = round((reply.time - doc.published_at).total_seconds() / 86400, 1)
    return SimilarCaseView(
        id=doc.id, corpus=corpus, title=masked(doc.title), snippet=masked(" ".join(text.split())[:SNIPPET_CAP]),
        source=doc.source, url=doc.url, topic=(a.get("topic") or {}).get("label"), published_at=doc.published_at,
        reply=masked((reply.text if reply else "")[:REPLY_CAP]), reply_department=reply.department if reply else None,
        reply_at=reply.time if reply else None, reply_days=days,
        template=bool(quality["template"]) if quality and "template" in quality else None,
        quality_score=float(quality["score"]) if quality and quality.get("score") is not None else None,
        rating=rating, similarity=round(float(similarity), 4))


@dataclass(frozen=True)
class SimilarCasesView:
    query: str  # what was looked for: the alert's title or the typed text (masked)
    alert_id: str | None
    topic: str | None  # the topic used as a filter (None: no filter)
    terms: tuple[str, ...]
    local: tuple[SimilarCaseView, ...]
    reference: tuple[SimilarCaseView, ...]
    draft: str  # a reply draft from the best-rated non-template replies ("" when there is none)
    draft_from: tuple[str, ...]  # ids of the cases the draft was assembled from
    notes: tuple[str, ...]  # what the reader should know (no reference corpus configured, no replied cases …)
    reranked: bool = False

    @property
    def cases(self) -> tuple[SimilarCaseView, ...]:
        return self.local + self.reference

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "alert_id": self.alert_id, "topic": self.topic, "terms": list(self.terms),
                "local": [c.to_dict() for c in self.local], "reference": [c.to_dict() for c in self.reference],
                "draft": self.draft, "draft_from": list(self.draft_from), "notes": list(self.notes),
                "reranked": self.reranked}
