"""Text and dates of feed elements, shared by the RSS/Atom reader (``feed``) and the RSSHub item reader
(``rsshub``)."""

from __future__ import annotations

from email.utils import parsedate_to_datetime


def _text(el) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def _date(text: str):
    from yuqing.clock import parse_time

    text = (text or "").strip()
    if not text:
        return None
    try:
        return parsedate_to_datetime(text)  # RFC 822 (RSS)
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return parse_time(text)  # RFC 3339 (Atom)
    except ValueError:
        return None
