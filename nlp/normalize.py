"""Clean crawled text into plain Simplified Chinese.

Crawled pages are dirty: Traditional characters, full-width letters, pinyin annotations such as
發(fā), Excel artefacts (``_x000D_``), navigation boilerplate and, on spam repost sites, appended
link farms. Each cleaning rule is a small function; :func:`normalize` applies them in order.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from yuqing.nlp.chars import _SPACES_RE, strip_artifacts, strip_pinyin, to_halfwidth, to_simplified
from yuqing.text import adopt_trailing_documents
from yuqing.nlp.linkfarm import drop_link_farms
from yuqing.nlp.rulefiles import read_rule_sections

DATA_DIR = Path(__file__).resolve().parent / "data"
BOILERPLATE_PATH = DATA_DIR / "boilerplate.txt"

# A [line] boilerplate pattern only drops lines up to this length, so an article sentence that
# happens to mention 版权所有 or 编辑 survives.
BOILERPLATE_MAX_LINE = 80


# ---------------------------------------------------------------------------------------------
# Boilerplate


@lru_cache(maxsize=1)
def _boilerplate_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    rules = read_rule_sections(BOILERPLATE_PATH, ("inline", "line", "residue"))
    return rules["inline"], rules["line"], rules["residue"]


_ONLY_PUNCT_RE = re.compile(r"^[\s\W_]*$")


def strip_boilerplate(lines: list[str]) -> list[str]:
    """Drop navigation/footer lines (上一篇, 责任编辑, ICP备 …), inline widgets (【字体：大 中 小】)
    and page residue (扫描二维码关注我们, 本文链接：http://…) whatever its length."""
    inline, whole, residue = _boilerplate_patterns()
    kept = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            kept.append("")
            continue
        cleaned = inline.sub(" ", stripped)
        if cleaned != stripped and _ONLY_PUNCT_RE.match(cleaned):
            continue
        if len(cleaned) <= BOILERPLATE_MAX_LINE and whole.search(cleaned):
            continue
        if residue.fullmatch(cleaned.strip()):
            continue
        kept.append(cleaned)
    return kept


# ---------------------------------------------------------------------------------------------
# Final tidy-up

# A space next to a Chinese character is layout, not a word break (「网友：  你好」).
_CJK_SPACE_RE = re.compile(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])")


def tidy_lines(lines: list[str]) -> str:
    """Collapse spaces, drop spaces between Chinese characters, drop blank and separator-only lines."""
    out = []
    for line in lines:
        line = _SPACES_RE.sub(" ", line).strip()
        # A line of bare separators (「|」 between menu items) carries nothing.
        if line and not _ONLY_PUNCT_RE.match(line):
            out.append(_CJK_SPACE_RE.sub("", line))
    return "\n".join(out)


def normalize(text: str) -> str:
    """Clean Simplified text: the rules above, in order. Idempotent on its own output."""
    if not isinstance(text, str):
        raise TypeError(f"normalize 需要字符串，收到的是 {type(text).__name__}")
    text = strip_artifacts(text)
    text = to_halfwidth(text)
    text = to_simplified(text)
    text = strip_pinyin(text)
    lines = strip_boilerplate(text.split("\n"))
    lines = drop_link_farms(lines)
    return tidy_lines(lines)


# ---------------------------------------------------------------------------------------------
# HTML input

_DROP_TAGS = ("script", "style", "noscript", "nav", "iframe", "select", "button", "svg", "template", "head")
# A <form> is a search box or login widget, dropped, unless it wraps the article: VSB/博达 CMS
# pages used by many government and university sites put the whole text inside
# <form name="_newscontent_fromname"> (the shared 监察法 page lost all 159 of its articles).
_FORM_PROSE_CHARS = 100
_FORM_PROSE_SENTENCES = 2
_BLOCK_TAGS = frozenset(
    "p div br li ul ol tr td th table h1 h2 h3 h4 h5 h6 section article header footer aside "
    "blockquote pre dd dt dl figure figcaption address center hr main".split()
)
# A container whose visible text is mostly anchor text (and holds several links) is a menu,
# a related-links box or a link farm, not article prose.
_LINK_DENSITY = 0.6
_MIN_LINKS = 3


def _decode(html: bytes) -> str:
    for enc in ("utf-8", "gb18030"):
        try:
            return html.decode(enc)
        except UnicodeDecodeError:
            continue
    return html.decode("utf-8", errors="replace")


def html_to_text(html: str | bytes) -> str:
    """Visible text of an HTML page or fragment, one block element per line (not yet normalised)."""
    import lxml.html
    from lxml import etree

    if isinstance(html, bytes):
        html = _decode(html)
    if not html.strip():
        return ""
    # lxml refuses str input that carries an XML encoding declaration.
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    adopt_trailing_documents(root)
    for el in list(root.iter(etree.Comment)):
        if el.getparent() is not None:
            el.drop_tree()
    for el in list(root.iter(*_DROP_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()
    for el in list(root.iter("form")):
        if el.getparent() is None:
            continue
        # prose outside links: a thread list's titles are anchors, an article's sentences are not
        text = "".join(el.itertext())
        for a in el.iter("a"):
            text = text.replace("".join(a.itertext()), "", 1)
        if len(text.strip()) < _FORM_PROSE_CHARS or len(re.findall("[。！？]", text)) < _FORM_PROSE_SENTENCES:
            el.drop_tree()
    for el in list(root.iter("div", "ul", "ol", "table", "section", "aside", "footer", "header", "p", "td", "dl")):
        if el.getparent() is None:
            continue
        links = el.findall(".//a")
        if len(links) < _MIN_LINKS:
            continue
        total = len("".join(el.itertext()).strip())
        anchor = sum(len("".join(a.itertext()).strip()) for a in links)
        if total and anchor / total > _LINK_DENSITY:
            el.drop_tree()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            if el.tag != "br":
                el.text = "\n" + (el.text or "")
    return root.text_content()
