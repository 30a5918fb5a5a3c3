"""The NLP side of 类案参考 (yuqing.similar): reading the shared real message/reply pairs, analysing them once (clean
text, jieba tokens, topic, reply quality; no sentiment or routing, which a reference case does not need), and
storing them in a reference corpus: a document store of its own, searched by the same
``DocumentStore.similar_documents`` as the city's store. ``yuqing similar import`` calls :func:`import_reference`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from yuqing.clock import TZ
from yuqing.model import Document, DocumentKind, Reply

#: Stages the reference analysis leaves out (the rest of the default pipeline runs as configured).
SKIPPED_STAGES = ("SentimentStage", "GenreStage", "DepartmentStage", "KeywordsStage", "SimHashStage")
REFERENCE_SOURCE = "gov_messages"
REQUIRED_COLUMNS = ("留言编号", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间")


class ReferenceError(ValueError):
    """A reference file that cannot be imported (message in Chinese, naming the file and what is wrong)."""


@dataclass(frozen=True)
class Message:
    id: str
    title: str
    content: str
    at: datetime | None
    reply: str
    reply_at: datetime | None
    category: str | None = None  # the official 一级分类 where the file carries one (labeled_raw.csv)


def light_analyzer(config: Any = None) -> Any:
    """The pipeline without the stages a reference case does not need, keeping the tokens the store indexes; with a
    configuration, its ``[nlp] stages`` too (so an enabled EmbeddingStage embeds the reference corpus)."""
    from yuqing.nlp.pipeline import Analyzer, settings_from_config

    settings = settings_from_config(config) if config is not None else {}
    stages = {**(settings.get("NLP_STAGES") or {}), **{f"yuqing.nlp.stages.{s}": None for s in SKIPPED_STAGES}}
    return Analyzer.from_settings({**settings, "NLP_STAGES": stages, "NLP_KEEP_TOKENS": True})


def _time(value: str | None) -> datetime | None:
    from yuqing.nlp.reply_quality import parse_time

    try:
        t = parse_time((value or "").strip() or None)
    except ValueError:
        return None
    return t.replace(tzinfo=TZ) if t is not None and t.tzinfo is None else t


def read_messages(path: Path, *, need_reply: bool = True) -> list[Message]:
    """The rows of a gov_messages CSV (messages_with_replies.csv, or labeled_raw.csv with ``need_reply=False``)."""
    path = Path(path)
    if not path.is_file():
        raise ReferenceError(f"参考数据文件不存在：{path}（应为共享数据 gov_messages/messages_with_replies.csv）")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            needed = REQUIRED_COLUMNS if need_reply else ("留言编号", "留言主题", "留言详情")
            missing = [c for c in needed if c not in (reader.fieldnames or [])]
            if missing:
                raise ReferenceError(f"参考数据文件 {path} 缺少列：{'、'.join(missing)}")
            rows = list(reader)
    except UnicodeDecodeError as exc:
        raise ReferenceError(f"参考数据文件 {path} 不是 UTF-8 编码：{exc}") from exc
    out = []
    for r in rows:
        reply = (r.get("答复意见") or "").strip()
        if need_reply and not reply:
            continue
        out.append(Message(id=str(r["留言编号"]).strip(), title=(r["留言主题"] or "").strip(),
                           content=(r["留言详情"] or "").replace("_x000D_", "").strip(), at=_time(r.get("留言时间")),
                           reply=reply.replace("_x000D_", ""), reply_at=_time(r.get("答复时间")),
                           category=(r.get("一级标签") or None)))
    return out


def as_document(m: Message, source: str = REFERENCE_SOURCE) -> Document:
    return Document(url=f"reference://{source}/{m.id}", source=source, title=m.title, content=m.content,
                    kind=DocumentKind.POST, published_at=m.at, fetched_at=m.at,
                    reply=Reply(m.reply, None, m.reply_at) if m.reply else None)


def analyse_documents(docs: Iterable[Document], analyzer: Any = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """(id, analysis) as ``yuqing process`` stores it (title tokens from the same segmenter)."""
    from yuqing.nlp.segment import get_segmenter

    analyzer = analyzer or light_analyzer()
    seg = get_segmenter()
    for doc in docs:
        record: dict[str, Any] = {"id": doc.id, "title": doc.title, "content": doc.content,
                                  "published_at": doc.published_at.isoformat() if doc.published_at else None}
        if doc.reply:
            record["reply"] = {"text": doc.reply.text, "department": None,
                               "time": doc.reply.time.isoformat() if doc.reply.time else None}
        out = analyzer.analyze(record)
        analysis = {k: v for k, v in out.items() if k not in record}
        analysis["title_tokens"] = seg.content_words(seg.cut(doc.title))
        yield doc.id, analysis


def store_messages(store: Any, messages: list[Message], now: datetime, *, analyzer: Any = None, batch: int = 200,
                   progress: Callable[[int], None] | None = None) -> int:
    """Upsert and analyse the messages into a document store, batch by batch (idempotent: ids from 留言编号)."""
    done = 0
    for start in range(0, len(messages), batch):
        docs = [as_document(m) for m in messages[start:start + batch]]
        store.upsert_documents(docs, now)
        store.save_analyses(list(analyse_documents(docs, analyzer)), now)
        done += len(docs)
        if progress:
            progress(done)
    return done
