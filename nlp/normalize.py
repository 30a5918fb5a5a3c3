"""Clean crawled text into plain Simplified Chinese.

Crawled pages are dirty: Traditional characters, full-width letters, pinyin annotations such as
發(fā), Excel artefacts (``_x000D_``), navigation boilerplate and, on spam repost sites, appended
link farms. Each cleaning rule is a small function; :func:`normalize` applies them in order.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

from nlp.linkfarm import drop_link_farms
from nlp.rulefiles import read_rule_sections

DATA_DIR = Path(__file__).resolve().parent / "data"
BOILERPLATE_PATH = DATA_DIR / "boilerplate.txt"

# A [line] boilerplate pattern only drops lines up to this length, so an article sentence that
# happens to mention 版权所有 or 编辑 survives.
BOILERPLATE_MAX_LINE = 80

# ---------------------------------------------------------------------------------------------
# Artefacts and whitespace

_X000D_RE = re.compile(r"_x000[dDaA]_")
_ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SPACES_RE = re.compile("[ \t\u00a0\u3000\u2002\u2003\u2009\u200a\u202f\u205f\f\v]+")


def strip_artifacts(text: str) -> str:
    """Remove ``_x000D_``, unify line breaks and turn tabs/odd spaces into plain spaces."""
    text = _X000D_RE.sub("\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH_RE.sub("", text)
    return _SPACES_RE.sub(" ", text)


# ---------------------------------------------------------------------------------------------
# Full-width ASCII letters/digits -> half-width (Chinese punctuation such as ，。（） is kept)

_FULLWIDTH_TABLE = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for c in range(r[0], r[1] + 1)}
_FULLWIDTH_TABLE.update({0xFF20: ord("@"), 0xFF0E: ord(".")})  # keeps e-mail addresses and decimals matchable


# str.translate with a dict looks up every character; most texts have nothing to translate, and
# a regex scan for the table's characters is far cheaper than that.
_FULLWIDTH_RE = re.compile("[" + "".join(sorted(map(chr, _FULLWIDTH_TABLE))) + "]")


def to_halfwidth(text: str) -> str:
    """Full-width letters, digits, ＠ and ． become ASCII; other full-width punctuation stays."""
    if _FULLWIDTH_RE.search(text) is None:
        return text
    return text.translate(_FULLWIDTH_TABLE)


# ---------------------------------------------------------------------------------------------
# Traditional -> Simplified

# "t2s" rather than "tw2sp": tw2sp also rewrites mainland vocabulary already in Simplified text
# (文件→文档, 程序→进程, 使用者→用户), which corrupted 420 of 1,500 real government messages; t2s
# converts 發佈→发布, 網絡→网络 and leaves Simplified words alone.
_OPENCC_CONFIG = "t2s"
# Characters that are also standard Simplified characters (通用规范汉字表) in names and fixed
# words (乾城嘉园, 瞭望, 狼藉, 覆盖): kept when the text is essentially Simplified already.
_KEEP_IN_SIMPLIFIED = frozenset("乾著瞭藉覆徵")
# Below this share of changed Han characters a text is treated as Simplified with stray
# Traditional characters; above it as a Traditional text, converted in full.
_TRADITIONAL_SHARE = 0.10
_TRADITIONAL_MIN = 3
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")

_converter = None
_converter_lock = threading.Lock()


def _opencc():
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc  # official wheel; imported lazily so ASCII-only use stays cheap

                _converter = opencc.OpenCC(_OPENCC_CONFIG)
    return _converter


def to_simplified(text: str) -> str:
    """Convert Traditional characters and phrases to Simplified (one OpenCC per process)."""
    if text.isascii():
        return text
    out = _opencc().convert(text)
    if out == text or len(out) != len(text):
        return out
    changed = [i for i, (a, b) in enumerate(zip(text, out)) if a != b]
    han = len(_HAN_RE.findall(text)) or 1
    evidence = sum(1 for i in changed if text[i] not in _KEEP_IN_SIMPLIFIED)
    if evidence >= _TRADITIONAL_MIN and evidence / han >= _TRADITIONAL_SHARE:
        return out
    chars = list(out)
    for i in changed:
        if text[i] in _KEEP_IN_SIMPLIFIED:
            chars[i] = text[i]
    return "".join(chars)


# ---------------------------------------------------------------------------------------------
# Pinyin annotations: 發(fā), 发（fā）, 朝(zhāo)阳(yáng)

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN_RE = re.compile(
    r"[(（]\s*(?=[^()（）]*[" + _TONED + r"])[a-zA-Zü" + _TONED + r"' ]{1,40}[)）]"
)


def strip_pinyin(text: str) -> str:
    """Remove bracketed pinyin; a tone-marked vowel is required so (PPP), (2019), (A) survive."""
    return _PINYIN_RE.sub("", text)


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


def _adopt_trailing_documents(root) -> None:
    """Move what follows a premature ``</html>`` into the page.

    CMS templates often include a complete header document; libxml2 leaves everything after its
    ``</html>`` (on a 国务院公报 page: the whole 决议, title and text) as top-level siblings of the
    root, which text_content() never sees.
    """
    from lxml import etree

    if root.tag != "html":
        return
    body = root.find("body")
    if body is None:
        body = etree.SubElement(root, "body")
    sibling = root.getnext()
    while sibling is not None:
        following = sibling.getnext()
        if isinstance(sibling.tag, str):
            holder = sibling.find("body") if sibling.find("body") is not None else sibling
            for child in list(holder):
                if child.tag != "head":
                    body.append(child)
        sibling = following


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
    _adopt_trailing_documents(root)
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
