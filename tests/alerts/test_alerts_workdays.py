"""Working days and deadlines across National Day and its 调休 days, checked against chinesecalendar itself."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from yuqing.alerts.deadlines import compute_deadlines
from yuqing.clock import TZ
from yuqing.workdays import (
    COVERED_YEARS, DEFAULT_CALENDAR, add_working_days, is_provisional, is_workday, statutory_days_off,
    working_days_between,
)


def reference_nth_workday(start: date, n: int) -> date:
    """Independent reference: walk forward asking chinesecalendar directly."""
    d, seen = start, 0
    while seen < n:
        d += timedelta(days=1)
        seen += chinese_calendar.is_workday(d)
    return d


def test_covered_years_found_from_the_package():
    assert COVERED_YEARS[0] <= 2010 and COVERED_YEARS[1] >= 2024
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(COVERED_YEARS[1] + 1, 3, 3))


@pytest.mark.parametrize("year", [y for y in range(2012, 2026) if COVERED_YEARS[0] <= y <= COVERED_YEARS[1]])
def test_national_day_deadlines_match_chinesecalendar(year):
    makeup = [d for d in chinese_calendar.workdays if d.year == year and d.month in (9, 10) and d.weekday() >= 5]
    for offset in range(-6, 12):
        start_day = date(year, 10, 1) + timedelta(days=offset)
        start = datetime(start_day.year, start_day.month, start_day.day, 16, 30, tzinfo=TZ)
        for policy, n in (("consult", 2), ("help", 10), ("complaint", 15), ("disclosure", 20)):
            due = compute_deadlines(policy, start)["response"]
            expected = reference_nth_workday(start_day, n)
            assert due == datetime(expected.year, expected.month, expected.day, 23, 59, 59, tzinfo=TZ), (policy, start)
            assert chinese_calendar.is_workday(due.date())
            assert working_days_between(start, due) == n
    for d in makeup:  # 调休 weekend days are working days in our calendar too
        assert is_workday(d)


@pytest.mark.parametrize("start, n, expected", [
    # 2024: 10月1日–7日放假；9月29日（周日）、10月12日（周六）上班
    ("2024-09-30T10:00", 2, "2024-10-09"),
    ("2024-09-28T10:00", 2, "2024-09-30"),  # Saturday start: 9/29 Sunday make-up day counts
    ("2024-10-11T18:00", 2, "2024-10-14"),  # 10/12 Saturday make-up day counts
    ("2024-09-30T10:00", 15, "2024-10-25"),
    # 2023: 9月29日–10月6日放假；10月7日、8日（周六日）上班
    ("2023-09-28T09:00", 2, "2023-10-08"),
    # 2025: 10月1日–8日放假；9月28日（周日）、10月11日（周六）上班
    ("2025-09-26T09:00", 2, "2025-09-29"),
    ("2025-09-30T09:00", 2, "2025-10-10"),
    ("2025-10-10T09:00", 1, "2025-10-11"),
])
def test_hand_checked_national_day_cases(start, n, expected):
    s = datetime.fromisoformat(start).replace(tzinfo=TZ)
    assert add_working_days(s, n) == date.fromisoformat(expected)


def test_start_day_not_counted_and_wall_clock_policies():
    start = datetime(2024, 5, 13, 9, 0, tzinfo=TZ)  # Monday
    assert compute_deadlines("consult", start)["response"] == datetime(2024, 5, 15, 23, 59, 59, tzinfo=TZ)
    assert compute_deadlines("level2", start) == {"response": start + timedelta(hours=48)}
    l1 = compute_deadlines("level1", start)
    assert l1 == {"authoritative_info": start + timedelta(hours=5), "press_conference": start + timedelta(hours=24)}
    ext = compute_deadlines("disclosure", start, extended=True)["response"]
    assert ext.date() == reference_nth_workday(start.date(), 40)


def test_after_the_covered_years_statutory_days_are_kept_and_marked_provisional():
    year = COVERED_YEARS[1] + 1
    statutory = statutory_days_off(year)
    start = date(year, 9, 30)
    due = add_working_days(start, 2)
    counted = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    assert [d for d in counted if is_workday(d)][-1] == due and working_days_between(start, due) == 2
    for d in counted:  # nothing counted is a weekend or a statutory day (or its 补假)
        assert is_workday(d) == (d.weekday() < 5 and d not in statutory)
    assert is_provisional(due) and DEFAULT_CALENDAR.provisional_years(start, due) == (year,)
    assert not is_provisional(date(COVERED_YEARS[1], 10, 1))


def test_working_days_between_is_inverse_of_add():
    start = datetime(2024, 1, 30, 8, 0, tzinfo=TZ)  # across the Spring Festival 2024 and its 调休
    for n in range(0, 40):
        assert working_days_between(start, add_working_days(start, n)) == n
    assert working_days_between(start, start - timedelta(days=3)) == 0


def test_custom_policy_from_configuration():
    section = {"policies": {"hotline": {"label": "热线急件", "response": {"hours": 2}, "visit": {"working_days": 1}}}}
    start = datetime(2024, 9, 30, 22, 0, tzinfo=TZ)
    d = compute_deadlines("hotline", start, section)
    assert d["response"] == start + timedelta(hours=2)
    assert d["visit"] == datetime(2024, 10, 8, 23, 59, 59, tzinfo=TZ)
