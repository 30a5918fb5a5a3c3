"""Publication dates in the forms Chinese pages use, normalised to ISO 8601 (+08:00)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8))

# 2019年09月07日 10:30 / 2019-09-07 10:30:00 / 2019/9/7 / 2019.09.07 / 2007-08-20-23:59:59
DATE_RE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?"
    r"(?:[\sT\-]*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)
ISO_RE = re.compile(
    r"((?:19|20)\d{2})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?"
)
# Labels that introduce the publication date (not 更新/修改).
DATE_LABEL_RE = re.compile(r"(发布时间|发布日期|发表时间|发表于|发布于|时间|日期|发稿时间|上传时间)\s*[:：]?\s*$")

MIN_YEAR, MAX_YEAR = 1995, 2035


def _build(y, mo, d, h=None, mi=None, s=None) -> datetime | None:
    try:
        y, mo, d = int(y), int(mo), int(d)
        h = int(h) if h not in (None, "") else 0
        mi = int(mi) if mi not in (None, "") else 0
        s = int(s) if s not in (None, "") else 0
        if not (MIN_YEAR <= y <= MAX_YEAR):
            return None
        return datetime(y, mo, d, h, mi, s, tzinfo=CHINA_TZ)
    except (TypeError, ValueError):
        return None


def parse_date(text: str | None) -> datetime | None:
    """First plausible date in ``text`` (aware datetime in Asia/Shanghai), or None."""
    if not text:
        return None
    text = str(text).strip()
    m = ISO_RE.search(text)
    if m and m.group(7):
        y, mo, d, h, mi, s, tz = m.groups()
        dt = _build(y, mo, d, h, mi, s)
        if dt is not None:
            if tz == "Z":
                offset = timezone.utc
            else:
                sign = 1 if tz[0] == "+" else -1
                tz = tz[1:].replace(":", "")
                offset = timezone(sign * timedelta(hours=int(tz[:2]), minutes=int(tz[2:])))
            return dt.replace(tzinfo=offset).astimezone(CHINA_TZ)
    if re.fullmatch(r"\d{10}(\d{3})?", text):  # unix timestamp (s or ms)
        ts = int(text[:10])
        dt = datetime.fromtimestamp(ts, CHINA_TZ)
        return dt if MIN_YEAR <= dt.year <= MAX_YEAR else None
    for m in DATE_RE.finditer(text):
        dt = _build(*m.groups())
        if dt is not None:
            return dt
    return None


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


def find_dates(text: str) -> list[tuple[int, datetime]]:
    """All plausible dates in ``text`` with their offsets."""
    found = []
    for m in DATE_RE.finditer(text):
        dt = _build(*m.groups())
        if dt is not None:
            found.append((m.start(), dt))
    return found
