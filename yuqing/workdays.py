"""Chinese working-day calendar for any year: statutory holidays from the law, 调休 where it is known.

A day off is one of three kinds, most authoritative first:

1. **The official arrangement** of the State Council (国务院办公厅关于某年部分节假日安排的通知): statutory holidays plus
   the 调休 bridge days and the weekend days worked in exchange. It comes from configuration (``[calendar.YEAR]``,
   added by an officer when the notice is published; it overrides the package) or from ``chinesecalendar`` for the
   years its tables cover (found from the tables themselves: 2004–2026 in 1.11).
2. **The statutory holidays** of 《全国年节及纪念日放假办法》, computed for any year from the law and the lunar calendar
   (``lunar_python``): since the 2024 amendment (in force 2025-01-01) 元旦 1 day, 春节 4 days (除夕 and 正月初一至初三),
   清明节 1 day (the solar term 清明), 劳动节 2 days (5 月 1、2 日), 端午节 1 day, 中秋节 1 day, 国庆节 3 days; with the
   law's own rule (第六条) that a holiday falling on a Saturday or Sunday is made up on a working day (补假), which we
   place on the first free weekday after it.
3. Saturdays and Sundays.

A year with an official arrangement is *official*; any other year's working days are computed from (2) and (3) only,
and every deadline counted through such a year is *provisional* (暂定): the real 调休 may move it. Callers ask
:meth:`WorkCalendar.provisional_years` and say so to the user.

Counting follows 民法典 第二百零一条: the start day is not counted; the limit ends at the end of the last day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Iterable, Mapping

import chinese_calendar
from lunar_python import Lunar

from yuqing.clock import TZ

log = logging.getLogger(__name__)

_all_days = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
#: Years the installed chinesecalendar has official data for (inclusive).
COVERED_YEARS: tuple[int, int] = (min(d.year for d in _all_days), max(d.year for d in _all_days))
del _all_days

#: Years the lunar conversion is trusted for (lunar_python's tables and our own use).
LUNAR_YEARS: tuple[int, int] = (1901, 2099)

MAKEUP_SUFFIX = "（补假）"


def covered(d: date) -> bool:
    """True when ``chinesecalendar`` has the official arrangement for ``d``'s year."""
    return COVERED_YEARS[0] <= d.year <= COVERED_YEARS[1]


# -- statutory holidays from the law ---------------------------------------------------------------------------
def _lunar(year: int, month: int, day: int) -> date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    term = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    return date(term.getYear(), term.getMonth(), term.getDay())


@lru_cache(maxsize=512)
def statutory_holidays(year: int) -> Mapping[date, str]:
    """The days 《全国年节及纪念日放假办法》 gives all citizens off in ``year`` (date → festival), without 补假.

    Rules by amendment: 2025 on (国务院令第795号) as in the module docstring; 2014–2024: 春节 初一至初三, 劳动节
    1 day; 2008–2013: 春节 除夕至初二; before 2008: 劳动节 and 春节 3 days each, no 清明/端午/中秋.
    """
    if not LUNAR_YEARS[0] <= year <= LUNAR_YEARS[1]:
        raise ValueError(f"只能计算 {LUNAR_YEARS[0]}–{LUNAR_YEARS[1]} 年的法定节假日（农历换算范围），不支持 {year} 年")
    new_year = _lunar(year, 1, 1)
    festivals: list[tuple[date, str]] = [(date(year, 1, 1), "元旦")]
    if year >= 2025:
        spring = [new_year - timedelta(days=1)] + [new_year + timedelta(days=i) for i in range(3)]
        labour = [date(year, 5, 1), date(year, 5, 2)]
    elif year >= 2014:
        spring = [new_year + timedelta(days=i) for i in range(3)]
        labour = [date(year, 5, 1)]
    elif year >= 2008:
        spring = [new_year - timedelta(days=1), new_year, new_year + timedelta(days=1)]
        labour = [date(year, 5, 1)]
    else:
        spring = [new_year + timedelta(days=i) for i in range(3)]
        labour = [date(year, 5, i) for i in (1, 2, 3)]
    festivals += [(d, "春节") for d in spring]
    festivals += [(d, "劳动节") for d in labour]
    festivals += [(date(year, 10, d), "国庆节") for d in (1, 2, 3)]
    if year >= 2008:
        festivals += [(_qingming(year), "清明节"), (_lunar(year, 5, 5), "端午节"), (_lunar(year, 8, 15), "中秋节")]
    days: dict[date, str] = {}
    for d, name in sorted(festivals, key=lambda f: f[0]):  # 中秋 can fall inside 国庆 (2020, 2028): the day carries both names
        days[d] = f"{days[d]}、{name}" if d in days else name
    # 春节 is never before 01-21, so 除夕 is always in ``year`` too. Read-only: the result is cached.
    return MappingProxyType(dict(sorted(days.items())))


