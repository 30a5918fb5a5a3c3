"""Generic news/government article extraction (title, date, author, source, main text).

Main text is found by scoring every container node of the cleaned DOM as
"good text minus noise": good text is non-link text in blocks that read like
prose (sentence punctuation, reasonable length); noise is link text and short
unpunctuated chrome (menus, buttons, counters). The container maximising that
difference is the tightest node holding the article body; navigation, share
bars, comment lists, related links and appended link farms fall outside it or
are filtered line by line afterwards. Site-agnostic: no per-site rules.
"""

import re

from .charset import decode_html
from .cleaning import _clean
from .content import _content_lines, _drop_header_lines
from .dates import iso
from .dom import parse_html, strip_invisible
from .metadata import _find_line, _meta, _pick_date, _pick_source_author, _pick_title
from .textmodel import _score_tree, _Tokens

EMPTY = {"title": "", "published_at": None, "author": "", "source": "", "content": ""}


def extract_article(html: str | bytes, url: str | None = None) -> dict:
    """Extract ``{"title", "published_at", "author", "source", "content"}`` from one page.

    A page with no article (empty, binary, truncated to nothing, no <body>) yields empty fields: that is an
    outcome, not an error. A failure of the extractor itself is raised, so the crawler reports the page as
    ``parse_error`` with the reason instead of storing or silently dropping it.
    """
    return ArticlePage(html, url).article


class ArticlePage:
    """One parse of a page for callers that need more than the article (board posts).

    ``lines``: the page's visible lines (as :func:`yuqing.crawlers.extract.dom.visible_lines` renders them);
    ``h1``: the text of its <h1> elements joined by spaces (as ``Selector.css("h1 ::text")`` gives it);
    ``article``: what :func:`extract_article` returns, computed on first access from the same parse, so a caller
    that finds everything it needs in ``lines`` never pays for main-text scoring. Like :func:`extract_article`, a
    page with no article gives empty fields and a failure of the extractor is raised (here, or on first access to
    ``article``).
    """

    def __init__(self, html: str | bytes, url: str | None = None):
        self.url = url
        self.lines: list[str] = []
        self.h1 = ""
        self._article: dict | None = None
        self._state: tuple | None = None
        self._prepare(html)

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

        self.lines = visible_lines(html)
        root = parse_html(html)
        self.h1 = _h1_text(root) if root is not None else ""

    @property
    def article(self) -> dict:
        if self._article is None:
            state, self._state = self._state, None  # the tree is cleaned in place: it cannot be scored twice
            if state is None:
                raise RuntimeError("这个页面的正文抽取已经失败过一次，不能再次抽取")
            self._article = _extract(*state, self.url)
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


__all__ = ["ArticlePage", "extract_article", "extract_article_page", "EMPTY"]
