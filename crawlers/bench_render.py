"""The rendered kind of ``yuqing bench crawl``: our board spider through Chromium (render = true) on the sample web's
script-rendered board, beside the same spider on the same posts served as plain HTML, same run, same rounds.

A bare Scrapy spider cannot see a script-rendered page at all, so the yardstick here is what rendering costs: pages
per second rendered versus plain (both measured inside the crawl child from spider open to the last page, browser
start-up included in the rendered figure because every pass pays it). Each crawl lists ``MAX_LIST_PAGES`` list pages
(20 posts each) so a round stays short on a shared machine.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path
from typing import Callable

from yuqing.crawlers.rendering import DEFAULT_CHROMIUM

MAX_LIST_PAGES = 3
CONCURRENCY = 4


def _crawl(entry: dict, workdir: Path) -> dict:
    from yuqing.config import load_config
    from yuqing.crawlers.run import crawl

    home = Path(tempfile.mkdtemp(prefix=f"ours-{entry['name']}-", dir=workdir))
    lines = ["[crawl]", f"render_concurrency = {CONCURRENCY}", "", "[[sources]]", f'name = "{entry["name"]}"',
             'type = "board"', f"start_urls = {json.dumps(entry['start_urls'])}", f"max_pages = {MAX_LIST_PAGES}",
             f"politeness = {{ delay = 0.0, concurrency = {CONCURRENCY} }}"]
    if entry.get("render"):
        lines += ["render = true", f"render_wait = {json.dumps(entry['render_wait'])}"]
    (home / "yuqing.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = crawl(load_config(home / "yuqing.toml", home), [entry["name"]], home=home, log_level="WARNING")
    run = result[entry["name"]]
    if run.get("error") or run.get("failed") or run.get("errors"):
        raise RuntimeError(f"来源 {entry['name']} 抓取失败：{run.get('error') or run.get('errors')}")
    return run


def bench_rendered(sites, workdir: Path, rounds: int, say: Callable[[str], None]) -> dict:
    """{rendered_pages_per_s, plain_pages_per_s, ratio, rounds} or {skipped: reason} without Chromium."""
    from yuqing.crawlers.sample_sites import rendered

    if not Path(DEFAULT_CHROMIUM).exists():
        return {"skipped": f"未找到 {DEFAULT_CHROMIUM}，跳过脚本渲染来源的测量（Debian：apt-get install -y chromium）"}
    shell = rendered.source(sites.base_url)
    plain = {"name": "board_plain", "start_urls": [f"{sites.base_url}/board/list?page=1"]}
    per_round = []
    for r in range(1, rounds + 1):
        ours = _crawl(shell, workdir)
        base = _crawl(plain, workdir)
        if ours["inserted"] != base["inserted"]:
            raise RuntimeError(f"渲染来源入库 {ours['inserted']} 条，同一批留言的普通页面入库 {base['inserted']} 条，结果不一致")
        o, b = ours["pages"] / ours["active_seconds"], base["pages"] / base["active_seconds"]
        per_round.append({"pages": ours["pages"], "rendered_pages_per_s": round(o, 2),
                          "plain_pages_per_s": round(b, 1), "ratio": round(o / b, 3)})
        say(f"渲染第 {r}/{rounds} 轮：脚本渲染 {o:.2f} 页/秒（{ours['pages']} 页），"
            f"同一批留言的普通页面 {b:.1f} 页/秒，比值 {o / b:.3f}")
    return {"rendered_pages_per_s": statistics.median(x["rendered_pages_per_s"] for x in per_round),
            "plain_pages_per_s": statistics.median(x["plain_pages_per_s"] for x in per_round),
            "ratio": statistics.median(x["ratio"] for x in per_round), "rounds": per_round,
            "render_concurrency": CONCURRENCY}
