"""Generic news/government article extraction (title, date, author, source, main text).

Main text is found by scoring every container node of the cleaned DOM as
"good text minus noise": good text is non-link text in blocks that read like
prose (sentence punctuation, reasonable length); noise is link text and short
unpunctuated chrome (menus, buttons, counters). The container maximising that
difference is the tightest node holding the article body; navigation, share
bars, comment lists, related links and appended link farms fall outside it or
are filtered line by line afterwards. Site-agnostic: no per-site rules.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from lxml import etree

from .charset import decode_html
from .dates import DATE_LABEL_RE, DATE_RE, find_dates, iso, parse_date
from .dom import BLOCK_TAGS, INVISIBLE, drop_element, parse_html, strip_invisible, text_content

EMPTY = {"title": "", "published_at": None, "author": "", "source": "", "content": ""}

PUNCT = set("，。！？；：、“”‘’（）《》,.!?;:")
SENTENCE_END = set("。！？!?；;…”")
# punctuation of running prose; colons and enumeration commas also fill address/menu lines
PROSE_PUNCT = set("，。！？；,!?;")
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

# class/id tokens of page chrome; removed unless the node also holds most of the page's prose
NEGATIVE_RE = re.compile(
    r"comment|share|bdshare|footer|foot\b|copyright|recommend|related|relate|sidebar|side-bar|"
    r"breadcrumb|crumb|\bnav|menu|login|toolbar|\bad\b|ads\b|advert|banner|hot-?news|\bhot\b|rank|"
    r"topbar|header|qrcode|erweima|pagination|\bpager?\b|popup|modal|disclaimer|statement|tags?\b|keyword",
    re.I,
)
POSITIVE_RE = re.compile(r"article|content|post|main|body|text|detail|正文|news_?txt|art_?con", re.I)
NOISE_TAGS = ("nav", "footer", "aside", "form", "button", "select", "textarea", "input", "label", "header", "menu")

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
SITE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|—|-\s|\s-|–)\s*")


def _nows(text: str) -> str:
    # str.split() and re's \s agree on what whitespace is (both use str.isspace)
    return "".join(text.split()) if text else ""


# --------------------------------------------------------------------------- text model
#
# The rendered text of a subtree is computed from one flat token stream per tree: text pieces with their
# in-link flag, and BREAK at block boundaries. Each element's subtree is a contiguous slice of that stream,
# so the lines of any node are grouped from its slice without walking the DOM again.

_BREAK = None


class _Stats:
    __slots__ = ("good", "noise", "text", "link", "punct")

    def __init__(self):
        self.good = 0.0
        self.noise = 0.0
        self.text = 0
        self.link = 0
        self.punct = 0


class _Tokens:
    __slots__ = ("toks", "spans", "_prose")

    def __init__(self, root):
        toks: list = []
        spans: dict = {}
        append = toks.append
        block_tags, invisible = BLOCK_TAGS, INVISIBLE

        def walk(node, in_link: bool) -> None:
            tag = node.tag
            if not isinstance(tag, str) or not tag or tag in invisible:
                return
            start = len(toks)
            link = in_link or tag == "a"
            block = tag in block_tags
            if block:
                append(_BREAK)
            if node.text:
                append((node.text, link))
            for child in node:
                walk(child, link)
                if child.tail:
                    # a tail follows its parent's context, as rendered by the original walk
                    append((child.tail, in_link))
            if block:
                append(_BREAK)
            spans[node] = (start, len(toks))

        walk(root, False)
        self.toks = toks
        self.spans = spans
        self._prose: list[int] | None = None

    def visible_lines(self) -> list[str]:
        """The whole stream as :func:`crawlers.extract.dom.iter_lines` renders the root (newlines in text split)."""
        text = "".join("\n" if tok is _BREAK else tok[0] for tok in self.toks)
        lines = (" ".join(line.split()) for line in text.split("\n"))
        return [line for line in lines if line]

    def prose_chars(self, el) -> int | None:
        """Count of ，and 。 in ``el``'s text (its string value), or None for an element not in the stream."""
        span = self.spans.get(el)
        if span is None:
            return None
        prose = self._prose
        if prose is None:  # prefix sums, built on first use
            prose, total = [0], 0
            for tok in self.toks:
                if tok is not _BREAK:
                    total += tok[0].count("，") + tok[0].count("。")
                prose.append(total)
            self._prose = prose
        return prose[span[1]] - prose[span[0]]

    def lines(self, el) -> list[tuple[str, int]]:
        """Lines of ``el`` at block boundaries, each with its count of non-space link characters.

        For an element outside any <a> (all that scoring asks for): inside a link, the stream's link flags
        include the enclosing <a>.
        """
        span = self.spans.get(el)
        if span is None:
            return []
        out: list[tuple[str, int]] = []
        parts: list[str] = []
        link = 0
        filled = False
        for tok in self.toks[span[0]:span[1]]:
            if tok is _BREAK:
                if filled:
                    out.append((" ".join("".join(parts).split()), link))
                    parts, link, filled = [], 0, False
                continue
            text, in_link = tok
            parts.append(text)
            if in_link:
                link += len(_nows(text))
            if not filled and not text.isspace():
                filled = True
        if filled:
            out.append((" ".join("".join(parts).split()), link))
        return out


