"""Domain model shared by every stage.

Plain dataclasses: stages exchange these through the store, never through each other's internals.
Times are timezone-aware datetimes (Asia/Shanghai for display; any zone is accepted and compared correctly).
"""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that never change what a page shows: dropping them keeps one id per page.
_TRACKING_PARAMS = {
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
    "spm", "from", "share_token", "timestamp", "_t", "ref", "isappinstalled",
}


def canonical_url(url: str) -> str:
    """Normalise a URL so the same page always gets the same id.

    Lower-cases scheme and host, drops the fragment, default ports, tracking parameters, and sorts the query.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "http"
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _TRACKING_PARAMS)
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def document_id(url: str) -> str:
    """Stable document id: sha256 of the canonical URL, so re-crawling never duplicates."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()


class DocumentKind(str, enum.Enum):
    ARTICLE = "article"
    POST = "post"


def document_kind(kind: Any, *, board_source: bool, reply: bool = False, status: Any = None,
                  category: Any = None) -> Any:
    """The kind of an ingested or crawled record: the one it states (``kind``); else a post when it comes from a
    board source (a ``[[sources]]`` entry of type ``board``), whatever fields it lacks, or when it carries a
    board's reply, status or category; else an article. (A new board post has no reply and often no status: as an
    article the unanswered-post rule would never see it.)"""
    if kind:
        return kind
    if board_source or reply or status or category:
        return DocumentKind.POST.value
    return DocumentKind.ARTICLE.value


class Role(str, enum.Enum):
    ADMIN = "admin"
    OFFICER = "officer"
    LEADER = "leader"
    DEPARTMENT = "department"


class AlertStatus(str, enum.Enum):
    NEW = "new"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    RESPONDED = "responded"
    REOPENED = "reopened"
    CLOSED = "closed"


ROLE_LABELS = {Role.ADMIN: "管理员", Role.OFFICER: "舆情专员", Role.LEADER: "领导", Role.DEPARTMENT: "责任部门"}
STATUS_LABELS = {
    AlertStatus.NEW: "待派发",
    AlertStatus.DISPATCHED: "已派发",
    AlertStatus.ACCEPTED: "已签收",
    AlertStatus.RETURNED: "已退单",
    AlertStatus.RESPONDED: "已回应",
    AlertStatus.REOPENED: "重新办理",
    AlertStatus.CLOSED: "已办结",
}
OPEN_STATUSES = tuple(s.value for s in AlertStatus if s is not AlertStatus.CLOSED)


@dataclass
class Source:
    name: str
    type: str  # news | board | feed
    start_urls: list[str]
    title: str = ""
    interval_minutes: int = 30
    authority: float = 1.0  # weight in the heat index
    region: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # politeness, selectors, ...


@dataclass
class Reply:
    """The department's official reply to a message-board post."""

    text: str
    department: str | None = None
    time: datetime | None = None


@dataclass
class Document:
    """An article or a message-board post, as fetched, plus what NLP made of it."""

    url: str
    source: str
    title: str
    content: str = ""  # text as extracted (not yet normalised)
    html: str | None = None  # raw page as fetched, kept so processing can be re-run
    kind: DocumentKind = DocumentKind.ARTICLE
    published_at: datetime | None = None
    fetched_at: datetime | None = None
    author: str | None = None
    region: str | None = None
    category: str | None = None  # a board's own category, when it shows one
    status: str | None = None  # a board's own status text (未回复/已回复)
    views: int = 0
    likes: int = 0
    dislikes: int = 0
    replies: int = 0
    reply: Reply | None = None
    id: str = ""
    # Social platforms and JSON APIs (issue 19): ``replies`` counts comments; these add shares and the author's
    # account as the platform states it. The author's name and id are personal data, masked in every view.
    reposts: int = 0  # 转发/分享
    author_id: str | None = None  # the platform's account id
    author_verified: bool = False  # the platform's verification badge (认证/加V)
    author_official: bool = False  # the platform calls it a government or institution account (政务/机构认证)
    author_followers: int | None = None  # None: the source does not say
    repost_of: str | None = None  # URL of the original post this one reposts
    # Fields cut to the ingest limits: name → original length in characters (e.g. {"content": 250000}).
    truncated: dict[str, int] = field(default_factory=dict)
    # Filled by the NLP stage:
    analysis: dict[str, Any] | None = None
    event_id: str | None = None

    def __post_init__(self) -> None:
        if not self.id:
            self.id = document_id(self.url)
        if isinstance(self.kind, str):
            self.kind = DocumentKind(self.kind)

    def content_fingerprint(self) -> str:
        """Hash of what a re-crawl may change; a changed fingerprint means the document needs processing again."""
        reply = self.reply
        parts = [
            self.title, self.content, self.status or "",
            reply.text if reply else "", (reply.department or "") if reply else "",
            reply.time.isoformat() if reply and reply.time else "",
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass
class Event:
    """A group of documents about one issue."""

    id: str
    title: str
    keywords: list[str] = field(default_factory=list)
    region: str | None = None
    topic: str | None = None
    department: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    doc_count: int = 0
    source_count: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    heat: float = 0.0
    heat_parts: dict[str, float] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)  # clustering state (centroid, counts per hour ...)
    updated_at: datetime | None = None


@dataclass
class Department:
    name: str
    topics: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    contact: dict[str, Any] = field(default_factory=dict)  # email, webhook ...
    # Routing evidence beyond the topic: names of the body itself as citizens write them (住建局, 派出所) and the
    # subject words of its cases (寻衅滋事, 欠薪). See yuqing.nlp.stages.DepartmentStage.
    aliases: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    supervisor: bool = False  # the supervising office (督办) receives escalations


