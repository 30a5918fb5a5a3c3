"""Unit tests of the crawl machinery: item validation, batched store writes, feeds, board fields, error kinds."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from yuqing.crawlers.extensions import classify_failure
from yuqing.crawlers.pipelines import StorePipeline, item_to_document
from yuqing.crawlers.run import sources_main
from yuqing.crawlers.spiders.board import find_records, html_post_fields, is_open, post_fields, with_page
from yuqing.crawlers.spiders.feed import parse_feed
from yuqing.crawlers.spiders.loader import SourceSpiderLoader
from yuqing.config import load_config
from yuqing.storage import open_store

CONFIG = """
[crawl]
failure_cycles = 2
[[sources]]
name = "news_a"
type = "news"
start_urls = ["http://example.invalid/news/index.html"]
politeness = { delay = 1.5, concurrency = 3, obey_robots = false, timeout = 7, retries = 1 }
[[sources]]
name = "board_b"
type = "board"
start_urls = ["http://example.invalid/api/list?page=1"]
api = { detail = "/api/post/{id}" }
"""


@pytest.fixture()
def config(tmp_path):
    (tmp_path / "yuqing.toml").write_text(CONFIG, encoding="utf-8")
    return load_config(tmp_path / "yuqing.toml", tmp_path)


def test_loader_makes_one_spider_per_source_with_its_politeness(config):
    loader = SourceSpiderLoader(config)
    assert loader.list() == ["news_a", "board_b"]
    cls = loader.load("news_a")
    assert cls.name == "news_a" and cls.source.name == "news_a"
    assert cls.custom_settings["DOWNLOAD_DELAY"] == 1.5
    assert cls.custom_settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 3
    assert cls.custom_settings["ROBOTSTXT_OBEY"] is False
    assert cls.custom_settings["DOWNLOAD_TIMEOUT"] == 7 and cls.custom_settings["RETRY_TIMES"] == 1
    assert loader.load("board_b").__mro__[1].__name__ == "BoardSpider"
    with pytest.raises(KeyError, match="已配置的来源"):
        loader.load("nope")


def test_item_validation_names_the_problem():
    with pytest.raises(ValueError, match="网址"):
        item_to_document({"url": "ftp://x", "title": "t"})
    with pytest.raises(ValueError, match="标题和正文"):
        item_to_document({"url": "http://x/1", "title": " ", "content": ""})
    with pytest.raises(ValueError, match="发布时间"):
        item_to_document({"url": "http://x/1", "title": "t", "published_at": "昨天"})
    doc = item_to_document({"url": "http://x/1", "title": "t", "kind": "post", "views": "1,234",
                            "reply_text": "已处理", "reply_department": "住建局", "reply_time": "2024-11-01T09:00:00"})
    assert doc.views == 1234 and doc.reply.department == "住建局" and doc.reply.time.utcoffset().seconds == 8 * 3600


def test_pipeline_batches_and_survives_bad_items(config, tmp_path):
    crawler = get_crawler(settings_dict={"YUQING_CONFIG": str(config.path), "YUQING_HOME": str(tmp_path),
                                         "YUQING_BATCH_SIZE": 3})
    pipeline = StorePipeline.from_crawler(crawler)
    good = [{"url": f"http://example.invalid/a/{i}.html", "source": "news_a", "title": f"标题{i}", "content": "正文"}
            for i in range(7)]
    items = good[:2] + [{"url": "not a url", "title": "坏"}] + good[2:] + [{"url": "http://x/2", "title": "t",
                                                                          "published_at": "不是时间"}]
    for item in items:
        pipeline.process_item(item)
    assert crawler.stats.get_value("yuqing/batches") == 2  # 6 good items written in two batches so far
    pipeline.close_spider()
    assert crawler.stats.get_value("yuqing/inserted") == 7
    assert crawler.stats.get_value("yuqing/item_errors") == 2
    store = open_store(config)
    try:
        from yuqing.model import document_id

        assert store.documents.known_document_ids([document_id(g["url"]) for g in good]) == \
            {document_id(g["url"]) for g in good}
    finally:
        store.close()


def test_parse_rss_and_atom():
    rss = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
      <item><title>A市召开会议</title><link>/news/1.html</link><pubDate>Wed, 20 Nov 2024 09:30:00 +0800</pubDate>
      <description>摘要</description></item><item><title>无链接</title></item></channel></rss>"""
    entries = parse_feed(rss.encode(), "http://s.invalid/rss.xml")
    assert len(entries) == 1 and entries[0]["url"] == "http://s.invalid/news/1.html"
    assert entries[0]["published_at"].isoformat() == "2024-11-20T09:30:00+08:00"
    atom = """<feed xmlns="http://www.w3.org/2005/Atom"><title>b</title><entry><title>留言</title>
      <link href="http://s.invalid/board/post/9"/><updated>2024-11-20T10:00:00+08:00</updated>
      <summary>内容</summary><author><name>U1</name></author></entry></feed>"""
    (entry,) = parse_feed(atom.encode(), "http://s.invalid/atom.xml")
    assert entry["url"].endswith("/board/post/9") and entry["author"] == "U1" and entry["content"] == "内容"
    with pytest.raises(ValueError, match="不是 RSS 或 Atom"):
        parse_feed(b"<html><body>hi</body></html>", "http://s.invalid/")


