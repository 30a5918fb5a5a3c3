"""``yuqing bench cluster [--json]``: clustering cost at 5,000, 20,000 and 80,000 documents.

Documents come from the sample-site generator (one stream at a steady rate, ~600 posts a day, so larger
sizes mean a longer period at the same density, as in production). Their analysis is prepared first and
NOT timed (see :mod:`yuqing.nlp.events.prepare`). What is timed, per size, is the whole events job after NLP:
near-duplicate lookup, clustering, merges/splits, building every event record and computing its heat.
Times are this process's CPU seconds (the machine is shared; wall time is reported too, in ``details``).
The growth exponent is the least-squares slope of log(time) against log(size); linear cost gives 1.0.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import sys
import time
from typing import TextIO

from yuqing.nlp.events.cluster import EventClusterer
from yuqing.nlp.events.materialize import materialize
from yuqing.nlp.events.features import FeatureExtractor
from yuqing.nlp.events.heat import compute_heat
from yuqing.nlp.events.prepare import doc_from_record, quick_analysis
from yuqing.nlp.events.settings import EventSettings

SIZES = (5_000, 20_000, 80_000)
POSTS_PER_DAY = 600


def slope(xs: list[float], ys: list[float]) -> float:
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def prepare_docs(n: int, seed: int, err: TextIO):
    from yuqing.samples.timeline import generate_posts

    err.write(f"生成 {n} 篇样例帖子…\n")
    err.flush()
    records = generate_posts(seed, n, days=n / POSTS_PER_DAY)
    docs = []
    t0 = time.perf_counter()
    for i, r in enumerate(records, 1):
        # Board posts from the generator are clean Simplified text; reposts (Traditional, link farms) are normalised.
        a = quick_analysis(r, clean=r.get("source") != "转载站")
        docs.append(doc_from_record(r, a, id_key="url"))
        if i % 10_000 == 0:
            err.write(f"  预处理（分词、SimHash，不计时） {i}/{n}，用时 {time.perf_counter() - t0:.0f} 秒\n")
            err.flush()
    docs.sort(key=lambda d: (d.at, d.id))
    return docs


def run_once(docs, settings: EventSettings, extractor: FeatureExtractor) -> tuple[float, dict]:
    t0 = time.perf_counter()
    c0 = time.process_time()
    clusterer = EventClusterer(settings, extractor)
    for d in docs:
        clusterer.add(d)
    events = [materialize(ev) for ev in clusterer.all_events()]
    for e in events:
        compute_heat(e.state["members"].values(), settings, {}, None)
    seconds = time.process_time() - c0
    return seconds, {"wall_seconds": round(time.perf_counter() - t0, 3), "events": len(events), "candidates_per_doc": round(clusterer.candidates_scored / len(docs), 2),
                     "simhash_checks_per_doc": round(clusterer.simindex.comparisons / len(docs), 2),
                     "merges": sum(c["action"] == "merge" for c in clusterer.changes),
                     "splits": sum(c["action"] == "split" for c in clusterer.changes)}


def bench_cluster_main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    p = argparse.ArgumentParser(prog="yuqing bench cluster", description="事件聚类耗时基准（5,000/20,000/80,000 篇）")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象：每个规模的秒数与增长指数")
    p.add_argument("--sizes", default=",".join(map(str, SIZES)), help="逗号分隔的文档规模（默认 5000,20000,80000）")
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args(argv or [])
    try:
        sizes = sorted({int(x) for x in args.sizes.split(",") if x.strip()})
    except ValueError:
        err.write(f"错误：--sizes 应为逗号分隔的整数，收到「{args.sizes}」\n")
        return 2
    if len(sizes) < 2 or sizes[0] < 100:
        err.write("错误：至少需要两个规模，且每个不少于 100 篇\n")
        return 2
    settings = EventSettings()
    extractor = FeatureExtractor()
    docs = prepare_docs(sizes[-1], args.seed, err)
    # The prepared documents live for the whole benchmark: move them out of the collector's sight so a full
    # collection during a timed run does not charge their number to the clustering.
    gc.collect()
    gc.freeze()
    seconds: dict[str, float] = {}
    details: dict[str, dict] = {}
    for n in sizes:
        gc.collect()
        err.write(f"聚类 {n} 篇…\n")
        err.flush()
        # The same stream's first n documents: same density, n / POSTS_PER_DAY days.
        # Smaller sizes are repeated and the median kept: on a shared machine one run can be slowed by others.
        runs = [run_once(docs[:n], settings, extractor) for _ in range(max(1, min(3, 60_000 // n)))]
        runs.sort(key=lambda r: r[0])
        s, info = runs[len(runs) // 2]
        info["runs"] = len(runs)
        seconds[str(n)] = round(s, 3)
        details[str(n)] = info
        err.write(f"  CPU {s:.2f} 秒（墙钟 {info['wall_seconds']:.2f} 秒），{info['events']} 个事件，每篇比较候选事件 {info['candidates_per_doc']} 个\n")
    exponent = round(slope([float(n) for n in sizes], [seconds[str(n)] for n in sizes]), 3)
    if args.json:
        out.write(json.dumps({"seconds": seconds, "exponent": exponent, "details": details,
                              "timed": "CPU seconds of clustering + event records + heat (NLP excluded)"}, ensure_ascii=False) + "\n")
    else:
        out.write("事件聚类基准（计时：近重复查找、聚类、合并拆分、生成事件与热度；不含分词等 NLP；本进程 CPU 秒）\n")
        for n in sizes:
            out.write(f"  {n:>7} 篇  {seconds[str(n)]:8.2f} 秒  {1000 * seconds[str(n)] / n:6.3f} 毫秒/篇  "
                      f"事件 {details[str(n)]['events']}\n")
        out.write(f"  增长指数（log-log 斜率）：{exponent}（线性为 1.0，要求低于 1.2）\n")
    return 0


if __name__ == "__main__":
    sys.exit(bench_cluster_main(sys.argv[1:]))
