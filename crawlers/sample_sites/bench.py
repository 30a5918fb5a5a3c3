"""Benchmarks for the sample web (``yuqing bench sample-sites``): corpus generation speed, server throughput.

Shared, noisy machines: report medians of repeated runs and ratios measured in the same run, never absolutes
as pass/fail.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
from datetime import datetime

from yuqing.clock import TZ
from yuqing.samples.timeline import generate_posts

from .clocks import ManualClock
from .server import serve

PATHS = ["/news/index.html", "/board/list?page=2", "/board/api/list?page=1&size=20", "/a3/news/index.html",
         "/board/atom.xml"]


def bench_generate(n: int = 80000, seed: int = 1, repeat: int = 3) -> dict:
    walls, cpus = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        generate_posts(seed, n)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return {"n": n, "wall_s": statistics.median(walls), "cpu_s": statistics.median(cpus),
            "docs_per_cpu_s": n / statistics.median(cpus)}


def _load(port: int, threads: int, per_thread: int, keep_alive: bool) -> float:
    errors: list[str] = []

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            for i in range(per_thread):
                if not keep_alive:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", PATHS[(k + i) % len(PATHS)], headers={} if keep_alive else {"Connection": "close"})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    errors.append(f"{resp.status}")
        except Exception as exc:  # counted, reported below
            errors.append(repr(exc))
        finally:
            conn.close()

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    dt = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"压测中有 {len(errors)} 个请求失败，例如：{errors[0]}")
    return threads * per_thread / dt


def bench_server(threads: int = 20, per_thread: int = 50, repeat: int = 3) -> dict:
    with serve(port=0, clock=ManualClock(datetime(2024, 11, 21, 10, 5, tzinfo=TZ))) as site:
        keep = [_load(site.port, threads, per_thread, True) for _ in range(repeat)]
        fresh = [_load(site.port, threads, per_thread, False) for _ in range(repeat)]
    k, f = statistics.median(keep), statistics.median(fresh)
    return {"requests": threads * per_thread, "keep_alive_rps": k, "new_connection_rps": f, "ratio": k / f}


def bench_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yuqing bench sample-sites", description="示例站点基准测试")
    parser.add_argument("--docs", type=int, default=80000, help="生成的文档数（默认 80000）")
    parser.add_argument("--repeat", type=int, default=3, help="重复次数，取中位数（默认 3）")
    args = parser.parse_args(argv)
    g = bench_generate(args.docs, repeat=args.repeat)
    print(f"语料生成：{g['n']} 条，中位耗时 {g['wall_s']:.2f} 秒（CPU {g['cpu_s']:.2f} 秒），"
          f"{g['docs_per_cpu_s']:.0f} 条/CPU秒")
    s = bench_server(repeat=args.repeat)
    print(f"服务器：{s['requests']} 个请求 × 20 线程；长连接 {s['keep_alive_rps']:.0f} 次/秒，"
          f"每次新建连接 {s['new_connection_rps']:.0f} 次/秒，比值 {s['ratio']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(bench_main())
