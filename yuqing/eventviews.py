"""The read model of one event: its brief (事件简报), its spread (传播路径) and the page that shows both.

Part of the read model of :mod:`yuqing.views` (kept in its own module: that one is full). The events stage stores the
brief and spread it extracted in ``Event.state``; these views are built from them and from the store, masking every
piece of text once, here (:func:`yuqing.viewparts.masked`). CLI, dashboard, reports, notifications and the 专报
render these views only.

Kernel module: imports only the kernel.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from yuqing.clock import TZ
from yuqing.model import Event
from yuqing.viewparts import _plain, _time, fmt_local, masked
from yuqing.views import AlertView, DocumentView, EventView, build_document_view, build_event_view
from yuqing.vocab import emotion_shares, source_type_label

SENTIMENT_NAMES = (("negative", "负面"), ("neutral", "中性"), ("positive", "正面"))


@dataclass(frozen=True)
class BriefSentence:
    text: str
    doc_id: str  # the post it was taken from
    kind: str  # key (关键句) / demand (诉求)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "doc_id": self.doc_id, "kind": self.kind}


@dataclass(frozen=True)
class EventBriefView:
    event_id: str
    title: str
    since: datetime | None
    first_doc_id: str | None
    key_sentences: tuple[BriefSentence, ...]
    demands: tuple[BriefSentence, ...]
    places: tuple[str, ...]
    organisations: tuple[str, ...]
    affected: tuple[str, ...]
    doc_count: int
    posts_per_day: tuple[tuple[str, int], ...]  # (YYYY-MM-DD, posts), the last 14 days of the event
    trend: str  # 上升 / 回落 / 平稳 / 已平息
    heat: float
    sources: tuple[tuple[str, int], ...]
    sentiment: Mapping[str, int]  # 负面/中性/正面 → posts
    emotions: Mapping[str, float]
    alert: AlertView | None = None
    rewritten: str | None = None  # the optional LLM writer's rewrite (masked); the extractive brief stays beside it

    @property
    def sentences(self) -> tuple[BriefSentence, ...]:
        return self.key_sentences + self.demands

    def facts(self) -> list[str]:
        """The brief's lines other than quoted sentences: since when, where, who, trend, sources, sentiment, alert."""
        out = []
        if self.since:
            first = f"（帖子 {self.first_doc_id[:8]}）" if self.first_doc_id else ""
            out.append(f"起始：{fmt_local(self.since)} 首帖{first}，至今共 {self.doc_count} 条，走势{self.trend}，"
                       f"热度 {self.heat:.1f}")
        if len(self.posts_per_day) > 1:
            out.append("每日帖子：" + "，".join(f"{d[5:]} {n}" for d, n in self.posts_per_day[-7:]))
        if self.places or self.organisations:
            out.append("涉及：" + "、".join((*self.places, *self.organisations)))
        if self.affected:
            out.append("涉及人群：" + "、".join(self.affected))
        if self.sources:
            out.append("来源：" + "、".join(f"{s}（{n}）" for s, n in self.sources[:5]))
        mix = "，".join(f"{k} {v}" for k, v in self.sentiment.items() if v)
        emo = "，".join(f"{k} {round(v * 100)}%" for k, v in list(self.emotions.items())[:3])
        if mix or emo:
            out.append("情感：" + "；".join(p for p in (mix, emo) if p))
        if self.alert is not None:
            due = "；".join(f"{d.label} {d.text}" for d in self.alert.deadlines)
            out.append(f"预警：{self.alert.level_label}，{self.alert.status_label}"
                       + (f"，责任部门 {self.alert.department}" if self.alert.department else "")
                       + (f"；时限：{due}" if due else ""))
        return out

    def lines(self) -> list[str]:
        """The whole brief as plain-text lines (reports, 专报, the command line)."""
        out = [f"事件：{self.title}", *self.facts()]
        if self.rewritten:
            out.append(f"综述（模型改写，以下摘录为准）：{self.rewritten}")
        out += [f"要点：{s.text}" for s in self.key_sentences]
        out += [f"诉求：{s.text}" for s in self.demands]
        return out

    def short(self, limit: int = 160) -> str:
        """One short paragraph for a notification: where, since when, the first demand."""
        parts = [self.title]
        if self.places:
            parts.append("地点：" + "、".join(self.places[:3]))
        if self.since:
            parts.append(f"自 {fmt_local(self.since, '%m-%d')} 起 {self.doc_count} 条，{self.trend}")
        if self.demands:
            parts.append("诉求：" + self.demands[0].text)
        text = "；".join(parts)
        return text if len(text) <= limit else text[:limit - 1] + "…"

    def to_dict(self) -> dict[str, Any]:
        out = {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__ if k != "alert"}
        out["alert"] = self.alert.to_dict() if self.alert else None
        return out


