"""The article's lines from the winning container: cut at "related articles" headings, chrome lines, counters,
the header lines above the text and the signature below it handled by rule."""

from __future__ import annotations

import re

from .dates import DATE_RE
from .textmodel import SENTENCE_END, _nows, _Tokens

# headings after which a page lists other articles: everything below them is dropped
CUT_MARKER_RE = re.compile(
    r"^[【\[]?(为你推荐|相关推荐|推荐阅读|相关阅读|相关新闻|相关文章|相关稿件|延伸阅读|热门推荐|猜你喜欢|精彩推荐|更多精彩|热点推荐|"
    r"往期回顾|往期推荐|你可能会喜欢|你可能感兴趣|作者最新文章|最新文章|热门文章|大家都在看|正文已结束|上一篇|下一篇|"
    r"- ?THE END ?-|网友评论|我要评论|发表评论|全部评论|热门评论|最新评论|精彩评论)"
)
# lines that are never article text
JUNK_LINE_RE = re.compile(
    r"(版权所有|Copyright|©|ICP备|ICP证|公网安备|All Rights Reserved|转载请注明|未经授权|未经许可|^(特别|免责)?声明[:：]|"
    r"^本文(为|来自|系).{0,30}(发布|平台|观点|澎湃号|网易号|原创)|浏览次数|阅读次数|点击数[:：]|扫一扫|二维码|"
    r"^[（(]?\s*(责任编辑|责编)\s*[:：]|^(当前位置|您的位置|您所在的位置|现在位置|所在位置)|^Notice: The content above|"
    r"^(一键转发|点击关注|长按关注)|^.{0,20}(请关注|欢迎关注).{0,20}公众号|\" ?/>$)",
    re.I,
)

# Lines that are chrome wherever they occur inside the content node.
BOILERPLATE_LINE_RE = re.compile(
    r"^(上一篇|下一篇|上一条|下一条|上篇|下篇|分享到|分享至|分享|扫一扫|扫描二维码|打印|关闭窗口|【打印本页】|【关闭窗口】|"
    r"返回顶部|返回首页|返回列表|收藏|点赞|举报|评论|我要评论|字号|字体|相关阅读|相关新闻|相关文章|相关推荐|推荐阅读|"
    r"延伸阅读|热门推荐|热点推荐|猜你喜欢|责任编辑|责编|编辑|校对|审核|点击排行|阅读排行|关键词|标签|声明|免责声明|特别声明|"
    r"原文链接|阅读原文|更多|点击进入|查看原文|来源|作者|本文来源|文章来源|微信扫一扫|长按识别|关注我们|"
    r"\[?纠错\]?|【纠错】|- ?THE END ?-)"
    r"[\s:：|>»\]】）)]*",
)
TAIL_NOISE_RE = re.compile(
    r"^[（(\[【]?(责任编辑|责编|编辑|校对|审核|来源|作者|本文来源|文章来源|原标题|记者|摄影|通讯员|图片来源|图片|声明|特别声明)"
)


_COUNTER_LINE_RE = re.compile(r"[\d\s|,.:：+\-×xX()（）%]+")
# Lines of an official document's own header and signature that are short and unpunctuated like
# chrome but belong to the text: the 发文字号 under the title (国办发〔2016〕80号), the addressee
# (各区人民政府：) and the signing organ above the 成文日期 at the end. The NLP cleaner keeps the
# same lines by the fuller rule table in nlp/data/doc_headers.txt (stages share no code).
DOC_NUMBER_RE = re.compile(
    r"[^\s。！？；，,]{0,30}[\u4e00-\u9fff]{1,16}\s*[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*(?:第\s*)?\d{1,4}\s*号"
)
_ORG_SUFFIX = r"(?:人民政府|政府|委员会|委|局|厅|办|办公室|单位|部门|机构|办事处|街道|乡镇|镇|学校|企业|党组|党委|社区|居委会)"
ADDRESSEE_RE = re.compile(
    r"(?:各|全|省|市|县|区|镇|乡|有关|[\u4e00-\u9fff]{1,12}(?:人民政府|政府|党委|管委会))[\u4e00-\u9fff（）()、，,\s]{0,80}"
    + _ORG_SUFFIX + r"[（）()、，,\s]*[:：]"
)
SIGNING_ORGAN_RE = re.compile(r"[\u4e00-\u9fff（）()]{2,30}" + _ORG_SUFFIX)
_CN_DATE_RE = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")


def _is_doc_header(text: str) -> bool:
    s = text.strip()
    return bool(DOC_NUMBER_RE.fullmatch(s) or ADDRESSEE_RE.fullmatch(s))
_HEADER_LABEL_RE = re.compile(r"(来源|作者|编辑|记者|发布)\s*[:：]")


def _content_lines(node, tokens: _Tokens | None = None) -> list[str]:
    raw = (tokens or _Tokens(node)).lines(node)
    # related-article lists and comment threads that stayed inside the node: cut below their heading
    total = sum(len(_nows(t)) for t, _ in raw)
    seen = 0
    for i, (text, _) in enumerate(raw):
        if seen >= 0.4 * total and CUT_MARKER_RE.match(text) and len(_nows(text)) <= 80:
            raw = raw[:i]
            break
        seen += len(_nows(text))
    lines = []
    for text, link in raw:
        n = len(_nows(text))
        if n == 0:
            continue
        if link >= 0.5 * n:  # link farms, related lists, tag clouds
            continue
        if BOILERPLATE_LINE_RE.fullmatch(text) or (n <= 30 and BOILERPLATE_LINE_RE.match(text) and not _has_sentence(text)):
            continue
        if _COUNTER_LINE_RE.fullmatch(text):  # counters, page numbers
            continue
        if JUNK_LINE_RE.search(text) and n <= 120:
            continue
        lines.append(text)
    # trim chrome at both ends: short lines without sentence punctuation
    while lines and _is_edge_noise(lines[-1]) and not _is_signature(lines):
        lines.pop()
    while lines and _is_edge_noise(lines[0], head=True) and not _is_doc_header(lines[0]):
        lines.pop(0)
    return lines


def _is_signature(lines: list[str]) -> bool:
    """The text ends with an official document's 落款: a signing organ, then a date in Chinese
    form (北京市审批办 / 2017年3月15日), right after prose."""
    if len(lines) < 3:
        return False
    last, organ = lines[-1].strip(), lines[-2].strip()
    # An organ alone, without the date under it, is a byline more often than a 落款: trimmed.
    return bool(_CN_DATE_RE.fullmatch(last) and SIGNING_ORGAN_RE.fullmatch(organ) and _has_sentence(lines[-3]))


def _drop_header_lines(lines: list[str], title: str) -> list[str]:
    """Remove the headline and the date/source byline that often sit inside the content node."""
    t = _nows(title)
    out = []
    for i, text in enumerate(lines):
        n = _nows(text)
        if i < 6 and t and (n == t or (len(n) >= 6 and n in t and len(n) >= 0.6 * len(t))):
            continue
        if i < 6 and len(n) <= 80 and "。" not in text and not _is_doc_header(text) and (
            DATE_RE.search(text) or _HEADER_LABEL_RE.search(text)
        ):
            continue
        out.append(text)
    return out


def _has_sentence(text: str) -> bool:
    return any(ch in SENTENCE_END or ch in "，," for ch in text)


def _is_edge_noise(text: str, head: bool = False) -> bool:
    n = len(_nows(text))
    if TAIL_NOISE_RE.match(text) and n <= 40:
        return True
    if n <= 12 and not _has_sentence(text):
        return True
    if DATE_RE.search(text) and n <= 40 and not _has_sentence(text):
        return True
    return False