def _lines_with_links(el) -> list[tuple[str, int]]:
    """Lines of ``el`` at block boundaries, each with its count of non-space link characters."""
    return _Tokens(el).lines(el)


def _count_punct(text: str, chars: str) -> int:
    return sum(map(text.count, chars))


_PROSE_PUNCT_STR = "".join(sorted(PROSE_PUNCT))


def _line_value(text: str, link: int) -> tuple[float, float]:
    """(good, noise) contribution of one rendered line."""
    n = len(_nows(text))
    if n == 0:
        return 0.0, 0.0
    own = max(0, n - link)
    if link >= 0.5 * n:
        return 0.0, float(n)
    punct = _count_punct(text, _PROSE_PUNCT_STR)
    if own >= 25 and punct >= 1:
        return float(own), float(link)
    if own >= 10 and punct >= 2:
        return float(own) * 0.8, float(link)
    # short unpunctuated line: sub-heading inside an article, or chrome outside it
    return 0.0, float(n) * 0.5


def _score_tree(body, tokens: _Tokens | None = None) -> tuple[object | None, dict]:
    """Score every element bottom-up; return the best content node and the stats table."""
    tokens = tokens or _Tokens(body)
    lines_of = tokens.lines
    stats: dict = {}
    best, best_score = None, 0.0
    block_tags = BLOCK_TAGS

    def visit(node) -> _Stats:
        st = _Stats()
        # a node's own inline text (text and tails of inline children) forms its own lines
        has_block_child = any(isinstance(c.tag, str) and c.tag in block_tags for c in node)
        if not has_block_child:
            for text, link in lines_of(node):
                g, z = _line_value(text, link)
                st.good += g
                st.noise += z
            stats[node] = st
            return st
        inline_parts = []
        if node.text:
            inline_parts.append(node.text)
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if child.tag in block_tags:
                cs = visit(child)
                st.good += cs.good
                st.noise += cs.noise
            else:
                for text, link in lines_of(child):
                    g, z = _line_value(text, link)
                    st.good += g
                    st.noise += z
            if child.tail:
                inline_parts.append(child.tail)
        loose = "".join(inline_parts)
        if loose.strip():
            g, z = _line_value(loose, 0)
            st.good += g
            st.noise += z
        stats[node] = st
        return st

    visit(body)
    for node, st in stats.items():
        score = st.good - 1.0 * st.noise
        if score > best_score:
            best, best_score = node, score
    return best, stats


# --------------------------------------------------------------------------- cleaning


def _prose_chars(el) -> int:
    text = text_content(el)
    return text.count("，") + text.count("。")


_WITH_CLASS_OR_ID = etree.XPath("descendant::*[@class or @id]")
_KEEP_ATTR_RE = re.compile(r"comment|share|recommend|relate", re.I)


def _clean(root, tokens: _Tokens | None = None) -> None:
    """Drop page chrome. ``tokens``: the stream of this body as it is now (before any drop), which gives every
    element's prose count without re-reading its text."""
    body = root.find("body")
    if body is None:
        return
    counts = _ProseCounts(tokens)
    total_prose = max(1, counts.of(body))
    for el in list(body.iter(*NOISE_TAGS)):
        if el.getparent() is not None and counts.of(el) < 0.3 * total_prose:
            drop_element(el, keep_blank_tail=False)
            counts.dropped(el)
    counts.freeze()
    for el in _WITH_CLASS_OR_ID(body):  # only elements with a class or id can match
        if not isinstance(el.tag, str) or el.getparent() is None or el.tag in ("body", "html"):
            continue
        if not _chrome_attrs(" ".join(filter(None, (el.get("class"), el.get("id"))))):
            continue
        if counts.of(el) < 0.3 * total_prose:
            drop_element(el, keep_blank_tail=False)


