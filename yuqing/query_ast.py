"""The nodes of a parsed search expression (``yuqing.query``) and the text folding matching uses.

Kernel module: no stage imports. Nodes are frozen dataclasses, so two parses of the same expression compare
equal and a parsed query can be cached or used as a key. ``pos`` (0-based character offset in the text that was
parsed) is kept for error messages and is not part of equality.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field as dc_field
from typing import Union

# Field scopes: canonical name → the Chinese label the canonical form prints.
FIELDS = {"title": "标题", "content": "正文", "source": "来源"}
# Every spelling accepted before ':' / '：' (case-insensitive for the Latin ones).
FIELD_ALIASES = {
    "标题": "title", "標題": "title", "title": "title",
    "正文": "content", "内容": "content", "內容": "content", "content": "content",
    "来源": "source", "來源": "source", "source": "source",
}

_SPACE_RE = re.compile(r"\s+")
# Chinese is written without spaces: a line break or space beside a CJK character is layout, not text.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_SPACE_RE = re.compile(f"(?<=[{_CJK}])\\s+|\\s+(?=[{_CJK}])")
_converter = None
_converter_lock = threading.Lock()


def _t2s():
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc  # the official wheel (a library, not a stage); one converter per process

                _converter = opencc.OpenCC("t2s")
    return _converter


def fold(text: str) -> str:
    """The form both a query term and a document are compared in: Unicode NFKC (full-width letters, digits and
    punctuation become half-width), case-folded, Traditional → Simplified (OpenCC ``t2s``, applied in full on both
    sides, so 乾/干-style ambiguities fold the same way for the query and the text), runs of whitespace as one
    space, and none at all beside a Chinese character (「供暖\\n不热」 is 「供暖不热」). Distances for NEAR are counted in characters of this folded text."""
    if not text:
        return ""
    out = unicodedata.normalize("NFKC", text).casefold()
    if not out.isascii():
        out = _t2s().convert(out)
    return _CJK_SPACE_RE.sub("", _SPACE_RE.sub(" ", out)).strip()


@dataclass(frozen=True)
class Term:
    """A word or a quoted phrase: matches when its folded text occurs in the folded field text (substring)."""

    text: str  # as typed (canonical form prints it)
    phrase: bool = dc_field(default=False, compare=False)  # typed in quotes (display only: same matching)
    field: str | None = None  # None = title or content
    pos: int = dc_field(default=0, compare=False)

    @property
    def folded(self) -> str:
        return fold(self.text)


@dataclass(frozen=True)
class Near:
    """Two terms in the same field, at most ``distance`` characters of folded text between them, either order."""

    left: Term
    right: Term
    distance: int
    field: str | None = None
    pos: int = dc_field(default=0, compare=False)


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]
    pos: int = dc_field(default=0, compare=False)


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]
    pos: int = dc_field(default=0, compare=False)


@dataclass(frozen=True)
class Not:
    child: "Node"
    pos: int = dc_field(default=0, compare=False)


Node = Union[Term, Near, And, Or, Not]

# Words that are operators on their own; a term spelled like one is printed in quotes.
OPERATOR_WORDS = {"and", "or", "not", "与", "或", "非"}
_SPECIAL = set('()（）"“”|｜+＋:：')


def quote_term(term: Term) -> str:
    text = term.text
    plain = (text and not term.phrase and not any(ch.isspace() or ch in _SPECIAL for ch in text)
             and text.lower() not in OPERATOR_WORDS and not text.startswith(("-", "－"))
             and not re.fullmatch(r"(?i)near(/.*)?", text))
    if plain:
        return text
    return f"“{text}”" if '"' in text else f'"{text}"'


def canonical(node: Node, *, scoped: bool = False) -> str:
    """The canonical text of a node: operators in capitals, AND/OR groups bracketed where needed, field scopes in
    Chinese. ``parse(canonical(q))`` gives the same query."""
    if isinstance(node, Term):
        prefix = f"{FIELDS[node.field]}:" if node.field and not scoped else ""
        return prefix + quote_term(node)
    if isinstance(node, Near):
        inner = f"{quote_term(node.left)} NEAR/{node.distance} {quote_term(node.right)}"
        return f"{FIELDS[node.field]}:({inner})" if node.field and not scoped else inner
    if isinstance(node, Not):
        inner = canonical(node.child, scoped=scoped)
        return f"NOT ({inner})" if isinstance(node.child, (And, Or)) else f"NOT {inner}"
    joiner = " AND " if isinstance(node, And) else " OR "
    parts = []
    for child in node.children:
        text = canonical(child, scoped=scoped)
        if isinstance(child, (And, Or)):
            text = f"({text})"
        parts.append(text)
    return joiner.join(parts)


def positive_terms(node: Node, negated: bool = False) -> list[Term]:
    """Terms that must or may be present (not under an odd number of NOTs), in order."""
    if isinstance(node, Term):
        return [] if negated else [node]
    if isinstance(node, Near):
        return [] if negated else [node.left, node.right]
    if isinstance(node, Not):
        return positive_terms(node.child, not negated)
    return [t for child in node.children for t in positive_terms(child, negated)]


def retrievable(node: Node) -> bool:
    """Whether every document the node matches must contain one of its positive terms (so a search can start from
    the documents holding them): a NOT on its own, or OR'd with something, would match nearly everything."""
    if isinstance(node, (Term, Near)):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(retrievable(c) for c in node.children)
    return all(retrievable(c) for c in node.children)
