"""A reply draft for 类案参考: assembled from the best-rated similar replies that are not templates, for the department
to edit (it still writes and submits its own response). Works on the masked views, so the draft never carries
personal data; the text is plain text, shown in a text area.

The sentences kept are the substance of the replies: greetings, 「已收悉」, 「现答复如下」, thanks, dates and signatures
are dropped (the draft gets its own opening and closing), and so is any sentence already taken."""

from __future__ import annotations

import re
from typing import Sequence

from yuqing.similar_views import SimilarCaseView

MAX_SOURCES = 2  # replies a draft is assembled from
MAX_CHARS = 700  # of the body, from the best reply; the second adds at most EXTRA sentences
EXTRA = 2
# A reply is drafted from only when its case is nearly as similar as the best case of its list (BM25 scores compare
# within one list only): a well-rated reply to another matter would otherwise lead the draft.
MIN_RELATIVE_SIMILARITY = 0.6

_SENTENCE_RE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_WRAPPER_RE = re.compile(
    r"(您|你)好|^\s*尊敬的|已收悉|收悉|(答复|回复)如下|感谢|谢谢|欢迎.{0,10}(监督|关注)|祝.{0,6}(愉快|顺利|健康)")
_DATE = r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
_BODY = r"[\u4e00-\u9fffA-Za-z0-9（）()]{0,28}(局|委员会|委|办公室|办|政府|街道办事处|街道|管委会|公司|中心|所|队|院)"
# A line that is only a date and/or a signature (「2019年1月10日 A5区教育局」).
_SIGNATURE_RE = re.compile(rf"^(?!.*(已|将|请|经|联系|核实|由|向|到|对|可|在|为|是|拨打|咨询))"
                           rf"\s*(({_DATE})\s*)?({_BODY})?\s*(({_DATE})\s*)?[。.]?\s*$")
OPENING = "您好！您反映的“{title}”问题已收悉。经研究，现答复如下："
CLOSING = "感谢您对我们工作的关心和支持！"


def substance_sentences(reply: str) -> list[str]:
    """The sentences of a reply that say something (greetings, thanks, dates and signatures removed)."""
    out = []
    for s in _SENTENCE_RE.findall(reply or ""):
        s = s.strip(" \t\u3000")
        if len(s) >= 4 and not _WRAPPER_RE.search(s) and not _SIGNATURE_RE.match(s):
            out.append(s)
    return out


def draft_sources(cases: Sequence[SimilarCaseView]) -> list[SimilarCaseView]:
    """The cases a draft is assembled from: assessed, not templates, nearly as similar as the best case of their list
    (``MIN_RELATIVE_SIMILARITY``), best reply-quality score first (then the most similar). A reply never assessed is
    not used: nothing says it is not a template."""
    best = {}
    for c in cases:
        best[c.corpus] = max(best.get(c.corpus, 0.0), c.similarity)
    usable = [c for c in cases if c.reply and c.template is False
              and c.similarity >= MIN_RELATIVE_SIMILARITY * best[c.corpus]]
    usable.sort(key=lambda c: (-(c.quality_score or 0.0), -c.similarity))
    return usable[:MAX_SOURCES]


def assemble_draft(title: str, cases: Sequence[SimilarCaseView]) -> tuple[str, tuple[str, ...]]:
    """(draft text, ids of the cases used); ("", ()) when no similar case has a usable reply."""
    sources = draft_sources(cases)
    body: list[str] = []
    used: list[str] = []
    for n, case in enumerate(sources):
        taken = 0
        for s in substance_sentences(case.reply):
            if s in body:
                continue
            if n == 0 and sum(map(len, body)) + len(s) > MAX_CHARS and body:
                break
            if n > 0 and taken >= EXTRA:
                break
            body.append(s)
            taken += 1
        if taken:
            used.append(case.id)
    if not body:
        return "", ()
    topic = " ".join((title or "").split())[:40] or "有关"
    return "\n".join([OPENING.format(title=topic), *body, CLOSING]), tuple(used)