@lru_cache(maxsize=4096)
def _chrome_attrs(attrs: str) -> bool:
    """Do these class/id tokens name page chrome? Cached: a site's pages repeat the same few class names."""
    if not attrs or not NEGATIVE_RE.search(attrs):
        return False
    return not (POSITIVE_RE.search(attrs) and not _KEEP_ATTR_RE.search(attrs))


class _ProseCounts:
    """Prose counts (，。) of elements while _clean drops chrome, from the stream taken before the first drop.

    Dropping an element removes its text (not its tail, which stays with its parent) from every ancestor, so an
    element's count now is its stream count minus that of the dropped elements inside it. Noise tags are
    dropped first; during that pass no descendant of the element at hand has been dropped yet (document
    order), so subtraction only matters afterwards. Elements inside an already dropped subtree are detached
    from the page: whatever is decided for them changes nothing, and they are counted as they were.
    Without a stream every count is read from the element's text.
    """

    __slots__ = ("tokens", "drops", "frozen")

    def __init__(self, tokens: _Tokens | None):
        self.tokens = tokens
        self.drops: list[tuple[int, int, int]] = []  # (start, end, count) of top-level dropped elements
        self.frozen = False

    def of(self, el) -> int:
        if self.tokens is None:
            return _prose_chars(el)
        span = self.tokens.spans.get(el)
        if span is None:
            return _prose_chars(el)
        count = self.tokens.prose_chars(el)
        if self.frozen:
            start, end = span
            for d_start, d_end, d_count in self.drops:
                if start <= d_start and d_end <= end and (d_start, d_end) != (start, end):
                    count -= d_count
        return count

    def dropped(self, el) -> None:
        if self.frozen or self.tokens is None:
            return
        span = self.tokens.spans.get(el)
        if span is None:
            self.tokens = None  # cannot track this drop: read counts from the tree from now on
            return
        start, end = span
        if any(d_start <= start and end <= d_end for d_start, d_end, _ in self.drops):
            return  # inside a subtree already dropped
        self.drops.append((start, end, self.tokens.prose_chars(el)))

    def freeze(self) -> None:
        self.frozen = True


# --------------------------------------------------------------------------- content lines


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


# --------------------------------------------------------------------------- metadata


def _meta(root) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in root.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or m.get("http-equiv") or "").strip().lower()
        val = (m.get("content") or "").strip()
        if key and val and key not in out:
            out[key] = val
    return out


PUBLISH_META = (
    "article:published_time", "og:article:published_time", "og:release_date", "og:time", "pubdate", "publishdate",
    "publish_date", "publishtime", "publish-date", "firstpublishedtime", "datepublished", "weibo:article:create_at",
    "dc.date.issued", "dc.date", "date", "sailthru.date", "article.published", "ptime", "releasedate",
)
UPDATE_META = ("dateupdate", "article:modified_time", "og:updated_time", "lastmodifiedtime", "weibo: article:update_at")


def _clean_title(raw: str) -> str:
    raw = " ".join(raw.split()) if raw else ""
    if not raw:
        return ""
    parts = [p for p in SITE_SEPARATORS.split(raw) if p and p.strip()]
    if not parts:
        return raw
    return max(parts, key=lambda p: len(_nows(p))).strip()


_CJK_GAP_RE = re.compile(r"(?<=[\u4e00-\u9fff\d])[\s\u3000]+(?=[\u4e00-\u9fff\d])")


def _pick_title(root, meta: dict, lines: list[str], content_first: str = "", lines_nows: list[str] | None = None) -> str:
    if lines_nows is None:
        lines_nows = [_nows(x) for x in lines]
    page_title = ""
    t = root.find(".//title")
    if t is not None:
        page_title = text_content(t)
    refs = [meta.get(k, "") for k in ("og:title", "articletitle", "twitter:title", "title")] + [page_title]
    refs_n = [_nows(r) for r in refs if r and r.strip()]
    cleaned = _clean_title(next((r for r in refs if r and r.strip()), ""))
    headings = []
    for tag in ("h1", "h2", "h3"):
        for h in root.iter(tag):
            txt = " ".join(text_content(h).split())
            if txt:
                headings.append(txt)
    best = ""
    for cand, cn in zip(headings + lines, [_nows(h) for h in headings] + lines_nows):
        if len(cn) < 4 or len(cn) > 120:
            continue
        if any(cn in r for r in refs_n) and len(cn) > len(_nows(best)):
            best = cand
    if best and len(_nows(best)) >= 0.5 * len(_nows(cleaned)):
        chosen = best
    elif cleaned:
        chosen = _CJK_GAP_RE.sub("", cleaned)
    else:
        chosen = headings[0] if headings else ""
    # generic <title> ("新闻动态--某某官网"): the real headline sits just above the body
    head = _headline_above(lines, content_first, lines_nows)
    if head and len(_nows(chosen)) < 0.6 * len(_nows(head)) and _nows(head) not in _nows(chosen):
        return head
    return chosen


