"""The parts :mod:`yuqing.views` builds its views from: free text masked for display, times parsed and shown in
Asia/Shanghai, structures made JSON-ready, and an alert's small sub-views (one deadline, the 依申请公开 extension, a
return). Kernel module: imports only the kernel (clock, privacy, workdays).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from yuqing.clock import TZ, iso
from yuqing.privacy import mask_name, mask_pii
from yuqing.workdays import provisional_note

EXTENSION_STATUS = {"pending": "待审批", "granted": "已批准", "rejected": "已驳回"}


def masked(text: Any) -> str:
    """Free text as every output shows it: personal information masked; None → ""."""
    return mask_pii(text if isinstance(text, str) else ("" if text is None else str(text)))


def masked_author(name: Any) -> str:
    return mask_name(name) if isinstance(name, str) and name.strip() else ""


@dataclass(frozen=True)
class SocialView:
    """Shares and the author's account as every output shows them: the platform's account id is personal data,
    masked like the author's name; counts and the platform's flags as they are."""

    reposts: int
    author_id: str
    verified: bool
    official: bool
    followers: int | None
    repost_of: str | None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def social_view(doc: Any) -> SocialView | None:
    """A document's ``SocialView``; None for a document that says nothing about shares or its author's account."""
    if not (doc.reposts or doc.author_id or doc.author_verified or doc.author_official
            or doc.author_followers is not None or doc.repost_of):
        return None
    return SocialView(reposts=int(doc.reposts or 0), author_id=masked_author(doc.author_id),
                      verified=bool(doc.author_verified), official=bool(doc.author_official),
                      followers=doc.author_followers, repost_of=doc.repost_of)


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def fmt_local(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return dt.astimezone(TZ).strftime(fmt) if dt else ""


def _plain(value: Any) -> Any:
    """JSON-ready: datetimes as ISO 8601, views and tuples recursively."""
    if isinstance(value, datetime):
        return iso(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _mask_deep(value: Any) -> Any:
    """Strings inside a structure (rule details, event-log details) masked; numbers and the rest kept."""
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, Mapping):
        return {k: _mask_deep(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask_deep(v) for v in value]
    return value


@dataclass(frozen=True)
class DeadlineView:
    name: str
    label: str
    due: datetime
    # Years without an official 调休 arrangement that this working-day deadline was counted through: the date is
    # provisional until [calendar.YEAR] gives the year (yuqing.workdays).
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)

    @property
    def text(self) -> str:
        return fmt_local(self.due) + provisional_note(self.provisional_years)


@dataclass(frozen=True)
class ExtensionView:
    status: str
    status_label: str
    requested_by: str
    requested_at: datetime | None
    reason: str
    working_days: int | None
    original: datetime | None  # earliest extendable deadline before the extension
    extended: datetime | None  # granted, or proposed while pending
    decided_by: str
    decided_at: datetime | None
    decision_note: str

    def to_dict(self) -> dict[str, Any]:
        return {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class ReturnView:
    by: str
    department: str
    at: datetime | None
    reason: str
