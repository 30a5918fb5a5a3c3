"""Robust HTML parsing and visible-text rendering shared by the extractors."""

from __future__ import annotations

import re

from lxml import etree

from yuqing.text import adopt_trailing_documents

# Elements whose text a reader never sees.
INVISIBLE = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "select", "textarea", "button", "input", "head")

BLOCK_TAGS = frozenset(
    "address article aside blockquote body dd details dialog div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul "
    "br title center".split()
)

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_html(text: str) -> etree._Element | None:
    """Parse ``text`` into an <html> element, or None when there is nothing to parse.

    libxml2 leaves anything after a premature ``</html>`` (common in CMS templates
    that include a complete header document) as a second top-level <html>
    sibling; that content is moved into the first <body> so that nothing is lost.
    """
    if not text or not text.strip():
        return None
    text = _XML_DECL.sub("", text)  # lxml refuses str input with an encoding declaration
    text = _CONTROL.sub(" ", text)
    try:
        root = etree.fromstring(text, _PARSER)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return None
    if root is None:
        return None
    adopt_trailing_documents(root)
    return root


# Plain lxml elements, not lxml.html's HtmlElement: its per-node Python class lookup costs more than the
# extraction itself on small pages. text_content() below replaces the one HtmlElement method we used.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
_STRING = etree.XPath("string()", smart_strings=False)
# Candidates for the hidden-element check; everything else cannot be hidden by attributes.
_STYLED = etree.XPath("descendant-or-self::*[@style or @hidden]")
_NON_ELEMENTS = (etree.Comment, etree.ProcessingInstruction, etree.Entity)


def text_content(el) -> str:
    """All text inside ``el`` (what ``lxml.html``'s ``text_content()`` returns)."""
    return _STRING(el)


def strip_invisible(root) -> None:
    """Remove elements that render no text, keeping their tails."""
    for el in list(root.iter(*INVISIBLE)):
        if el is root:
            continue
        if el.tag == "head":
            continue  # head carries meta tags the caller may still want
        drop_element(el)
    for el in list(root.iter(*_NON_ELEMENTS)):
        drop_element(el)
    for el in _STYLED(root):
        style = (el.get("style") or "").replace(" ", "").lower()
        if "display:none" in style or "visibility:hidden" in style or el.get("hidden") is not None:
            if el.tag not in ("html", "body"):
                drop_element(el)


def drop_element(el, *, keep_blank_tail: bool = True) -> None:
    """Remove ``el`` but keep the text that follows it (its tail), joined to the previous sibling or the parent.
    ``keep_blank_tail=False`` lets a tail of white space only go with the element."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and (keep_blank_tail or tail.strip()):
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def iter_lines(el) -> list[str]:
    """Text of ``el`` split at block boundaries, whitespace-collapsed, empty lines dropped."""
    parts: list[str] = []

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in INVISIBLE:
            return
        block = tag in BLOCK_TAGS
        if block:
            parts.append("\n")
        if node.text and tag:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(el)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def visible_lines(html: str) -> list[str]:
    """The page's rendered text (body only), one block per line."""
    root = parse_html(html)
    if root is None:
        return []
    strip_invisible(root)
    body = root.find("body")
    return iter_lines(body if body is not None else root)