_HEADLINE_SKIP_RE = re.compile(r"[>»]|首页|当前位置|来源|作者|^[（(【\[]")


def _headline_above(lines: list[str], content_first: str, lines_nows: list[str] | None = None) -> str:
    """The line right above a date byline, just before the first paragraph of the body."""
    c_idx = _find_line(lines, content_first, lines_nows=lines_nows)
    if c_idx is None:
        return ""
    for i in range(max(0, c_idx - 6), c_idx + 1):
        text = lines[i]
        n = len(_nows(text))
        if not (6 <= n <= 80) or "。" in text or DATE_RE.search(text) or len(text.split()) > 3:
            continue
        if _HEADLINE_SKIP_RE.search(text):
            continue
        if any(DATE_RE.search(lines[j]) for j in range(i + 1, min(len(lines), i + 3))):
            return text
    return ""


SCRIPT_DATE_RES = (
    re.compile(r"""var\s+ct\s*=\s*["']?(\d{10})"""),  # WeChat articles
    re.compile(r"""["']?(?:publish_?time|pub_?date|pubtime|publishdate|ptime|datePublished)["']?\s*[:=]\s*["']([^"']{8,30})["']""", re.I),
    re.compile(r"""s\s*=\s*["']((?:19|20)\d{2}-\d{2}-\d{2})["'];?\s*\n?\s*\w\([^)]*getElementById\(["']publish_time"""),
)


def _script_date(html: str):
    for rx in SCRIPT_DATE_RES:
        m = rx.search(html)
        if m:
            dt = parse_date(m.group(1))
            if dt is not None:
                return dt
    return None


_LABELLED_DATE_RE = re.compile(r"(发布时间|发布日期|发表时间|发表于|发布于)\s*[:：]?\s*")
_URL_DATE_RES = (re.compile(r"/((?:19|20)\d{2})[-/]?(\d{2})[-/]?(\d{2})/"), re.compile(r"/((?:19|20)\d{2})-(\d{2})/(\d{2})/"))
_DATE_WORD_RE = re.compile(r"(发布|发表|时间|日期)")


def _meta_date(meta: dict, keys: tuple[str, ...]):
    """The first of these meta tags (in the order given) that holds a date."""
    for key in keys:
        if key in meta:
            dt = parse_date(meta[key])
            if dt is not None:
                return dt
    return None


def _pick_date(root, meta: dict, lines: list[str], title: str, content_first: str, content_last: str, html: str,
               url: str | None, lines_nows: list[str] | None = None):
    dt = _meta_date(meta, PUBLISH_META)
    if dt is not None:
        return dt
    for t in root.iter("time"):
        dt = parse_date(t.get("datetime") or text_content(t))
        if dt is not None:
            return dt
    # text near the headline: between the title line and the start of the body
    t_idx = _find_line(lines, title, lines_nows=lines_nows)
    c_idx = _find_line(lines, content_first, prefix=True, lines_nows=lines_nows)
    e_idx = _find_line(lines, content_last, prefix=False, lines_nows=lines_nows)
    windows = []
    if t_idx is not None:
        stop = c_idx if c_idx is not None and c_idx > t_idx else t_idx + 8
        windows.append((range(max(0, t_idx - 2), min(len(lines), max(stop, t_idx + 1) + 1)), False))
    if c_idx is not None:
        windows.append((range(max(0, c_idx - 6), c_idx), False))
    if e_idx is not None:  # some CMSs print 发布日期 under the body; related lists also live there
        windows.append((range(e_idx + 1, min(len(lines), e_idx + 6)), True))
    for window, labelled_only in windows:
        dt = _date_in_lines(lines, window, labelled_only)
        if dt is not None:
            return dt
    dt = _meta_date(meta, UPDATE_META)
    if dt is not None:
        return dt
    dt = _script_date(html)
    if dt is not None:
        return dt
    # labelled dates anywhere ("发布时间：…"), outside link lists
    for i, line in enumerate(lines):
        m = _LABELLED_DATE_RE.search(line)
        if m:
            dt = parse_date(line[m.end():] or (lines[i + 1] if i + 1 < len(lines) else ""))
            if dt is not None:
                return dt
    if url:
        for rx in _URL_DATE_RES:
            m = rx.search(url)
            if m:
                return parse_date("-".join(m.groups()))
    return None