@dataclass(frozen=True)
class SpreadPost:
    doc_id: str
    source: str
    at: datetime | None
    repost_of: str | None

    def to_dict(self) -> dict[str, Any]:
        return {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class SpreadView:
    event_id: str
    first: SpreadPost | None
    first_title: str
    timeline: tuple[SpreadPost, ...]
    sources: tuple[tuple[str, int, float], ...]  # (source, posts, share)
    source_types: tuple[tuple[str, int, float], ...]  # (Chinese type label, posts, share)
    unit: str  # hour / day
    series: tuple[tuple[datetime, int], ...]
    jumps: tuple[tuple[datetime, int, float], ...]  # (period start, posts, mean of the periods before)
    reposts: int

    def to_dict(self) -> dict[str, Any]:
        return {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class EventDetailView:
    event: EventView
    brief: EventBriefView | None
    spread: SpreadView | None
    posts: tuple[DocumentView, ...] = ()
    alert: AlertView | None = None
    post_urls: Mapping[str, str] = field(default_factory=dict)  # doc id → URL, for every post a sentence quotes

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.event.to_dict(), "brief": self.brief.to_dict() if self.brief else None,
                "spread": self.spread.to_dict() if self.spread else None,
                "posts": [p.to_dict() for p in self.posts], "alert": self.alert.to_dict() if self.alert else None,
                "post_urls": dict(self.post_urls)}


def _trend(times: list[datetime], now: datetime) -> str:
    last = [t for t in times if now - timedelta(hours=24) < t <= now]
    before = [t for t in times if now - timedelta(hours=48) < t <= now - timedelta(hours=24)]
    if not last and (not times or max(times) < now - timedelta(days=3)):
        return "已平息"
    if len(last) > max(1, len(before)) * 1.5:
        return "上升"
    if len(last) * 1.5 < len(before):
        return "回落"
    return "平稳"


def _sentences(items: Any, kind: str) -> tuple[BriefSentence, ...]:
    return tuple(BriefSentence(text=masked(s.get("text")), doc_id=str(s.get("doc_id") or ""), kind=kind)
                 for s in items or () if isinstance(s, Mapping) and s.get("text"))


def build_brief_view(event: Event, *, alert: AlertView | None = None, now: datetime | None = None,
                     titles: Mapping[str, str] | None = None) -> EventBriefView | None:
    """The brief of ``event`` as every output shows it (None when the events stage has not written one yet)."""
    state = event.state or {}
    brief = state.get("brief")
    if not isinstance(brief, Mapping):
        return None
    members = state.get("members") or {}
    times = sorted(datetime.fromtimestamp(m["t"], tz=TZ) for m in members.values() if m.get("t"))
    days = Counter(t.strftime("%Y-%m-%d") for t in times)
    recent = sorted(days.items())[-14:]
    now = now or datetime.now(TZ)
    names = titles or {}
    sources = Counter(names.get(m.get("s") or "", m.get("s") or "") for m in members.values())
    first = ((state.get("spread") or {}).get("first") or {}).get("doc_id")
    return EventBriefView(
        event_id=event.id, title=masked(event.title), since=event.first_seen, first_doc_id=first,
        key_sentences=_sentences(brief.get("key_sentences"), "key"), demands=_sentences(brief.get("demands"), "demand"),
        places=tuple(masked(p) for p in brief.get("places") or ()),
        organisations=tuple(masked(p) for p in brief.get("organisations") or ()),
        affected=tuple(str(a) for a in brief.get("affected") or ()), doc_count=event.doc_count,
        posts_per_day=tuple(recent), trend=_trend(times, now), heat=float(event.heat or 0.0),
        sources=tuple(sources.most_common()),
        sentiment={label: int(getattr(event, name) or 0) for name, label in SENTIMENT_NAMES},
        emotions=emotion_shares(state), alert=alert,
        rewritten=masked(brief["rewritten"]) if isinstance(brief.get("rewritten"), str) and brief["rewritten"] else None)


def _post(p: Mapping[str, Any], titles: Mapping[str, str]) -> SpreadPost:
    source = str(p.get("source") or "")
    return SpreadPost(doc_id=str(p.get("doc_id") or ""), source=titles.get(source, source), at=_time(p.get("at")),
                      repost_of=p.get("repost_of") or None)


def source_titles(config: Any) -> dict[str, str]:
    """Source name → the title users know it by (``[[sources]] title``)."""
    return {s.name: s.title for s in getattr(config, "sources", []) or [] if getattr(s, "title", None)}


def build_spread_view(event: Event, *, titles: Mapping[str, str] | None = None) -> SpreadView | None:
    """The spread of ``event``; ``titles``: source name → title to show (:func:`source_titles`)."""
    spread = (event.state or {}).get("spread")
    if not isinstance(spread, Mapping):
        return None
    names = titles or {}
    first = spread.get("first") or None
    return SpreadView(
        event_id=event.id, first=_post(first, names) if first else None,
        first_title=masked((first or {}).get("title")),
        timeline=tuple(_post(p, names) for p in spread.get("timeline") or ()),
        sources=tuple((names.get(str(s["name"]), str(s["name"])), int(s["posts"]), float(s["share"]))
                      for s in spread.get("sources") or ()),
        source_types=tuple((source_type_label(str(s["type"])), int(s["posts"]), float(s["share"]))
                           for s in spread.get("source_types") or ()),
        unit=str(spread.get("unit") or "day"),
        series=tuple((_time(s["at"]), int(s["posts"])) for s in spread.get("series") or ()),
        jumps=tuple((_time(j["at"]), int(j["posts"]), float(j["before"])) for j in spread.get("jumps") or ()),
        reposts=int(spread.get("reposts") or 0))


def event_detail(store: Any, event_id: str, *, posts: int = 20, now: datetime | None = None,
                 alert_view: Callable[[Any], AlertView] | None = None,
                 titles: Mapping[str, str] | None = None) -> EventDetailView | None:
    """Everything the event page, ``yuqing events show`` and the 专报 show about one event; None if unknown.
    ``alert_view``: how the caller builds an alert's view (the alerts service's labels); default the kernel's."""
    event = store.documents.get_event(event_id)
    if event is None:
        return None
    alert = store.workflow.open_alert_for_event(event.id)
    view = None
    if alert is not None:
        if alert_view is None:
            from yuqing.views import build_alert_view
            from yuqing.vocab import deadline_label

            view = build_alert_view(alert, deadline_label=lambda n: deadline_label(alert.policy, n))
        else:
            view = alert_view(alert)
    _, docs = store.documents.list_documents(limit=posts, event_id=event.id)
    brief = build_brief_view(event, alert=view, now=now, titles=titles)
    spread = build_spread_view(event, titles=titles)
    quoted = [s.doc_id for s in (brief.sentences if brief else ())]
    if spread is not None and spread.first is not None:
        quoted.append(spread.first.doc_id)
    urls = {d.id: d.url for d in store.documents.get_documents(list(dict.fromkeys(quoted)))} if quoted else {}
    return EventDetailView(event=build_event_view(event), brief=brief, spread=spread,
                           posts=tuple(build_document_view(d) for d in docs), alert=view, post_urls=urls)
