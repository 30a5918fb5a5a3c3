"""The text model of a page for article extraction: one flat token stream per tree, lines per node, and the
scoring that finds the container holding the article body ("good text minus noise")."""

from __future__ import annotations

from .dom import BLOCK_TAGS, INVISIBLE

SENTENCE_END = set("。！？!?；;…”")
# punctuation of running prose; colons and enumeration commas also fill address/menu lines
PROSE_PUNCT = set("，。！？；,!?;")


def _nows(text: str) -> str:
    # str.split() and re's \s agree on what whitespace is (both use str.isspace)
    return "".join(text.split()) if text else ""


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
        """The whole stream as :func:`yuqing.crawlers.extract.dom.iter_lines` renders the root (newlines in text split)."""
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
