"""Article metadata: title, publication date, source and author, from meta tags, scripts, the URL and the page's
lines near the title and the text."""

from __future__ import annotations

import re

from .dates import DATE_LABEL_RE, DATE_RE, find_dates, parse_date
from .dom import text_content
from .textmodel import _nows

SITE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|—|-\s|\s-|–)\s*")


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
