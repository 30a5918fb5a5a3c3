"""Visible text of an HTML page or fragment for the NLP stage, one block element per line (not yet normalised)."""

from __future__ import annotations

import re

from yuqing.text import adopt_trailing_documents

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
