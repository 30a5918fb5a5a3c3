"""Everything a page shows, as text, from a Streamlit AppTest run, and the checks every shown text must pass: no
「None」/「nan」, no English heat-part keys, no source ids where the source has a title, no Python reprs.

Used by test_every_page_speaks_chinese.py; kept apart so other page tests can run the same checks."""

from __future__ import annotations

import html
import math
import re
from typing import Any, Iterable

from yuqing.vocab import HEAT_PART_LABELS

# A Python repr leaking to the screen: dataclass/namedtuple reprs, lists of tuples, dict literals, enum reprs.
REPR = re.compile(r"\b[A-Z][A-Za-z]+\((?:[a-z_]+=|\))|\[\(|\{'|<[A-Za-z_.]+ object at|<[A-Z][A-Za-z]+\.[A-Z_]+: ")
EMPTY = re.compile(r"(?<![A-Za-z])(None|nan|NaN|null)(?![A-Za-z])")


def _cells(df: Any) -> Iterable[str]:
    yield from (str(c) for c in df.columns)
    for col in df.columns:
        if "标识" in str(col):
            continue  # an identifier column beside the title (what an administrator types into the config)
        for value in df[col].tolist():
            if value is None or (isinstance(value, float) and math.isnan(value)):
                yield "None"
            elif isinstance(value, (list, tuple)):
                continue  # sparkline data, drawn as a chart
            else:
                yield str(value)


def texts(at: Any) -> list[tuple[str, str]]:
    """(where, text) of every element the page rendered."""
    out: list[tuple[str, str]] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error", "success",
                 "code"):
        for el in getattr(at, kind):
            out.append((kind, str(el.value)))
    for m in at.metric:
        out += [("metric label", str(m.label)), ("metric value", str(m.value))]
    for kind in ("selectbox", "multiselect", "radio"):
        for w in getattr(at, kind):
            out.append((f"{kind} label", str(w.label)))
            out += [(f"{kind} option", str(o)) for o in getattr(w, "options", []) or []]  # as displayed
    for kind in ("expander", "tabs", "button", "text_input", "text_area", "number_input", "date_input"):
        for w in getattr(at, kind, []):
            label = getattr(w, "label", None)
            if label is not None:
                out.append((f"{kind} label", str(label)))
    for i, d in enumerate(at.dataframe):
        value = d.value
        data = value.data if hasattr(value, "data") and not hasattr(value, "columns") else value
        out += [(f"table {i}", c) for c in _cells(data)]
    return out


def problems(shown: list[tuple[str, str]], source_titles: dict[str, str]) -> list[str]:
    """What in the shown texts a user should never see."""
    found = []
    parts = re.compile(r"(?<![A-Za-z_])(" + "|".join(map(re.escape, HEAT_PART_LABELS)) + r")(?![A-Za-z_])")
    ids = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, source_titles)) + r")(?![A-Za-z0-9_])") \
        if source_titles else None
    for where, raw in shown:
        # As read on screen: Markdown backslash escapes, the zero-width spaces and entities of textfmt undone.
        text = html.unescape(re.sub(r"<[^>]+>", "", raw.replace("\\", "").replace("\u200b", "")))
        if EMPTY.search(text):
            found.append(f"{where}: 「{EMPTY.search(text).group(0)}」 in {text[:120]!r}")
        if parts.search(text):
            found.append(f"{where}: English heat part 「{parts.search(text).group(0)}」 in {text[:120]!r}")
        # 「标题（标识）」: the title first, the id beside it where an administrator picks a source to edit.
        for name, title in source_titles.items():
            text = text.replace(f"{title}（{name}）", title)
        if ids is not None and ids.search(text):
            found.append(f"{where}: source id 「{ids.search(text).group(0)}」 in {text[:120]!r}")
        if REPR.search(text):
            found.append(f"{where}: Python repr 「{REPR.search(text).group(0)}」 in {text[:120]!r}")
    return found