@lru_cache(maxsize=512)
def statutory_days_off(year: int) -> Mapping[date, str]:
    """Statutory holidays plus the law's 补假 (第六条) on the first free weekday after each holiday lost to a weekend.

    Two festivals on one day (中秋 inside 国庆) are treated the same way: the second is made up, as in 2020's
    arrangement (8 days for 国庆 + 中秋).
    """
    days = dict(statutory_holidays(year))
    for d, names in statutory_holidays(year).items():
        names = names.split("、")
        lost = names if d.weekday() >= 5 else names[1:]
        makeup = d
        for name in lost:
            makeup += timedelta(days=1)
            while makeup.weekday() >= 5 or makeup in days:
                makeup += timedelta(days=1)
            days[makeup] = name + MAKEUP_SUFFIX
    return MappingProxyType(dict(sorted(days.items())))


# -- a year's official arrangement -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Arrangement:
    """A year's official arrangement from configuration: days off (statutory days are implied) and 调休 working days."""

    year: int
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()


def _local_date(value: datetime | date) -> date:
    if isinstance(value, datetime):
        return (value.astimezone(TZ) if value.tzinfo else value.replace(tzinfo=TZ)).date()
    return value


@dataclass
class WorkCalendar:
    """Working days: configured arrangements, then chinesecalendar's, then statutory days and weekends."""

    arrangements: Mapping[int, Arrangement] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.arrangements = dict(self.arrangements)
        self._cache: dict[date, bool] = {}

    # which source decides a year
    def source(self, year: int) -> str:
        """``"config"``, ``"chinesecalendar"`` or ``"statutory"`` (provisional)."""
        if year in self.arrangements:
            return "config"
        if COVERED_YEARS[0] <= year <= COVERED_YEARS[1]:
            return "chinesecalendar"
        return "statutory"

    def is_official(self, year: int | date) -> bool:
        return self.source(year if isinstance(year, int) else _local_date(year).year) != "statutory"

    def is_workday(self, value: date | datetime) -> bool:
        d = _local_date(value)
        hit = self._cache.get(d)
        if hit is None:
            hit = self._cache[d] = self._is_workday(d)
        return hit

    def _is_workday(self, d: date) -> bool:
        source = self.source(d.year)
        if source == "config":
            arrangement = self.arrangements[d.year]
            if d in arrangement.workdays:
                return True
            if d in arrangement.holidays or d in statutory_holidays(d.year):
                return False
            return d.weekday() < 5
        if source == "chinesecalendar":
            try:
                return chinese_calendar.is_workday(d)
            except NotImplementedError:  # defensive: a gap inside the range
                pass
        if not LUNAR_YEARS[0] <= d.year <= LUNAR_YEARS[1]:
            return d.weekday() < 5  # beyond the lunar tables: weekends only (still provisional)
        return d.weekday() < 5 and d not in statutory_days_off(d.year)

    def add_working_days(self, start: datetime | date, n: int) -> date:
        """The date of the n-th working day after ``start``'s (local) day; the start day itself is not counted."""
        if n < 0:
            raise ValueError(f"工作日数不能为负数：{n}")
        d = _local_date(start)
        counted = 0
        while counted < n:
            d += timedelta(days=1)
            if self.is_workday(d):
                counted += 1
        return d

    def working_days_between(self, start: datetime | date, end: datetime | date) -> int:
        """Working days d with start's day < d ≤ end's day (0 when end is not after start's day)."""
        a, b = _local_date(start), _local_date(end)
        count = 0
        d = a
        while d < b:
            d += timedelta(days=1)
            if self.is_workday(d):
                count += 1
        return count

    def provisional_years(self, start: datetime | date, end: datetime | date) -> tuple[int, ...]:
        """Years without an official arrangement among the days counted from ``start`` (excluded) to ``end``."""
        a, b = _local_date(start), _local_date(end)
        if b <= a:
            return ()
        return tuple(y for y in range((a + timedelta(days=1)).year, b.year + 1) if not self.is_official(y))

    def missing_years(self, now: datetime | date, *, from_month: int = 11) -> list[int]:
        """Years an officer should add: this year when unofficial, and next year from ``from_month`` on."""
        today = _local_date(now)
        years = [today.year] + ([today.year + 1] if today.month >= from_month else [])
        return [y for y in years if not self.is_official(y)]

    def warnings(self, now: datetime | date) -> list[str]:
        """Chinese reminders for :meth:`missing_years` (shown by ``yuqing stats``)."""
        return [f"{y} 年的节假日调休安排尚未配置：跨入该年的工作日时限暂按法定节假日（含补假、不含调休）计算并标为“暂定”；"
                f"请在国务院办公厅公布后加入 [calendar.{y}]（holidays 放假日期、workdays 调休上班日期）"
                for y in self.missing_years(now)]


