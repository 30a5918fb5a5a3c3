"""``yuqing sample-sites`` (and ``python -m yuqing.crawlers.sample_sites``): serve the sample web on this machine."""

from __future__ import annotations

import argparse
import sys
import time

from yuqing.clock import parse_time

from .clocks import RunningClock
from .server import SampleSites



def sample_sites_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yuqing sample-sites",
                                     description="在本机启动示例网站（政府网站、留言板、订阅源、转载站、故障站），内容由程序生成。")
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    parser.add_argument("--port", type=int, default=8600, help="端口（默认 8600；0 表示任选空闲端口）")
    parser.add_argument("--seed", type=int, default=42, help="随机种子：相同种子、相同起始时间生成相同页面")
    parser.add_argument("--faults", action="store_true", help="同时提供 /faults/ 故障测试站")
    parser.add_argument("--no-live", action="store_true", help="静态模式：不再产生新留言")
    parser.add_argument("--start", help="站点起始时间（ISO 8601，例如 2024-11-21T10:00:00+08:00）；默认当前时间")
    parser.add_argument("--live-interval", type=float, default=20.0, help="实时模式下每隔多少秒出现一条新留言（默认 20）")
    parser.add_argument("--burst-delay", type=float, default=60.0, help="启动后多少秒开始出现集中投诉（默认 60）")
    parser.add_argument("--verbose", action="store_true", help="打印每个请求")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port 应在 0–65535 之间（0 表示任选空闲端口），收到 {args.port}")
    if args.live_interval <= 0:
        parser.error(f"--live-interval 必须大于 0，收到 {args.live_interval}")
    try:
        start = parse_time(args.start, field="--start") if args.start else None
    except ValueError as exc:
        parser.error(str(exc))
    clock = RunningClock(start) if start else None
    sites = SampleSites(args.host, args.port, args.seed, args.faults, not args.no_live, clock, start=start,
                        live_interval=args.live_interval, burst_delay=args.burst_delay, verbose=args.verbose)
    try:
        sites.start()
    except OSError as exc:
        print(f"无法在 {args.host}:{args.port} 启动示例站点：{exc}。请换一个端口（--port）或先停止占用该端口的程序。",
              file=sys.stderr)
        return 1
    names = {"city_news": "A市人民政府（UTF-8）", "district_news": "A3区人民政府（GBK 编码）", "board": "A市领导留言板",
             "board_api": "留言板 JSON 接口", "city_rss": "A市政务动态 RSS", "board_atom": "留言板 Atom 订阅",
             "repost": "转载站", "faults": "故障测试站"}
    print(f"示例站点已启动：{sites.base_url}/（种子 {args.seed}，{'实时' if not args.no_live else '静态'}模式）")
    for key, urls in sites.urls().items():
        for url in urls:
            print(f"  {names.get(key, key)}：{url}")
    if not args.no_live:
        print(f"实时模式：每 {args.live_interval:g} 秒出现一条新留言，{args.burst_delay:g} 秒后开始出现集中投诉。")
    try:
        # Announced inside the try: a Ctrl-C that arrives right after the announcement still stops cleanly.
        print("按 Ctrl-C 停止。", flush=True)
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        sites.stop()
        print("示例站点已停止。")
    return 0
