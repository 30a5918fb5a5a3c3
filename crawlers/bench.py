"""``yuqing bench crawl [--json]``: our spiders against a bare Scrapy spider over the same pages, same run.

The sample sites are served in this process on a free port. For each HTML source, one round runs our spider on a
fresh store (a full crawl: list pages, extraction, store writes) and then a bare Scrapy spider that follows only the
links our spider fetched, with the same politeness settings, each in its own child process. Pages per second are
measured inside the child from spider open to close (process start-up excluded). Rounds repeat; medians reported.

The JSON API sources (``type = "api"``, their mappings taken from yuqing/default_config.toml) are measured the same
way, reported apart (``api``): the bare spider cannot discover JSON pages by links, so it fetches exactly the URLs
our spider fetched, all queued at once, with no parsing, mapping or store — the cost of fetching alone.

The script-rendered kind (render = true, through Chromium) is measured beside the same posts served as plain HTML
(yuqing.crawlers.bench_render).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin

from yuqing.paths import REPO_ROOT

BENCH_SOURCES = ("city_news", "district_news", "board", "repost")
# JSON API kinds: sample-site API → the default configuration's source that describes it.
API_SOURCES = {"hotline_api": "a_city_12345", "weibo_api": "a_city_weibo"}
SITE_OPTIONS = dict(history=400, city_articles=200, a3_articles=100, live=False)
CONCURRENCY = 8


# --------------------------------------------------------------------------------------- bare spider (child)

def _bare_child(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--urls", required=True)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--fixed", action="store_true", help="fetch exactly the listed URLs (JSON APIs: no links)")
    args = parser.parse_args(argv)
    data = json.loads(Path(args.urls).read_text(encoding="utf-8"))
    allowed, starts = set(data["urls"]), data["start_urls"]

    import scrapy
    from scrapy.crawler import CrawlerProcess

    result: dict = {}

    class BareSpider(scrapy.Spider):
        """What a minimal hand-written Scrapy spider does: fetch, follow links, no extraction, no store."""

        name = "bare"
        custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency, "CONCURRENT_REQUESTS": args.concurrency,
                           "DOWNLOAD_DELAY": 0,
                           "ROBOTSTXT_OBEY": True, "TELNETCONSOLE_ENABLED": False, "LOG_LEVEL": "WARNING",
                           "COOKIES_ENABLED": False}

        async def start(self):
            self.t0 = time.perf_counter()
            self.pages = 0
            for url in (sorted(allowed | set(starts)) if args.fixed else starts):
                yield scrapy.Request(url, dont_filter=args.fixed)

        def parse(self, response):
            self.pages += 1
            self.last = time.perf_counter()
            if args.fixed:
                return
            for href in response.css("a::attr(href)").getall():
                url = urljoin(response.url, href)
                if url in allowed:
                    allowed.discard(url)
                    yield scrapy.Request(url)

        def closed(self, reason):
            # Until the last page was handled: Scrapy's idle check before closing is the same for both spiders.
            result.update(pages=self.pages, elapsed_seconds=getattr(self, "last", time.perf_counter()) - self.t0,
                          total_seconds=time.perf_counter() - self.t0)

    allowed -= set(starts)
    process = CrawlerProcess(install_root_handler=False)
    process.crawl(BareSpider)
    process.start()
    print("@@bench " + json.dumps(result))
    return 0


def _run_bare(urls: list[str], start_urls: list[str], workdir: Path, *, fixed: bool = False) -> dict:
    path = workdir / "bare-urls.json"
    path.write_text(json.dumps({"urls": urls, "start_urls": start_urls}), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    out = subprocess.run([sys.executable, "-m", "yuqing.crawlers.bench", "--bare-child", "--urls", str(path),
                          "--concurrency", str(CONCURRENCY), *(["--fixed"] if fixed else [])], capture_output=True,
                         text=True, cwd=str(REPO_ROOT), env=env, timeout=600)
    for line in out.stdout.splitlines():
        if line.startswith("@@bench "):
            return json.loads(line[len("@@bench "):])
    raise RuntimeError(f"基准测试的对照爬虫运行失败：{out.stderr[-800:]}")


# ----------------------------------------------------------------------------------------------- our spiders

def _run_ours(sites, name: str, workdir: Path) -> dict:
    from yuqing.crawlers.run import crawl
    from yuqing.config import load_config

    home = Path(tempfile.mkdtemp(prefix=f"ours-{name}-", dir=workdir))
    src = next(s for s in sites.sources() if s["name"] == name)
    (home / "yuqing.toml").write_text(
        f'[[sources]]\nname = "{name}"\ntype = "{src["type"]}"\nstart_urls = {json.dumps(src["start_urls"])}\n'
        f"politeness = {{ delay = 0.0, concurrency = {CONCURRENCY} }}\n", encoding="utf-8")
    config = load_config(home / "yuqing.toml", home)
    return crawl(config, [name], home=home, log_level="WARNING")[name]


def _inline(value) -> str:
    """A configuration value as TOML inline text (tables, lists, strings, numbers, booleans)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _run_ours_api(sites, name: str, workdir: Path) -> dict:
    """Our API spider on a fresh store, the source described by the default configuration's TOML mapping."""
    import tomllib

    from yuqing.crawlers.run import crawl
    from yuqing.config import DEFAULT_CONFIG, load_config

    home = Path(tempfile.mkdtemp(prefix=f"ours-{name}-", dir=workdir))
    raw = next(s for s in tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))["sources"]
               if s["name"] == API_SOURCES[name])
    (home / "yuqing.toml").write_text(
        f'[[sources]]\nname = "{name}"\ntype = "api"\nstart_urls = {json.dumps(sites.api_urls()[name])}\n'
        f"politeness = {{ delay = 0.0, concurrency = {CONCURRENCY} }}\napi = {_inline(raw['api'])}\n", encoding="utf-8")
    config = load_config(home / "yuqing.toml", home)
    return crawl(config, [name], home=home, log_level="WARNING")[name]


