"""Showing crawled text safely: it is always text, never HTML or Markdown.

Streamlit renders ``st.markdown`` as Markdown (and HTML when allowed), so a post containing ``<script>``,
``[链接](http://…)`` or ``**`` must be neutralised. :func:`escape_text` turns every character that means
something to HTML or Markdown into a numeric entity; :func:`highlight` escapes first and only then wraps the
query terms in ``<mark>``, so the only markup on screen is ours.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

# Markdown punctuation plus HTML's specials; entities display as the character and are never syntax.
_SPECIAL = set("\\`*_{}[]()#+-.!|<>&\"'~$:=")


def escape_text(text: str | None) -> str:
    out = []
    for ch in text or "":
        if ch in _SPECIAL:
            out.append(f"&#{ord(ch)};")
        elif ch == "\n":
            out.append("<br>")
        elif ch == "\r":
            continue
        else:
            out.append(ch)
    return "".join(out)


def highlight(text: str | None, terms: list[str]) -> str:
    """Escaped text with every (case-insensitive) occurrence of a term wrapped in ``<mark>``."""
    text = text or ""
    terms = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)  # longest first
    if not terms:
        return escape_text(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out, pos = [], 0
    for m in pattern.finditer(text):
        out.append(escape_text(text[pos:m.start()]))
        out.append(f"<mark>{escape_text(m.group(0))}</mark>")
        pos = m.end()
    out.append(escape_text(text[pos:]))
    return "".join(out)


def plain(text: str | None) -> str:
    """For places that take no markup at all (dataframes, captions in tables): just undo stray entities."""
    return html.unescape(text or "")


def fmt_time(dt: datetime | None) -> str:
    from yuqing.clock import TZ

    return dt.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if dt else ""


def fmt_duration(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    days, rem = divmod(seconds, 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    if days:
        text = f"{days}天{hours}小时"
    elif hours:
        text = f"{hours}小时{minutes}分"
    else:
        text = f"{minutes}分钟"
    return text


def countdown(due: datetime | None, now: datetime, *, done: bool = False) -> tuple[str, str]:
    """(colour, text) for a deadline: red overdue, orange within 4 hours, yellow within a day, green otherwise."""
    if due is None:
        return "grey", "无时限"
    if done:
        return "grey", "已回应"
    left = due - now
    if left.total_seconds() < 0:
        return "red", f"已超期 {fmt_duration(left)}"
    if left <= timedelta(hours=4):
        return "orange", f"剩余 {fmt_duration(left)}"
    if left <= timedelta(hours=24):
        return "yellow", f"剩余 {fmt_duration(left)}"
    return "green", f"剩余 {fmt_duration(left)}"


COLOUR_BADGES = {"red": "●", "orange": "●", "yellow": "●", "green": "●", "grey": "○"}  # the cell colour carries the level
