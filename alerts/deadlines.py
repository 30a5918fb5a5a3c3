"""Deadline policies: wall-clock hours (国办发〔2016〕80号/61号) and working-day limits (12345, 依申请公开).

A policy is an ordered set of named deadlines. Each is either ``hours`` (wall clock from the start) or
``working_days`` (start day not counted, deadline = 23:59:59 local on the last working day, 调休 included),
optionally with ``extension_working_days`` (依申请公开: +20 working days when the extension is granted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from yuqing.clock import TZ
from yuqing.config import Checker, ConfigError
from yuqing.workdays import add_working_days, end_of_day


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


def _spec(name: str, label: str, **kw: Any) -> DeadlineSpec:
    return DeadlineSpec(name=name, label=label, **kw)


DEFAULT_POLICIES: dict[str, Policy] = {
    "level1": Policy("level1", "特别重大/重大舆情（国办发〔2016〕80号）", (
        _spec("authoritative_info", "发布权威信息", hours=5),
        _spec("press_conference", "举行新闻发布会", hours=24),
    )),
    "level2": Policy("level2", "一般政务舆情（国办发〔2016〕61号）", (_spec("response", "回应关切", hours=48),)),
    "consult": Policy("consult", "咨询类诉求", (_spec("response", "答复", working_days=2),)),
    "help": Policy("help", "求助/建议类诉求", (_spec("response", "答复", working_days=10),)),
    "complaint": Policy("complaint", "投诉/举报类诉求", (_spec("response", "答复", working_days=15),)),
    "disclosure": Policy("disclosure", "依申请公开（政府信息公开条例 2019）", (
        _spec("response", "答复", working_days=20, extension_working_days=20),)),
}

DEADLINE_LABELS = {s.name: s.label for p in DEFAULT_POLICIES.values() for s in p.deadlines}


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
            dc = pc.section(dname)
            dc.reject_unknown({"label", "hours", "working_days", "extension_working_days"})
            hours = dc.get("hours", float, None, minimum=0.01)
            wdays = dc.get("working_days", int, None, minimum=1)
            if (hours is None) == (wdays is None):
                raise dc.fail("hours", "hours（小时，自然时间）与 working_days（工作日）必须且只能设置一个")
            specs.append(DeadlineSpec(
                name=dname, label=dc.get("label", str, DEADLINE_LABELS.get(dname, dname)), hours=hours,
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


def compute_deadlines(policy_name: str, start: datetime, config_section: Checker | dict[str, Any] | None = None,
                      *, extended: bool = False) -> dict[str, datetime]:
    """Deadline name → aware datetime (Asia/Shanghai) for a clock started at ``start`` (the dispatch time).

    ``extended`` applies granted extensions (依申请公开 +20 working days).
    """
    if start.tzinfo is None:
        start = start.replace(tzinfo=TZ)
    start = start.astimezone(TZ)
    policy = get_policy(policy_name, config_section)
    out: dict[str, datetime] = {}
    for spec in policy.deadlines:
        if spec.hours is not None:
            out[spec.name] = start + timedelta(hours=spec.hours)
        else:
            days = spec.working_days + (spec.extension_working_days if extended else 0)
            out[spec.name] = end_of_day(add_working_days(start, days))
    return out


def deadline_label(name: str, policy: Policy | None = None) -> str:
    if policy:
        for spec in policy.deadlines:
            if spec.name == name:
                return spec.label
    return DEADLINE_LABELS.get(name, name)
