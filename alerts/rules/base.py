"""Alert rules: one small class per rule type (ElastAlert style), built ``from_config`` (Scrapy style).

A rule looks at one event (``check_event``) or scans documents (``check_documents``) and returns a
:class:`Finding` that says, in Chinese and with numbers, why it fired. The engine merges findings per subject.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from yuqing.config import Checker, ConfigError
from yuqing.model import Document, Event


@dataclass
class Finding:
    rule: str  # the configured rule name (silences match on it)
    rule_type: str
    level: int
    reason: str  # Chinese, with numbers
    details: dict[str, Any] = field(default_factory=dict)
    event_id: str | None = None
    doc_id: str | None = None
    title: str = ""
    source: str | None = None
    keywords: list[str] = field(default_factory=list)
    region: str | None = None
    topic: str | None = None
    department: str | None = None
    policy: str | None = None  # a rule may name its own deadline policy (board posts)
    # Set by a rule whose findings are reported together (the unanswered rule's backlog): the service groups such
    # findings per routed department and asks the rule for one digest finding (``Rule.digest``).
    digest: str | None = None

    @property
    def subject(self) -> str:
        if self.event_id:
            return f"event:{self.event_id}"
        return f"doc:{self.doc_id}" if self.doc_id else f"digest:{self.rule}:{self.department}"


def keyword_words(keywords: Any) -> list[str]:
    """Keywords as plain words, whether stored as strings or as (word, weight) pairs."""
    out = []
    for k in keywords or []:
        if isinstance(k, str):
            out.append(k)
        elif isinstance(k, (list, tuple)) and k and isinstance(k[0], str):
            out.append(k[0])
        elif isinstance(k, dict) and isinstance(k.get("word"), str):
            out.append(k["word"])
    return out


class RuleContext:
    """What rules may read, with per-run caches so several rules share one query."""

    def __init__(self, store: Any, now: datetime, *, lookback_hours: float = 72, doc_limit: int = 300):
        self.store, self.now = store, now
        self.since = now - timedelta(hours=lookback_hours)
        self.doc_limit = doc_limit
        self._docs: dict[str, list[Document]] = {}
        self._hourly: dict[str, dict[datetime, int]] | None = None
        self._events: list[Event] | None = None

    def events(self) -> list[Event]:
        if self._events is None:
            self._events = sorted(self.store.documents.active_events(self.since), key=lambda e: e.id)
        return self._events

    def documents(self, event_id: str) -> list[Document]:
        if event_id not in self._docs:
            _, docs = self.store.documents.list_documents(event_id=event_id, limit=self.doc_limit)
            self._docs[event_id] = docs
        return self._docs[event_id]

    def hourly_counts(self, event_id: str) -> dict[datetime, int]:
        if self._hourly is None:
            ids = [e.id for e in self.events()]
            raw = self.store.documents.event_hourly_counts(ids, self.since - timedelta(hours=48)) if ids else {}
            self._hourly = {k: dict(v) for k, v in raw.items()}
        return self._hourly.get(event_id, {})


class Rule:
    type_name: ClassVar[str] = "base"
    options: ClassVar[set[str]] = set()

    def __init__(self, name: str, level: int = 3, enabled: bool = True):
        self.name, self.level, self.enabled = name, level, enabled

    @classmethod
    def from_config(cls, c: Checker) -> "Rule":
        c.reject_unknown({"name", "type", "level", "enabled", *cls.options})
        rule = cls(c.get("name", str), c.get("level", int, cls.default_level(), minimum=1, maximum=4),
                   c.get("enabled", bool, True))
        rule.configure(c)
        return rule

    @classmethod
    def default_level(cls) -> int:
        return 3

    def configure(self, c: Checker) -> None:
        """Read the rule type's own options (override)."""

    def bind_config(self, config: Any) -> None:
        """Read what the rule shares with the rest of the system from the loaded configuration (override; called
        once after ``from_config``, e.g. the source-health rule's ``[crawl] failure_cycles``)."""

    def check_event(self, event: Event, ctx: RuleContext) -> Finding | None:
        return None

    def check_documents(self, ctx: RuleContext) -> list[Finding]:
        return []

    def digest(self, department: str | None, findings: list[Finding], *, known: list[dict[str, Any]] | None = None
               ) -> Finding:
        """One finding summarising ``findings`` (all marked ``digest``) for a department (rules that digest override)."""
        raise NotImplementedError(f"规则类型「{self.type_name}」不支持汇总预警")

    def policy_names(self) -> set[str]:
        """Deadline policies the rule names itself (validated against [deadlines] when rules are built)."""
        return set()

    def finding(self, event: Event, level: int, reason: str, details: dict[str, Any], **kw: Any) -> Finding:
        return Finding(rule=self.name, rule_type=self.type_name, level=level, reason=reason, details=details,
                       event_id=event.id, title=event.title, keywords=keyword_words(event.keywords), region=event.region,
                       topic=event.topic, department=event.department, **kw)


