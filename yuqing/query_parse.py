"""Lexer and recursive-descent parser of the search expression language (public API: ``yuqing.query``).

Grammar (lowest precedence first)::

    query   := or
    or      := and ( ("OR" | "或" | "|") and )*
    and     := unary ( ["AND" | "与" | "+"] unary )*          adjacent terms are AND'ed
    unary   := ("NOT" | "非") unary | "-"unary | primary        "-" glued to what follows it: -广告, -(a OR b)
    primary := "(" or ")" | FIELD ":" (atom-or-near | "(" or ")") | atom-or-near
    atom-or-near := atom [ "NEAR/" N atom ]
    atom    := WORD | "quoted phrase" | “quoted phrase”

Operators are recognised in any letter case (and, Or, NEAR/5); to search for the word itself, quote it ("and").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yuqing.query_ast import FIELD_ALIASES, And, Near, Node, Not, Or, Term, positive_terms, retrievable

MAX_LENGTH = 2000  # characters of expression
MAX_DEPTH = 12  # nested brackets / NOTs
MAX_TERMS = 100  # words and phrases
MAX_DISTANCE = 500  # NEAR/N, characters

_OPEN = "(（"
_CLOSE = ")）"
_QUOTES = {'"': '"', "“": "”", "「": "」"}
_OR_SIGNS = "|｜"
_AND_SIGNS = "+＋"
_BREAK = set(_OPEN + _CLOSE + _OR_SIGNS + _AND_SIGNS) | set(_QUOTES)
_NEAR_RE = re.compile(r"(?i)near(?:/(.*))?$")


class QueryError(ValueError):
    """A bad expression: ``position`` is the 0-based character offset of the problem; the message is Chinese and
    names the place as 「第 N 个字符处」 (N = position + 1)."""

    def __init__(self, position: int, problem: str):
        self.position = position
        self.problem = problem
        super().__init__(f"第 {position + 1} 个字符处：{problem}")


@dataclass
class Token:
    kind: str  # word, phrase, and, or, not, near, lparen, rparen, field, end
    pos: int
    text: str = ""
    value: int = 0  # NEAR distance


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _OPEN:
            tokens.append(Token("lparen", i))
            i += 1
        elif ch in _CLOSE:
            tokens.append(Token("rparen", i))
            i += 1
        elif ch in _OR_SIGNS:
            tokens.append(Token("or", i, ch))
            i += 1
        elif ch in _AND_SIGNS:
            tokens.append(Token("and", i, ch))
            i += 1
        elif ch in _QUOTES:
            end = text.find(_QUOTES[ch], i + 1)
            if end < 0:
                raise QueryError(i, f"引号 {ch} 没有闭合")
            inner = text[i + 1:end]
            if not inner.strip():
                raise QueryError(i, "引号内为空")
            tokens.append(Token("phrase", i, inner.strip()))
            i = end + 1
        elif ch in "-－" and (not tokens or _glued_before(text, i)):
            if i + 1 >= n or text[i + 1].isspace():
                raise QueryError(i, "「-」后面缺少要排除的词（写成 -广告，不留空格）")
            tokens.append(Token("not", i, ch))
            i += 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in _BREAK:
                if text[i] in ":：" and text[start:i].lower() in FIELD_ALIASES:
                    break
                i += 1
            word = text[start:i]
            if i < n and text[i] in ":：" and word.lower() in FIELD_ALIASES:
                tokens.append(Token("field", start, FIELD_ALIASES[word.lower()]))
                i += 1
                continue
            tokens.append(_word_token(word, start))
    tokens.append(Token("end", n))
    return tokens


def _glued_before(text: str, i: int) -> bool:
    """A '-' starts a NOT only at the start of a word (after a space, a bracket or an operator sign)."""
    prev = text[i - 1] if i else " "
    return prev.isspace() or prev in _OPEN or prev in _OR_SIGNS or prev in _AND_SIGNS or prev in ":："


def _word_token(word: str, pos: int) -> Token:
    lower = word.lower()
    if lower in ("and", "与"):
        return Token("and", pos, word)
    if lower in ("or", "或"):
        return Token("or", pos, word)
    if lower in ("not", "非"):
        return Token("not", pos, word)
    near = _NEAR_RE.match(word)
    if near:
        arg = near.group(1)
        if arg is None:
            raise QueryError(pos, f"「{word}」后面需要写明距离（字数），如 NEAR/10")
        if not arg.isdigit():
            raise QueryError(pos + 5, f"「{word}」的距离须是 0 到 {MAX_DISTANCE} 的整数，如 NEAR/10")
        if int(arg) > MAX_DISTANCE:
            raise QueryError(pos + 5, f"NEAR 的距离最多 {MAX_DISTANCE} 个字")
        return Token("near", pos, word, int(arg))
    return Token("word", pos, word)


_NAMES = {"and": "AND", "or": "OR", "not": "NOT"}


def _name(tok: Token) -> str:
    return tok.text if tok.text else _NAMES.get(tok.kind, tok.kind)


class Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.terms = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise QueryError(0, "查询为空，请输入要搜索的词")
        node = self.parse_or(None)
        tok = self.tok
        if tok.kind == "rparen":
            raise QueryError(tok.pos, "多余的右括号")
        if tok.kind != "end":  # guard: a grammar change must never drop input silently
            raise QueryError(tok.pos, f"无法理解「{_name(tok)}」")
        if not retrievable(node):
            raise QueryError(_lone_not(node), "排除条件（NOT/非/-）不能单独成立，须与要查找的词用 AND 连接，如 供暖 NOT 广告")
        return node

    def parse_or(self, opener: Token | None) -> Node:
        first = self.parse_and(opener)
        children = [first]
        while self.tok.kind == "or":
            op = self.take()
            if self.tok.kind in ("end", "rparen", "or", "and"):
                raise QueryError(op.pos, f"「{_name(op)}」后面缺少词")
            children.append(self.parse_and(opener))
        return first if len(children) == 1 else Or(tuple(children), first.pos)

    def parse_and(self, opener: Token | None) -> Node:
        first = self.parse_unary(opener)
        children = [first]
        while True:
            tok = self.tok
            if tok.kind == "and":
                self.take()
                if self.tok.kind in ("end", "rparen", "or", "and"):
                    raise QueryError(tok.pos, f"「{_name(tok)}」后面缺少词")
            elif tok.kind == "near":
                raise QueryError(tok.pos, f"「{tok.text}」两侧须是词或带引号的短语，不能是括号或其他条件")
            elif tok.kind not in ("word", "phrase", "not", "lparen", "field"):
                break
            children.append(self.parse_unary(opener))
        return first if len(children) == 1 else And(tuple(children), first.pos)

    def parse_unary(self, opener: Token | None) -> Node:
        tok = self.tok
        if tok.kind == "not":
            self.take()
            if self.tok.kind in ("end", "rparen", "or", "and"):
                raise QueryError(tok.pos, f"「{_name(tok)}」后面缺少要排除的词")
            self._enter(tok)
            child = self.parse_unary(opener)
            self.depth -= 1
            return Not(child, tok.pos)
        return self.parse_primary(opener, None)

    def parse_primary(self, opener: Token | None, scope: str | None) -> Node:
        tok = self.tok
        if tok.kind == "lparen":
            self.take()
            if self.tok.kind == "rparen":
                raise QueryError(tok.pos, "括号内为空")
            self._enter(tok)
            node = self.parse_or(tok)
            self.depth -= 1
            if self.tok.kind != "rparen":
                raise QueryError(self.tok.pos, f"缺少右括号（第 {tok.pos + 1} 个字符处的左括号没有闭合）")
            self.take()
            return node
        if tok.kind == "field":
            self.take()
            if scope is not None:
                raise QueryError(tok.pos, "字段限定不能嵌套")
            nxt = self.tok
            if nxt.kind == "field":
                raise QueryError(nxt.pos, "字段限定不能嵌套")
            if nxt.kind not in ("word", "phrase", "lparen"):
                raise QueryError(tok.pos, "字段限定（如 标题:）后面缺少要限定的词或括号")
            return _scoped(self.parse_primary(opener, tok.text), tok.text, tok.pos)
        if tok.kind in ("word", "phrase"):
            left = self._term()
            if self.tok.kind == "near":
                op = self.take()
                if self.tok.kind not in ("word", "phrase"):
                    raise QueryError(op.pos, f"「{op.text}」两侧须是词或带引号的短语")
                right = self._term()
                if self.tok.kind == "near":
                    raise QueryError(self.tok.pos, "一个 NEAR 只能连接两个词；多个条件请用 AND 连接")
                return Near(left, right, op.value, None, left.pos)
            return left
        if tok.kind == "near":
            raise QueryError(tok.pos, f"「{tok.text}」前面缺少词")
        if tok.kind in ("and", "or"):
            raise QueryError(tok.pos, f"「{_name(tok)}」前面缺少词")
        if tok.kind == "rparen":
            raise QueryError(tok.pos, "多余的右括号" if opener is None else "右括号前缺少词")
        raise QueryError(tok.pos, "此处缺少要搜索的词")  # end of input

    def _term(self) -> Term:
        tok = self.take()
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(tok.pos, f"词太多：一个查询最多 {MAX_TERMS} 个词或短语")
        return Term(tok.text, tok.kind == "phrase", None, tok.pos)

    def _enter(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(tok.pos, f"嵌套太深：括号和 NOT 最多嵌套 {MAX_DEPTH} 层")


def _scoped(node: Node, name: str, pos: int) -> Node:
    """Push a field scope down to the terms; a term already scoped inside means nested scopes."""
    if isinstance(node, Term):
        if node.field:
            raise QueryError(node.pos, "字段限定不能嵌套")
        return Term(node.text, node.phrase, name, node.pos)
    if isinstance(node, Near):
        return Near(_scoped(node.left, name, pos), _scoped(node.right, name, pos), node.distance, name, node.pos)
    if isinstance(node, Not):
        return Not(_scoped(node.child, name, pos), node.pos)
    return type(node)(tuple(_scoped(c, name, pos) for c in node.children), node.pos)


def _lone_not(node: Node) -> int:
    """Where the NOT that keeps a node from being retrievable is (``retrievable(node)`` is False)."""
    if isinstance(node, Not):
        return node.pos
    if isinstance(node, Or):
        return _lone_not(next(c for c in node.children if not retrievable(c)))
    if isinstance(node, And):
        return _lone_not(node.children[0])
    return node.pos


def parse_expression(text: str) -> Node:
    if len(text) > MAX_LENGTH:
        raise QueryError(MAX_LENGTH, f"查询太长：最多 {MAX_LENGTH} 个字符（现有 {len(text)} 个）")
    node = Parser(text).parse()
    if not positive_terms(node):  # unreachable after retrievable(); guards the invariant the stores rely on
        raise QueryError(0, "查询中没有要查找的词")
    return node
