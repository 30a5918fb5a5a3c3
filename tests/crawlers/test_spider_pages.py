"""Spider callbacks without a crawl: what a page that cannot be read yields and reports, what a post page yields,
and the order of a pass's first requests (list pages first, then the board's still-open posts)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from scrapy.http import HtmlResponse, Request

import yuqing.crawlers.extract
from yuqing.crawlers.spiders.loader import spider_class
from yuqing.model import Source

POST_PAGE = """<html><head><meta charset="utf-8"><title>小区路灯不亮</title></head><body>
<h1>小区路灯不亮</h1>
<p>网友“张三”　留言时间：2024-11-01 08:05:00　地区：A3区　类别：城乡建设　状态：办理中</p>
<p>我们小区的路灯已经坏了一个多月，晚上出门很不方便，老人孩子容易摔倒，请尽快维修。</p>
<p>分享到：微信 微博</p>
</body></html>"""


def make_spider(kind: str):
    source = Source(name=f"{kind}_s", type=kind, start_urls=["http://s.invalid/list?page=1"], region="A3区")
    spider = spider_class(source)()
    spider.crawler = SimpleNamespace()  # no CrawlHealth: reports go through spider.report, recorded below
    spider.reported = []
    spider.report = lambda kind, url, detail="", start=False: spider.reported.append((kind, url, detail))
    return spider


def page(url: str, body: str | bytes, *, content_type: bytes = b"text/html; charset=utf-8", **meta) -> HtmlResponse:
    body = body.encode("utf-8") if isinstance(body, str) else body
    return HtmlResponse(url, body=body, headers={"Content-Type": content_type},
                        request=Request(url, meta={"doc_url": url, **meta}))


@pytest.mark.parametrize("kind, extractor", [("news", "extract_article"), ("board", "extract_article_page")])
def test_a_page_the_extractor_cannot_handle_is_reported_not_fatal(monkeypatch, kind, extractor):
    def broken(*args, **kwargs):
        raise ValueError("版面无法识别")

    monkeypatch.setattr(yuqing.crawlers.extract, extractor, broken)
    spider = make_spider(kind)
    url = "http://s.invalid/detail/1001.html"
    assert list(spider.parse_article(page(url, POST_PAGE))) == []
    assert spider.reported == [("parse_error", url, "ValueError: 版面无法识别")]


# Unclosed <font> tags, thousands deep (a broken CMS template repeated per paragraph): libxml2 nests them all and the
# extractor's recursive walk of the tree gives up. A real page the extractor fails on, not a "no article" outcome.
DEEP_PAGE = ('<html><head><meta charset="utf-8"><title>层层嵌套的页面</title></head><body><h1>层层嵌套的页面</h1>'
             + "<font>" * 3000 + "<p>这一段正文被埋在几千层没有闭合的标签里面，抽取器需要一层一层地走下去。</p>" * 3
             + "</body></html>")


@pytest.mark.parametrize("kind", ["news", "board"])
def test_an_extractor_failure_reaches_parse_error_and_the_next_page_is_still_read(kind):
    spider = make_spider(kind)
    spider.open_posts, spider._open_changes = {}, {}
    bad, good = "http://s.invalid/detail/1101.html", "http://s.invalid/detail/1102.html"
    assert list(spider.parse_article(page(bad, DEEP_PAGE))) == []
    ((reported_kind, reported_url, detail),) = spider.reported
    assert (reported_kind, reported_url) == ("parse_error", bad)
    assert detail.startswith("RecursionError:"), detail  # the extractor's own error, not 未能提取标题或正文
    (item,) = spider.parse_article(page(good, POST_PAGE))
    assert item["url"] == good and item["title"] == "小区路灯不亮"
    assert len(spider.reported) == 1


def test_a_failure_in_the_deferred_article_scoring_is_reported_with_its_reason(monkeypatch):
    """The article is scored on first use (after the page was parsed): a failure there is reported too."""
    import yuqing.crawlers.extract.article as article_module

    real = article_module._pick_date

    def pick_date(root, meta, lines, title, first, last, html, url, *rest):
        if url.endswith("/1201.html"):
            raise ValueError("发布时间无法识别")
        return real(root, meta, lines, title, first, last, html, url, *rest)

    monkeypatch.setattr(article_module, "_pick_date", pick_date)
    spider = make_spider("news")
    bad, good = "http://s.invalid/detail/1201.html", "http://s.invalid/detail/1202.html"
    assert list(spider.parse_article(page(bad, POST_PAGE))) == []
    assert spider.reported == [("parse_error", bad, "ValueError: 发布时间无法识别")]
    (item,) = spider.parse_article(page(good, POST_PAGE))
    assert item["url"] == good and item["content"].startswith("我们小区的路灯已经坏了")


@pytest.mark.parametrize("kind", ["news", "board"])
def test_a_page_that_is_not_html_is_reported_before_extraction(kind):
    spider = make_spider(kind)
    url = "http://s.invalid/detail/1002.pdf"
    assert list(spider.parse_article(page(url, b"%PDF-1.4 ...", content_type=b"application/pdf"))) == []
    assert [(k, u) for k, u, _ in spider.reported] == [("not_html", url)]


def test_board_post_page_fields_come_from_labels_and_the_list_record():
    spider = make_spider("board")
    spider.open_posts, spider._open_changes = {}, {}
    url = "http://s.invalid/detail/1003.html"
    (item,) = spider.parse_article(page(url, POST_PAGE, record={"views": 57, "likes": 4}))
    assert spider.reported == []
    assert (item["url"], item["kind"], item["title"], item["status"]) == (url, "post", "小区路灯不亮", "办理中")
    assert (item["author"], item["region"], item["category"]) == ("张三", "A3区", "城乡建设")
    assert (item["views"], item["likes"]) == (57, 4)  # from the list record: the page shows no counts
    assert item["content"].startswith("我们小区的路灯已经坏了") and "分享到" not in item["content"]
    assert item["published_at"] == "2024-11-01T08:05:00"
    assert spider.open_posts == {url: url}  # 办理中: fetched again on the next pass


def first_requests_of(spider) -> list[Request]:
    async def collect():
        return [req async for req in spider.start()]

    return asyncio.run(collect())


def test_news_pass_starts_with_the_first_list_page():
    spider = make_spider("news")
    (req,) = first_requests_of(spider)
    assert req.url == "http://s.invalid/list?page=1" and req.callback == spider.parse_list
    assert req.meta["start"] is True and req.meta["page"] == 1


def test_board_pass_starts_with_list_pages_then_rechecks_open_posts():
    spider = make_spider("board")
    api_post, html_post = "http://s.invalid/post/2001", "http://s.invalid/detail/2002.html"
    state = {"open_posts": {api_post: "http://s.invalid/api/post/2001", html_post: html_post}}
    spider.get_state = lambda key, default: state.get(key, default)
    reqs = first_requests_of(spider)
    assert [r.url for r in reqs] == ["http://s.invalid/list?page=1", "http://s.invalid/api/post/2001", html_post]
    assert [r.callback for r in reqs] == [spider.parse_list, spider.parse_post_json, spider.parse_article]
    assert [r.meta["start"] for r in reqs] == [True, False, False]
    assert reqs[1].meta["doc_url"] == api_post and reqs[1].meta["recheck"] is True


def test_a_distributed_helper_yields_no_first_requests():
    spider = make_spider("board")
    spider.get_state = lambda key, default: {"open_posts": {"http://s.invalid/post/1": "http://s.invalid/post/1"}
                                             }.get(key, default)
    spider.pass_run = SimpleNamespace(join=lambda: False)  # another worker seeded the pass
    assert first_requests_of(spider) == []