def parse_tiers(c: Checker, name: str, key: str, default: list[dict[str, Any]], kind: type = float
                ) -> list[tuple[int, float, int]]:
    """``[{level, <key>, min_docs}]`` → sorted most severe first; thresholds must be sensible."""
    raw = c.get(name, list, default)
    tiers = []
    for i, item in enumerate(raw):
        t = Checker(c.file, item, f"{c.key(name)}[{i}]")
        t.reject_unknown({"level", key, "min_docs"})
        tiers.append((t.get("level", int, minimum=1, maximum=4), t.get(key, kind, minimum=0),
                      t.get("min_docs", int, 1, minimum=1)))
    if not tiers:
        raise c.fail(name, "至少需要一档阈值")
    return sorted(tiers)


# -- level composition ------------------------------------------------------------------------------------------
# How severe is what a rule found? Not one number: how many documents say it (volume), on how many sources (spread),
# how many people backed them (engagement: likes + comments), whether it is growing (growth), and how sensitive the
# matter is (the rule's or list's own level: its most severe level). Each of the first four earns 0, 1 or 2 points
# against two thresholds; the points decide the level, the sensitivity caps it, and level 1 also needs several
# documents on several sources, so one post — whatever word it contains — is never a level-1 emergency.

@dataclass
class LevelParts:
    """The evidence behind a finding, as numbers (``growth`` None: not known, e.g. no earlier data)."""

    docs: int  # documents that count (for the keyword rule: affirmative matches only)
    sources: int = 1
    engagement: int = 0  # likes + comments (replies) + shares (reposts) of those documents
    growth: float | None = None  # recent volume / earlier volume per equal window (floored, so 0 → 1 is not ∞)
    sensitivity: int | None = None  # the most severe level the matter may reach (1–4); None: no cap
    weak_docs: int = 0  # documents that matched but do not count (negated / hypothetical / past), shown only
    label: str = "文档"  # what the documents are, in the reason (「敏感词」「留言」…)

    def numbers(self) -> dict[str, Any]:
        return {"docs": self.docs, "weak_docs": self.weak_docs, "sources": self.sources,
                "engagement": self.engagement, "growth": None if self.growth is None else round(self.growth, 3),
                "sensitivity": self.sensitivity}


@dataclass
class LevelSettings:
    """Thresholds of :func:`compose_level` (a rule's ``levels`` table; see docs/alerts.md for the options)."""

    volume: tuple[int, int] = (3, 10)  # documents for 1 / 2 points
    sources: tuple[int, int] = (2, 4)  # distinct sources for 1 / 2 points
    engagement: tuple[int, int] = (200, 2000)  # likes + comments for 1 / 2 points
    growth: tuple[float, float] = (2.0, 4.0)  # growth ratio for 1 / 2 points
    growth_hours: int = 24  # the recent window (the baseline is the two windows before it)
    level2_points: int = 1  # points for level 2 (below: level 3)
    level1_points: int = 4  # points for level 1 ...
    level1_min_docs: int = 5  # ... and at least this many documents
    level1_min_sources: int = 2  # ... on at least this many sources

    OPTIONS: ClassVar[set[str]] = {"volume", "sources", "engagement", "growth", "growth_hours", "level2_points",
                                   "level1_points", "level1_min_docs", "level1_min_sources"}

    @classmethod
    def from_config(cls, c: Checker, name: str = "levels", default: "LevelSettings | None" = None) -> "LevelSettings":
        """Read ``name`` (a table) from a rule's configuration; every mistake is a Chinese ConfigError."""
        base = default or cls()
        lc = c.section(name, {})
        lc.reject_unknown(cls.OPTIONS)

        def pair(key: str, kind: type, current: tuple) -> tuple:
            raw = lc.get(key, list, list(current))
            if len(raw) != 2:
                raise lc.fail(key, f"应为两个阈值 [得 1 分的, 得 2 分的]，实际为 {raw!r}")
            values = []
            for i, v in enumerate(raw):
                if isinstance(v, bool) or not isinstance(v, (int, float)) or (kind is int and not isinstance(v, int)):
                    raise ConfigError(lc.file, f"{lc.key(key)}[{i}]", f"应为{'整数' if kind is int else '数字'}，实际为 {v!r}")
                if v <= 0:
                    raise ConfigError(lc.file, f"{lc.key(key)}[{i}]", f"应大于 0，实际为 {v}")
                values.append(kind(v))
            if values[1] < values[0]:
                raise lc.fail(key, f"得 2 分的阈值（{values[1]:g}）不能小于得 1 分的阈值（{values[0]:g}）")
            return tuple(values)

        s = cls(volume=pair("volume", int, base.volume), sources=pair("sources", int, base.sources),
                engagement=pair("engagement", int, base.engagement), growth=pair("growth", float, base.growth),
                growth_hours=lc.get("growth_hours", int, base.growth_hours, minimum=1, maximum=24 * 7),
                level2_points=lc.get("level2_points", int, base.level2_points, minimum=0, maximum=8),
                level1_points=lc.get("level1_points", int, base.level1_points, minimum=1, maximum=8),
                level1_min_docs=lc.get("level1_min_docs", int, base.level1_min_docs, minimum=2),
                level1_min_sources=lc.get("level1_min_sources", int, base.level1_min_sources, minimum=1))
        if s.level1_points < s.level2_points:
            raise lc.fail("level1_points", f"一级所需分数（{s.level1_points}）不能低于二级所需分数（{s.level2_points}）")
        return s


