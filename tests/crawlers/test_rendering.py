"""Script-rendered sources (render = true) against the sample web's rendered board, with Debian's real Chromium.

Each crawl runs in a child process exactly as ``yuqing crawl`` does. The "never starts a browser" checks run the
crawl child's own entry point (``child_main``) in a fresh interpreter and then look at what it imported and which
processes it left behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.crawlers.test_crawl import START, expected_posts, stored
from yuqing.checker import ConfigError
from yuqing.config import load_config
from yuqing.crawlers.rendering import HANDLER, render_settings
from yuqing.crawlers.run import crawl, source_report, sources_main
from yuqing.crawlers.sample_sites import rendered
from yuqing.crawlers.sample_sites.clocks import ManualClock
from yuqing.crawlers.sample_sites.server import serve
from yuqing.paths import REPO_ROOT
from yuqing.storage import open_store

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason=f"需要 Debian 的 chromium（{CHROMIUM}）：apt-get install -y chromium")
SITE_OPTIONS = dict(history=45, city_articles=5, a3_articles=5, burst_delay=10**6, live_interval=20.0)


def write_config(home: Path, sources: list[dict], crawl_extra: str = "") -> Path:
    lines = [f"[crawl]\n{crawl_extra}\n"]
    for s in sources:
        lines += ["[[sources]]", f'name = "{s["name"]}"', f'type = "{s["type"]}"',
                  f"start_urls = {json.dumps(s['start_urls'])}",
                  "politeness = { delay = 0.0, concurrency = 4, timeout = 20, retries = 0 }"]
        if s.get("render"):
            lines.append("render = true")
        if s.get("render_wait"):
            lines.append(f"render_wait = {json.dumps(s['render_wait'])}")
        lines.append("")
    path = home / "yuqing.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def rendered_truth(sites) -> dict:
    """The board's posts, under the rendered board's URLs."""
    return {u.replace("/board/post/", "/rendered/board/post/"): r for u, r in expected_posts(sites).items()}


@pytest.fixture()
def sites():
    clock = ManualClock(START)
    s = serve(port=0, seed=19, clock=clock, **SITE_OPTIONS).start()
    s.test_clock = clock
    yield s
    s.stop()


@needs_chromium
def test_rendered_board_every_post_once_then_incremental(tmp_path, sites):
    # Without rendering the shells hold nothing: no link, no post.
    plain = dict(rendered.source(sites.base_url), name="board_shell", render=False, render_wait=None)
    config = load_config(write_config(tmp_path, [plain]), tmp_path)
    blind = crawl(config, home=tmp_path, timeout=300)["board_shell"]
    assert blind["listed"] == 0 and "/post/" not in " ".join(blind["fetched_urls"])
    # (The board spider takes a start page without links for a post and keeps the shell's headings; no post.)
    assert set(stored(config, "board_shell")) <= set(plain["start_urls"])

    config = load_config(write_config(tmp_path, [rendered.source(sites.base_url)]), tmp_path)
    first = crawl(config, home=tmp_path, timeout=300)["board_rendered"]
    truth = rendered_truth(sites)
    docs = stored(config, "board_rendered")
    assert set(docs) == set(truth) and len(truth) > 20  # more than one list page, every post once
    assert first["inserted"] == len(truth) and first["errors"] == {} and not first["failed"]
    for url, rec in truth.items():
        doc = docs[url]
        assert (doc.title, doc.author, doc.status, doc.region, doc.category) == \
            (rec["title"], rec["author"], rec["status"], rec["region"], rec["category"])
        assert (doc.views, doc.likes, doc.replies) == (rec["views"], rec["likes"], rec["replies"])
        assert doc.published_at == datetime.fromisoformat(rec["published_at"]).replace(microsecond=0)
        assert "".join(doc.content.split()) == "".join(rec["content"].split())
        assert (doc.reply.text if doc.reply else None) == (rec["reply"]["text"] if rec["reply"] else None)

    # Second pass, site unchanged: list page 1 (nothing new there) and the still-open posts only.
    second = crawl(config, home=tmp_path, timeout=300)["board_rendered"]
    assert second["inserted"] == 0 and second["updated"] == 0 and not second["failed"]
    open_posts = {u for u, r in truth.items() if r["reply"] is None}
    assert [u for u in second["fetched_urls"] if "/list" in u] == rendered.source(sites.base_url)["start_urls"]
    assert {u for u in second["fetched_urls"] if "/post/" in u} == open_posts

    # New posts between passes are picked up, still once each.
    sites.test_clock.advance(65)
    truth = rendered_truth(sites)
    assert set(truth) - set(docs)
    third = crawl(config, home=tmp_path, timeout=300)["board_rendered"]
    assert third["inserted"] == len(set(truth) - set(docs))
    assert set(stored(config, "board_rendered")) == set(truth)


@needs_chromium
def test_render_timeout_reported_in_source_health(tmp_path, sites, capsys):
    stuck = dict(rendered.source(sites.base_url), name="board_stuck",
                 start_urls=[f"{sites.base_url}{rendered.PREFIX}stuck"])
    config = load_config(write_config(tmp_path, [stuck], "render_timeout = 2\nfailure_cycles = 1"), tmp_path)
    result = crawl(config, home=tmp_path, timeout=300)["board_stuck"]
    assert result["failed"] and result["errors"] == {"render_timeout": 1}
    assert result["error_urls"][0]["url"] == stuck["start_urls"][0]
    store = open_store(config)
    try:
        health = {h["name"]: h for h in source_report(config, store)}["board_stuck"]
        assert sources_main([], SimpleNamespace(config=config, store=store)) == 0
    finally:
        store.close()
    shown = capsys.readouterr().out
    assert "脚本渲染" in shown and f"渲染超时：{stuck['start_urls'][0]}" in shown
    assert health["errors"] == {"render_timeout": 1} and health["consecutive_failures"] == 1
    assert health["last_error_urls"][0]["kind"] == "render_timeout" and health["render"]
    assert health["needs_attention"]


CHILD = """
import json, os, sys
from yuqing.crawlers.run import child_main
code = child_main(sys.argv[1:])
kids = []
for pid in os.listdir("/proc"):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\\0", b" ").decode(errors="replace")
    except OSError:
        continue
    if stat.rsplit(")", 1)[1].split()[1] == str(os.getpid()):
        kids.append(cmd)
