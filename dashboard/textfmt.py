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
_SPECIAL = set("\\`*_{}[]()#+-.!|<>&\"'~$:=@")


# Streamlit's Markdown turns URL-, www.- and e-mail-shaped text into links after entities are decoded (GFM autolink
# literals work on text nodes), so the characters those need are wrapped in a tag of their own: the text reads and
# copies the same, but no text node holds "http://…", "www.…" or "…@…" whole.
_UNLINK = {":": "<span>&#58;</span>", ".": "<span>&#46;</span>", "@": "<span>&#64;</span>"}


def escape_text(text: str | None) -> str:
    out = []
    for ch in text or "":
        if ch in _UNLINK:
            out.append(_UNLINK[ch])
        elif ch in _SPECIAL:
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


# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the ones Markdown, Streamlit's
# directives (:red[…], :material/…:, $math$) or HTML give a meaning to.
_LABEL_SPECIAL = set("\\`*_{}[]()#+-.!|<>&\"'~$:=^%@/")


def escape_label(text: object) -> str:
    """For Markdown places that take no HTML: widget, expander, tab and metric labels, captions. One line, every
    special character backslash-escaped, so a crawled title is shown exactly as written and never as a link,
    image, heading or emphasis."""
    line = " ".join(str("" if text is None else text).split())
    # Labels take no HTML: a zero-width space after ":" and "." and before "@" keeps URL-, www.- and e-mail-shaped
    # text from being turned into a link (see _UNLINK).
    out = []
    for ch in line:
        if ch == "@":
            out.append("\u200b")
        out.append("\\" + ch if ch in _LABEL_SPECIAL else ch)
        if ch in ":.":
            out.append("\u200b")
    return "".join(out)


def one_line(text: object) -> str:
    """For plain-text places (select box options, table cells): no Markdown there, but one line."""
    return " ".join(str("" if text is None else text).split())


# A spreadsheet treats a cell that starts with one of these as a formula (CSV: also after a tab or carriage return,
# and Excel skips leading spaces). OWASP's advice for CSV is a leading apostrophe; xlsx cells are typed as strings.
_FORMULA_START = ("=", "+", "-", "@")


def is_formula_like(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    return value[0] in "\t\r" or value.lstrip().startswith(_FORMULA_START)


def safe_cell(value: object) -> object:
    """A CSV cell: text a spreadsheet would evaluate gets a leading apostrophe, everything else unchanged."""
    return "'" + value if is_formula_like(value) else value


def xlsx_value(cell: object, value: object) -> None:
    """Set an openpyxl cell: strings are always strings (never formulas), formula-like ones also quote-prefixed,
    so Excel shows them as typed and editing them keeps them text."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters would make openpyxl refuse the whole file
    cell.value = value  # type: ignore[attr-defined]
    if isinstance(value, str):
        cell.data_type = "s"  # type: ignore[attr-defined]
        if is_formula_like(value):
            cell.quotePrefix = True  # type: ignore[attr-defined]


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


# -- one way to show an empty cell, a ratio, a Python value --------------------------------------------------------
EMPTY = "—"
#: Columns holding a ratio 0–1, shown as percentages everywhere (never 「1.0」 beside 「50.0%」).
PERCENT_COLUMNS = frozenset({"回应率", "按时率", "满意度", "负面占比"})


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip())


def pct(value: object) -> str:
    """A ratio as a percentage with one decimal (「50.0%」), 「—」 when there is none."""
    if is_empty(value) or isinstance(value, bool) or not isinstance(value, (int, float)):
        return EMPTY
    return f"{value:.1%}"


def cell(column: str, value: object) -> object:
    """A table cell as the user sees it: 「—」 for nothing, ratios as percentages, everything else unchanged."""
    if isinstance(value, (list, tuple)):
        return value  # chart data (sparklines)
    if is_empty(value):
        return EMPTY
    if column in PERCENT_COLUMNS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return pct(value)
    return value


def readable(value: object, label: object = None) -> str:
    """A configured value (numbers, lists, tables, small records) as plain text instead of a Python repr:
    ``[(1, 80.0, 20)]`` → 「1 / 80 / 20」, ``{'咨询': 'consult'}`` → 「咨询：consult」; names passed through ``label``
    (e.g. heat parts → 声量)."""
    import dataclasses

    name = label if callable(label) else (lambda v: v)
    if is_empty(value):
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return str(name(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return "，".join(readable(v, label) for v in vars(value).values() if not is_empty(v) and v != [])
    if isinstance(value, dict):
        return "；".join(f"{name(k)}：{readable(v, label)}" for k, v in value.items())
    if isinstance(value, tuple):
        return " / ".join(readable(v, label) for v in value)
    if isinstance(value, (list, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return "、".join(readable(v, label) for v in items)
    return str(value)
