"""类案参考: for an alert (its posts) or a free text, the most similar past posts with the official replies they got,
how long the reply took, whether it was a template, how it was evaluated, and a reply draft.

The read side (this module) builds :mod:`yuqing.similar_views`; it imports no stage. Retrieval is
``DocumentStore.similar_documents`` (BM25 over the jieba tokens the NLP stage stored) on the city's own store and,
when ``[similar] reference`` is configured and ``yuqing similar import`` has run, on the reference corpus of real
messages with replies (a document store of its own under YUQING_HOME). The alert's topic is a filter (filled up
without it when it leaves too few cases). Terms for an alert are the content words the NLP stage stored for its
posts; for a typed text the NLP stage's command tokenizes and calls :func:`similar_for_terms`.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from yuqing.model import AlertStatus, Document, User
from yuqing.similar_draft import assemble_draft
from yuqing.similar_views import LOCAL, REFERENCE, SimilarCasesView, SimilarCaseView, build_similar_case
from yuqing.storage.base import DocumentFilter, DocumentStore
from yuqing.viewparts import masked

DEFAULT_TOP = 5
MAX_TOP = 20
OTHER_TOPIC = "其他"  # the NLP stage's abstention label: no filter
RATED_ALERTS = 2000  # newest responded/closed alerts whose evaluations are looked up for the cases of our own store
REFERENCE_FILE = "similar_reference.db"  # the imported reference corpus, under YUQING_HOME
RERANK_POOL = 30  # BM25 candidates re-ordered by embedding cosine when every one of them (and the query) has a vector


class SimilarError(ValueError):
    """Bad input to 类案参考 (message in Chinese, naming what was wrong)."""


def terms_from_words(word_lists: Iterable[Sequence[str]]) -> list[str]:
    """Query terms from the content words of one or more posts: most frequent first, then in order of appearance (the
    store keeps the first ``SIMILAR_MAX_TERMS``)."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for words in word_lists:
        for w in words or ():
            if isinstance(w, str) and w.strip():
                w = w.strip().lower()
                counts[w] += 1
                first.setdefault(w, len(first))
    return sorted(counts, key=lambda w: (-counts[w], first[w]))


def check_top(top: Any) -> int:
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        raise SimilarError(f"--top 应为 1 到 {MAX_TOP} 之间的整数（实际为 {top!r}）")
    return top


# -- configuration: [similar] ------------------------------------------------------------------------------------------
def reference_csv(config: Any) -> Path | None:
    """``[similar] reference``: the real messages with replies to import (a path, relative to the configuration file)."""
    c = config.section("similar")
    c.reject_unknown({"reference"})
    if "reference" not in c.data:
        return None
    path = Path(c.get("reference", str)).expanduser()
    return path if path.is_absolute() else Path(config.path).parent / path


def reference_db(config: Any) -> Path:
    return Path(config.home) / REFERENCE_FILE


def open_reference(config: Any) -> DocumentStore | None:
    """The imported reference corpus, or None when none is configured or it was never imported."""
    path = reference_db(config)
    if reference_csv(config) is None or not path.is_file():
        return None
    from yuqing.storage.sqlite import SQLiteStore

    return SQLiteStore(path)


# -- retrieval ---------------------------------------------------------------------------------------------------------
def _vector(doc: Document) -> list[float] | None:
    v = (doc.analysis or {}).get("embedding")
    return v if isinstance(v, list) and v else None


def query_vector(docs: Sequence[Document]) -> list[float] | None:
    """The mean of the posts' stored embeddings (None unless every analysed post has one)."""
    vectors = [_vector(d) for d in docs]
    if not vectors or any(v is None or len(v) != len(vectors[0]) for v in vectors):
        return None
    return [sum(col) / len(vectors) for col in zip(*vectors)]  # type: ignore[arg-type]


def rerank(hits: list[tuple[Document, float]], vector: Sequence[float]) -> tuple[list[tuple[Document, float]], bool]:
    """BM25 candidates re-ordered by embedding cosine (vectors are unit length; the BM25 score is kept for display);
    unchanged, and False, unless every candidate has a vector of the query's length."""
    vectors = [_vector(d) for d, _ in hits]
    if not hits or any(v is None or len(v) != len(vector) for v in vectors):
        return hits, False
    score = {id(h): sum(a * b for a, b in zip(v, vector)) for h, v in zip(hits, vectors)}  # type: ignore[arg-type]
    return sorted(hits, key=lambda h: -score[id(h)]), True


def _ranked(store: DocumentStore, terms: Sequence[str], topic: str | None, exclude: Sequence[str], top: int,
            vector: Sequence[float] | None = None) -> tuple[list[tuple[Document, float]], bool]:
    """BM25 with the topic as a filter, filled up without it when the topic leaves too few cases; with a query
    vector, the top ``RERANK_POOL`` re-ranked by embedding cosine (measured in nlp/data/MODELS.md)."""
    want = max(top, RERANK_POOL) if vector else top
    found: list[tuple[Document, float]] = []
    if topic and topic != OTHER_TOPIC:
        found = store.similar_documents(terms, DocumentFilter(topic=topic), limit=want, exclude_ids=exclude)
    if len(found) < want:
        seen = [*exclude, *(d.id for d, _ in found)]
        found += store.similar_documents(terms, limit=want - len(found), exclude_ids=seen)
    reranked = False
    if vector:
        found, reranked = rerank(found, vector)
    return found[:top], reranked


