"""The search expression language: ``parse(text) -> Query``; ``Query.matches(doc)`` is the reference semantics
used by search (to verify candidates), schemes (to match each new document) and back-fill.

Accepted input (operators in any letter case; quote a word to search for it literally, e.g. "and"):

- words, adjacent words AND'ed: ``供暖 停水``; quoted phrases ``"供暖 不热"`` / ``“供暖不热”`` / ``「供暖不热」``;
- ``AND`` / ``与`` / ``+``; ``OR`` / ``或`` / ``|``; ``NOT`` / ``非`` / ``-`` glued to the next word or bracket
  (``-广告``; a ``-`` inside a word such as ``COVID-19`` is part of the word); brackets ``()`` or ``（）``;
  precedence NOT > AND > OR;
- ``a NEAR/N b``: a and b in the same field with at most N characters of folded text between them, either order
  (0 ≤ N ≤ 500); both sides are words or phrases;
- field scopes before a word, phrase, NEAR or bracket: ``标题:`` / ``title:``, ``正文:`` / ``内容:`` /
  ``content:``, ``来源:`` / ``source:`` (``:`` or ``：``). Unscoped terms match the title or the body;
- the shorthand of 清博/百度舆情/蚁坊 (see ``parse_groups``): lines starting 「地域词：」「主体词：」「事件词：」
  「关键词：」「排除词：」.

A NOT must be AND'ed with something to find (``供暖 NOT 广告``; ``NOT 广告`` or ``a OR NOT b`` are refused), so every
match contains one of the query's positive terms and a store can start from them. Limits: 2,000 characters,
100 words, 12 nested levels. Errors are ``QueryError`` (a ValueError) with ``position`` (0-based) and a Chinese
message 「第 N 个字符处：…」.

Matching compares folded text (``fold``: NFKC full-width → half-width, case folding, Traditional → Simplified with
OpenCC t2s, whitespace runs as one space): a term matches when its folded text is a substring of the folded title or
content; ``来源:`` matches the document's source name or, when given, its title.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any, Mapping

from yuqing.query_ast import And, Near, Node, Not, Or, Term, canonical, fold, positive_terms
from yuqing.query_parse import MAX_TERMS, QueryError, parse_expression

__all__ = ["Query", "QueryError", "FoldedDocument", "parse", "fold", "Term", "Near", "And", "Or", "Not", "GROUP_LABELS"]

# Shorthand groups: label → role. Positive groups are AND'ed (each OR'd inside); 排除词 is NOT'ed.
GROUP_LABELS = {"地域词": "include", "主体词": "include", "事件词": "include", "关键词": "include", "排除词": "exclude"}
_GROUP_LINE_RE = re.compile(r"\s*(" + "|".join(GROUP_LABELS) + r")\s*[:：]")
_VALUE_SEPARATORS = set(" \t\u3000,，、;；|｜")
_QUOTE_PAIRS = {'"': '"', "“": "”", "「": "」"}


@dataclass(frozen=True)
class Candidate:
    """What a store can look up to find a superset of the matches: ``kind`` is ``term`` (``forms``: the query
    word as typed, lower-cased, and folded; ``field``: None, title or content), ``and`` or ``or`` (``children``).
    ``Query.candidates()`` returns None when only a scan can answer (e.g. a query on 来源: alone)."""

    kind: str
    forms: tuple[str, ...] = ()
    field: str | None = None
    children: tuple["Candidate", ...] = ()


class Query:
    """A parsed expression. Equal queries have equal ``str()`` (the canonical form)."""

    def __init__(self, root: Node, text: str = ""):
        self.root = root
        self.text = text
        self._folded: dict[str, str] = {}

    def __str__(self) -> str:
        return canonical(self.root)

    def __repr__(self) -> str:
        return f"Query({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Query) and other.root == self.root

    def __hash__(self) -> int:
        return hash(self.root)

    def _fold(self, text: str) -> str:
        out = self._folded.get(text)
        if out is None:
            out = self._folded[text] = fold(text)
        return out

    def terms(self) -> list[str]:
        """The positive words and phrases of the title/body (not under NOT, not 来源:), folded, distinct, in order:
        for candidate retrieval and highlighting."""
        return list(dict.fromkeys(self._fold(t.text) for t in positive_terms(self.root) if t.field != "source"))

    def matches(self, doc: Any, *, source_titles: Mapping[str, str] | None = None) -> bool:
        """Whether a document matches. Reads ``doc.title``, ``doc.content`` and ``doc.source`` (a
        ``yuqing.model.Document`` or any object with those attributes); ``source_titles`` maps source names to
        their titles so that ``来源:市长信箱`` matches a source named ``city_board`` titled 市长信箱. To match one
        document against many queries, fold it once: ``query.matches(FoldedDocument(doc, source_titles))``."""
        folded = doc if isinstance(doc, FoldedDocument) else FoldedDocument(doc, source_titles)
        return _Matcher(self, folded).eval(self.root)

    def candidates(self) -> Candidate | None:
        return _candidate(self.root, self._fold)


class FoldedDocument:
    """A document's title, content and source (name and, when known, title) folded once, lazily."""

    def __init__(self, doc: Any, source_titles: Mapping[str, str] | None = None):
        self.doc = doc
        self.source_titles = source_titles or {}
        self.cache: dict[str, str] = {}

    def text(self, name: str) -> str:
        out = self.cache.get(name)
        if out is None:
            if name == "source_title":
                raw = self.source_titles.get(getattr(self.doc, "source", "") or "", "")
            else:
                raw = getattr(self.doc, name, "") or ""
            out = self.cache[name] = fold(str(raw))
        return out

    def fields(self, scope: str | None) -> list[str]:
        if scope == "source":
            return [self.text("source"), self.text("source_title")]
        if scope is None:
            return [self.text("title"), self.text("content")]
        return [self.text(scope)]


