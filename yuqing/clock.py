"""Time handling: every time-dependent command takes ``--now``, so the clock is always injectable."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


class TimeFormatError(ValueError):
    pass


def parse_time(value: str | datetime | None, *, field: str = "时间", earliest: datetime | None = None,
               latest: datetime | None = None) -> datetime | None:
    """Parse ISO 8601 (naive times are taken as Asia/Shanghai). Empty → None.

    A time that cannot be converted to UTC (``9999-12-31T23:00:00-12:00``, ``0001-01-01T00:00:00+08:00``) and, when
    given, a time before ``earliest`` or after ``latest`` raise :class:`TimeFormatError` naming the field."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        if len(str(value)) > 64:
            raise TimeFormatError(f"{field}「{str(value)[:32]}…」不是有效的 ISO 8601 时间（过长）")
        text = str(value).strip().replace("/", "-")
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError as exc:
            raise TimeFormatError(f"{field}「{value}」不是有效的 ISO 8601 时间（例如 2024-10-08T09:00:00+08:00）") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=TZ)
    try:
        utc = dt.astimezone(timezone.utc)
        dt.astimezone(TZ)
    except (OverflowError, ValueError) as exc:
        raise TimeFormatError(f"{field}「{value}」超出可表示的时间范围") from exc
    if earliest is not None and utc < earliest:
        raise TimeFormatError(f"{field}「{value}」早于 {earliest.astimezone(TZ):%Y-%m-%d}，不在合理范围内")
    if latest is not None and utc > latest:
        raise TimeFormatError(f"{field}「{value}」晚于 {latest.astimezone(TZ):%Y-%m-%d %H:%M}，不在合理范围内")
    return dt


# ``--now`` overrides are kept to years every job can compute in (deadlines, windows and heat reach days and
# weeks either side of now; year 1 or 9999 would overflow datetime arithmetic deep inside a job).
NOW_EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)
NOW_LATEST = datetime(3000, 1, 1, tzinfo=timezone.utc)


def now(override: str | datetime | None = None) -> datetime:
    """The current time in Asia/Shanghai, or the ``--now`` override (between 1990 and 2999)."""
    if override:
        return parse_time(override, field="--now", earliest=NOW_EARLIEST, latest=NOW_LATEST).astimezone(TZ)
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
    try:  # the C parser: every stored time goes through here, strptime was a tenth of a replayed day's CPU
        dt = datetime.fromisoformat(text)
    except ValueError:  # an unpadded year (before 1000) that strftime wrote
        dt = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return dt.replace(tzinfo=timezone.utc).astimezone(TZ)


def local_day(dt: datetime | None) -> str | None:
    """The Asia/Shanghai calendar day, for daily aggregation."""
    if dt is None:
        return None
    return dt.astimezone(TZ).date().isoformat()


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(TZ).isoformat() if dt else None


def day_start(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=TZ)
