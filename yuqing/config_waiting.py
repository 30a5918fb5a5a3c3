"""``[waiting]``: the clocks of alerts waiting for an officer to dispatch them (wall hours or office time).

Part of the configuration (``yuqing.config.parse_config`` calls :func:`_parse_waiting`; the types it builds,
:class:`WaitingConfig` and :class:`WaitClock`, are defined here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from yuqing.checker import Checker
from yuqing.workdays import OfficeHours, WorkCalendar, add_working_time

WAIT_UNITS = {"hours": "小时", "working_hours": "个工作小时", "working_days": "个工作日"}
#: level → (remind after, escalate after, unit): levels 1–2 on the wall clock, 3–4 in office time.
DEFAULT_WAIT_CLOCKS: dict[int, tuple[float, float | None, str]] = {
    1: (1, 2, "hours"), 2: (2, 4, "hours"), 3: (4, 8, "working_hours"), 4: (2, 4, "working_days")}


@dataclass(frozen=True)
class WaitClock:
    """How long an alert of one level may wait for an officer to dispatch it: a reminder to the officers after
    ``remind`` units, escalation to the supervising office after ``escalate`` units (None: no escalation)."""

    level: int
    remind: float
    escalate: float | None
    unit: str  # hours | working_hours | working_days

    def text(self, amount: float) -> str:
        return f"{amount:g} {WAIT_UNITS[self.unit]}"


@dataclass
class WaitingConfig:
    """``[waiting]``: clocks of alerts not yet dispatched (status 待派发), in wall hours or office time."""

    enabled: bool = True
    office_hours: OfficeHours = field(default_factory=OfficeHours)
    levels: dict[int, WaitClock] = field(default_factory=lambda: {
        level: WaitClock(level, *clock) for level, clock in DEFAULT_WAIT_CLOCKS.items()})

    def due(self, clock: WaitClock, amount: float, start: datetime, calendar: WorkCalendar | None = None) -> datetime:
        """When ``amount`` units of ``clock`` started at ``start`` run out (office time skips nights, weekends and
        holidays, 调休 included)."""
        if clock.unit == "hours":
            return start + timedelta(hours=amount)
        span = timedelta(hours=amount) if clock.unit == "working_hours" else self.office_hours.length * amount
        return add_working_time(start, span, calendar, self.office_hours)


_HOURS_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]|24):([0-5]\d)$")


def _parse_waiting(c: Checker) -> WaitingConfig:
    c.reject_unknown({"enabled", "office_hours", "levels"})
    text = c.get("office_hours", str, "09:00-17:30")
    m = _HOURS_SPAN.match(text.strip())
    if not m or (m.group(3) == "24" and m.group(4) != "00"):
        raise c.fail("office_hours", f"「{text}」应为上班时间段 HH:MM-HH:MM，例如 09:00-17:30")
    start = time(int(m.group(1)), int(m.group(2)))
    end = time(23, 59, 59) if m.group(3) == "24" else time(int(m.group(3)), int(m.group(4)))
    if end <= start:
        raise c.fail("office_hours", f"「{text}」的下班时间应晚于上班时间")
    levels = {level: WaitClock(level, *clock) for level, clock in DEFAULT_WAIT_CLOCKS.items()}
    lc = c.section("levels")
    for key in lc.data:
        if str(key) not in {"1", "2", "3", "4"}:
            raise lc.fail(key, "级别应为 \"1\"–\"4\"")
        level = int(key)
        one = lc.section(key)
        one.reject_unknown({"remind", "escalate", "unit"})
        default = levels[level]
        unit = one.get("unit", str, default.unit, choices=tuple(WAIT_UNITS))
        same_unit = unit == default.unit
        if not same_unit and "remind" not in one.data:
            raise one.fail("remind", f"unit 改为 {unit} 时须同时给出 remind（多久后提醒专员派发）")
        remind = one.get("remind", float, default.remind, minimum=0, maximum=8784)
        escalate = one.get("escalate", float, default.escalate if same_unit else None, minimum=0, maximum=8784)
        if remind and escalate and escalate <= remind:
            implied = "" if "escalate" in one.data else f"（未写 escalate，沿用默认值 {escalate:g}）"
            raise one.fail("escalate", f"报督查部门的时长（{escalate:g}）应长于提醒时长（{remind:g}）{implied}")
        if not remind and "escalate" in one.data and escalate:
            raise one.fail("remind", "remind = 0 表示该级别不计时，此时不能设置 escalate")
        levels[level] = WaitClock(level, float(remind), float(escalate) if escalate else None, unit)
    return WaitingConfig(enabled=c.get("enabled", bool, True), office_hours=OfficeHours(start, end),
                         levels={k: v for k, v in levels.items() if v.remind})