class _Matcher:
    def __init__(self, query: Query, doc: FoldedDocument):
        self.query = query
        self.fields = doc.fields

    def eval(self, node: Node) -> bool:
        if isinstance(node, Term):
            needle = self.query._fold(node.text)
            return any(needle in text for text in self.fields(node.field))
        if isinstance(node, Near):
            a, b = self.query._fold(node.left.text), self.query._fold(node.right.text)
            return any(_near(text, a, b, node.distance) for text in self.fields(node.field))
        if isinstance(node, Not):
            return not self.eval(node.child)
        if isinstance(node, And):
            return all(self.eval(c) for c in node.children)
        return any(self.eval(c) for c in node.children)


def _starts(text: str, needle: str) -> list[int]:
    out, i = [], text.find(needle)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def _near(text: str, a: str, b: str, distance: int) -> bool:
    """Some occurrence of a and of b with at most ``distance`` characters between them (0 when they overlap)."""
    if not a or not b:
        return False
    sa, sb = _starts(text, a), _starts(text, b)
    if not sa or not sb:
        return False
    la, lb = len(a), len(b)
    for start in sa:
        # b occurrences whose gap to [start, start+la) is ≤ distance start in [start - distance - lb, start + la + distance]
        j = bisect.bisect_left(sb, start - distance - lb)
        if j < len(sb) and sb[j] <= start + la + distance:
            return True
    return False


def _candidate(node: Node, folder) -> Candidate | None:
    if isinstance(node, Term):
        if node.field == "source":
            return None
        forms = tuple(dict.fromkeys((node.text.lower(), folder(node.text))))
        return Candidate("term", forms, node.field)
    if isinstance(node, Near):
        parts = tuple(c for c in (_candidate(node.left, folder), _candidate(node.right, folder)) if c)
        return Candidate("and", children=parts) if parts else None
    if isinstance(node, Not):
        return None
    kids = [_candidate(c, folder) for c in node.children if not isinstance(c, Not)]
    if isinstance(node, And):
        kept = tuple(k for k in kids if k is not None)
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else Candidate("and", children=kept)
    if any(k is None for k in kids):
        return None
    return Candidate("or", children=tuple(kids))  # type: ignore[arg-type]


