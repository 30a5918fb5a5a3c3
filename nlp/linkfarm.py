"""Link farms appended by spam repost sites, and the official-document headers that look like them but are kept.

nlp.normalize applies :func:`drop_link_farms` after the boilerplate rules.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from yuqing.nlp.rulefiles import read_rule_sections

DOC_HEADERS_PATH = Path(__file__).resolve().parent / "data" / "doc_headers.txt"

# ---------------------------------------------------------------------------------------------
# Link farms appended by spam repost sites

_URL_RE = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|net|cn|org|cc|vip|top|xyz|info|me|tv|co)\b", re.IGNORECASE
)
_SENTENCE_END_RE = re.compile(r"[。！？!?；;…]")
_LIST_ITEM_RE = re.compile(
    r"^\s*(?:[（(]?[一二三四五六七八九十]+[）)、.．]|[（(]?\d{1,2}[）)、.．]|第[一二三四五六七八九十\d]+[条章节款]|[①-⑳])"
)
_DATE_LINE_RE = re.compile(r"^\s*\d{4}\s*[年/.-]\s*\d{1,2}\s*[月/.-]\s*\d{1,2}\s*日?[,，\s]*(星期|周)?[一二三四五六日天]?(\s*\d{1,2}:\d{2}(:\d{2})?)?\s*$")
# Letter closings end many citizen messages; with a signature and a date they look like a
# block of short lines but are the writer's own text.
_CLOSING_RE = re.compile(r"^\s*(此致|敬礼|致敬|谢谢|感谢|此致敬礼|特此(报告|说明)|盼复|望回复)[!！。,，]*\s*$")
_STUFFING_SPLIT_RE = re.compile(r"[\s_|｜/、,，·•]+")
# Words that mark gambling/porn/fake-certificate spam; evidence only, structure decides.
_SPAM_WORDS_RE = re.compile(
    r"博彩|赌场|赌博|娱乐城|百家乐|真人娱乐|六合彩|时时彩|北京赛车|老虎机|网投|菠菜|体育投注|"
    r"开户送|注册送|彩金|捕鱼|棋牌游戏|代孕|办证|刻章|发票代开|代开发票|私服|成人视频|色情|裸聊|av"
    , re.IGNORECASE
)
_LINK_LINE_MAX = 40
WEAK, STRONG = 1, 2


def link_likeness(line: str) -> int:
    """0 for prose; WEAK for a short title-like line; STRONG for a URL, spam or keyword stuffing."""
    s = line.strip()
    if not s:
        return 0
    if len(s) > _LINK_LINE_MAX:
        # Long lines are prose unless they are nothing but URLs.
        return STRONG if _URL_RE.sub("", s).strip(" |/") == "" else 0
    if _LIST_ITEM_RE.match(s) or _DATE_LINE_RE.match(s) or _CLOSING_RE.match(s):
        return 0
    has_url = _URL_RE.search(s) is not None
    parts = [p for p in _STUFFING_SPLIT_RE.split(s) if p]
    stuffed = len(parts) >= 3 and all(len(p) <= 8 for p in parts) and not _SENTENCE_END_RE.search(s)
    if has_url or (stuffed and _SPAM_WORDS_RE.search(s)) or (_SPAM_WORDS_RE.search(s) and not _SENTENCE_END_RE.search(s)):
        return STRONG
    if _SENTENCE_END_RE.search(s):
        return 0
    return STRONG if stuffed and len(parts) >= 4 else WEAK


# ---------------------------------------------------------------------------------------------
# Official-document headers: kept whatever the link-farm scoring says


@lru_cache(maxsize=1)
def _doc_header_patterns() -> dict[str, re.Pattern]:
    return read_rule_sections(DOC_HEADERS_PATH, ("field", "docno", "addressee", "title", "byline"))


# A label standing alone in its table cell (「索引号：」); the next line is its value.
_BARE_LABEL_RE = re.compile(r"^(?:[^:：]{1,12}[:：]|[【\[][^】\]]{1,10}[】\]]\s*[:：]?)$")
_HEADER_VALUE_MAX = 80
_TITLE_LIST_MIN = 3


def _first_prose_index(lines: list[str]) -> int:
    """Index of the first line of running prose (a sentence); 0 when there is none, so a page
    of menus and links (a list page) has no header zone."""
    for i, line in enumerate(lines):
        s = line.strip()
        if len(s) > 20 and _SENTENCE_END_RE.search(s) and link_likeness(s) == 0:
            return i
    return 0


def document_header_lines(lines: list[str]) -> set[int]:
    """Indices of lines that are the header of an official document and must be kept.

    The rules live in ``data/doc_headers.txt``: labelled fields (索引号：…, 发文字号：…, 成文日期：…)
    and the value under a bare label; a 文号 line (京政办发〔2017〕12号); the addressee line
    (各区人民政府，各委、局，各直属单位：); and the title (…工作安排, 关于…的通知) above the body,
    unless it is one of a block of titles (a related-documents list). Lines with a URL or a spam
    word are never protected.
    """
    rules = _doc_header_patterns()
    head_end = _first_prose_index(lines)
    keep: set[int] = set()
    titles: list[int] = []
    expect_value = False
    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            continue
        if _URL_RE.search(s) or _SPAM_WORDS_RE.search(s):
            expect_value = False
            continue
        if expect_value and len(s) <= _HEADER_VALUE_MAX and not _BARE_LABEL_RE.match(s):
            keep.add(i)
            expect_value = False
            continue
        expect_value = False
        if rules["field"].search(s):
            keep.add(i)
            expect_value = bool(_BARE_LABEL_RE.match(s))
        elif rules["docno"].fullmatch(s) or rules["addressee"].fullmatch(s):
            keep.add(i)
        elif i < head_end and rules["title"].fullmatch(s):
            titles.append(i)
        elif i < head_end and _HEADLINE_RE.fullmatch(s) and rules["byline"].search(_next_nonblank(lines, i)):
            keep.add(i)
    # A block of three or more consecutive title lines is a list of other documents, not a header.
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    position = {i: k for k, i in enumerate(nonblank)}
    block: list[int] = []
    for i in titles + [None]:
        if block and (i is None or position[i] != position[block[-1]] + 1):
            if len(block) < _TITLE_LIST_MIN:
                keep.update(block)
                keep.update(_title_head_lines(lines, nonblank, position[block[0]]))
            block = []
        if i is not None:
            block.append(i)
    return keep


_HEADLINE_RE = re.compile(r"[^\s|｜/、:：<>＞»]{6,80}")


def _next_nonblank(lines: list[str], i: int) -> str:
    for line in lines[i + 1 :]:
        if line.strip():
            return line.strip()
    return ""


# A title broken over lines (<br> in 「全国人民代表大会常务委员会<br>关于批准……及<br>调整……的决议」):
# the lines above its last line are kept when together they start like a 公文 title, with the
# issuing organ or with 关于.
_TITLE_FRAGMENT_RE = re.compile(r"[^\s|｜/、，,。！？；:：<>＞»]{4,40}")
_TITLE_START_RE = re.compile(
    r"^(关于|.{2,30}(人民代表大会常务委员会|委员会|人民政府|政府|办公厅|办公室|党委|委|局|厅|部)$)"
)
_TITLE_FRAGMENTS_MAX = 3


def _title_head_lines(lines: list[str], nonblank: list[int], pos: int) -> list[int]:
    best: list[int] = []
    for k in range(1, _TITLE_FRAGMENTS_MAX + 1):
        if pos - k < 0:
            break
        frags = [nonblank[j] for j in range(pos - k, pos)]
        texts = [lines[j].strip() for j in frags]
        if not _TITLE_FRAGMENT_RE.fullmatch(texts[0]):
            break
        if _URL_RE.search(texts[0]) or _SPAM_WORDS_RE.search(texts[0]):
            break
        if _TITLE_START_RE.match(texts[0]) or texts[1:2] and texts[1].startswith("关于"):
            best = frags
    return best


def drop_link_farms(lines: list[str]) -> list[str]:
    """Remove runs of link-like lines: any run with spam evidence, and a long run at the end.

    Structure decides, not a word list alone: an appended farm is a block of short lines without
    sentence punctuation (titles of other pages, URLs, keyword stuffing). A trailing run of four
    or more such lines after real prose is dropped even without a single spam word.
    """
    scores = [link_likeness(line) for line in lines]
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    drop: set[int] = set()
    run: list[int] = []

    def close(run: list[int], trailing: bool) -> None:
        if not run:
            return
        strong = sum(1 for i in run if scores[i] == STRONG)
        has_prose_before = any(scores[j] == 0 for j in nonblank if j < run[0])
        if strong >= 2 or (strong >= 1 and len(run) >= 3):
            drop.update(run)
        elif strong == 1 and len(run) == 1 and _SPAM_WORDS_RE.search(lines[run[0]]):
            drop.update(run)
        elif trailing and len(run) >= 4 and has_prose_before:
            drop.update(run)

    for i in nonblank:
        if scores[i]:
            run.append(i)
        else:
            close(run, trailing=False)
            run = []
    close(run, trailing=True)
    if drop:
        # Document headers score like farm lines but are the document's own text; they are
        # exempted here (not rescored), so the farm lines around them are judged as before.
        drop -= document_header_lines(lines)
    return [line for i, line in enumerate(lines) if i not in drop]
