"""Alert rules and sensitive-word lists as the administrator reads and edits them: readable Chinese tables (never a
rule object's repr), and changes written through the live configuration (:mod:`yuqing.dashboard.services.admin`).

The rules come from the alerts service the application built (``rule.thresholds()``: the editable options as
configured or their defaults); the dashboard imports no stage. Writing a rule's thresholds writes the whole rule
list into ``[alerts] rules`` (the file's list, or the built-in rules by name and type when the file has none), as
docs/alerts.md asks of anyone changing a rule.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Any

from yuqing.dashboard.services.admin import Outcome, change_config, lines
from yuqing.model import User
from yuqing.vocab import LEVEL_LABELS, THRESHOLD_LABELS, rule_type_label

# The threshold each tiered rule type compares (the tier key besides level and min_docs).
TIER_KEYS = {"heat": "min_heat", "negative_share": "min_share", "engagement": "min_total"}
_EXCLUDE = re.compile(r"^(?P<word>[^（(]+)[（(]排除[:：](?P<ex>[^）)]*)[）)]$")


def rules(app: Any) -> list[Any]:
    return list(app.alerts.settings.rules)


def rule(app: Any, name: str) -> Any | None:
    return next((r for r in rules(app) if r.name == name), None)


def _level(level: Any) -> str:
    return LEVEL_LABELS.get(level, str(level)) if isinstance(level, int) else str(level)


def _number(value: Any, key: str) -> str:
    if key == "min_share" and isinstance(value, (int, float)):
        return f"{value * 100:g}%"
    return f"{value:g}" if isinstance(value, float) else str(value)


def entry_text(entry: Any) -> str:
    """A word-list entry as an officer writes it: 「爆炸（排除：信息爆炸、人口爆炸）」."""
    if isinstance(entry, dict):
        excluded = "、".join(entry.get("exclude") or [])
        return f"{entry.get('word', '')}（排除：{excluded}）" if excluded else str(entry.get("word", ""))
    return str(entry)


def word_list_rows(r: Any) -> list[dict[str, Any]]:
    if "lists" not in r.editable:
        return []
    return [{"词表": name, "最高级别": _level(spec.get("level", 3)), "至少篇数": spec.get("min_docs", 1),
             "词条数": len(spec.get("words") or []), "词条": "、".join(entry_text(w) for w in spec.get("words") or [])}
            for name, spec in (r.thresholds().get("lists") or {}).items()]


def summary(r: Any) -> str:
    key = TIER_KEYS.get(r.type_name)
    if key:
        parts = []
        for t in sorted(r.thresholds().get("tiers") or [], key=lambda t: t.get("level", 9)):
            text = f"{_level(t.get('level'))}：{THRESHOLD_LABELS[key]} {_number(t.get(key), key)}"
            if key != "min_total":
                text += f"，至少 {t.get('min_docs', 1)} 篇"
            parts.append(text)
        return "；".join(parts)
    if "lists" in r.editable:
        lists = r.thresholds().get("lists") or {}
        return f"{len(lists)} 个词表：" + "、".join(lists)
    return "按内置设置（见 docs/alerts.md）"


def disabled_rules(app: Any) -> list[str]:
    """Rules switched off in the configuration (the alerts service builds only the enabled ones)."""
    return [r["name"] for r in ((app.config.raw.get("alerts") or {}).get("rules") or [])
            if isinstance(r, dict) and r.get("enabled") is False]


def rule_rows(app: Any) -> list[dict[str, Any]]:
    return [{"规则": r.name, "类型": rule_type_label(r.type_name), "状态": "启用" if r.enabled else "停用",
             "阈值": summary(r)} for r in rules(app)]


def _rules_list(app: Any, raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``[alerts] rules`` list to edit: the configured one, or the built-in rules named as the service built them."""
    alerts = raw.setdefault("alerts", {})
    if "rules" not in alerts:
        alerts["rules"] = [{"name": r.name, "type": r.type_name} for r in rules(app)]
    return alerts["rules"]


