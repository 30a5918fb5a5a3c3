"""The read model of a 监测方案 (part of the one read model, ``yuqing.views``; kept apart for the module size limit):
what the command line and the scheme pages show, built by a service, with typed text masked once here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from yuqing.clock import TZ, day_start
from yuqing.model import Scheme
from yuqing.views import _plain, masked

if TYPE_CHECKING:
    from yuqing.storage.base import DocumentStore

#: How many days ``SchemeView.trend`` covers (ending with the day of ``now``).
TREND_DAYS = 14
BACKFILL_LABELS = {True: "已完成", False: "回溯中"}


@dataclass(frozen=True)
class SchemeView:
    name: str
    expression: str
    owner: str | None
    sources: tuple[str, ...]
    regions: tuple[str, ...]
    start: datetime | None
    end: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    version: int
    backfill_done: bool
    backfill_status: str  # 已完成 / 回溯中
    matches: int
    trend: tuple[tuple[str, int], ...]  # (day, matched documents) for the last TREND_DAYS days, oldest first

    def to_dict(self) -> dict[str, Any]:
        out = {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}
        out["trend"] = [{"day": day, "total": n} for day, n in self.trend]
        return out


def build_scheme_view(scheme: Scheme, matches: int, trend: tuple[tuple[str, int], ...] = ()) -> SchemeView:
    return SchemeView(
        name=scheme.name, expression=masked(scheme.expression), owner=scheme.owner, sources=scheme.sources,
        regions=scheme.regions, start=scheme.start, end=scheme.end, created_at=scheme.created_at,
        updated_at=scheme.updated_at, version=scheme.version, backfill_done=scheme.backfill_done,
        backfill_status=BACKFILL_LABELS[scheme.backfill_done], matches=matches, trend=trend)


def scheme_trend(store: "DocumentStore", name: str, now: datetime, days: int = TREND_DAYS) -> tuple[tuple[str, int], ...]:
    """Matched documents per Asia/Shanghai day over the last ``days`` days (days without any shown as 0)."""
    from yuqing.storage.base import DocumentFilter

    first = now.astimezone(TZ).date() - timedelta(days=days - 1)
    rows = store.count_by_day(DocumentFilter(scheme=name, since=day_start(first),
                                             until=day_start(now.astimezone(TZ).date() + timedelta(days=1))))
    counts = {r["day"]: int(r["total"]) for r in rows}
    return tuple(((first + timedelta(days=i)).isoformat(), counts.get((first + timedelta(days=i)).isoformat(), 0))
                 for i in range(days))


def scheme_views(store: "DocumentStore", now: datetime | None = None) -> list[SchemeView]:
    """Every scheme with its match count (and, when ``now`` is given, its trend)."""
    counts = store.scheme_match_counts()
    return [build_scheme_view(s, counts.get(s.name, 0), scheme_trend(store, s.name, now) if now else ())
            for s in store.list_schemes()]


def scheme_view(store: "DocumentStore", name: str, now: datetime) -> SchemeView | None:
    scheme = store.get_scheme(name)
    if scheme is None:
        return None
    from yuqing.storage.base import DocumentFilter

    total, _ = store.list_documents(DocumentFilter(scheme=name), limit=0)
    return build_scheme_view(scheme, total, scheme_trend(store, name, now))
