"""Distributed crawling benchmark (``yuqing bench crawl-distributed``, ``python -m yuqing.crawlers.bench_distributed``):
one crawl worker against several sharing the Redis queue, over the same sample board, in the same run."""

from __future__ import annotations

import json
import time
from typing import Any

from yuqing.crawlers.distributed import clear_pass, new_pass_id, ping


def add_latency(sites, seconds: float):
    """Make every sample-site response take ``seconds`` longer (server threads sleep in parallel), like a remote
    site: the crawl is then bound by waiting, which extra workers can share, not by this machine's CPU."""
    route = sites.route

    def slow_route(handler):
        if sites.stop_event.wait(seconds):
            return None
        return route(handler)

    sites.route = slow_route
    return sites


BENCH_SOURCE = "board"
BENCH_SITE_OPTIONS = dict(history=160, city_articles=20, a3_articles=10, live=False)


def _bench_config(home, sites, redis_url: str, concurrency: int):
    from pathlib import Path

    from yuqing.config import load_config

    src = next(s for s in sites.sources() if s["name"] == BENCH_SOURCE)
    path = Path(home) / "yuqing.toml"
    path.write_text(
        f'[crawl]\nqueue = "redis"\nredis_url = "{redis_url}"\n\n'
        f'[[sources]]\nname = "{BENCH_SOURCE}"\ntype = "{src["type"]}"\nstart_urls = {json.dumps(src["start_urls"])}\n'
        f"politeness = {{ delay = 0.0, concurrency = {concurrency} }}\n", encoding="utf-8")
    return load_config(path, Path(home))


def bench_distributed(redis_url: str, *, workers: int = 2, latency: float = 0.25, concurrency: int = 2,
                      rounds: int = 3, progress=None) -> dict[str, Any]:
    """One worker vs ``workers`` workers over the same board site in the same run, each on a fresh store.

    The time of a crawl is the longest worker's active time (open to last page handled; process start-up and the
    idle wait before closing excluded, the same for both). Rounds alternate the two set-ups; the speed-up is the
    median of the per-round ratios (same-load pairs on a shared machine).
    """
    import statistics
    import tempfile
    from pathlib import Path

    from yuqing.crawlers.run import crawl
    from yuqing.crawlers.sample_sites.server import serve

    say = progress or (lambda msg: None)
    ping(redis_url)
    per_round = []
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-dist-") as tmp, \
            serve(port=0, seed=42, **BENCH_SITE_OPTIONS) as sites:
        add_latency(sites, latency)
        expected = sum(1 for r in sites.expected()["records"] if "/board/post/" in r["url"])
        for r in range(1, rounds + 1):
            row: dict[str, Any] = {}
            for n in (1, workers):
                home = Path(tempfile.mkdtemp(prefix=f"w{n}-", dir=tmp))
                config = _bench_config(home, sites, redis_url, concurrency)
                pass_id = new_pass_id()
                started = time.perf_counter()
                try:
                    result = crawl(config, [BENCH_SOURCE], home=home, workers=n, pass_id=pass_id,
                                   log_level="WARNING")[BENCH_SOURCE]
                    wall = time.perf_counter() - started
                finally:
                    clear_pass(redis_url, BENCH_SOURCE, pass_id)
                if result.get("error") or result.get("failed") or result.get("inserted") != expected:
                    raise RuntimeError(f"{n} 个采集进程的抓取结果不对：入库 {result.get('inserted')} 条"
                                       f"（应为 {expected}），错误 {result.get('error') or result.get('errors')}")
                parts = result.get("workers") or [result]
                seconds = max(float(p.get("active_seconds") or 0) for p in parts)
                row[f"w{n}_seconds"] = round(seconds, 3)
                row[f"w{n}_wall_seconds"] = round(wall, 3)
                row[f"w{n}_pages"] = int(result["pages"])
            row["speedup"] = round(row["w1_seconds"] / row[f"w{workers}_seconds"], 3)
            row["wall_speedup"] = round(row["w1_wall_seconds"] / row[f"w{workers}_wall_seconds"], 3)
            per_round.append(row)
            say(f"第 {r}/{rounds} 轮：1 个进程 {row['w1_seconds']:.2f} 秒（{row['w1_pages']} 页），"
                f"{workers} 个进程 {row[f'w{workers}_seconds']:.2f} 秒（{row[f'w{workers}_pages']} 页），"
                f"活动时间加速比 {row['speedup']:.2f}；含进程启动与空闲等待的总耗时 {row['w1_wall_seconds']:.2f} / "
                f"{row[f'w{workers}_wall_seconds']:.2f} 秒，加速比 {row['wall_speedup']:.2f}")
    return {"workers": workers, "latency_s": latency, "concurrency_per_worker": concurrency, "posts": expected,
            "speedup": round(statistics.median(r["speedup"] for r in per_round), 3),
            "wall_speedup": round(statistics.median(r["wall_speedup"] for r in per_round), 3), "rounds": per_round}


def bench_distributed_main(argv: list[str] | None = None) -> int:
    import argparse
    import os
    import sys

    parser = argparse.ArgumentParser(prog="python -m yuqing.crawlers.bench_distributed",
                                     description="比较 1 个与多个采集进程（共享 Redis 队列）抓取同一留言板的耗时")
    parser.add_argument("--redis-url", default=os.environ.get("YUQING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.25, help="示例站点每个响应额外延迟的秒数（默认 0.25）")
    parser.add_argument("--concurrency", type=int, default=2, help="来源配置的每进程并发数 politeness.concurrency（默认 2）")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.workers < 2 or args.rounds < 1:
        print("错误：--workers 至少为 2，--rounds 至少为 1", file=sys.stderr)
        return 2
    out = sys.stderr if args.json else sys.stdout
    try:
        result = bench_distributed(args.redis_url, workers=args.workers, latency=args.latency,
                                   concurrency=args.concurrency, rounds=args.rounds,
                                   progress=lambda m: print(m, file=out, flush=True))
    except (ValueError, RuntimeError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"中位数加速比（{args.workers} 个进程对 1 个进程）：活动时间 {result['speedup']:.2f}，"
              f"含进程启动与空闲等待的总耗时 {result['wall_speedup']:.2f}"
              f"（每个响应延迟 {args.latency:g} 秒，每进程并发 {args.concurrency}，留言 {result['posts']} 条）")
    return 0


if __name__ == "__main__":
    raise SystemExit(bench_distributed_main())