print("@@child " + json.dumps({"code": code, "modules": sorted(m for m in sys.modules if "playwright" in m),
                                 "children": kids}))
"""


def run_child(config_path: Path, home: Path, source: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, "--config", str(config_path), "--home", str(home),
                          "--source", source, "--log-level", "WARNING"],
                         capture_output=True, text=True, cwd=str(REPO_ROOT), timeout=300)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("@@child ")), None)
    assert line, out.stderr[-2000:]
    return json.loads(line[len("@@child "):])


def test_source_without_render_never_starts_a_browser(tmp_path, sites):
    plain = next(s for s in sites.sources() if s["name"] == "board")
    config_path = write_config(tmp_path, [plain, rendered.source(sites.base_url)])
    config = load_config(config_path, tmp_path)
    assert render_settings(config, ["board"]) == {}
    child = run_child(config_path, tmp_path, "board")
    assert child["code"] == 0
    assert child["modules"] == [], child["modules"]  # scrapy_playwright and playwright never imported
    assert not any("chrom" in c or "playwright" in c for c in child["children"]), child["children"]
    assert set(stored(config, "board")) == set(expected_posts(sites))  # and the plain crawl did its work


@needs_chromium
def test_rendering_crawl_does_load_the_browser(tmp_path, sites):
    """The counterpart that shows the check above can fail: a rendering crawl imports playwright."""
    config_path = write_config(tmp_path, [rendered.source(sites.base_url)])
    settings = render_settings(load_config(config_path, tmp_path), ["board_rendered"])
    assert settings["DOWNLOAD_HANDLERS"] == {"http": HANDLER, "https": HANDLER}
    assert settings["PLAYWRIGHT_LAUNCH_OPTIONS"]["executable_path"] == str(CHROMIUM)
    child = run_child(config_path, tmp_path, "board_rendered")
    assert child["code"] == 0
    assert "scrapy_playwright.handler" in child["modules"]
    assert stored(load_config(config_path, tmp_path), "board_rendered")


@pytest.mark.parametrize("entry, key, words", [
    ('render = "yes"', "render", "应为"),
    ('render_wait = "#posts"', "render_wait", "render = true"),
    ('render = true\nrender_wait = "div[[["', "render_wait", "CSS 选择器"),
])
def test_render_options_validated(tmp_path, entry, key, words):
    path = tmp_path / "yuqing.toml"
    path.write_text(f'[[sources]]\nname = "x"\ntype = "board"\nstart_urls = ["http://127.0.0.1/"]\n{entry}\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, tmp_path)
    assert key in str(err.value) and words in str(err.value)


def test_missing_chromium_is_a_clear_error(tmp_path):
    src = {"name": "r", "type": "board", "start_urls": ["http://127.0.0.1/"], "render": True}
    config = load_config(write_config(tmp_path, [src], f'chromium = "{tmp_path / "no-chromium"}"'), tmp_path)
    with pytest.raises(ConfigError) as err:
        render_settings(config, ["r"])
    assert "crawl.chromium" in str(err.value) and "apt-get install -y chromium" in str(err.value)


def test_crawl_command_refuses_rendering_without_chromium(tmp_path, capsys):
    from yuqing.crawlers.run import crawl_main

    src = {"name": "r", "type": "board", "start_urls": ["http://127.0.0.1:9/"], "render": True}
    config = load_config(write_config(tmp_path, [src], f'chromium = "{tmp_path / "no-chromium"}"'), tmp_path)
    assert crawl_main([], SimpleNamespace(config=config)) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "找不到可执行的 Chromium" in err and "Traceback" not in err


@needs_chromium
def test_bench_measures_the_rendered_kind_beside_plain_pages(tmp_path, sites):
    from yuqing.crawlers.bench_render import MAX_LIST_PAGES, bench_rendered

    said = []
    result = bench_rendered(sites, tmp_path, 1, said.append)
    (one,) = result["rounds"]
    posts = min(len(expected_posts(sites)), 20 * MAX_LIST_PAGES)
    assert one["pages"] == -(-posts // 20) + posts  # every list page and post, rendered (same count as plain HTML)
    assert result["rendered_pages_per_s"] > 0 and result["plain_pages_per_s"] > 0
    assert said and "脚本渲染" in said[0]


@pytest.mark.parametrize("entry, key", [("render_concurrency = 0", "crawl.render_concurrency"),
                                        ("render_timeout = 0.5", "crawl.render_timeout"),
                                        ('render_timeout = "30"', "crawl.render_timeout")])
def test_render_caps_validated(tmp_path, entry, key):
    path = tmp_path / "yuqing.toml"
    path.write_text(f"[crawl]\n{entry}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, tmp_path)
    assert key in str(err.value)
