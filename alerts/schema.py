"""Validation of the ``[alerts]`` and ``[deadlines]`` sections (``[notifications]``: alerts/notify/registry.py).

Every error is a :class:`yuqing.config.ConfigError` naming the file and key. Defaults reproduce the official rules
in DEVELOPERS.md; see docs/alerts.md for every option.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Collection

from yuqing.alerts.deadlines import Policy, parse_policies
from yuqing.alerts.rules import RULE_TYPES
from yuqing.alerts.rules.base import Rule
from yuqing.config import Checker, Config, ConfigError
from yuqing.plugins import PluginError, load_object

DEFAULT_RULES: list[dict[str, Any]] = [
    {"name": "热度分级", "type": "heat"},
    {"name": "声量突增", "type": "spike"},
    {"name": "敏感词", "type": "keywords"},
    {"name": "负面占比", "type": "negative_share"},
    {"name": "留言超期未答复", "type": "unanswered"},
    {"name": "人工预警", "type": "manual"},
    {"name": "来源异常", "type": "source_health"},
    {"name": "单帖高互动", "type": "engagement"},
]
DEFAULT_LEVEL_POLICIES = {"1": "level1", "2": "level2", "3": "level2"}


@dataclass
class AlertSettings:
    rules: list[Rule]
    lookback_hours: float = 72
    auto_dispatch_max_level: int = 2
    level_policies: dict[int, str] = field(default_factory=dict)
    representative_docs: int = 5
    routes: list[dict[str, str]] = field(default_factory=list)
    fallback_department: str | None = None
    system_actor: str = "system"
    # One open alert per issue: a new event naming a distinctive entity (recorded by the events stage on the event)
    # that the event of an open alert created at most this many days ago names too joins that alert. 0 = off.
    followup_days: float = 30.0


@dataclass
class DeadlineSettings:
    warn_share: float
    policies: dict[str, Policy]
    raw: Checker | None = None


def _section(config: Config | None, name: str) -> Checker:
    if config is None:
        return Checker("(默认配置)", {}, name)
    return config.section(name)


def parse_alerts(config: Config | None, *, schemes: Collection[str] | None = None) -> AlertSettings:
    """``schemes``: the names of the stored 监测方案 (None: not known here, the rules' ``scheme`` is not checked)."""
    c = _section(config, "alerts")
    c.reject_unknown({"lookback_hours", "auto_dispatch_max_level", "level_policies", "representative_docs",
                      "rule_types", "rules", "routes", "fallback_department", "system_actor", "followup_days"})
    types = dict(RULE_TYPES)
    for tname, path in c.get("rule_types", dict, {}).items():
        if not isinstance(path, str):
            raise ConfigError(c.file, f"alerts.rule_types.{tname}", f"应为类路径字符串，实际为 {path!r}")
        types[tname] = path
    rules: list[Rule] = []
    known_policies = parse_policies(_section(config, "deadlines"))
    raw_rules = c.data.get("rules", DEFAULT_RULES)
    items = Checker(c.file, {"rules": raw_rules}, "alerts").items("rules")
    names: set[str] = set()
    for rc in items:
        tname = rc.get("type", str, choices=sorted(types))
        try:
            cls = load_object(types[tname])
        except PluginError as exc:
            raise rc.fail("type", str(exc)) from exc
        rule = cls.from_config(rc)
        rule.bind_config(config)
        unknown = sorted(rule.policy_names() - set(known_policies))
        if unknown:
            raise rc.fail("name", f"规则「{rule.name}」引用了不存在的时限策略：{'、'.join(unknown)}"
                                  f"（可选：{'、'.join(known_policies)}，或在 [deadlines.policies] 中定义）")
        if rule.name in names:
            raise rc.fail("name", f"规则名「{rule.name}」重复")
        if rule.scheme and schemes is not None and rule.scheme not in schemes:
            known_schemes = "、".join(sorted(schemes)) or "尚无"
            raise rc.fail("scheme", f"规则「{rule.name}」限定的监测方案「{rule.scheme}」不存在（已有方案：{known_schemes}；"
                                    "可用 yuqing schemes add 或看板「方案管理」新建）")
        names.add(rule.name)
        if rule.enabled:
            rules.append(rule)
    level_policies_raw = c.section("level_policies", DEFAULT_LEVEL_POLICIES)
    level_policies = {}
    for key, value in level_policies_raw.data.items():
        if key not in {"1", "2", "3", "4"}:
            raise level_policies_raw.fail(key, "级别应为 \"1\"–\"4\"")
        if not isinstance(value, str):
            raise level_policies_raw.fail(key, f"应为时限策略名，实际为 {value!r}")
        level_policies[int(key)] = value
    routes = []
    for rc in c.items("routes"):
        rc.reject_unknown({"topic", "region", "department"})
        route = {"department": rc.get("department", str), "topic": rc.get("topic", str, None),
                 "region": rc.get("region", str, None)}
        if not route["topic"] and not route["region"]:
            raise rc.fail("topic", "路由规则至少需要 topic 或 region 之一")
        routes.append(route)
    known = {d.name for d in config.departments} if config else set()
    fallback = c.get("fallback_department", str, None)
    for i, route in enumerate(routes):
        if known and route["department"] not in known:
            raise ConfigError(c.file, f"alerts.routes[{i}].department", f"部门「{route['department']}」不在 [[departments]] 中")
    if fallback and known and fallback not in known:
        raise c.fail("fallback_department", f"部门「{fallback}」不在 [[departments]] 中")
    return AlertSettings(
        rules=rules,
        lookback_hours=c.get("lookback_hours", float, 72.0, minimum=1),
        auto_dispatch_max_level=c.get("auto_dispatch_max_level", int, 2, minimum=0, maximum=4),
        level_policies=level_policies,
        representative_docs=c.get("representative_docs", int, 5, minimum=1, maximum=50),
        routes=routes,
        fallback_department=fallback,
        system_actor=c.get("system_actor", str, "system"),
        followup_days=c.get("followup_days", float, 30.0, minimum=0, maximum=366),
    )


def parse_deadlines(config: Config | None) -> DeadlineSettings:
    c = _section(config, "deadlines")
    c.reject_unknown({"warn_share", "policies"})
    return DeadlineSettings(warn_share=c.get("warn_share", float, 0.6, minimum=0.05, maximum=0.99),
                            policies=parse_policies(c), raw=c)


def check_live_config(config: Config) -> None:
    """What a live configuration change must pass for this stage (``yuqing.app.LIVE_CONFIG_CHECKS``): the rules,
    routes and deadline policies as the stage will build them, and the channels' options and contact keys."""
    from yuqing.alerts.notify.registry import check_config

    parse_deadlines(config)
    parse_alerts(config)
    check_config(config)
