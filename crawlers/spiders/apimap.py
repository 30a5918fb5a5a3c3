"""Applying a source's ``[sources.api]`` mapping (checked at config load, :mod:`yuqing.config_api`) to JSON: the
records of a list response, each record's URL from its template, and the record as ``DocumentItem`` fields."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

from yuqing.clock import TZ, parse_time
from yuqing.config_api import ApiSpec, compile_path

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
# ``[sources.api.fields]`` key → DocumentItem field, for the fields that are copied as they are.
_PLAIN = {"title": "title", "content": "content", "author": "author", "author_id": "author_id", "status": "status",
          "category": "category", "region": "region", "reply": "reply_text", "reply_department": "reply_department",
          "likes": "likes", "reposts": "reposts", "comments": "replies", "views": "views",
          "followers": "author_followers", "verified": "author_verified", "official": "author_official"}
HEADLINE = 40  # characters of a post without a title (微博) used as its title


class MappingError(ValueError):
    """A record the mapping cannot turn into a document; the message names the field."""


def search(expression: str, data: Any) -> Any:
    return compile_path(expression).search(data) if expression else None


def fill(template: str, record: Any, base_url: str) -> str | None:
    """The template with each ``{expression}`` replaced by its value in ``record``, joined to ``base_url``; None
    when a placeholder has no scalar value (the record lacks what its URL needs)."""
    missing = False

    def value(m: re.Match) -> str:
        nonlocal missing
        v = search(m.group(1), record)
        if v is None or v == "" or isinstance(v, (dict, list, bool)):
            missing = True
            return ""
        return str(v)

    text = _PLACEHOLDER.sub(value, template)
    return None if missing else urljoin(base_url, text)


def api_time(value: Any, time_format: str = "") -> datetime | None:
    """A record's time: epoch seconds or milliseconds, text in ``time_format`` (strptime; naive = Beijing time),
    else ISO 8601 (``yuqing.clock.parse_time``)."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) or (isinstance(value, str) and value.isdigit()):
        seconds = float(value)
        return datetime.fromtimestamp(seconds / 1000 if seconds > 1e11 else seconds, timezone.utc).astimezone(TZ)
    if not isinstance(value, str):
        raise ValueError(f"不是时间：{value!r}"[:80])
    if time_format:
        dt = datetime.strptime(value.strip(), time_format)
        return dt if dt.tzinfo else dt.replace(tzinfo=TZ)
    return parse_time(value)


def _text(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        raise MappingError(f"得到的是{'对象' if isinstance(value, dict) else '数组'}，不是文本")
    return value


def map_record(spec: ApiSpec, record: Any, base_url: str) -> dict[str, Any]:
    """``DocumentItem`` fields of one record (list record merged with its detail): counts and flags as given (the
    pipeline checks them), times parsed, the reposted original as a URL. Raises MappingError naming the field."""
    out: dict[str, Any] = {}
    for key, expression in spec.fields.items():
        value = search(expression, record)
        try:
            if key == "time":
                out["published_at"] = api_time(value, spec.time_format)
            elif key == "reply_time":
                out["reply_time"] = api_time(value, spec.time_format)
            elif key == "repost_of":
                out["repost_of"] = (fill(spec.item_url, value, base_url) if isinstance(value, dict)
                                    else urljoin(base_url, str(value)) if value else None)
            else:
                out[_PLAIN[key]] = _text(value)
        except (ValueError, TypeError) as exc:
            raise MappingError(f"字段 {key}（{expression}）：{exc}") from None
    content = str(out.get("content") or "").strip()
    if not str(out.get("title") or "").strip() and content:
        first = content.splitlines()[0]
        out["title"] = first[:HEADLINE] + ("…" if len(first) > HEADLINE else "")
    return out
