"""Read side of the 监测方案 pages: one scheme's overview (trend, shares, regions, events, keywords, scoped alert
rules) and its matched posts, as typed frozen views. Every figure comes from the store's existing aggregations with
``DocumentFilter(scheme=…)`` (the matches the schemes core recorded), so a scheme's page counts exactly what the heat
board would count for those documents. Text is masked when a view is built (:mod:`yuqing.views`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from yuqing.dashboard.services import board
from yuqing.dashboard.services.queries import SENTIMENT_LABELS, AlertsUnavailable, alert_service, masked
from yuqing.model import Scheme
from yuqing.storage.base import DocumentFilter
from yuqing.views import DocumentView, EventView, build_document_view, build_event_view
from yuqing.vocab import LEVEL_LABELS, RULE_TYPE_LABELS

SOURCE_TYPE_LABELS = {"news": "新闻网站", "board": "留言板", "feed": "RSS 订阅"}
ANY = "不限"


@dataclass(frozen=True)
class SchemeSummary:
    """One scheme as the pages list and head it (masked expression: officers paste text from posts)."""

    name: str
    expression: str
    owner: str
    sources: tuple[str, ...]  # source titles; empty: every source
    regions: tuple[str, ...]  # empty: every region
    period: str  # 「不限」 or 「2026-12-01 起」「至 2026-12-31」「2026-12-01 至 2026-12-31」
    matched: int  # documents the scheme matches now
    backfill_done: bool
    backfill: str  # the back-fill's state in Chinese
    updated_at: datetime | None


@dataclass(frozen=True)
class ShareRow:
    label: str
    count: int
    share: float  # of the period's matched documents


@dataclass(frozen=True)
class ScopedRuleView:
    name: str
    type_label: str
    level_label: str
    condition: str


@dataclass(frozen=True)
class SchemeOverview:
    scheme: SchemeSummary
    since: datetime
    until: datetime
    total: int
    negative: int
    trend: tuple[dict[str, Any], ...]  # {day, total, negative, neutral, positive}, every day present
    sources: tuple[ShareRow, ...]
    media: tuple[ShareRow, ...]  # by the sources' type: 新闻网站 / 留言板 / RSS 订阅
    regions: tuple[ShareRow, ...]
    sentiments: tuple[ShareRow, ...]
    events: tuple[EventView, ...]
    keywords: tuple[tuple[str, int], ...]
    rules: tuple[ScopedRuleView, ...]
    rules_error: str | None = None  # the alerts stage could not be loaded (its message)

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.total if self.total else None


def _period_text(s: Scheme) -> str:
    def day(d: datetime) -> str:
        from yuqing.clock import TZ

        return d.astimezone(TZ).strftime("%Y-%m-%d")

    if s.start and s.end:
        return f"{day(s.start)} 至 {day(s.end)}"
    if s.start:
        return f"{day(s.start)} 起"
    if s.end:
        return f"至 {day(s.end)}"
    return ANY


def backfill_text(s: Scheme) -> str:
    if s.backfill_done:
        return "历史数据回溯已完成"
    if s.backfill_cursor:
        return "正在回溯历史数据（由调度器分批进行，新帖子已实时匹配）"
    return "等待回溯历史数据（调度器下一轮开始；新帖子已实时匹配）"


def source_titles(app: Any) -> dict[str, str]:
    return {s.name: s.title or s.name for s in app.config.sources}


def summary(app: Any, s: Scheme, matched: int | None = None) -> SchemeSummary:
    titles = source_titles(app)
    if matched is None:  # one scheme: count its matches alone (scheme_match_counts counts every scheme's)
        matched, _ = app.store.documents.list_documents(DocumentFilter(scheme=s.name), limit=0)
    return SchemeSummary(
        name=s.name, expression=masked(s.expression), owner=s.owner or "", sources=tuple(titles.get(x, x) for x in s.sources),
        regions=tuple(s.regions), period=_period_text(s), matched=matched, backfill_done=s.backfill_done,
        backfill=backfill_text(s), updated_at=s.updated_at)


def list_schemes(app: Any) -> list[SchemeSummary]:
    counts = app.store.documents.scheme_match_counts()
    return [summary(app, s, counts.get(s.name, 0)) for s in app.store.documents.list_schemes()]


def scheme_names(app: Any) -> list[str]:
    return [s.name for s in app.store.documents.list_schemes()]


def _shares(pairs: list[tuple[str, int]], total: int) -> tuple[ShareRow, ...]:
    return tuple(ShareRow(str(k), int(n), n / total if total else 0.0) for k, n in pairs)


def scoped_rules(app: Any, name: str) -> tuple[tuple[ScopedRuleView, ...], str | None]:
    """The alert rules limited to this scheme, as configured (the alerts service's parsed settings)."""
    try:
        rules = alert_service(app).settings.rules
    except AlertsUnavailable as exc:
        return (), str(exc)
    out = []
    for r in rules:
        if getattr(r, "scheme", None) != name:
            continue
        if r.type_name == "scheme_volume":
            cond = f"近 {r.window_hours} 小时匹配 ≥ {r.min_count} 篇"
            if r.ratio:
                cond += f"，且为此前 {r.baseline_days} 天同期均值的 {r.ratio:g} 倍以上"
        else:
            cond = "按该类型的阈值，只看本方案匹配的事件与帖子"
        out.append(ScopedRuleView(r.name, RULE_TYPE_LABELS.get(r.type_name, r.type_name),
                                  LEVEL_LABELS.get(r.level, str(r.level)), cond))
    return tuple(out), None


def overview(app: Any, name: str, since: datetime, until: datetime, *, events: int = 10, words: int = 80,
             words_since: datetime | None = None) -> SchemeOverview | None:
    """The scheme page's figures for [since, until) (the word cloud's for [words_since, until), like the heat board's
    last 7 days); None when no scheme has that name."""
    docs = app.store.documents
    s = docs.get_scheme(name)
    if s is None:
        return None
    flt = DocumentFilter(scheme=name, since=since, until=until)
    trend = board.trend(app, since, until, scheme=name)
    total = sum(r["total"] for r in trend)
    negative = sum(r["negative"] for r in trend)
    by_source = docs.count_by("source", flt, limit=1000)
    titles = source_titles(app)
    # A document names its source by the configured name, or (ingested records) by its title: either gives the type.
    types = {key: SOURCE_TYPE_LABELS.get(x.type, x.type) for x in app.config.sources for key in (x.name, x.title)}
    media: dict[str, int] = {}
    for src, n in by_source:
        label = types.get(src, "其他来源")
        media[label] = media.get(label, 0) + n
    sentiments = [(SENTIMENT_LABELS.get(k, k), n) for k, n in docs.count_by("sentiment", flt, limit=10)]
    rules, rules_error = scoped_rules(app, name)
    return SchemeOverview(
        scheme=summary(app, s), since=since, until=until, total=total, negative=negative, trend=tuple(trend),
        sources=_shares([(titles.get(k, k), n) for k, n in by_source[:12]], total),
        media=_shares(sorted(media.items(), key=lambda kv: -kv[1]), total),
        regions=_shares(docs.count_by("region", flt, limit=20), total),
        sentiments=_shares(sentiments, total),
        events=tuple(build_event_view(e) for e in docs.list_events(limit=events, since=since, order="heat", scheme=name)),
        keywords=tuple(docs.top_keywords(replace(flt, since=max(since, words_since or since)), limit=words)),
        rules=rules, rules_error=rules_error)


def posts(app: Any, name: str, since: datetime | None, until: datetime | None, *, limit: int = 20, offset: int = 0
          ) -> tuple[int, tuple[DocumentView, ...]]:
    """(total, one page) of the scheme's matched posts in the period, newest first, as masked views."""
    total, found = app.store.documents.list_documents(DocumentFilter(scheme=name, since=since, until=until),
                                                      limit=limit, offset=offset)
    return total, tuple(build_document_view(d) for d in found)