def _date_in_lines(lines, window, labelled_only=False):
    labelled, plain = None, None
    for i in window:
        line = lines[i]
        if len(line) > 120:
            continue
        found = find_dates(line)
        if not found:
            # a label on its own line followed by the date on the next one
            if DATE_LABEL_RE.search(line) and i + 1 < len(lines):
                nxt = find_dates(lines[i + 1])
                if nxt and labelled is None:
                    labelled = nxt[0][1]
            continue
        pos, dt = found[0]
        if _DATE_WORD_RE.search(line[:pos]) and labelled is None:
            labelled = dt
        elif plain is None:
            plain = dt
    return labelled if labelled_only else (labelled or plain)


def _find_line(lines, needle, prefix=True, lines_nows: list[str] | None = None):
    if not needle:
        return None
    needle_n = _nows(needle)
    n = needle_n[:20] if prefix else needle_n[-20:]
    if not n:
        return None
    if lines_nows is None:
        lines_nows = [_nows(x) for x in lines]
    for i, ln in enumerate(lines_nows):
        if n in ln or ln in needle_n and len(ln) >= 8 and ln == n:
            return i
    return None


LABEL_VALUE = r"\s*[:：]\s*([^\s:：|/,，。()（）【】\[\]]{2,24})"
_SOURCE_RE = re.compile(r"(?:来源|信息来源|稿源|出处|来源于)" + LABEL_VALUE)
_SOURCE_ALONE_RE = re.compile(r"(?:来源|信息来源)\s*[:：]?")
_AUTHOR_RE = re.compile(r"(?:作者|记者|文\s*/|撰稿|采写)" + LABEL_VALUE.replace("[:：]", "[:：/]?"))
_EDITOR_RE = re.compile(r"(?:责任编辑|责编)" + LABEL_VALUE)
_SOURCE_TAIL_RE = re.compile(r"(作者|编辑|时间|发布|记者).*$")
_AUTHOR_TAIL_RE = re.compile(r"(来源|编辑|时间|发布).*$")
_SITE_AUTHOR_RE = re.compile(r"(网|网站|\.com|\.cn|新闻|科技)$")


def _pick_source_author(lines: list[str], meta: dict, window: range) -> tuple[str, str]:
    source = author = editor = ""
    for i in window:
        line = lines[i]
        if not source:
            m = _SOURCE_RE.search(line)
            if m:
                source = m.group(1)
            elif _SOURCE_ALONE_RE.fullmatch(line) and i + 1 < len(lines) and len(lines[i + 1]) <= 20:
                source = lines[i + 1]
        if not author:
            m = _AUTHOR_RE.search(line)
            if m:
                author = m.group(1)
        if not editor:
            m = _EDITOR_RE.search(line)
            if m:
                editor = m.group(1)
    source = _SOURCE_TAIL_RE.sub("", source)
    author = _AUTHOR_TAIL_RE.sub("", author)
    if not source:
        source = meta.get("contentsource") or meta.get("source") or meta.get("og:article:source") or ""
    if not author:
        meta_author = meta.get("article:author") or meta.get("author") or ""
        author = meta_author if not _SITE_AUTHOR_RE.search(meta_author) else ""
    return source.strip(), (author or editor).strip()


# --------------------------------------------------------------------------- public API


def extract_article(html: str | bytes, url: str | None = None) -> dict:
    """Extract ``{"title", "published_at", "author", "source", "content"}`` from one page.

    Never raises on bad input: empty, binary or truncated pages yield empty fields.
    """
    return ArticlePage(html, url).article


