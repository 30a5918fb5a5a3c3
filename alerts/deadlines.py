"""Deadline policies: wall-clock hours (国办发〔2016〕80号/61号) and working-day limits (12345, 依申请公开).

A policy is an ordered set of named deadlines. Each is either ``hours`` (wall clock from the start) or
``working_days`` (start day not counted, deadline = 23:59:59 local on the last working day, 调休 included),
optionally with ``extension_working_days`` (依申请公开: +20 working days when the extension is granted).

Working days come from a :class:`yuqing.workdays.WorkCalendar` (the configuration's ``config.calendar``, passed in
explicitly). A working-day deadline counted through a year without the official 调休 arrangement is *provisional*:
:func:`deadline_details` says so per deadline, and :func:`provisional_deadlines` answers it for a stored alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping

from yuqing.clock import TZ
from yuqing.config import Checker, ConfigError
from yuqing.vocab import deadline_label
from yuqing.workdays import DEFAULT_CALENDAR, WorkCalendar, end_of_day, provisional_note


@dataclass(frozen=True)
class DeadlineSpec:
    name: str
    label: str
    hours: float | None = None
    working_days: int | None = None
    extension_working_days: int = 0


@dataclass(frozen=True)
class Policy:
    name: str
    label: str
    deadlines: tuple[DeadlineSpec, ...] = field(default_factory=tuple)


def _spec(policy: str, name: str, **kw: Any) -> DeadlineSpec:
    return DeadlineSpec(name=name, label=deadline_label(policy, name), **kw)


DEFAULT_POLICIES: dict[str, Policy] = {
    "level1": Policy("level1", "特别重大/重大舆情（国办发〔2016〕80号）", (
        _spec("level1", "authoritative_info", hours=5),
        _spec("level1", "press_conference", hours=24),
    )),
    "level2": Policy("level2", "一般政务舆情（国办发〔2016〕61号）", (_spec("level2", "response", hours=48),)),
    "consult": Policy("consult", "咨询类诉求", (_spec("consult", "response", working_days=2),)),
    "help": Policy("help", "求助/建议类诉求", (_spec("help", "response", working_days=10),)),
    "complaint": Policy("complaint", "投诉/举报类诉求", (_spec("complaint", "response", working_days=15),)),
    "disclosure": Policy("disclosure", "依申请公开（政府信息公开条例 2019）", (
        _spec("disclosure", "response", working_days=20, extension_working_days=20),)),
}
#: Keys ``yuqing sla deadline --json`` adds beside the deadline names, so no deadline may be called so.
RESERVED_NAMES = frozenset({"provisional", "provisional_years"})


def parse_policies(section: Checker | dict[str, Any] | None) -> dict[str, Policy]:
    """Defaults overlaid with ``[deadlines.policies.NAME.DEADLINE]`` tables from configuration."""
    policies = dict(DEFAULT_POLICIES)
    if section is None:
        return policies
    if isinstance(section, dict):
        section = Checker("(配置)", section, "deadlines")
    raw = section.section("policies")
    for pname in raw.data:
        pc = raw.section(pname)
        label = pc.get("label", str, policies[pname].label if pname in policies else pname)
        specs = []
        for dname in pc.data:
            if dname == "label":
                continue
            if dname in RESERVED_NAMES:
                raise pc.fail(dname, f"「{dname}」是保留名称（用于标记暂定时限），请给该时限换个名字")
            dc = pc.section(dname)
            dc.reject_unknown({"label", "hours", "working_days", "extension_working_days"})
            hours = dc.get("hours", float, None, minimum=0.01)
            wdays = dc.get("working_days", int, None, minimum=1)
            if (hours is None) == (wdays is None):
                raise dc.fail("hours", "hours（小时，自然时间）与 working_days（工作日）必须且只能设置一个")
            specs.append(DeadlineSpec(
                name=dname, label=dc.get("label", str, deadline_label(pname, dname)), hours=hours,
                working_days=wdays, extension_working_days=dc.get("extension_working_days", int, 0, minimum=0)))
        if not specs:
            raise pc.fail("(时限)", "策略至少需要一个时限，例如 [deadlines.policies.%s.response] hours = 48" % pname)
        policies[pname] = Policy(pname, label, tuple(specs))
    return policies


def get_policy(policy_name: str, config_section: Checker | dict[str, Any] | None = None) -> Policy:
    policies = parse_policies(config_section)
    if policy_name not in policies:
        raise ConfigError(getattr(config_section, "file", "(默认配置)"), "deadlines.policies",
                          f"没有名为「{policy_name}」的时限策略（可选：{', '.join(policies)}）")
    return policies[policy_name]


@dataclass(frozen=True)
class Deadline:
    """One computed deadline. ``provisional_years``: years counted through without an official 调休 arrangement."""

    name: str
    label: str
    due: datetime
    working_days: int | None = None  # None for wall-clock (hours) deadlines, which are never provisional
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)

    @property
    def note(self) -> str:
        """「（暂定：2027 年调休安排尚未公布）」 or empty."""
        return provisional_note(self.provisional_years)


def deadline_details(policy_name: str, start: datetime, config_section: Checker | dict[str, Any] | None = None,
                     *, extended: bool = False, calendar: WorkCalendar | None = None) -> dict[str, Deadline]:
    """Deadline name → :class:`Deadline` (due time in Asia/Shanghai, provisional flag) for a clock started at ``start``.

    ``extended`` applies granted extensions (依申请公开 +20 working days); ``calendar`` is the configuration's
    working-day calendar (``config.calendar``), the package and statutory days alone when omitted.
    """
    if start.tzinfo is None:
        start = start.replace(tzinfo=TZ)
    start = start.astimezone(TZ)
    calendar = calendar or DEFAULT_CALENDAR
    policy = get_policy(policy_name, config_section)
    out: dict[str, Deadline] = {}
    for spec in policy.deadlines:
        if spec.hours is not None:
            out[spec.name] = Deadline(spec.name, spec.label, start + timedelta(hours=spec.hours))
        else:
            days = spec.working_days + (spec.extension_working_days if extended else 0)
            due = end_of_day(calendar.add_working_days(start, days))
            out[spec.name] = Deadline(spec.name, spec.label, due, days, calendar.provisional_years(start, due))
    return out


def compute_deadlines(policy_name: str, start: datetime, config_section: Checker | dict[str, Any] | None = None,
                      *, extended: bool = False, calendar: WorkCalendar | None = None) -> dict[str, datetime]:
    """Deadline name → aware datetime (Asia/Shanghai) for a clock started at ``start`` (the dispatch time).

    ``extended`` applies granted extensions (依申请公开 +20 working days). See :func:`deadline_details` for the
    provisional flags.
    """
    details = deadline_details(policy_name, start, config_section, extended=extended, calendar=calendar)
    return {name: d.due for name, d in details.items()}


def provisional_deadlines(alert: Any, calendar: WorkCalendar | None = None,
                          config_section: Checker | dict[str, Any] | None = None) -> dict[str, tuple[int, ...]]:
    """For a stored alert: name → years without an official arrangement, for its provisional deadlines only.

    ``alert`` needs ``deadlines`` (name → due) and, when it has them, ``policy``, ``details["round_started_at"]``,
    ``dispatched_at``/``created_at`` (the clock's start). Wall-clock deadlines of the alert's policy are never
    provisional. A view shows ``provisional_note(years)`` beside each listed deadline, e.g.::

        marks = provisional_deadlines(alert, svc.config.calendar, svc.config.section("deadlines"))
        text = iso(due) + provisional_note(marks.get(name, ()))

    Empty when nothing is provisional (also when the alert has no deadlines).
    """
    deadlines: Mapping[str, datetime] = getattr(alert, "deadlines", None) or {}
    if not deadlines:
        return {}
    calendar = calendar or DEFAULT_CALENDAR
    details = getattr(alert, "details", None) or {}
    start_text = details.get("round_started_at") if isinstance(details, dict) else None
    start = datetime.fromisoformat(start_text) if start_text else (
        getattr(alert, "dispatched_at", None) or getattr(alert, "created_at", None))
    wall_clock: set[str] = set()
    policy_name = getattr(alert, "policy", None)
    if policy_name:
        try:
            wall_clock = {s.name for s in get_policy(policy_name, config_section).deadlines if s.hours is not None}
        except ConfigError:  # a policy since removed from configuration: judge every deadline by its days
            pass
    out: dict[str, tuple[int, ...]] = {}
    for name, due in deadlines.items():
        if name in wall_clock:
            continue
        years = calendar.provisional_years(start, due) if start else \
            ((due.astimezone(TZ).year,) if not calendar.is_official(due) else ())
        if years:
            out[name] = years
    return out
