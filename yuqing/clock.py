"""Time handling: every time-dependent command takes ``--now``, so the clock is always injectable."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


class TimeFormatError(ValueError):
    pass


def parse_time(value: str | datetime | None, *, field: str = "时间") -> datetime | None:
    """Parse ISO 8601 (naive times are taken as Asia/Shanghai). Empty → None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip().replace("/", "-")
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError as exc:
            raise TimeFormatError(f"{field}「{value}」不是有效的 ISO 8601 时间（例如 2024-10-08T09:00:00+08:00）") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=TZ)
    return dt


def now(override: str | datetime | None = None) -> datetime:
    """The current time in Asia/Shanghai, or the ``--now`` override."""
    if override:
        return parse_time(override, field="--now").astimezone(TZ)
    return datetime.now(TZ)


def to_utc_text(dt: datetime | None) -> str | None:
    """Fixed-width UTC text for storage: sorts lexicographically in time order in any SQL database."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=TZ)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_utc_text(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).astimezone(TZ)


def local_day(dt: datetime | None) -> str | None:
    """The Asia/Shanghai calendar day, for daily aggregation."""
    if dt is None:
        return None
    return dt.astimezone(TZ).date().isoformat()


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(TZ).isoformat() if dt else None


def day_start(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=TZ)