class ArticlePage:
    """One parse of a page for callers that need more than the article (board posts).

    ``lines``: the page's visible lines (as :func:`crawlers.extract.dom.visible_lines` renders them);
    ``h1``: the text of its <h1> elements joined by spaces (as ``Selector.css("h1 ::text")`` gives it);
    ``article``: what :func:`extract_article` returns, computed on first access from the same parse, so a caller
    that finds everything it needs in ``lines`` never pays for main-text scoring. Never raises.
    """

    def __init__(self, html: str | bytes, url: str | None = None):
        self.url = url
        self.lines: list[str] = []
        self.h1 = ""
        self._article: dict | None = None
        self._state: tuple | None = None
        try:
            self._prepare(html)
        except Exception:  # noqa: BLE001 - one bad page must never stop a crawl
            self._state = None
            self._article = dict(EMPTY)

    def _prepare(self, html) -> None:
        if isinstance(html, (bytes, bytearray)):
            html, _ = decode_html(bytes(html))
        if not isinstance(html, str) or not html.strip():
            self._article = dict(EMPTY)
            return
        if _looks_binary(html):
            self._article = dict(EMPTY)
            self._render_alone(html)  # what the page shows, even if it is not worth extracting
            return
        root = parse_html(html)
        if root is None:
            self._article = dict(EMPTY)
            return
        meta = _meta(root)
        self.h1 = _h1_text(root)
        strip_invisible(root)
        body = root.find("body")
        if body is None:
            self._article = dict(EMPTY)
            return
        tokens = _Tokens(body)
        self.lines = tokens.visible_lines()
        self._state = (html, root, body, meta, tokens)

    def _render_alone(self, html: str) -> None:
        from .dom import visible_lines

        try:
            self.lines = visible_lines(html)
            root = parse_html(html)
            self.h1 = _h1_text(root) if root is not None else ""
        except Exception:  # noqa: BLE001
            self.lines, self.h1 = [], ""

    @property
    def article(self) -> dict:
        if self._article is None:
            try:
                self._article = _extract(*self._state, self.url)
            except Exception:  # noqa: BLE001 - one bad page must never stop a crawl
                self._article = dict(EMPTY)
            self._state = None  # the tree was cleaned in place: it cannot be scored twice
        return self._article


def extract_article_page(html: str | bytes, url: str | None = None) -> ArticlePage:
    """:class:`ArticlePage` for ``html``: visible lines and <h1> now, the article when first asked for."""
    return ArticlePage(html, url)


def _h1_text(root) -> str:
    parts = []
    for h in root.iter("h1"):
        if next(h.iterancestors("h1"), None) is None:  # a nested h1's text is already in its ancestor's
            parts.extend(h.itertext())
    return " ".join(parts).strip()


def _extract(html: str, root, body, meta: dict, page_tokens: "_Tokens", url: str | None) -> dict:
    all_lines = [t for t, _ in page_tokens.lines(body)]
    all_nows = [t.replace(" ", "") for t in all_lines]  # lines are whitespace-collapsed already

    _clean(root, page_tokens)
    tokens = _Tokens(body)
    node, _ = _score_tree(body, tokens)
    content_lines = _content_lines(node, tokens) if node is not None else []
    title = _pick_title(root, meta, all_lines, content_lines[0] if content_lines else "", all_nows)
    content_lines = _drop_header_lines(content_lines, title)
    content = "\n".join(content_lines)
    first = content_lines[0] if content_lines else ""
    last = content_lines[-1] if content_lines else ""
    dt = _pick_date(root, meta, all_lines, title, first, last, html, url, all_nows)

    t_idx = _find_line(all_lines, title, lines_nows=all_nows)
    c_idx = _find_line(all_lines, first, lines_nows=all_nows)
    e_idx = _find_line(all_lines, last, prefix=False, lines_nows=all_nows)
    lo = t_idx if t_idx is not None else max(0, (c_idx or 0) - 10)
    hi = c_idx if c_idx is not None and c_idx > lo else lo + 10
    window = list(range(lo, min(len(all_lines), hi + 1)))
    if e_idx is not None:
        window += list(range(e_idx + 1, min(len(all_lines), e_idx + 8)))
    source, author = _pick_source_author(all_lines, meta, window)
    return {"title": title, "published_at": iso(dt), "author": author, "source": source, "content": content}


# replacement characters and C0 controls other than \t \n \r
_BINARY_CHARS_RE = re.compile("[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f]")


def _looks_binary(text: str) -> bool:
    sample = text[:4000]
    if not sample:
        return True
    bad = len(_BINARY_CHARS_RE.findall(sample))
    return bad > 0.1 * len(sample) or "<" not in sample


def to_json(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2)


__all__ = ["ArticlePage", "extract_article", "extract_article_page", "EMPTY"]