def test_board_json_and_html_fields():
    data = {"total": 2, "data": {"list": [{"id": 1, "title": "a"}, {"id": 2, "title": "b"}]}}
    assert [r["id"] for r in find_records(data)] == [1, 2]
    assert find_records(data, "data.list")[1]["title"] == "b"
    f = post_fields({"title": "路灯不亮", "createTime": "2024-11-01 08:00", "statusName": "已办结", "hits": 12,
                     "reply": {"content": "已修复", "org": "城管局", "reply_time": "2024-11-02 10:00"}})
    assert f["published_at"] == "2024-11-01 08:00" and f["views"] == 12
    assert (f["reply_text"], f["reply_department"]) == ("已修复", "城管局")
    assert not is_open(f) and is_open({"status": "办理中"}) and is_open({"status": "未回复"})
    lines = ["路灯不亮", "网友“张三”　留言时间：2024-11-1 8:05:00　地区：A3区　类别：城乡建设　状态：已回复",
             "浏览 120　点赞 3　踩 1　回复 2", "晚上很黑。", "官方回复", "回复单位：A3区城管局",
             "回复时间：2024年11月2日 10:00", "已安排维修。", "分享到：微信 微博"]
    h = html_post_fields(lines)
    assert (h["author"], h["status"], h["region"], h["category"]) == ("张三", "已回复", "A3区", "城乡建设")
    assert (h["views"], h["likes"], h["dislikes"], h["replies"]) == ("120", "3", "1", "2")
    assert h["reply_department"] == "A3区城管局" and h["reply_text"] == "已安排维修。"
    assert h["reply_time"] == "2024-11-02T10:00" and h["published_at"] == "2024-11-01T08:05:00"
    assert with_page("http://s/api/list?page=1&size=20", "page", 3) == "http://s/api/list?size=20&page=3"


def test_error_kinds():
    req = Request("http://s.invalid/x")
    resp = HtmlResponse("http://s.invalid/x", status=404, body=b"", request=req)
    assert classify_failure(Failure(HttpError(resp, "Ignoring")))[0] == "http_404"
    assert classify_failure(Failure(IgnoreRequest("max redirections reached")))[0] == "redirect_loop"
    assert classify_failure(Failure(IgnoreRequest("Forbidden by robots.txt")))[0] == "robots"
    from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, ResponseDataLossError

    assert classify_failure(Failure(DownloadTimeoutError("took longer")))[0] == "timeout"
    assert classify_failure(Failure(ResponseDataLossError("lost")))[0] == "truncated"
    assert classify_failure(Failure(DownloadCancelledError("larger than download max size")))[0] == "too_large"


def test_sources_json_shows_config_health_and_attention(config, capsys):
    store = open_store(config)
    try:
        from yuqing.clock import now

        for _ in range(2):
            store.workflow.record_crawl("news_a", {"finished_at": now(), "pages": 0, "items": 0,
                                                   "errors": {"dns": 1}, "failed": True,
                                                   "error_urls": [{"url": "http://example.invalid/news/index.html",
                                                                   "kind": "dns", "detail": ""}]})
        app = SimpleNamespace(config=config, store=store)
        assert sources_main(["--json"], app) == 0
        report = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
        assert report["news_a"]["needs_attention"] and "连续 2 轮抓取失败" in report["news_a"]["attention_reason"]
        assert report["news_a"]["errors"] == {"dns": 2} and report["news_a"]["type"] == "news"
        assert report["board_b"]["runs"] == 0 and not report["board_b"]["needs_attention"]
        assert sources_main([], app) == 0
        text = capsys.readouterr().out
        assert "需要关注" in text and "域名解析失败" in text and "尚未抓取" in text
    finally:
        store.close()
