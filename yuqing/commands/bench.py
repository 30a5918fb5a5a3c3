"""``yuqing bench NAME``: the kernel's benches (``store``, ``startup``) and the ones the stages register.

``yuqing bench startup`` times whole ``yuqing`` processes, as a user or a script running ``ingest`` + ``tick`` sees
them: ``yuqing --help`` and ``yuqing alerts list`` on a small store (the packaged default configuration in a fresh
data folder), each run several times after a warm-up; it prints the median, fastest and slowest wall-clock seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from yuqing.plugins import load_object

KERNEL_BENCHES = {
    "store": "yuqing.bench.bench_store_main",
    "startup": "yuqing.commands.bench.bench_startup_main",
    "search": "yuqing.search_bench.bench_search_main",
}
STARTUP_COMMANDS = {"help": ["--help"], "alerts-list": ["alerts", "list"]}
STARTUP_TARGET_S = 0.3  # issue 16: each of these starts in 0.3 s or less


def benches() -> dict[str, str]:
    from yuqing.commands import plugins

    return {**plugins().benches, **KERNEL_BENCHES}


def cmd_bench(args: argparse.Namespace) -> int:
    entry = load_object(benches()[args.what])
    return entry(args.rest) or 0


def yuqing_command() -> list[str]:
    """How to start ``yuqing`` as a user does: the console script beside this Python, else ``python -m yuqing.cli``."""
    script = Path(sys.executable).with_name("yuqing")
    return [str(script)] if script.exists() else [sys.executable, "-m", "yuqing.cli"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_command(command: list[str], runs: int, env: dict[str, str], cwd: Path) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of ``runs`` runs of ``command`` (after one warm-up run); a failing run is an error.
    CPU time (user + system) says the same on a busy machine, where wall-clock time includes waiting for a core."""
    times, cpu = [], []
    for i in range(runs + 1):
        cpu_before = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"命令 {' '.join(command)} 退出码 {done.returncode}："
                               + done.stderr.decode("utf-8", "replace").strip()[-500:])
        if i:  # the first run warms the file cache and creates the store
            times.append(elapsed)
            cpu.append(_children_cpu() - cpu_before)
    return times, cpu


def bench_startup_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yuqing bench startup",
                                     description="启动耗时：yuqing --help 与 yuqing alerts list（小型数据库）各运行多次，取中位数")
    parser.add_argument("--runs", type=int, default=7, help="每条命令计时的次数（另有一次预热，默认 7）")
    parser.add_argument("--json", action="store_true", help="输出 JSON：{命令: {median_s, min_s, max_s, cpu_median_s, runs}}")
    args = parser.parse_args(argv or [])
    if args.runs < 1:
        parser.error("--runs 应为正整数")
    base = yuqing_command()
    results = {}
    with tempfile.TemporaryDirectory(prefix="yuqing-startup-") as tmp:
        # The packaged default configuration; bytecode caches allowed, as in any installed deployment (the warm-up
        # run writes them), so the figure is start-up, not compiling the sources.
        env = {k: v for k, v in os.environ.items() if k not in ("YUQING_CONFIG", "PYTHONDONTWRITEBYTECODE")}
        env["YUQING_HOME"] = str(Path(tmp) / "var")
        for name, rest in STARTUP_COMMANDS.items():
            try:
                times, cpu = time_command(base + rest, args.runs, env, Path(tmp))
            except RuntimeError as exc:
                print(f"基准测试失败：{exc}", file=sys.stderr)
                return 1
            results[name] = {"command": " ".join(["yuqing", *rest]), "median_s": round(statistics.median(times), 4),
                             "min_s": round(min(times), 4), "max_s": round(max(times), 4),
                             "cpu_median_s": round(statistics.median(cpu), 4), "runs": len(times)}
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    print(f"启动耗时（整个进程的墙钟时间，{args.runs} 次取中位数，另预热 1 次；目标 ≤ {STARTUP_TARGET_S} 秒）：")
    for row in results.values():
        print(f"  {row['command']:<20} 中位数 {row['median_s']:.3f} 秒（最快 {row['min_s']:.3f}，最慢 {row['max_s']:.3f}；"
              f"CPU 中位数 {row['cpu_median_s']:.3f} 秒）")
    return 0
