"""Deadlines in every year: statutory holidays from the law, provisional marks, and [calendar.YEAR] from the file.

The 2027 National Day case is the one from issue 14: chinesecalendar 1.11 stops at 2026, and the old fallback
(Monday–Friday) put a consult deadline started on 2027-09-30 on 10-04, inside the holiday.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from yuqing.alerts.deadlines import deadline_details, provisional_deadlines
from yuqing.alerts.service import AlertService
from yuqing.app import App
from yuqing.cli import main
from yuqing.clock import TZ
from yuqing.config import DEFAULT_CONFIG, ConfigError, load_config
from yuqing.model import User
from yuqing.users import system_operator
from yuqing.workdays import (
    COVERED_YEARS, DEFAULT_CALENDAR, Arrangement, WorkCalendar, is_provisional, provisional_note, statutory_days_off,
    statutory_holidays,
)

START = datetime(2027, 9, 30, 10, 0, tzinfo=TZ)  # a Thursday, the day before National Day 2027
NATIONAL_DAY_2027 = {date(2027, 10, d) for d in (1, 2, 3)}

# A year's arrangement as an officer would paste it from the State Council's notice. 2027's is not published yet:
# this one is made up in the usual shape (7 days off, two weekend days worked) to show what configuring one does.
ARRANGEMENT_2027 = """
[calendar.2027]
holidays = ["2027-01-01", "2027-02-05..2027-02-11", "2027-04-05", "2027-05-01..2027-05-05", "2027-06-09",
            "2027-09-15", "2027-10-01..2027-10-07"]