@dataclass(frozen=True)
class OfficeHours:
    """The working hours of a working day (local time), e.g. 09:00–17:30: the unit of a waiting alert's clock."""

    start: time = time(9, 0)
    end: time = time(17, 30)

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"下班时间 {self.end:%H:%M} 应晚于上班时间 {self.start:%H:%M}")

    @property
    def length(self) -> timedelta:
        """One working day's working time (8.5 hours for 09:00–17:30)."""
        return datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)


#: 09:00–17:30 on working days.
OFFICE_HOURS = OfficeHours()


def add_working_time(start: datetime, amount: timedelta, calendar: WorkCalendar | None = None,
                     hours: OfficeHours = OFFICE_HOURS) -> datetime:
    """The moment ``amount`` of working time (inside ``hours`` on working days, 调休 included) has passed since
    ``start``. Time outside office hours does not count: a clock started on Friday 16:30 with 4 working hours runs
    out on Monday 12:00 (or the next working day after a holiday). A clock that runs out exactly at closing time
    ends then, not at the next opening."""
    calendar = calendar or DEFAULT_CALENDAR
    if amount < timedelta(0):
        raise ValueError(f"工作时长不能为负数：{amount}")
    if start.tzinfo is None:
        start = start.replace(tzinfo=TZ)
    cursor = start.astimezone(TZ)
    remaining = amount
    day = cursor.date()
    # A year has fewer than 366 working days; the bound only stops a runaway loop on absurd input.
    for _ in range(366 * 20):
        if calendar.is_workday(day):
            opening = datetime.combine(day, hours.start, tzinfo=TZ)
            closing = datetime.combine(day, hours.end, tzinfo=TZ)
            begin = max(cursor, opening)
            if begin < closing or (begin == closing and not remaining):
                if remaining <= closing - begin:
                    return begin + remaining
                remaining -= closing - begin
        day += timedelta(days=1)
        cursor = datetime.combine(day, time(0, 0), tzinfo=TZ)
    raise ValueError(f"工作时长过长，无法计算：{amount}")


def provisional_note(years: Iterable[int]) -> str:
    """「（暂定：2027 年调休安排尚未公布）」 for the years a deadline was counted through; empty when none."""
    years = sorted(set(years))
    if not years:
        return ""
    return f"（暂定：{'、'.join(str(y) for y in years)} 年调休安排尚未公布）"


#: The calendar without configuration: chinesecalendar's years, statutory days elsewhere.
DEFAULT_CALENDAR = WorkCalendar()


def is_workday(d: date | datetime, calendar: WorkCalendar | None = None) -> bool:
    """True on a working day: Mon–Fri unless a holiday, plus 调休 weekend working days."""
    return (calendar or DEFAULT_CALENDAR).is_workday(d)


def add_working_days(start: datetime | date, n: int, calendar: WorkCalendar | None = None) -> date:
    return (calendar or DEFAULT_CALENDAR).add_working_days(start, n)


def working_days_between(start: datetime | date, end: datetime | date, calendar: WorkCalendar | None = None) -> int:
    """Consistent with :func:`add_working_days`: ``working_days_between(s, add_working_days(s, n)) == n``."""
    return (calendar or DEFAULT_CALENDAR).working_days_between(start, end)


def is_provisional(value: date | datetime | int, calendar: WorkCalendar | None = None) -> bool:
    """True when ``value``'s year (a date, datetime or year) has no official 调休 arrangement."""
    return not (calendar or DEFAULT_CALENDAR).is_official(value)


def end_of_day(d: date) -> datetime:
    """23:59:59 local time of a day: working-day limits run to the end of the last day."""
    return datetime.combine(d, time(23, 59, 59), tzinfo=TZ)


__all__ = ["COVERED_YEARS", "DEFAULT_CALENDAR", "OFFICE_HOURS", "Arrangement", "OfficeHours", "WorkCalendar",
           "add_working_days", "add_working_time", "covered",
           "end_of_day", "is_provisional", "is_workday", "provisional_note", "statutory_days_off",
           "statutory_holidays", "working_days_between"]