def _number_or_text(value: Any) -> Any:
    """A table cell as typed: numbers stay numbers; text that reads as a number becomes one (the checker reports
    anything else with its key)."""
    if isinstance(value, str):
        text = value.strip().rstrip("%")
        try:
            number = float(text)
        except ValueError:
            return value
        number = number / 100 if value.strip().endswith("%") else number
        return int(number) if number.is_integer() and "." not in text else number
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def save_tiers(app: Any, user: User, now: datetime, name: str, tiers: list[dict[str, Any]]) -> Outcome:
    """Replace a tiered rule's thresholds. ``tiers``: [{level (1–4), threshold, min_docs}] as typed in the form."""
    r = rule(app, name)
    if r is None or r.type_name not in TIER_KEYS:
        return Outcome(False, f"规则「{name}」没有可修改的阈值")
    key = TIER_KEYS[r.type_name]
    written = []
    for t in tiers:
        if all(v in (None, "") for v in t.values()):
            continue  # an empty row the editor added
        item = {"level": _number_or_text(t.get("level")), key: _number_or_text(t.get("threshold"))}
        if key != "min_total":
            item["min_docs"] = _number_or_text(t.get("min_docs") if t.get("min_docs") not in (None, "") else 1)
        written.append(item)

    def edit(raw: dict[str, Any]) -> None:
        item = next(x for x in _rules_list(app, raw) if x.get("name") == name)
        item["tiers"] = written

    return change_config(app, user, now, f"修改预警规则「{name}」的阈值", edit)


def set_rule_enabled(app: Any, user: User, now: datetime, name: str, enabled: bool) -> Outcome:
    def edit(raw: dict[str, Any]) -> None:
        item = next((x for x in _rules_list(app, raw) if x.get("name") == name), None)
        if item is None:
            raise KeyError(name)
        item["enabled"] = enabled

    if rule(app, name) is None and enabled is False:
        return Outcome(False, f"规则「{name}」不存在")
    try:
        return change_config(app, user, now, f"{'启用' if enabled else '停用'}预警规则「{name}」", edit)
    except KeyError:
        return Outcome(False, f"规则「{name}」不存在")


def parse_entries(text: str) -> list[Any]:
    """Words typed one per line (or separated by 、); 「词（排除：甲、乙）」 keeps its exclusions."""
    out: list[Any] = []
    for line in re.split(r"\n", text or ""):
        line = line.strip()
        if not line:
            continue
        found = _EXCLUDE.match(line)
        if found:
            out.append(f"{found['word'].strip()}（排除：{found['ex'].strip()}）")
        else:
            out.extend(lines(line))
    return out


def save_word_list(app: Any, user: User, now: datetime, rule_name: str, list_name: str, words: str,
                   level: int, min_docs: int, *, delete: bool = False) -> Outcome:
    """Add, replace or (``delete``) delete one sensitive-word list of a keywords rule."""
    r = rule(app, rule_name)
    if r is None or "lists" not in r.editable:
        return Outcome(False, f"规则「{rule_name}」没有敏感词表")
    list_name = (list_name or "").strip()
    if not list_name:
        return Outcome(False, "请填写词表名称", "list_name")
    current = copy.deepcopy(r.thresholds()["lists"])
    if delete:
        if list_name not in current:
            return Outcome(False, f"词表「{list_name}」不存在", "list_name")
        current.pop(list_name)
    else:
        entries = parse_entries(words)
        if not entries:
            return Outcome(False, "词条不能为空：每行一个词，可写「词（排除：甲、乙）」", "words")
        current[list_name] = {"words": entries, "level": int(level), "min_docs": int(min_docs)}

    def edit(raw: dict[str, Any]) -> None:
        item = next(x for x in _rules_list(app, raw) if x.get("name") == rule_name)
        item["lists"] = current

    what = "删除" if delete else "保存"
    return change_config(app, user, now, f"{what}敏感词表「{list_name}」（规则「{rule_name}」）", edit)
