"""``[calendar.YEAR]``: a year's official holiday arrangement (国务院办公厅通知, 调休 included) once it is published.

Part of the configuration (``yuqing.config.parse_config`` calls :func:`_parse_calendar`).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from yuqing.checker import Checker, ConfigError
from yuqing.workdays import Arrangement, WorkCalendar, statutory_holidays


_DAY = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_DAYS = re.compile(rf"^\s*{_DAY}\s*(?:\.\.\s*{_DAY}\s*)?$")


def _calendar_days(c: Checker, name: str, year: int) -> set[date]:
    """``["2027-10-01..2027-10-07", "2027-09-26", 2027-10-09]``: days and inclusive ranges, all inside ``year``."""
    days: set[date] = set()
    for i, item in enumerate(c.get(name, list, [])):
        key = f"{c.key(name)}[{i}]"
        if isinstance(item, date) and not hasattr(item, "hour"):  # a TOML date literal
            first = last = item
        else:
            m = _DAYS.match(item) if isinstance(item, str) else None
            if not m:
                raise ConfigError(c.file, key, f"应为日期「{year}-10-01」或日期范围「{year}-10-01..{year}-10-07」，实际为 {item!r}")
            try:
                first = date(*map(int, m.group(1, 2, 3)))
                last = date(*map(int, m.group(4, 5, 6))) if m.group(4) else first
            except ValueError as exc:
                raise ConfigError(c.file, key, f"「{item}」不是有效日期（{exc}）") from exc
        if last < first:
            raise ConfigError(c.file, key, f"范围「{item}」的结束日期早于开始日期")
        if first.year != year or last.year != year:
            raise ConfigError(c.file, key, f"「{item}」不在 {year} 年内；跨年的日期请写在对应年份的 [calendar.年份] 中")
        d = first
        while d <= last:
            days.add(d)
            d += timedelta(days=1)
    return days


def _parse_calendar(c: Checker) -> WorkCalendar:
    """``[calendar.YEAR]`` tables: a year's official arrangement (国务院办公厅通知) once it is published."""
    arrangements: dict[int, Arrangement] = {}
    for name in c.data:
        if not re.fullmatch(r"\d{4}", str(name)) or not 1901 <= int(name) <= 2099:
            raise c.fail(name, "应为年份（1901–2099），例如 [calendar.2027] holidays = [\"2027-10-01..2027-10-07\"]")
        year = int(name)
        y = c.section(name)
        y.reject_unknown({"holidays", "workdays"})
        holidays, workdays = _calendar_days(y, "holidays", year), _calendar_days(y, "workdays", year)
        if not holidays:
            raise y.fail("holidays", "缺少放假日期：请按国务院办公厅通知列出该年全部放假日期（可写范围）")
        for d in sorted(holidays & workdays):
            raise y.fail("workdays", f"{d.isoformat()} 同时列在 holidays 中，不能既放假又上班")
        for d in sorted(workdays):
            if d in statutory_holidays(year):
                raise y.fail("workdays", f"{d.isoformat()} 是法定节假日（{statutory_holidays(year)[d]}），不能调为上班日")
            if d.weekday() < 5:
                raise y.fail("workdays", f"{d.isoformat()} 是星期{'一二三四五'[d.weekday()]}，本来就上班；"
                                         "workdays 只列调休上班的周六、周日")
        arrangements[year] = Arrangement(year, frozenset(holidays), frozenset(workdays))
    return WorkCalendar(arrangements)