def _bench_api(sites, workdir: Path, say, rounds: int) -> dict:
    """Per API kind: median pages/s of ours and of the bare fetcher over the same URLs, and the per-round ratio."""
    out = {}
    for name in API_SOURCES:
        per_round = []
        for r in range(1, rounds + 1):
            ours = _run_ours_api(sites, name, workdir)
            if ours.get("error") or ours.get("failed") or ours.get("errors"):
                raise RuntimeError(f"接口来源 {name} 抓取失败：{ours.get('error') or ours.get('errors')}")
            bare = _run_bare(ours["fetched_urls"], [], workdir, fixed=True)
            o, b = ours["pages"] / ours["active_seconds"], bare["pages"] / bare["elapsed_seconds"]
            per_round.append({"pages": ours["pages"], "items": ours["inserted"], "ours_pages_per_s": round(o, 1),
                              "bare_pages_per_s": round(b, 1), "ratio": round(o / b, 3)})
            say(f"接口 {name} 第 {r}/{rounds} 轮：我们的爬虫 {o:.1f} 页/秒（{ours['pages']} 页，入库 "
                f"{ours['inserted']} 条），裸 Scrapy 同批网址 {b:.1f} 页/秒，比值 {o / b:.2f}")
        out[name] = {k: statistics.median(x[k] for x in per_round)
                     for k in ("ours_pages_per_s", "bare_pages_per_s", "ratio")} | {"rounds": per_round}
    return out