workdays = ["2027-02-20", "2027-04-25", "2027-09-26", 2027-10-09]
"""

# Reference dates from two independent sources checked by hand on 2026-12-05: the `lunardate` package
# (LunarDate(y, 1, 1).toSolarDate() etc.) and the `holidays` package's China calendar (0.109) agree on every one;
# 清明 as published in the 二十四节气 tables. Neither package is a dependency: the table is the reference.
LUNAR_REFERENCE = {
    #      除夕          正月初一(春节)   清明             端午             中秋
    2027: ("2027-02-05", "2027-02-06", "2027-04-05", "2027-06-09", "2027-09-15"),
    2028: ("2028-01-25", "2028-01-26", "2028-04-04", "2028-05-28", "2028-10-03"),
    2029: ("2029-02-12", "2029-02-13", "2029-04-04", "2029-06-16", "2029-09-22"),
    2030: ("2030-02-02", "2030-02-03", "2030-04-05", "2030-06-05", "2030-09-12"),
}

# The whole of 2027 by the law (statutory days and 补假 for those on a weekend), as the `holidays` package
# lists it for China 2027 (its "observed" days are our 补假).
STATUTORY_2027 = [
    "2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10", "2027-04-05",
    "2027-05-01", "2027-05-02", "2027-05-03", "2027-05-04", "2027-06-09", "2027-09-15", "2027-10-01", "2027-10-02",
    "2027-10-03", "2027-10-04", "2027-10-05",
]

CC_NAMES = {"元旦": "New Year's Day", "春节": "Spring Festival", "清明节": "Tomb-sweeping Day", "劳动节": "Labour Day",
            "端午节": "Dragon Boat Festival", "中秋节": "Mid-autumn Festival", "国庆节": "National Day"}


def write_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "yuqing.toml"
    path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("YUQING_HOME", str(tmp_path))
    monkeypatch.setenv("YUQING_CONFIG", str(tmp_path / "unused.toml"))  # main() sets it; restored afterwards
    return tmp_path


# -- the law --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_days_match_chinesecalendar_under_the_2024_amendment(year):
    assert COVERED_YEARS[0] <= year <= COVERED_YEARS[1]
    ours = statutory_holidays(year)
    assert len(ours) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3 days
    for d, name in ours.items():
        assert chinese_calendar.get_holiday_detail(d) == (True, CC_NAMES[name]), d
    # The official weekdays off, less the 调休 bridge days, are exactly the statutory days and the law's 补假.
    official = {d for d in chinese_calendar.holidays if d.year == year and d.weekday() < 5
                and d not in chinese_calendar.in_lieu_days}
    assert official == {d for d in statutory_days_off(year) if d.weekday() < 5}


@pytest.mark.parametrize("year", range(max(2008, COVERED_YEARS[0]), 2025))
def test_statutory_days_under_the_older_rules_are_official_days_off(year):
    for d in statutory_holidays(year):
        assert chinese_calendar.is_holiday(d), (year, d, statutory_holidays(year)[d])


@pytest.mark.parametrize("year", sorted(LUNAR_REFERENCE))
def test_lunar_festivals_and_qingming_match_the_reference(year):
    eve, new_year, qingming, dragon_boat, mid_autumn = map(date.fromisoformat, LUNAR_REFERENCE[year])
    days = statutory_holidays(year)
    assert [d for d, n in days.items() if n == "春节"] == [eve + timedelta(days=i) for i in range(4)]
    assert new_year == eve + timedelta(days=1)
    assert days[qingming] == "清明节" and dragon_boat in days and mid_autumn in days
    assert "端午节" in days[dragon_boat] and "中秋节" in days[mid_autumn]
    assert [d for d, n in days.items() if "劳动节" in n] == [date(year, 5, 1), date(year, 5, 2)]
    assert [d for d, n in days.items() if "国庆节" in n] == [date(year, 10, d) for d in (1, 2, 3)]


def test_2027_by_the_law_with_makeup_days():
    assert [d.isoformat() for d in statutory_days_off(2027)] == STATUTORY_2027
    assert statutory_days_off(2027)[date(2027, 10, 4)] == "国庆节（补假）"


def test_mid_autumn_inside_national_day_is_made_up():
    # 2028: 中秋 is 10-03, one of the three National Day days; 10-01 is a Sunday. Both are made up after the block.
    days = statutory_days_off(2028)
    assert days[date(2028, 10, 3)] == "国庆节、中秋节"
    assert [d for d in days if d.month == 10] == [date(2028, 10, d) for d in (1, 2, 3, 4, 5)]


# -- deadlines across National Day 2027 ------------------------------------------------------------------------------
EXPECTED_PROVISIONAL = {  # by hand: 10-01..10-03 statutory, 10-04/05 补假 (10-02, 10-03 are a weekend)
    "consult": "2027-10-07",     # Wed 10-06, Thu 10-07
    "help": "2027-10-19",        # 10-06, 07, 08, 11, 12, 13, 14, 15, 18, 19
    "complaint": "2027-10-26",   # … 20, 21, 22, 25, 26
    "disclosure": "2027-11-02",  # … 27, 28, 29, 11-01, 11-02
}
EXPECTED_OFFICIAL = {  # with ARRANGEMENT_2027: 10-01..10-07 off, Saturday 10-09 worked
    "consult": "2027-10-09",     # Fri 10-08, Sat 10-09
    "help": "2027-10-20",        # 10-08, 09, 11, 12, 13, 14, 15, 18, 19, 20
    "complaint": "2027-10-27",   # … 21, 22, 25, 26, 27
    "disclosure": "2027-11-03",  # … 28, 29, 11-01, 11-02, 11-03
}


def test_deadlines_across_national_day_2027_are_statutory_and_provisional(home):
    app = App.load(write_config(home), home)
    for policy, expected in EXPECTED_PROVISIONAL.items():
        (dl,) = deadline_details(policy, START, app.config.section("deadlines"), calendar=app.config.calendar).values()
        assert dl.due == datetime.fromisoformat(expected + "T23:59:59+08:00"), policy
        counted = [START.date() + timedelta(days=i) for i in range(1, (dl.due.date() - START.date()).days + 1)]
        assert dl.due.date() not in NATIONAL_DAY_2027
        assert sum(app.config.calendar.is_workday(d) for d in counted) == dl.working_days
        assert not any(app.config.calendar.is_workday(d) for d in NATIONAL_DAY_2027)
        assert dl.provisional and dl.provisional_years == (2027,)
        assert dl.note == "（暂定：2027 年调休安排尚未公布）"


def test_configured_arrangement_moves_the_deadlines_and_clears_provisional(home):
    app = App.load(write_config(home, ARRANGEMENT_2027), home)
    assert app.config.calendar.source(2027) == "config"
    for policy, expected in EXPECTED_OFFICIAL.items():
        (dl,) = deadline_details(policy, START, app.config.section("deadlines"), calendar=app.config.calendar).values()
        assert dl.due == datetime.fromisoformat(expected + "T23:59:59+08:00"), policy
        assert dl.due.date().isoformat() != EXPECTED_PROVISIONAL[policy]
        assert not dl.provisional and dl.note == ""
    # Holidays only (no weekend worked): the consult deadline is the Monday after the week off.
    only_days_off = ARRANGEMENT_2027.replace('workdays = ["2027-02-20", "2027-04-25", "2027-09-26", 2027-10-09]', "")
    app = App.load(write_config(home, only_days_off), home)
    (dl,) = deadline_details("consult", START, calendar=app.config.calendar).values()
    assert dl.due.date() == date(2027, 10, 11) and not dl.provisional


def test_the_service_uses_the_configured_calendar_and_views_can_ask(home):
    for extra, due, marks in (("", EXPECTED_PROVISIONAL["help"], {"response": (2027,)}),
                              (ARRANGEMENT_2027, EXPECTED_OFFICIAL["help"], {})):
        app = App.load(write_config(home, extra), home)
        app.store.workflow.add_user(User(name=f"officer{len(extra)}", role="officer", password_hash="(unused)",
                                         display_name="专员", created_at=START))
        svc = AlertService.from_config(app.config, app.store)
        alert = svc.raise_manual(app.store.workflow.get_user(f"officer{len(extra)}"), f"小区电梯停运{len(extra)}",
                                 "市民求助", level=3, department="A3区住房和城乡建设局", policy="help", now=START)
        assert alert.deadlines == {"response": datetime.fromisoformat(due + "T23:59:59+08:00")}
        stored = app.store.workflow.get_alert(alert.id)
        assert provisional_deadlines(stored, app.config.calendar, app.config.section("deadlines")) == marks
        app.close()


def test_provisional_deadlines_for_views():
    class Stored:  # the shape of a stored alert, as the views have it
        policy = "level1"
        details = {"round_started_at": START.isoformat()}
        dispatched_at = created_at = START
        deadlines = {"authoritative_info": START + timedelta(hours=5), "press_conference": START + timedelta(hours=24)}

    assert provisional_deadlines(Stored()) == {}  # wall-clock deadlines never depend on 调休
    Stored.policy = "consult"
    Stored.deadlines = {"response": datetime(2027, 10, 7, 23, 59, 59, tzinfo=TZ)}
    assert provisional_deadlines(Stored()) == {"response": (2027,)}
    assert provisional_note(provisional_deadlines(Stored())["response"]) == "（暂定：2027 年调休安排尚未公布）"
    # Started in an official year, counted into the next: provisional because of the days counted in 2027.
    Stored.policy, Stored.details = "disclosure", {"round_started_at": "2026-12-20T10:00:00+08:00"}
    (dl,) = deadline_details("disclosure", datetime(2026, 12, 20, 10, tzinfo=TZ)).values()
    Stored.deadlines = {"response": dl.due}
    assert dl.due.year == 2027 and dl.provisional_years == (2027,)
    assert provisional_deadlines(Stored()) == {"response": (2027,)}
    (dl,) = deadline_details("consult", datetime(2026, 9, 30, 10, tzinfo=TZ)).values()
    assert not dl.provisional and not is_provisional(date(2026, 10, 1)) and is_provisional(2027)


# -- the command line ------------------------------------------------------------------------------------------------
def test_sla_deadline_marks_provisional_in_text_and_json(home, capsys):
    path = write_config(home)
    argv = ["--config", str(path), "sla", "deadline", "--policy", "consult", "--start", START.isoformat()]
    assert main(argv + ["--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"response": "2027-10-07T23:59:59+08:00", "provisional": True,
                                                   "provisional_years": [2027]}
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "2027-10-07T23:59:59+08:00（暂定：2027 年调休安排尚未公布）" in out and "[calendar.2027]" in out

    path = write_config(home, ARRANGEMENT_2027)
    assert main(argv + ["--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"response": "2027-10-09T23:59:59+08:00", "provisional": False,
                                                   "provisional_years": []}
    assert main(argv) == 0
    assert "暂定" not in capsys.readouterr().out


def test_stats_warns_from_november_when_next_year_is_missing(home, capsys):
    path = write_config(home)
    stats = ["--config", str(path), "stats"]
    assert main(stats + ["--now", "2026-11-15T09:00:00+08:00", "--json"]) == 0
    (warning,) = json.loads(capsys.readouterr().out)["warnings"]
    assert warning.startswith("2027 年的节假日调休安排尚未配置") and "请在国务院办公厅公布后加入 [calendar.2027]" in warning
    assert main(stats + ["--now", "2026-11-15T09:00:00+08:00"]) == 0
    assert "提醒：2027 年的节假日调休安排尚未配置" in capsys.readouterr().out
    assert main(stats + ["--now", "2026-10-15T09:00:00+08:00", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []
    assert main(stats + ["--now", "2026-10-15T09:00:00+08:00"]) == 0
    assert "提醒" not in capsys.readouterr().out
    # Configured: no warning in November; and a year already begun without one is warned about at once.
    path = write_config(home, ARRANGEMENT_2027)
    assert main(stats + ["--now", "2026-11-15T09:00:00+08:00", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []
    assert main(stats + ["--now", "2027-12-01T09:00:00+08:00", "--json"]) == 0
    assert [w[:6] for w in json.loads(capsys.readouterr().out)["warnings"]] == ["2028 年"]
    path = write_config(home)
    assert main(stats + ["--now", "2027-03-01T09:00:00+08:00", "--json"]) == 0
    assert [w[:6] for w in json.loads(capsys.readouterr().out)["warnings"]] == ["2027 年"]


# -- the [calendar] section ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("block, key, words", [
    ('[calendar]\nnext = 1\n', "calendar.next", "应为年份"),
    ('[calendar.2027]\nholidays = ["2027-10-01"]\nmakeup = []\n', "calendar.2027.makeup", "未知配置项"),
    ('[calendar.2027]\nworkdays = ["2027-09-26"]\n', "calendar.2027.holidays", "缺少放假日期"),
    ('[calendar.2027]\nholidays = "2027-10-01..2027-10-07"\n', "calendar.2027.holidays", "应为列表"),
    ('[calendar.2027]\nholidays = ["10月1日"]\n', "calendar.2027.holidays[0]", "应为日期"),
    ('[calendar.2027]\nholidays = ["2027-10-01", 20271002]\n', "calendar.2027.holidays[1]", "应为日期"),
    ('[calendar.2027]\nholidays = ["2027-02-30"]\n', "calendar.2027.holidays[0]", "不是有效日期"),
    ('[calendar.2027]\nholidays = ["2027-10-07..2027-10-01"]\n', "calendar.2027.holidays[0]", "结束日期早于开始日期"),
    ('[calendar.2027]\nholidays = ["2026-12-31..2027-01-01"]\n', "calendar.2027.holidays[0]", "不在 2027 年内"),
    ('[calendar.2027]\nholidays = ["2027-10-01..2027-10-07"]\nworkdays = ["2027-10-02"]\n',
     "calendar.2027.workdays", "不能既放假又上班"),
    ('[calendar.2027]\nholidays = ["2027-10-04"]\nworkdays = ["2027-10-02"]\n', "calendar.2027.workdays", "法定节假日"),
    ('[calendar.2027]\nholidays = ["2027-10-01..2027-10-07"]\nworkdays = ["2027-09-27"]\n',
     "calendar.2027.workdays", "本来就上班"),
])
def test_bad_calendar_sections_name_the_key(tmp_path, block, key, words):
    with pytest.raises(ConfigError) as err:
        load_config(write_config(tmp_path, "\n" + block), tmp_path)
    assert err.value.key == key and words in err.value.problem, str(err.value)


def test_bad_calendar_is_a_clear_cli_error(home, capsys):
    path = write_config(home, '\n[calendar.2027]\nholidays = ["2027-13-01"]\n')
    assert main(["--config", str(path), "stats"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "calendar.2027.holidays[0]" in err and "Traceback" not in err
    assert main(["--config", str(path), "sla", "deadline", "--policy", "consult", "--start", START.isoformat()]) == 1
    assert "calendar.2027.holidays[0]" in capsys.readouterr().err


def test_a_configured_year_overrides_the_package():
    # An officer may correct a covered year too; statutory days stay off whatever the list says.
    cal = load_config(DEFAULT_CONFIG).calendar
    assert cal.source(2026) == "chinesecalendar" and cal.is_workday(date(2026, 10, 6)) is False
    fixed = WorkCalendar({2026: Arrangement(2026, frozenset({date(2026, 10, 1)}))})
    assert fixed.source(2026) == "config" and fixed.is_workday(date(2026, 10, 6))
    assert not fixed.is_workday(date(2026, 10, 2))  # statutory, though not listed
    assert DEFAULT_CALENDAR.is_official(2026) and not DEFAULT_CALENDAR.is_official(2027)


def test_every_alert_output_marks_a_provisional_deadline(home, capsys):
    """The alert views carry the mark, so `alerts list`/`show` (text and JSON) and the dashboard all show it."""
    from yuqing.alerts.cli import alerts_main
    from yuqing.dashboard.services.queries import alert_row

    for extra, expected in (("", True), (ARRANGEMENT_2027, False)):
        app = App.load(write_config(home, extra), home)
        svc = app.alerts
        alert = svc.raise_manual(system_operator(), f"小区电梯停运{len(extra)}", "市民求助", level=3,
                                 department="A3区住房和城乡建设局", policy="help", now=START)
        view = svc.alert_view(alert)
        (dl,) = view.deadlines
        assert dl.provisional is expected and (dl.provisional_years == (2027,)) is expected
        assert ("暂定" in dl.text) is expected and ("暂定" in view.deadlines_text[dl.label]) is expected
        assert (view.to_dict()["deadlines_provisional"] == {"response": [2027]}) is expected
        assert ("暂定" in alert_row(view, START)["截止时间"]) is expected
        capsys.readouterr()
        assert alerts_main(["show", alert.id, "--json"], app) == 0
        shown = json.loads(capsys.readouterr().out)
        assert bool(shown["alert"]["deadlines_provisional"]) is expected
        assert alerts_main(["show", alert.id], app) == 0
        assert ("2027 年调休安排尚未公布" in capsys.readouterr().out) is expected
        assert alerts_main(["list"], app) == 0
        assert ("（暂定）" in capsys.readouterr().out) is expected
        app.close()
