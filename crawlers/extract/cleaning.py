"""Cleaning a parsed page before scoring: page chrome (navigation, share bars, comment lists) removed by tag and
by class/id tokens, unless the node also holds most of the page's prose."""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from .dom import drop_element, text_content
from .textmodel import _Tokens

# class/id tokens of page chrome; removed unless the node also holds most of the page's prose
NEGATIVE_RE = re.compile(
    r"comment|share|bdshare|footer|foot\b|copyright|recommend|related|relate|sidebar|side-bar|"
    r"breadcrumb|crumb|\bnav|menu|login|toolbar|\bad\b|ads\b|advert|banner|hot-?news|\bhot\b|rank|"
    r"topbar|header|qrcode|erweima|pagination|\bpager?\b|popup|modal|disclaimer|statement|tags?\b|keyword",
    re.I,
)
POSITIVE_RE = re.compile(r"article|content|post|main|body|text|detail|正文|news_?txt|art_?con", re.I)
NOISE_TAGS = ("nav", "footer", "aside", "form", "button", "select", "textarea", "input", "label", "header", "menu")


def _prose_chars(el) -> int:
    text = text_content(el)
    return text.count("，") + text.count("。")


_WITH_CLASS_OR_ID = etree.XPath("descendant::*[@class or @id]")
_KEEP_ATTR_RE = re.compile(r"comment|share|recommend|relate", re.I)


def _clean(root, tokens: _Tokens | None = None) -> None:
    """Drop page chrome. ``tokens``: the stream of this body as it is now (before any drop), which gives every
    element's prose count without re-reading its text."""
    body = root.find("body")
    if body is None:
        return
    counts = _ProseCounts(tokens)
    total_prose = max(1, counts.of(body))
    for el in list(body.iter(*NOISE_TAGS)):
        if el.getparent() is not None and counts.of(el) < 0.3 * total_prose:
            drop_element(el, keep_blank_tail=False)
            counts.dropped(el)
    counts.freeze()
    for el in _WITH_CLASS_OR_ID(body):  # only elements with a class or id can match
        if not isinstance(el.tag, str) or el.getparent() is None or el.tag in ("body", "html"):
            continue
        if not _chrome_attrs(" ".join(filter(None, (el.get("class"), el.get("id"))))):
            continue
        if counts.of(el) < 0.3 * total_prose:
            drop_element(el, keep_blank_tail=False)


@lru_cache(maxsize=4096)
def _chrome_attrs(attrs: str) -> bool:
    """Do these class/id tokens name page chrome? Cached: a site's pages repeat the same few class names."""
    if not attrs or not NEGATIVE_RE.search(attrs):
        return False
    return not (POSITIVE_RE.search(attrs) and not _KEEP_ATTR_RE.search(attrs))


class _ProseCounts:
    """Prose counts (，。) of elements while _clean drops chrome, from the stream taken before the first drop.

    Dropping an element removes its text (not its tail, which stays with its parent) from every ancestor, so an
    element's count now is its stream count minus that of the dropped elements inside it. Noise tags are
    dropped first; during that pass no descendant of the element at hand has been dropped yet (document
    order), so subtraction only matters afterwards. Elements inside an already dropped subtree are detached
    from the page: whatever is decided for them changes nothing, and they are counted as they were.
    Without a stream every count is read from the element's text.
    """

    __slots__ = ("tokens", "drops", "frozen")

    def __init__(self, tokens: _Tokens | None):
        self.tokens = tokens
        self.drops: list[tuple[int, int, int]] = []  # (start, end, count) of top-level dropped elements
        self.frozen = False

    def of(self, el) -> int:
        if self.tokens is None:
            return _prose_chars(el)
        span = self.tokens.spans.get(el)
        if span is None:
            return _prose_chars(el)
        count = self.tokens.prose_chars(el)
        if self.frozen:
            start, end = span
            for d_start, d_end, d_count in self.drops:
                if start <= d_start and d_end <= end and (d_start, d_end) != (start, end):
                    count -= d_count
        return count

    def dropped(self, el) -> None:
        if self.frozen or self.tokens is None:
            return
        span = self.tokens.spans.get(el)
        if span is None:
            self.tokens = None  # cannot track this drop: read counts from the tree from now on
            return
        start, end = span
        if any(d_start <= start and end <= d_end for d_start, d_end, _ in self.drops):
            return  # inside a subtree already dropped
        self.drops.append((start, end, self.tokens.prose_chars(el)))

    def freeze(self) -> None:
        self.frozen = True