def bench_crawl(rounds: int = 3, progress=None) -> dict:
    from yuqing.crawlers.sample_sites.server import serve

    say = progress or (lambda msg: None)
    ours_rates, bare_rates, per_round = [], [], []
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-") as tmp, serve(port=0, seed=42, **SITE_OPTIONS) as sites:
        workdir = Path(tmp)
        say(f"示例站点已启动：{sites.base_url}")
        for r in range(1, rounds + 1):
            ours_pages = ours_time = bare_pages = bare_time = 0.0
            for name in BENCH_SOURCES:
                start_urls = sites.urls()[name]
                ours = _run_ours(sites, name, workdir)
                if ours.get("error") or ours.get("failed"):
                    raise RuntimeError(f"来源 {name} 抓取失败：{ours.get('error') or ours.get('errors')}")
                bare = _run_bare(ours["fetched_urls"], start_urls, workdir)
                ours_pages += ours["pages"]
                ours_time += ours["active_seconds"]
                bare_pages += bare["pages"]
                bare_time += bare["elapsed_seconds"]
            o, b = ours_pages / ours_time, bare_pages / bare_time
            ours_rates.append(o)
            bare_rates.append(b)
            per_round.append({"ours_pages": int(ours_pages), "bare_pages": int(bare_pages),
                              "ours_pages_per_s": round(o, 1), "bare_pages_per_s": round(b, 1),
                              "ratio": round(o / b, 3)})
            say(f"第 {r}/{rounds} 轮：我们的爬虫 {o:.1f} 页/秒（{int(ours_pages)} 页），"
                f"裸 Scrapy {b:.1f} 页/秒（{int(bare_pages)} 页），比值 {o / b:.2f}")
        api = _bench_api(sites, workdir, say, rounds)
        from yuqing.crawlers.bench_render import bench_rendered

        rendered = bench_rendered(sites, workdir, rounds, say)  # script-rendered board (render = true)
        from yuqing.crawlers.bench_feeds import bench_rsshub

        rsshub = bench_rsshub(sites, workdir, say, rounds, _run_bare, CONCURRENCY)
    ours_m, bare_m = statistics.median(ours_rates), statistics.median(bare_rates)
    # The ratio is the median of the per-round ratios: both spiders of a round ran under the same machine load,
    # whereas dividing two separate medians can pair a fast round with a slow one.
    ratio = statistics.median(r["ratio"] for r in per_round)
    return {"ours_pages_per_s": round(ours_m, 1), "bare_pages_per_s": round(bare_m, 1),
            "ratio": round(ratio, 3), "rounds": per_round, "sources": list(BENCH_SOURCES),
            "target_ratio": 0.8, "api": api, "rendered": rendered, "rsshub": rsshub}


def bench_crawl_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yuqing bench crawl",
                                     description="比较我们的爬虫与裸 Scrapy 爬虫在同一批示例页面上的抓取速度")
    parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")
    parser.add_argument("--rounds", type=int, default=3, help="重复轮数，取中位数（默认 3）")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        print("错误：--rounds 至少为 1", file=sys.stderr)
        return 2
    result = bench_crawl(args.rounds, progress=lambda m: print(m, file=sys.stderr if args.json else sys.stdout,
                                                                flush=True))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        verdict = "达标" if result["ratio"] >= 0.8 else "未达标"
        print(f"中位数：我们的爬虫 {result['ours_pages_per_s']} 页/秒，裸 Scrapy {result['bare_pages_per_s']} 页/秒，"
              f"比值 {result['ratio']:.2f}（目标 ≥ 0.80，{verdict}）")
        for name, r in result["api"].items():
            print(f"接口 {name}：我们的爬虫 {r['ours_pages_per_s']:.1f} 页/秒，裸 Scrapy（同批网址，只抓取）"
                  f"{r['bare_pages_per_s']:.1f} 页/秒，比值 {r['ratio']:.2f}")
        r = result["rendered"]
        print(r["skipped"] if "skipped" in r else
              f"脚本渲染来源（Chromium）：{r['rendered_pages_per_s']} 页/秒，同一批留言的普通页面 "
              f"{r['plain_pages_per_s']} 页/秒（渲染代价：约 {1 / r['ratio']:.0f} 倍时间）")
        r = result["rsshub"]
        print(f"RSSHub 订阅源：我们的爬虫（读条目并入库）{r['ours_pages_per_s']:.1f} 页/秒（{r['ours_items_per_s']:.0f} 条/秒），"
              f"裸 Scrapy（同批网址，只抓取）"
              f"{r['bare_pages_per_s']:.1f} 页/秒，比值 {r['ratio']:.2f}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--bare-child":
        sys.exit(_bare_child(sys.argv[2:]))
    sys.exit(bench_crawl_main(sys.argv[1:]))
