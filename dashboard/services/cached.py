"""Short-lived caches for the heavy reads (aggregates, search). Keys are the store identity plus the filters.

Alert queues and details are not cached: officers act on them and must see the result of their click at once.
Times are rounded by the callers (to the minute) so reruns within a minute share an entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import streamlit as st

from yuqing.dashboard.services import board, documents, schemes
from yuqing.dashboard.services.context import get_app
from yuqing.storage.base import DocumentFilter

TTL = 30  # seconds; long enough to absorb reruns, short enough for a live board


def _app(key: str) -> Any:
    del key  # only part of the cache key
    return get_app()


@st.cache_data(ttl=TTL, show_spinner=False)
def overview(key: str, now: datetime) -> dict[str, Any]:
    return board.overview(_app(key), now)


@st.cache_data(ttl=TTL, show_spinner=False)
def trend(key: str, since: datetime, until: datetime, topic: str | None = None, region: str | None = None
          ) -> list[dict[str, Any]]:
    return board.trend(_app(key), since, until, topic=topic, region=region)


@st.cache_data(ttl=TTL, show_spinner=False)
def distribution(key: str, field: str, since: datetime, until: datetime, limit: int = 12) -> list[tuple[str, int]]:
    return board.distribution(_app(key), field, since, until, limit)


@st.cache_data(ttl=TTL, show_spinner=False)
def top_events(key: str, now: datetime, days: int = 7, limit: int = 10) -> list[dict[str, Any]]:
    return board.top_events(_app(key), now, days=days, limit=limit)


@st.cache_data(ttl=TTL, show_spinner=False)
def keywords(key: str, since: datetime, until: datetime, limit: int = 80) -> list[tuple[str, int]]:
    return board.keywords(_app(key), since, until, limit)


@st.cache_data(ttl=300, show_spinner=False)
def wordcloud_png(pairs: tuple[tuple[str, int], ...], dark: bool, width: int = 900, height: int = 420) -> bytes | None:
    """Drawing the cloud costs about a second of CPU: keep it as long as the keywords do not change."""
    from yuqing.dashboard.charts import wordcloud_png as draw

    return draw(list(pairs), dark=dark, width=width, height=height)


@st.cache_data(ttl=TTL, show_spinner=False)
def league(key: str, since: datetime | None) -> list[dict[str, Any]]:
    return board.league(_app(key), since)


@st.cache_data(ttl=TTL, show_spinner=False)
def search(key: str, query: str, source: str | None, topic: str | None, department: str | None, region: str | None,
           sentiment: str | None, since: datetime | None, until: datetime | None, limit: int, offset: int
           ) -> Any:
    flt = DocumentFilter(source=source, topic=topic, department=department, region=region, sentiment=sentiment,
                         since=since, until=until)
    return documents.search(_app(key), query, flt, limit=limit, offset=offset)


@st.cache_data(ttl=300, show_spinner=False)
def filter_options(key: str) -> dict[str, list[str]]:
    return documents.filter_options(_app(key))


@st.cache_data(ttl=TTL, show_spinner=False)
def scheme_overview(key: str, name: str, since: datetime, until: datetime, words_since: datetime | None = None) -> Any:
    """One 监测方案's page figures (a frozen SchemeOverview, or None when there is no such scheme)."""
    return schemes.overview(_app(key), name, since, until, words_since=words_since)


@st.cache_data(ttl=TTL, show_spinner=False)
def scheme_posts(key: str, name: str, since: datetime | None, until: datetime | None, limit: int, offset: int
                 ) -> tuple[int, tuple[Any, ...]]:
    return schemes.posts(_app(key), name, since, until, limit=limit, offset=offset)


def clear_schemes() -> None:
    """After a scheme is saved or deleted: its page shows the new matches on the next render."""
    for fn in (scheme_overview, scheme_posts):
        fn.clear()


def clear() -> None:
    """After an action: counters on every page reflect it on the next render."""
    for fn in (overview, league):
        fn.clear()