@dataclass
class Alert:
    id: str
    rule: str
    level: int  # 1 = 特别重大/重大, 2 = 较大, 3 = 一般, 4 = 提示
    title: str
    reason: str  # why the rule fired, in Chinese, with numbers
    status: AlertStatus = AlertStatus.NEW
    event_id: str | None = None
    department: str | None = None
    policy: str | None = None  # deadline policy name
    deadlines: dict[str, datetime] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)  # rule numbers, heat parts at firing time
    created_at: datetime | None = None
    updated_at: datetime | None = None
    dispatched_at: datetime | None = None
    warned: list[str] = field(default_factory=list)  # deadline names already warned
    escalated: bool = False
    rating: str | None = None
    version: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.status, str):
            self.status = AlertStatus(self.status)


@dataclass
class Assignment:
    alert_id: str
    department: str
    assigned_by: str
    assigned_at: datetime
    note: str = ""
    active: bool = True
    id: int | None = None


@dataclass
class Response:
    alert_id: str
    department: str
    author: str
    text: str
    created_at: datetime
    link: str | None = None
    rating: str | None = None  # 满意 / 基本满意 / 不满意
    rated_by: str | None = None
    rated_at: datetime | None = None
    id: int | None = None


@dataclass
class User:
    name: str
    role: Role
    password_hash: str
    department: str | None = None
    display_name: str | None = None
    active: bool = True
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        if isinstance(self.role, str):
            self.role = Role(self.role)


@dataclass
class AuditEntry:
    alert_id: str
    actor: str
    action: str
    at: datetime
    from_status: str | None = None
    to_status: str | None = None
    note: str = ""
    id: int | None = None


def to_plain(obj: Any) -> Any:
    """Dataclass → JSON-ready structure (datetimes as ISO 8601, enums as values)."""
    if hasattr(obj, "__dataclass_fields__"):
        obj = asdict(obj)
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, enum.Enum):
        return obj.value
    return obj


# -- 监测方案 (monitoring schemes) ---------------------------------------------------------------------------------
SCHEME_NAME_MAX = 40
SCHEME_EXPRESSION_MAX = 2000
_SCHEME_NAME = re.compile(r"[\w\-·（）()、.]+")


class SchemeError(ValueError):
    """A scheme that cannot be saved: the message (Chinese) names what is wrong; ``position`` is the character
    offset in the expression when the expression is at fault (else None)."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class Scheme:
    """A 监测方案: an expression over title/content/source, limited to some sources, regions and a period.

    ``name`` is the id users type. ``version`` goes up whenever what the scheme matches can change (expression,
    sources, regions, period); saving a new version drops the old matches and the back-fill redoes them.
    ``backfilled_version`` is the version whose back-fill over history finished (equal to ``version`` when done);
    ``backfill_cursor`` is where an unfinished back-fill of ``version`` resumes (the last document id it did).
    The expression is checked by ``yuqing.schemes.check_expression`` (the query language); this class checks the rest.
    """

    name: str
    expression: str
    owner: str | None = None
    sources: tuple[str, ...] = ()  # empty: every source
    regions: tuple[str, ...] = ()  # empty: every region
    start: datetime | None = None  # active period, inclusive start …
    end: datetime | None = None  # … exclusive end
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1
    backfilled_version: int = 0
    backfill_cursor: str | None = None

    def __post_init__(self) -> None:
        name = self.name if isinstance(self.name, str) else ""
        if not name:
            raise SchemeError("方案名称不能为空")
        if len(name) > SCHEME_NAME_MAX:
            raise SchemeError(f"方案名称「{name[:SCHEME_NAME_MAX]}…」过长（{len(name)} 个字符，上限 {SCHEME_NAME_MAX}）")
        if not _SCHEME_NAME.fullmatch(name):
            raise SchemeError(f"方案名称「{name}」无效：只能用汉字、字母、数字和 - _ · . 、（），不能含空格或其他符号")
        if not isinstance(self.expression, str) or not self.expression.strip():
            raise SchemeError(f"方案「{name}」的表达式不能为空")
        if len(self.expression) > SCHEME_EXPRESSION_MAX:
            raise SchemeError(f"方案「{name}」的表达式过长（{len(self.expression)} 个字符，上限 {SCHEME_EXPRESSION_MAX}）")
        for label, values in (("来源", self.sources), ("地区", self.regions)):
            if isinstance(values, str) or any(not isinstance(v, str) or not v.strip() for v in values):
                raise SchemeError(f"方案「{name}」的{label}应为非空名称的列表")
        object.__setattr__(self, "sources", tuple(dict.fromkeys(v.strip() for v in self.sources)))
        object.__setattr__(self, "regions", tuple(dict.fromkeys(v.strip() for v in self.regions)))
        for label, when in (("开始时间", self.start), ("结束时间", self.end)):
            if when is not None and (not isinstance(when, datetime) or when.tzinfo is None):
                raise SchemeError(f"方案「{name}」的{label}应为带时区的时间")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise SchemeError(f"方案「{name}」的结束时间应晚于开始时间")

    @property
    def backfill_done(self) -> bool:
        return self.backfilled_version >= self.version

    def matching_key(self) -> tuple[Any, ...]:
        """What decides which documents the scheme matches; a change of it is a new version."""
        return (self.expression, self.sources, self.regions, self.start, self.end)

    def admits(self, doc: "Document") -> bool:
        """Whether ``doc`` is within the scheme's sources, regions and period (the expression is checked apart)."""
        if self.sources and doc.source not in self.sources:
            return False
        if self.regions and doc.region not in self.regions:
            return False
        if self.start is not None or self.end is not None:
            when = doc.published_at or doc.fetched_at
            if when is None:
                return False
            if self.start is not None and when < self.start:
                return False
            if self.end is not None and when >= self.end:
                return False
        return True