def parse(text: str) -> Query:
    """Parse an expression or a shorthand group block; raises ``QueryError`` (Chinese message, ``position``)."""
    if not isinstance(text, str):
        raise QueryError(0, "查询必须是文字")
    first = next((line for line in text.splitlines() if line.strip()), "")
    if _GROUP_LINE_RE.match(first):
        return Query(parse_groups(text), text)
    return Query(parse_expression(text), text)


def parse_groups(text: str) -> Node:
    """The shorthand officers paste from 清博/百度舆情/蚁坊, one group per line::

        地域词：长沙 岳麓区
        主体词：市政府、住建局
        事件词：供暖 不热，停水
        排除词：广告 招聘

    Labels 地域词、主体词、事件词、关键词 (positive groups) and 排除词, each followed by ``：`` or ``:``; a label may
    repeat (its words add up); an empty group is ignored. Words are separated by spaces, ``，`` ``,`` ``、`` ``；``
    ``;`` or ``|``; ``A+B`` inside a group means both; a quoted value (``"…"``, ``“…”``, ``「…」``) is one phrase
    and may hold separators. Each group's words are OR'd, the groups AND'ed, and 排除词 NOT'ed. The words are literal
    text: AND/OR/NOT, brackets and colons inside them are not operators.
    """
    groups: dict[str, list[Node]] = {}
    offset, count = 0, 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped:
            m = _GROUP_LINE_RE.match(line)
            if not m:
                lead = len(line) - len(line.lstrip())
                raise QueryError(offset + lead, "无法识别这一行：分组写法的每行须以「地域词：」「主体词：」「事件词：」"
                                                "「关键词：」或「排除词：」开头")
            values = _group_values(line, m.end(), offset)
            count += sum(len(v) for v in values)
            if count > MAX_TERMS:
                raise QueryError(offset, f"词太多：一个查询最多 {MAX_TERMS} 个词或短语")
            for parts in values:
                node = parts[0] if len(parts) == 1 else And(tuple(parts), parts[0].pos)
                groups.setdefault(m.group(1), []).append(node)
        offset += len(line)
    positive = [_any_of(nodes) for label, nodes in groups.items() if GROUP_LABELS[label] == "include"]
    if not positive:
        raise QueryError(0, "分组写法至少需要一组有词的地域词、主体词、事件词或关键词（排除词不能单独成立）")
    excluded = [Not(_any_of(nodes), nodes[0].pos)
                for label, nodes in groups.items() if GROUP_LABELS[label] == "exclude"]
    items = positive + excluded
    return items[0] if len(items) == 1 else And(tuple(items), items[0].pos)


def _any_of(nodes: list[Node]) -> Node:
    unique = list(dict.fromkeys(nodes))
    return unique[0] if len(unique) == 1 else Or(tuple(unique), unique[0].pos)


def _group_values(line: str, start: int, offset: int) -> list[list[Term]]:
    """The values of one group line: each a list of terms (``A+B`` gives two, AND'ed)."""
    values: list[list[Term]] = []
    current: list[Term] = []
    i, n = start, len(line)
    word_start = -1

    def close_word(end: int) -> None:
        nonlocal word_start
        if word_start >= 0:
            current.append(Term(line[word_start:end], False, None, offset + word_start))
            word_start = -1

    def close_value() -> None:
        nonlocal current
        if current:
            values.append(current)
            current = []

    while i < n:
        ch = line[i]
        if ch in _QUOTE_PAIRS and word_start < 0:
            end = line.find(_QUOTE_PAIRS[ch], i + 1)
            if end < 0:
                raise QueryError(offset + i, f"引号 {ch} 没有闭合")
            inner = line[i + 1:end].strip()
            if not inner:
                raise QueryError(offset + i, "引号内为空")
            current.append(Term(inner, True, None, offset + i))
            i = end + 1
            continue
        if ch in _VALUE_SEPARATORS or ch in "\r\n":
            close_word(i)
            close_value()
        elif ch in "+＋":
            close_word(i)
        elif word_start < 0:
            word_start = i
        i += 1
    close_word(n)
    close_value()
    return values
