"""Alert titles an officer can read: never a degenerate post title such as 「）」, 「？？」, 「求助」 or 「无标题」.

Boards let citizens leave the subject empty or type a bracket into it; an alert titled 「留言未答复：）」 tells the officer
nothing. Such a title is replaced by the first meaningful clause of the post's text (greetings such as
「尊敬的领导：您好！」 skipped), or by the event's title.
"""

from __future__ import annotations

import re
import unicodedata

#: Titles that say there is no title.
PLACEHOLDERS = frozenset({"无标题", "无主题", "无", "标题", "主题", "空", "暂无标题", "untitled", "notitle", "none",
                          "null", "na", "nan"})
#: Fewer meaningful characters than this make a degenerate title (「求助」, 「？」, 「）」).
MIN_CHARS = 3
MAX_CHARS = 30

_CLAUSE_END = re.compile(r"[。！？!?；;\n\r]+|[，,：:、]+")
_GREETING = re.compile(
    r"^\s*(?:(?:尊敬|敬爱|亲爱)的[^，,。！!：:\s]{0,16}\s*[，,：:！!。]?\s*)?"
    r"(?:(?:您|你)们?好|大家好)?\s*[，,：:！!。~～]*\s*")
_GREETING_ONLY = re.compile(r"^(?:(?:尊敬|敬爱|亲爱)的.{0,16}|.{0,8}(?:您|你)们?好|大家好|领导|书记|市长|区长|县长|局长|主任)$")


def _meaningful(text: str) -> str:
    """The letters and digits of ``text`` (punctuation, symbols and spaces removed)."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def is_degenerate(title: str | None) -> bool:
    """True for a title an officer cannot tell anything from: empty, punctuation only, 1–2 characters, or a
    placeholder such as 「无标题」 (brackets and spaces around it ignored)."""
    core = _meaningful(title or "")
    return len(core) < MIN_CHARS or core.lower() in PLACEHOLDERS


def first_clause(text: str | None, limit: int = MAX_CHARS) -> str:
    """The first clause of ``text`` that says something (at least three letters or digits, not a greeting),
    cut to ``limit`` characters; empty when there is none."""
    body = _GREETING.sub("", " ".join((text or "").split()), count=1)
    for piece in _CLAUSE_END.split(body):
        piece = piece.strip(" \t\"'“”‘’「」『』()（）【】[]<>《》")
        if is_degenerate(piece) or _GREETING_ONLY.match(piece):
            continue
        return piece if len(piece) <= limit else piece[:limit] + "…"
    return ""


def readable_title(title: str | None, *fallbacks: str | None) -> str:
    """``title`` when it is meaningful; else the first meaningful clause among ``fallbacks`` (texts or titles, in
    order of preference); empty when none has one."""
    if not is_degenerate(title):
        return (title or "").strip()
    for text in fallbacks:
        if not text:
            continue
        if not is_degenerate(text) and len(text) <= MAX_CHARS and not _CLAUSE_END.search(text):
            return text.strip()
        clause = first_clause(text)
        if clause:
            return clause
    return ""


def split_prefix(title: str) -> tuple[str, str]:
    """「留言未答复：）」 → (「留言未答复：」, 「）」): a rule's label before a full-width colon, and the quoted title."""
    head, sep, tail = (title or "").partition("：")
    if sep and head and not is_degenerate(head) and len(head) <= 12:
        return head + sep, tail
    return "", title or ""


__all__ = ["first_clause", "is_degenerate", "readable_title", "split_prefix"]
