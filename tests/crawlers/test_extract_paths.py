"""The fast paths of extraction give what the plain ones give.

The crawler parses a page once and reuses that parse (token stream, prose counts, one ArticlePage for board posts,
one parse for a list page's links); these tests pin each shortcut to the straightforward computation it replaces,
on synthetic pages and, when present, on the real saved pages.
"""

from __future__ import annotations

import inspect
import pytest
from lxml import etree
from parsel import Selector
from scrapy.utils.misc import is_generator_with_return_value

from yuqing.crawlers.extract import (article_links, decode_html, extract_article, extract_article_page, list_page_links,
                              next_page_links)
from yuqing.crawlers.extract.cleaning import _clean
from yuqing.crawlers.extract.dom import BLOCK_TAGS, INVISIBLE, parse_html, strip_invisible, visible_lines
from yuqing.crawlers.extract.textmodel import _Tokens
from yuqing.crawlers.spiders.board import BoardSpider
from yuqing.crawlers.spiders.feed import FeedSpider
from yuqing.crawlers.spiders.loader import spider_class
from yuqing.crawlers.spiders.news import NewsSpider
from yuqing.model import Source

PARAS = [
    "市生态环境局今天通报了今年前三季度全市空气质量情况，优良天数比例达到百分之八十五，同比上升三个百分点。",
    "通报指出，细颗粒物平均浓度为每立方米三十二微克，同比下降百分之八，臭氧污染在夏季仍然比较突出。",
]


def page(body_extra: str = "") -> str:
    nav = "".join(f'<li><a href="/col/{i}/">栏目{i}</a></li>' for i in range(12))
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    return f"""<html><head><title>空气质量通报_某市人民政府网</title></head>
<body><div class="header"><ul class="nav">{nav}</ul></div>
<div class="main"><div class="article"><h1>空气质量通报</h1>
<div class="info">发布时间：2019年09月07日 10:30　来源：某市生态环境局</div>
<div class="content">{paras}</div>{body_extra}</div></div>
<div class="footer">版权所有：某市人民政府办公室 <a href="/news/index_2.html">下一页</a></div></body></html>"""

SYNTHETIC = [
    page(),
    page(body_extra='<div class="share">分享到：<a href="#">微信</a></div><div class="related"><h3>相关新闻</h3>'
                    + "".join(f'<a href="/n/{i}.html">相关新闻标题第{i}条比较长的标题</a>' for i in range(8)) + "</div>"),
    page(body_extra='<nav>首页，栏目。<a href="/">返回</a></nav><aside class="comment">网友评论：很好，支持。</aside>'
                    '<p style="display: none">隐藏的段落，不应出现。</p>'),
    # a dropped element with a tail and no previous sibling, inside a link, and nested chrome
    '<html><body><div class="main"><a href="/x"><span class="share">分享</span>链接尾巴，文字。</a>'
    '<p>正文第一段，内容较长，用来让这一段成为正文。这里还有更多的文字，以便超过阈值。</p>'
    '<div class="footer"><div class="nav">导航，菜单。</div>页脚尾巴。</div>尾部文字。</div></body></html>',
    "<html><body><h1>标题<h1>嵌套</h1></h1><p>只有一段文字，很短。</p></body></html>",
    # chrome whose prose share falls under the cut only once the <nav> inside it is gone
    '<html><body><div class="text"><p>一，二，三，四，五，六。</p></div>'
    '<div class="sidebar"><nav>甲，乙，</nav>丙，</div></body></html>',
]


def _reference_lines(el) -> list[tuple[str, int]]:
    """The rendering the token stream replaced: walk the subtree, break lines at blocks, count link characters."""
    lines: list[list] = [["", 0]]

    def emit(text, in_link):
        if text:
            lines[-1][0] += text
            if in_link:
                lines[-1][1] += len("".join(text.split()))

    def brk():
        if lines[-1][0].strip():
            lines.append(["", 0])

    def walk(node, in_link):
        tag = node.tag if isinstance(node.tag, str) else ""
        if not tag or tag in INVISIBLE:
            return
        link = in_link or tag == "a"
        if tag in BLOCK_TAGS:
            brk()
        emit(node.text, link)
        for child in node:
            walk(child, link)
            emit(child.tail, in_link)
        if tag in BLOCK_TAGS:
            brk()

    walk(el, False)
    return [(" ".join(t.split()), n) for t, n in lines if t.strip()]


def _stripped_body(html: str):
    root = parse_html(html)
    strip_invisible(root)
    return root, root.find("body")


def check_token_stream(html: str) -> None:
    root, body = _stripped_body(html)
    _clean(root)
    tokens = _Tokens(body)
    for el in body.iter():
        # scoring asks for the lines of nodes outside links (a walk from inside a link would forget the link)
        if isinstance(el.tag, str) and el.tag not in INVISIBLE and next(el.iterancestors("a"), None) is None:
            assert tokens.lines(el) == _reference_lines(el)


def check_clean(html: str) -> None:
    fast_root, fast_body = _stripped_body(html)
    slow_root, _ = _stripped_body(html)
    _clean(fast_root, _Tokens(fast_body))
    _clean(slow_root)
    assert etree.tostring(fast_root, encoding="unicode") == etree.tostring(slow_root, encoding="unicode")


def check_article_page(html: str) -> None:
    url = "http://example.com/2020/01/02/a.html"
    got = extract_article_page(html, url)
    assert got.lines == visible_lines(html)
    assert got.h1 == " ".join(Selector(text=html).css("h1 ::text").getall()).strip()
    assert got.article == extract_article(html, url)


def check_list_links(html: str) -> None:
    url = "http://example.com/news/index.html"
    assert list_page_links(html, url) == (article_links(html, url), next_page_links(html, url))


CHECKS = [check_token_stream, check_clean, check_article_page, check_list_links]


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("index", range(len(SYNTHETIC)))
def test_fast_paths_on_synthetic_pages(check, index):
    check(SYNTHETIC[index])


@pytest.mark.parametrize("check", CHECKS)
def test_fast_paths_on_real_pages(check, shared_data):
    pages = sorted((shared_data / "news_pages").rglob("*.html"))
    if not pages:
        pytest.skip("共享数据中没有 news_pages/ 页面")
    for path in pages:
        html = decode_html(path.read_bytes())[0]
        try:
            check(html)
        except AssertionError as exc:
            raise AssertionError(f"{path.name}: {exc}") from exc


def test_article_page_of_junk_is_empty_not_an_error():
    got = extract_article_page(b"\x00\x01\x02" * 100)
    assert got.article["title"] == "" and got.h1 == ""
    assert extract_article_page("").lines == []


def test_callbacks_are_not_generators_returning_values():
    """Scrapy's per-request check of this is switched off (WARN_ON_GENERATOR_RETURN_VALUE); it is done here."""
    for cls in (NewsSpider, BoardSpider, FeedSpider):
        for name, fn in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("parse") or name == "on_error":
                assert not is_generator_with_return_value(fn), f"{cls.__name__}.{name}"


def test_requests_share_one_bound_callback():
    spider = spider_class(Source(name="s", type="news", start_urls=["http://example.com/news/index.html"]))()
    a = spider.request("http://example.com/a.html", spider.parse_article)
    b = spider.request("http://example.com/b.html", spider.parse_article)
    assert a.callback is b.callback and a.errback is b.errback
    assert a.callback == spider.parse_article
