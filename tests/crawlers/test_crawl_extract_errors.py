"""A crawl in which the article extractor fails on one page: the page is reported as parse_error with the
extractor's own reason (in the pass figures and in the source's health), and the other pages are stored."""

from __future__ import annotations

import pytest

from yuqing.crawlers.run import crawl
from tests.crawlers.sitekit import HTML, LocalSite
from yuqing.config import load_config
from yuqing.storage import open_store
from yuqing.storage.base import DocumentFilter

TITLES = ["关于做好冬季供暖保障工作的通知", "关于开展城市道路积水点排查的通知", "关于调整部分公交线路的公告",
          "关于公布第三季度12345热线办理情况的通报"]
BROKEN = 2  # the third article's template leaves thousands of <font> tags unclosed


def article_page(i: int) -> str:
    para = f"为切实做好{TITLES[i][2:8]}相关工作，方便群众办事，现就有关事项通知如下，请各单位认真贯彻落实。" * 4
    body = f"<div class='content'><p>{para}</p><p>{para}</p></div>"
    if i == BROKEN:
        # libxml2 nests every unclosed <font>; the extractor walks the tree recursively and gives up.
        body = "<font>" * 3000 + body
    return (f"<html><head><meta charset='utf-8'><title>{TITLES[i]}</title></head><body><h1>{TITLES[i]}</h1>"
            f"<p>发布时间：2024-11-20 10:00 来源：A市人民政府办公室</p>{body}</body></html>")


def article_path(i: int) -> str:
    return f"/news/2024/11/t20241120_{1000 + i}.html"


def site_pages() -> dict[str, str]:
    """A news list linking to the articles above."""
    links = "".join(f'<li><a href="{article_path(i)}">{t}</a><span>2024-11-20</span></li>' for i, t in enumerate(TITLES))
    pages = {"/news/index.html": f"<html><head><meta charset='utf-8'><title>通知公告</title></head>"
                                 f"<body><ul>{links}</ul></body></html>"}
    pages.update({article_path(i): article_page(i) for i in range(len(TITLES))})
    return pages


@pytest.fixture()
def site():
    pages = site_pages()
    with LocalSite(lambda path: (200, pages[path].encode(), HTML) if path in pages else None) as s:
        yield s


def test_a_page_the_extractor_fails_on_is_reported_and_the_rest_are_stored(site, tmp_path):
    (tmp_path / "yuqing.toml").write_text(
        '[[sources]]\nname = "notices"\ntype = "news"\n'
        f'start_urls = ["{site.url}/news/index.html"]\n'
        'selectors = { links = "ul li a::attr(href)" }\n'
        "politeness = { delay = 0.0, concurrency = 4, timeout = 10, retries = 0 }\n", encoding="utf-8")
    config = load_config(tmp_path / "yuqing.toml", home=tmp_path)
    result = crawl(config, home=tmp_path, timeout=120)["notices"]
    broken_url = site.url + article_path(BROKEN)

    assert result["reason"] == "finished" and not result["failed"]
    assert result["errors"] == {"parse_error": 1}
    (error,) = result["error_urls"]
    assert (error["url"], error["kind"]) == (broken_url, "parse_error")
    assert error["detail"].startswith("RecursionError:"), error  # the reason, not 未能提取标题或正文

    store = open_store(config)
    try:
        total, docs = store.documents.list_documents(DocumentFilter(source="notices"), limit=100)
        assert total == len(TITLES) - 1
        assert {d.url: d.title for d in docs} == {site.url + article_path(i): t for i, t in enumerate(TITLES)
                                                   if i != BROKEN}
        (health,) = store.workflow.source_health()
        assert health["errors"] == {"parse_error": 1}
    finally:
        store.close()
