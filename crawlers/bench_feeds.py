"""``yuqing bench crawl``'s RSSHub part (issue 19): the sample web's RSSHub-style feeds, one source per route, crawled
by our feed spider on a fresh store (feed fetched, every item read into a document and stored), beside a bare Scrapy
spider that fetches the same feed URLs and does nothing with them. A route is one page per pass, so the routes are
taken together: pages per second over all of them (each route's seconds from its spider's open to close, so the
spider start-up of a one-page source is in it), and items stored per second; medians over the rounds. A route's
page carries ~20 documents, read and stored, where the bare spider only fetches it: the ratio is not comparable with
the HTML sources' target."""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any, Callable


def _run_ours_feeds(sites, workdir: Path, concurrency: int) -> dict[str, Any]:
    from yuqing.config import load_config
    from yuqing.crawlers.run import crawl
    from yuqing.crawlers.sample_sites.rsshub import ROUTES

    home = Path(tempfile.mkdtemp(prefix="ours-rsshub-", dir=workdir))
    urls = sites.rsshub.urls()
    text = "".join(f'[[sources]]\nname = "{name}"\ntype = "feed"\nstart_urls = ["{urls[name][0]}"]\n'
                   f"politeness = {{ delay = 0.0, concurrency = {concurrency} }}\n"
                   f'feed = {{ format = "{fmt}" }}\n\n' for name, (_path, fmt, _o) in ROUTES.items())
    (home / "yuqing.toml").write_text(text, encoding="utf-8")
    config = load_config(home / "yuqing.toml", home)
    return crawl(config, list(ROUTES), home=home, log_level="WARNING")


def bench_rsshub(sites, workdir: Path, say: Callable[[str], None], rounds: int,
                 run_bare: Callable[..., dict], concurrency: int) -> dict[str, Any]:
    """Median pages/s of ours and of the bare fetcher over the RSSHub routes, and the per-round ratio."""
    per_round = []
    for r in range(1, rounds + 1):
        results = _run_ours_feeds(sites, workdir, concurrency)
        bad = {n: x.get("error") or x.get("errors") for n, x in results.items()
               if x.get("error") or x.get("failed") or x.get("errors")}
        if bad:
            raise RuntimeError(f"RSSHub 订阅源抓取失败：{bad}")
        pages = sum(x["pages"] for x in results.values())
        seconds = sum(x["active_seconds"] for x in results.values())
        items = sum(x["inserted"] for x in results.values())
        urls = [u for x in results.values() for u in x["fetched_urls"]]
        bare = run_bare(urls, [], workdir, fixed=True)
        o, b = pages / seconds, bare["pages"] / bare["elapsed_seconds"]
        per_round.append({"pages": pages, "items": items, "ours_items_per_s": round(items / seconds, 1),
                          "ours_pages_per_s": round(o, 1),
                          "bare_pages_per_s": round(b, 1), "ratio": round(o / b, 3)})
        say(f"RSSHub 订阅源 第 {r}/{rounds} 轮：我们的爬虫 {o:.1f} 页/秒、{items / seconds:.0f} 条/秒（{pages} 个路由，入库 {items} 条），"
            f"裸 Scrapy 同批网址 {b:.1f} 页/秒，比值 {o / b:.2f}")
    return {k: statistics.median(x[k] for x in per_round) for k in ("ours_pages_per_s", "ours_items_per_s", "bare_pages_per_s", "ratio")} \
        | {"rounds": per_round}
