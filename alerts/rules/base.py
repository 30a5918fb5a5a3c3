"""Alert rules: one small class per rule type (ElastAlert style), built ``from_config`` (Scrapy style).

A rule looks at one event (``check_event``) or scans documents (``check_documents``) and returns a
:class:`Finding` that says, in Chinese and with numbers, why it fired. The engine merges findings per subject.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from yuqing.config import Checker
from yuqing.model import Document, Event

LEVEL_LABELS = {1: "一级（特别重大/重大）", 2: "二级（较大）", 3: "三级（一般）", 4: "四级（提示）"}


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
