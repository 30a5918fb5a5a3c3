"""Chinese working-day calendar: statutory holidays and 调休 make-up days via ``chinesecalendar``.

Outside the years the package covers (found from its own tables, 2004–2026 in 1.11) we fall back to plain
Monday–Friday and log it once per year, because a deadline must still be computed when the package is old.

Counting follows 民法典 第二百零一条: the start day is not counted; the limit ends at the end of the last day.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar

from yuqing.clock import TZ

log = logging.getLogger(__name__)

_all_days = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
#: Years the installed chinesecalendar has official data for (inclusive).
COVERED_YEARS: tuple[int, int] = (min(d.year for d in _all_days), max(d.year for d in _all_days))
del _all_days

_warned_years: set[int] = set()


def covered(d: date) -> bool:
    return COVERED_YEARS[0] <= d.year <= COVERED_YEARS[1]


@lru_cache(maxsize=8192)
def is_workday(d: date) -> bool:
    """True on a working day: Mon–Fri unless a statutory holiday, plus 调休 weekend working days."""
    if isinstance(d, datetime):
        d = d.astimezone(TZ).date() if d.tzinfo else d.date()
    if covered(d):
        try:
            return chinese_calendar.is_workday(d)
        except NotImplementedError:  # defensive: a gap inside the range
            pass
    if d.year not in _warned_years:
        _warned_years.add(d.year)
        log.warning("chinesecalendar 不含 %s 年的节假日安排（覆盖 %s–%s 年），该年按周一至周五计算工作日",
                    d.year, *COVERED_YEARS)
    return d.weekday() < 5


def _local_date(value: datetime | date) -> date:
    if isinstance(value, datetime):
        return (value.astimezone(TZ) if value.tzinfo else value.replace(tzinfo=TZ)).date()
    return value


def add_working_days(start: datetime | date, n: int) -> date:
    """The date of the n-th working day after ``start``'s (local) day; the start day itself is not counted."""
    if n < 0:
        raise ValueError(f"工作日数不能为负数：{n}")
    d = _local_date(start)
    counted = 0
    while counted < n:
        d += timedelta(days=1)
        if is_workday(d):
            counted += 1
    return d


def working_days_between(start: datetime | date, end: datetime | date) -> int:
    """Working days d with start's day < d ≤ end's day (0 when end is not after start's day).

    Consistent with :func:`add_working_days`: ``working_days_between(s, add_working_days(s, n)) == n``.
    """
    a, b = _local_date(start), _local_date(end)
    count = 0
    d = a
    while d < b:
        d += timedelta(days=1)
        if is_workday(d):
            count += 1
    return count


def end_of_day(d: date) -> datetime:
    """23:59:59 local time of a day: working-day limits run to the end of the last day."""
    return datetime.combine(d, time(23, 59, 59), tzinfo=TZ)


__all__ = ["COVERED_YEARS", "add_working_days", "covered", "end_of_day", "is_workday", "working_days_between"]