def loop_ratings(workflow: Any, event_ids: set[str]) -> dict[str, str]:
    """event id → the evaluation our own loop recorded for its alert (the alert's rating, else a response's)."""
    if not event_ids:
        return {}
    _, alerts = workflow.list_alerts(status=[AlertStatus.RESPONDED.value, AlertStatus.CLOSED.value],
                                     limit=RATED_ALERTS)
    out: dict[str, str] = {}
    for alert in alerts:
        if alert.event_id in event_ids and alert.event_id not in out:
            rating = alert.rating or next((r.rating for r in workflow.responses_for(alert.id) if r.rating), None)
            if rating:
                out[alert.event_id] = rating
    return out


def find_cases(app: Any, terms: Sequence[str], *, query: str, topic: str | None = None, exclude: Sequence[str] = (),
               top: int = DEFAULT_TOP, alert_id: str | None = None, vector: Sequence[float] | None = None
               ) -> SimilarCasesView:
    top = check_top(top)
    terms = list(terms)
    notes: list[str] = []
    local_hits, reranked = _ranked(app.store.documents, terms, topic, exclude, top, vector) if terms else ([], False)
    ratings = loop_ratings(app.store.workflow, {d.event_id for d, _ in local_hits if d.event_id})
    local = tuple(build_similar_case(d, s, LOCAL, ratings.get(d.event_id or "")) for d, s in local_hits)
    reference: tuple[SimilarCaseView, ...] = ()
    ref_store = open_reference(app.config)
    if ref_store is None:
        notes.append("未配置或尚未导入参考库（[similar] reference，然后运行 yuqing similar import），只检索本市已答复的帖子")
    else:
        try:
            ref_hits, ref_reranked = _ranked(ref_store, terms, topic, (), top, vector) if terms else ([], False)
            reranked = reranked or ref_reranked
            reference = tuple(build_similar_case(d, s, REFERENCE) for d, s in ref_hits)
        finally:
            ref_store.close()
    if not terms:
        notes.append("没有可用于检索的词（帖子尚未分析，或文本只有标点和停用词）")
    elif not local and not reference:
        notes.append("没有找到有官方答复的相似帖子")
    draft, used = assemble_draft(query, local + reference)
    if (local or reference) and not draft:
        notes.append("相似案例的答复都是模板或尚未评估，未生成草稿")
    return SimilarCasesView(query=masked(query), alert_id=alert_id, topic=topic if topic != OTHER_TOPIC else None,
                            terms=tuple(terms[:48]), local=local, reference=reference, draft=draft, draft_from=used,
                            notes=tuple(notes), reranked=reranked)


def _majority_topic(docs: Sequence[Document]) -> str | None:
    topics = Counter((d.analysis or {}).get("topic", {}).get("label") for d in docs if d.analysis)
    topics.pop(None, None)
    topics.pop(OTHER_TOPIC, None)
    return topics.most_common(1)[0][0] if topics else None


def similar_for_alert(app: Any, user: User, alert_id: str, *, top: int = DEFAULT_TOP, now: datetime | None = None
                      ) -> SimilarCasesView:
    """Similar cases for an alert the user may see (the alerts service decides, from the stored account): terms from
    the content words the NLP stage stored for its posts, its event's topic as a filter, its own posts excluded."""
    top = check_top(top)
    detail = app.alerts.get_alert(user, alert_id, now=now)  # PermissionDenied / WorkflowError carry Chinese messages
    store = app.store.documents
    docs = [d for d in store.get_documents([d.id for d in detail.documents]) if d.analysis]
    exclude = {d.id for d in detail.documents}
    event = detail.event
    if event is not None:
        _, members = store.list_documents(event_id=event.id, limit=500)
        exclude.update(d.id for d in members)
    terms = terms_from_words([(d.analysis or {}).get("content_words") or [] for d in docs])
    topic = (event.topic if event is not None and event.topic else None) or _majority_topic(docs)
    return find_cases(app, terms, query=detail.alert.title, topic=topic, exclude=sorted(exclude), top=top,
                      alert_id=alert_id, vector=query_vector(docs))


def similar_for_terms(app: Any, terms: Sequence[str], text: str, *, topic: str | None = None, top: int = DEFAULT_TOP,
                      vector: Sequence[float] | None = None) -> SimilarCasesView:
    """Similar cases for a typed text, already tokenized (and embedded, when the pipeline embeds) by the NLP stage
    (``yuqing similar --text``)."""
    if not isinstance(text, str) or not text.strip():
        raise SimilarError("--text 不能为空：请给出要查找类案的留言或事件描述")
    return find_cases(app, terms, query=" ".join(text.split())[:60], topic=topic, top=top, vector=vector)
