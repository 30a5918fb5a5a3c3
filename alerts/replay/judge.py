"""The replay's own ruler for keyword alerts: is a matched word negated, hypothetical or a past mention in its
sentence? Cue lists independent of the rules under test, so runs before and after a change use the same ruler."""

from __future__ import annotations

import re
from typing import Callable


_CLAUSE = re.compile(r"[，,。！？!?；;：:、\s…]+")
WINDOW = 10  # characters before the word that a cue may stand in
# 「无人员伤亡」, 「未造成人员伤亡」, 「没有发生爆炸」: a negation right before the word, with at most a verb and a noun between.
_NEGATED = re.compile(r"(?:无|没有?|未|不曾|从未|并未|并无|尚无|暂无|未曾|均无)(?:造成|发生|出现|引起|导致|有)?(?:任何|重大|较大)?"
                      r"(?:人员|人身|财产)?$")
NEGATION_CUES = ("所幸", "幸好", "幸亏", "万幸", "避免", "防止", "杜绝", "以免", "谨防", "严防", "不会", "不至于")
# Conditionals govern their whole clause (「一旦失误极容易引起火灾和爆炸事故」); the others the WINDOW before the word.
CONDITIONAL_CUES = ("如果", "万一", "一旦", "假如", "假若", "倘若", "要是", "如若", "若是", "假设", "如若")
HYPOTHETICAL_CUES = ("若", "担心", "害怕", "生怕", "恐怕", "唯恐", "隐患", "可能", "会不会", "随时", "预防", "防范", "以防",
                     "难免", "将会", "易引发")
PAST_CUES = ("曾经", "曾", "去年", "前年", "以前", "过去", "当年", "多年前", "年前", "之前", "历史上")
_AFTER = re.compile(r"^[^，。！？；]{0,4}(?:怎么办|谁负责|谁来负责|的(?:风险|隐患|危险|可能)|隐患)")
# Words that contain a cue but are no cue (若干 = several, 不曾想 is still a negation, 曾某 a surname is rare).
_NOT_CUES = re.compile(r"若干|过去了")
CONTEXTS = ("substring", "negated", "hypothetical", "past", "plain")


def _crosses_tokens(tokens: list[str], start: int, length: int) -> bool:
    """True when text[start:start+length] is neither whole tokens nor inside one token (「引起|火灾」 holds 起火 across
    the boundary); a word inside a compound token (伤亡 in 「人员伤亡」) is a real use of the word."""
    end, pos = start + length, 0
    bounds = {0}
    for token in tokens:
        if pos <= start and end <= pos + len(token):
            return False  # inside one token, or the token itself
        pos += len(token)
        bounds.add(pos)
    return not (start in bounds and end in bounds)


def keyword_context(text: str, word: str, segment: Callable[[str], list[str]] | None = None) -> list[str]:
    """For each occurrence of ``word`` in ``text``: "substring" (with ``segment``: the word is not one of the clause's
    tokens, e.g. 起火 inside 「引起火灾」), "negated", "hypothetical", "past" or "plain" (an affirmative mention).

    A cue counts when it stands in the same clause within WINDOW characters before the word (a negation: right
    before it), or when the clause goes on with 「怎么办」「谁负责」「…的隐患」."""
    out = []
    start = 0
    while True:
        at = text.find(word, start)
        if at < 0:
            return out
        start = at + len(word)
        left = text[:at]
        cut = max((m.end() for m in _CLAUSE.finditer(left)), default=0)
        clause = left[cut:]
        near = _NOT_CUES.sub("＿", clause[-WINDOW:])
        right_end = _CLAUSE.search(text, start)
        right = text[start:right_end.start() if right_end else len(text)]
        if segment is not None and _crosses_tokens(segment(clause + word + right), len(clause), len(word)):
            out.append("substring")
        elif _NEGATED.search(near) or any(c in near for c in NEGATION_CUES):
            out.append("negated")
        elif any(c in clause for c in CONDITIONAL_CUES) or any(c in near for c in HYPOTHETICAL_CUES) \
                or _AFTER.match(right):
            out.append("hypothetical")
        elif any(c in near for c in PAST_CUES):
            out.append("past")
        else:
            out.append("plain")


# -- the replay ----------------------------------------------------------------------------------------------------

def _segmenter() -> Callable[[str], list[str]]:
    """jieba's default word segmentation (the same library the NLP stage uses; this module keeps its own view)."""
    import jieba

    jieba.setLogLevel(60)
    return lambda text: jieba.lcut(text)