def _points(value: float | None, thresholds: tuple[float, float]) -> int:
    if value is None:
        return 0
    return 2 if value >= thresholds[1] else 1 if value >= thresholds[0] else 0


SHORT_LEVEL = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


def compose_level(parts: LevelParts, settings: LevelSettings | None = None) -> tuple[int, list[str]]:
    """The level the evidence supports, and its parts in Chinese for the alert's reason.

    points = volume + spread + engagement + growth (each 0–2 against its two thresholds);
    level 1 if points ≥ ``level1_points`` and docs ≥ ``level1_min_docs`` and sources ≥ ``level1_min_sources``,
    else level 2 if points ≥ ``level2_points``, else level 3; then never more severe than ``parts.sensitivity``.
    Returns ``(level, reason_parts)``, e.g. ``["敏感词 2 篇（有效 1 篇，否定/假设/过去 1 篇）", "来源 1 个", "互动 12",
    "增长 —", "敏感度 最高二级", "定级：0 分 → 三级"]``; keep the numbers with ``parts.numbers()``.
    """
    s = settings or LevelSettings()
    pv, ps = _points(parts.docs, s.volume), _points(parts.sources, s.sources)
    pe, pg = _points(parts.engagement, s.engagement), _points(parts.growth, s.growth)
    points = pv + ps + pe + pg
    if points >= s.level1_points and parts.docs >= s.level1_min_docs and parts.sources >= s.level1_min_sources:
        level = 1
    elif points >= s.level2_points:
        level = 2
    else:
        level = 3
    capped = parts.sensitivity is not None and parts.sensitivity > level
    if capped:
        level = int(parts.sensitivity)

    def scored(text: str, p: int) -> str:
        return f"{text}（+{p}）" if p else text

    total = parts.docs + parts.weak_docs
    if parts.weak_docs:
        volume = f"{parts.label} {total} 篇（有效 {parts.docs} 篇，否定/假设/过去 {parts.weak_docs} 篇）"
    else:
        volume = f"{parts.label} {parts.docs} 篇"
    growth = "—" if parts.growth is None else f"×{parts.growth:.1f}"
    reason = [scored(volume, pv), scored(f"来源 {parts.sources} 个", ps), scored(f"互动 {parts.engagement}", pe),
              scored(f"增长 {growth}", pg)]
    if parts.sensitivity is not None:
        reason.append(f"敏感度 最高{SHORT_LEVEL.get(parts.sensitivity, parts.sensitivity)}")
    verdict = f"定级：{points} 分 → {SHORT_LEVEL[level]}"
    if capped:
        verdict += "（受敏感度限制）"
    elif points >= s.level1_points and level != 1:
        verdict += f"（一级还需至少 {s.level1_min_docs} 篇、{s.level1_min_sources} 个来源）"
    reason.append(verdict)
    return level, reason


def growth_ratio(counts: dict[datetime, int], now: datetime, hours: int, min_recent: int = 3) -> float | None:
    """Documents in the last ``hours`` against the average of the two windows before (floor 1 document per window,
    so a new post is not infinite growth); None (「—」) when fewer than ``min_recent`` documents are recent: two
    posts are no trend. ``counts`` are hour buckets (``RuleContext.hourly_counts``)."""
    start = now - timedelta(hours=hours)
    recent = sum(n for h, n in counts.items() if start - timedelta(hours=1) < h <= now)
    if recent < min_recent:
        return None
    before = sum(n for h, n in counts.items() if start - timedelta(hours=2 * hours + 1) < h <= start - timedelta(hours=1))
    return recent / max(before / 2, 1.0)
