"""The sample web over real HTTP: pages, encodings, API/HTML agreement, live clock, keep-alive concurrency."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import html as lhtml

from yuqing.crawlers.sample_sites.cli import sample_sites_main
from yuqing.crawlers.sample_sites.clocks import ManualClock
from yuqing.crawlers.sample_sites.server import serve
from yuqing.clock import TZ

START = datetime(2024, 11, 21, 10, 0, tzinfo=TZ)
REPO = Path(__file__).resolve().parents[2]


def fetch(url: str, timeout: float = 10) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture()
def site():
    clock = ManualClock(START)
    s = serve(port=0, seed=42, clock=clock, live_interval=15, burst_delay=60, burst_window=120,
              live_reply_delay=(30, 90)).start()
    s.test_clock = clock
    yield s
    s.stop()


def _walk_list(base: str, first: str, item_xpath: str, next_text: str) -> list[list[str]]:
    pages, url, seen = [], base + first, set()
    while url and url not in seen:
        seen.add(url)
        status, headers, body = fetch(url)
        assert status == 200, url
        charset = re.search(r"charset=([\w-]+)", headers["Content-Type"]).group(1)
        doc = lhtml.fromstring(body.decode(charset))
        pages.append(doc.xpath(item_xpath))
        nxt = [a.get("href") for a in doc.xpath("//div[@class='page']/a") if a.text == next_text]
        url = base + nxt[0] if nxt else None
    return pages


def test_gov_pagination_matches_ground_truth(site):
    snap = site.snapshot()
    for name, first in (("city", "/news/index.html"), ("a3", "/a3/news/index.html")):
        pages = _walk_list(site.base_url, first, "//ul[@class='news-list']/li/a/@href", "下一页")
        assert all(len(p) == 20 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 20
        links = [h for p in pages for h in p]
        assert links == [a.path for a in snap.articles[name]], "newest first, each article exactly once"
        assert len(pages) >= 3
    assert fetch(site.base_url + "/news/index_999.html")[0] == 404


def test_gbk_site_is_real_gbk(site):
    status, headers, body = fetch(site.base_url + "/a3/news/index.html")
    assert status == 200 and headers["Content-Type"].lower().endswith("charset=gbk")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("gbk")
    assert 'charset=gbk' in text and "A3区人民政府" in text
    article = site.snapshot().articles["a3"][0]
    status, headers, body = fetch(site.base_url + article.path)
    page = body.decode("gbk")
    assert article.title in page and "发布时间：" in page and "上一篇" in page and "ICP备" in page


def test_gb2312_trap_page_is_utf8(site):
    trap = [a for a in site.snapshot().articles["city"] if a.charset_trap]
    assert len(trap) == 1
    status, headers, body = fetch(site.base_url + trap[0].path)
    assert status == 200 and "charset" not in headers["Content-Type"]
    text = body.decode("utf-8")
    assert "charset=gb2312" in text and trap[0].title in text


def test_article_layout_has_real_page_furniture(site):
    a = site.snapshot().articles["city"][3]
    doc = lhtml.fromstring(fetch(site.base_url + a.path)[2].decode())
    assert doc.xpath("string(//h1)") == a.title
    info = doc.xpath("string(//div[@class='info'])")
    assert f"发布时间：{a.published_at:%Y-%m-%d %H:%M}" in info and "来源：" in info and "【字体：" in info
    paras = [p.text_content().strip() for p in doc.xpath("//div[@id='zoom']/p")]
    assert paras == a.paragraphs
    assert "扫一扫" in doc.text_content() and "下一篇" in doc.text_content() and "版权所有" in doc.text_content()


def test_board_api_agrees_with_html(site):
    site.test_clock.advance(400)  # some live and burst posts exist now
    base = site.base_url
    pages = _walk_list(base, "/board/list?page=1", "//table[@class='msg-list']//a/@href", "下一页")
    html_ids = [int(h.rsplit("/", 1)[1]) for p in pages for h in p]
    api_ids, page = [], 1
    while True:
        data = json.loads(fetch(f"{base}/board/api/list?page={page}&size=50")[2])
        if not data["items"]:
            break
        api_ids += [i["id"] for i in data["items"]]
        page += 1
    assert html_ids == api_ids and data["total"] == len(api_ids)
    first = json.loads(fetch(f"{base}/board/api/list?page=1&size=20")[2])["items"]
    replied = next(i for i in json.loads(fetch(f"{base}/board/api/list?page=3&size=100")[2])["items"]
                   if i["status"] == "已回复")
    for item in first[:8] + [replied]:
        detail = json.loads(fetch(f"{base}/board/api/post/{item['id']}")[2])
        assert {k: detail[k] for k in item} == item
        doc = lhtml.fromstring(fetch(item["url"])[2].decode())
        assert doc.xpath("string(//h1)") == item["title"]
        assert doc.xpath("string(//span[@class='status'])") == f"状态：{item['status']}"
        for key in ("views", "likes", "dislikes", "replies"):
            assert int(doc.xpath(f"string(//span[@class='{key}'])")) == item[key]
        assert doc.xpath("string(//span[@class='author'])") == f"网友“{detail['author']}”"
        body = "".join(p.text_content().strip() for p in doc.xpath("//div[@class='content']/p"))
        assert body == "".join(line.strip() for line in detail["content"].split("\n"))
        if detail["reply"]:
            assert doc.xpath("string(//span[@class='dept'])") == detail["reply"]["department"]
            assert doc.xpath("string(//div[@class='reply-content'])") == detail["reply"]["text"]
        else:
            assert not doc.xpath("//div[@class='reply-content']")
    assert fetch(f"{base}/board/api/post/1")[0] == 404


def test_live_clock_adds_posts_and_answers_them(site):
    base = site.base_url
    before = json.loads(fetch(f"{base}/board/api/list?page=1&size=100")[2])
    site.test_clock.advance(45)
    mid = json.loads(fetch(f"{base}/board/api/list?page=1&size=100")[2])
    assert mid["total"] == before["total"] + 3  # one every 15 s
    new_open = [i for i in mid["items"][:3] if i["status"] == "未回复"]
    assert new_open
    site.test_clock.advance(600)
    late = json.loads(fetch(f"{base}/board/api/list?page=1&size=100")[2])
    statuses = {i["id"]: i["status"] for i in late["items"]}
    assert any(statuses[i["id"]] == "已回复" for i in new_open)
    # The burst arrived meanwhile, and its reposts reached the 转载站 and the feed.
    burst_key = site.expected()["burst_issue_key"]
    recs = site.expected()["records"]
    assert sum(r["issue_key"] == burst_key and r["source"] == "A市领导留言板" for r in recs) >= 20
    assert burst_key.startswith("A3区|") and burst_key.endswith("|heating")
    atom = fetch(f"{base}/board/atom.xml")[2].decode()
    assert atom.count("<entry>") == 50 and late["items"][0]["url"] in atom


def test_same_seed_same_bytes():
    pages = ["/news/index.html", "/a3/news/index_2.html", "/board/list?page=2", "/board/api/list?page=1&size=20",
             "/news/rss.xml", "/board/atom.xml", "/repost/index.html"]
    bodies = []
    for _ in range(2):
        with serve(port=0, seed=9, clock=ManualClock(START + timedelta(minutes=7))) as s:
            got = [fetch(s.base_url + p)[2].replace(s.base_url.encode(), b"BASE") for p in pages]
            reposts = s.snapshot().reposts
            got.append(fetch(s.base_url + reposts[0].path)[2])
            bodies.append(got)
    assert bodies[0] == bodies[1]


def test_repost_site_is_traditional_with_link_farm(site):
    r = site.snapshot().reposts[0]
    doc = lhtml.fromstring(fetch(site.base_url + r.path)[2].decode())
    assert doc.xpath("string(//h1)") == r.title
    farm = doc.xpath("//div[@class='tuijian']/a/@href")
    assert len(farm) == 5 and all(".spam.invalid/" in h for h in farm)
    rec = next(x for x in site.expected()["records"] if x["url"].endswith(r.path))
    assert rec["duplicate_of"].startswith(site.base_url + "/board/post/")


def test_feeds_robots_and_errors(site):
    base = site.base_url
    status, headers, body = fetch(base + "/news/rss.xml")
    assert status == 200 and b"<rss version=\"2.0\">" in body and body.count(b"<item>") == 30
    assert fetch(base + "/robots.txt")[2].decode() == "User-agent: *\nDisallow: /admin/\n"
    assert fetch(base + "/admin/")[0] == 403
    status, _, body = fetch(base + "/board/api/list?page=abc")
    assert status == 400 and "page" in json.loads(body)["error"]
    status, _, body = fetch(base + "/board/list?page=0")
    assert status == 400 and "参数 page" in body.decode()
    assert fetch(base + "/nowhere")[0] == 404
    assert fetch(base + "/faults/index.html")[0] == 404, "faults only when asked for"


def test_expected_urls_are_all_served(site):
    exp = site.expected()
    recs = exp["records"]
    assert {r["source"] for r in recs} == {"A市领导留言板", "A市人民政府", "A3区人民政府", "转载站"}
    for r in recs[::40]:
        assert fetch(r["url"])[0] == 200, r["url"]
    assert fetch(exp["base_url"] + "/")[0] == 200
    assert set(site.urls()) == {"city_news", "district_news", "board", "board_api", "city_rss", "board_atom", "repost"}
    for urls in site.urls().values():
        assert fetch(urls[0])[0] == 200


def test_not_yet_published_pages_are_404(site):
    tl = site.timeline
    future = tl._live_post("live", 10)
    assert fetch(site.base_url + future.path)[0] == 404
    site.test_clock.advance(10 * 15)
    assert fetch(site.base_url + future.path)[0] == 200


def test_concurrent_keep_alive_requests(site):
    host, port = "127.0.0.1", site.port
    paths = ["/news/index.html", "/board/list?page=2", "/board/api/list?page=1&size=20", "/a3/news/index.html",
             "/robots.txt"]
    results, errors = [], []

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            for i in range(10):
                conn.request("GET", paths[(n + i) % len(paths)])
                resp = conn.getresponse()
                body = resp.read()
                results.append((resp.status, int(resp.getheader("Content-Length")), len(body), resp.will_close))
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 200
    assert all(status == 200 and length == got and not closes for status, length, got, closes in results)


def test_main_rejects_bad_arguments(capsys):
    with pytest.raises(SystemExit):
        sample_sites_main(["--live-interval", "0"])
    assert "--live-interval" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        sample_sites_main(["--start", "not-a-time"])
    assert "ISO 8601" in capsys.readouterr().err


def test_main_reports_port_in_use(capsys):
    with serve(port=0, live=False) as s:
        assert sample_sites_main(["--port", str(s.port), "--no-live"]) == 1
    assert "无法在" in capsys.readouterr().err


def test_command_runs_and_stops_on_ctrl_c():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "yuqing.crawlers.sample_sites", "--port", "0", "--faults",
                             "--start", "2024-11-21T10:00:00+08:00"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        base = re.search(r"http://127\.0\.0\.1:\d+", lines[0]).group(0)
        assert any("A3区人民政府（GBK 编码）" in x for x in lines) and any("/faults/index.html" in x for x in lines)
        status, _, body = fetch(base + "/board/api/list?page=1&size=1")
        assert status == 200 and json.loads(body)["items"][0]["time"].startswith("2024-11-2")
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
        assert "示例站点已停止" in out and proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sources_for_configuration():
    with serve(port=0, faults=True, live=False) as s:
        sources = {x["name"]: x for x in s.sources()}
        assert set(sources) == set(s.urls())
        assert sources["district_news"]["title"] == "A3区人民政府" and sources["district_news"]["region"] == "A3区"
        assert {x["type"] for x in sources.values()} == {"news", "board", "feed"}
        for x in sources.values():
            assert x["start_urls"] == s.urls()[x["name"]]
            assert fetch(x["start_urls"][0])[0] == 200
