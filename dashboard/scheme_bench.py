"""``yuqing bench schemes [--docs N] [--schemes K] [--repeat R] [--home DIR] [--json]``: what 监测方案 cost.

On the store ``yuqing bench dashboard`` builds (the real stages on generated posts, copied up to N documents,
default 200,000; ``yuqing.dashboard.sample``) — kept in ``--home`` when given, so a second run skips the loading:

* **back-fill**: seconds to back-fill one scheme over the whole store by the exact search and by the walk
  (alternately; the scheme is edited between runs, which drops its matches and makes a new version, so each run
  does the whole back-fill; both must record the same matches); median of ``--repeat`` runs each;
* **matching**: microseconds per document to match a batch of analysed documents against 1 and ``--schemes`` active
  schemes (what the process step adds per document), median of ``--repeat`` runs;
* **process step**: the real analysis of freshly ingested posts (NLP, events) with 0 and ``--schemes`` schemes, and
  the median of their ratios over ``--repeat`` pairs, run in alternating order (same run, same machine).

It lives in the dashboard stage because it reuses that stage's generated store (the kernel imports no stage).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from yuqing.paths import REPO_ROOT

CONFIG = REPO_ROOT / "yuqing" / "default_config.toml"
# Expressions an officer would write for the generated city (topics, places and shorthand groups).
EXPRESSIONS = [
    "供暖 OR 停水", "小区 AND (物业 OR 电梯) NOT 咨询", "噪音 NEAR/6 施工", "标题:停车", "学位 OR 学区 OR 幼儿园",
    "地域词：A1区 A2区\n事件词：油烟 扬尘 异味\n排除词：感谢", "拖欠工资 OR 社保", "公交 OR 出租车", "燃气", "违章建筑",
    "医保 AND 报销", "河道 OR 污水", "红绿灯", "加装电梯 NOT 感谢", "来源:A市领导留言板 AND 养老金", "校车",
    "道路施工 OR 拥堵", "失业金", "工厂 NEAR/4 异味", "(幸福里小区 OR 锦绣花园) AND 停水",
]
FRESH_POSTS = 300


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _store_home(home: Path, docs: int, quiet: bool) -> Path:
    marker = home / "bench-schemes-docs.txt"
    if marker.is_file() and marker.read_text().strip() == str(docs):
        return home
    from yuqing.dashboard.bench import _load

    home.mkdir(parents=True, exist_ok=True)
    _load(home, docs, progress=not quiet)
    marker.write_text(str(docs))
    return home


def _backfill_seconds(app: Any, repeat: int, quiet: bool) -> tuple[dict[str, list[float]], int, int]:
    """Back-fill by the exact search and by the walk, alternately (each after an edit: a whole back-fill each),
    checking that both record the same matches; seconds per way."""
    from yuqing.clock import now
    from yuqing.model import Scheme
    from yuqing.scheme_matching import backfill
    from yuqing.schemes import add_scheme, delete_scheme, edit_scheme
    from yuqing.storage.base import DocumentFilter

    store = app.store
    if store.documents.get_scheme("bench") is not None:
        delete_scheme(store, "bench", actor="bench", now=now())
    add_scheme(store, Scheme(name="bench", expression=EXPRESSIONS[1]), actor="bench", now=now())
    times: dict[str, list[float]] = {"search": [], "walk": []}
    examined, matched, seen = 0, 0, {}
    for i in range(2 * repeat):
        way = ("search", "walk")[(i + i // 2) % 2]  # search, walk, walk, search, …: drift weighs on both alike
        expression = EXPRESSIONS[1 + (i // 2) % 2]
        edit_scheme(store, "bench", actor="bench", now=now(), expression=expression + " " * (i % 2))  # new version
        t0 = time.perf_counter()
        report = backfill(store.documents, "bench", search=way == "search")
        times[way].append(time.perf_counter() - t0)
        examined, matched = report.examined, report.matched
        got = set(store.documents.document_ids(DocumentFilter(scheme="bench"), limit=1 << 31))
        if seen.setdefault(expression, got) != got:
            raise RuntimeError(f"检索回溯与逐篇回溯的匹配不一致：{expression}")
        if not quiet:
            print(f"回溯第 {i + 1} 次（{way}）：{times[way][-1]:.1f} 秒，检查 {examined:,} 篇，匹配 {matched:,} 篇",
                  file=sys.stderr)
    delete_scheme(store, "bench", actor="bench", now=now())
    return times, examined, matched


def _matching_us(app: Any, counts: tuple[int, ...], repeat: int) -> dict[int, float]:
    """Microseconds per document for matching a batch of 2,000 stored documents against ``k`` schemes."""
    from yuqing.model import Scheme
    from yuqing.scheme_matching import SchemeMatcher

    _, docs = app.store.documents.list_documents(limit=2000)

    class Fixed:  # the schemes as the store would hand them over (no storage time in this figure)
        def __init__(self, k: int):
            self.schemes = [Scheme(name=f"s{i}", expression=EXPRESSIONS[i % len(EXPRESSIONS)]) for i in range(k)]

        def schemes_revision(self) -> str:
            return "fixed"

        def list_schemes(self) -> list[Scheme]:
            return self.schemes

    out = {}
    for k in counts:
        matcher = SchemeMatcher(Fixed(k))
        matcher.refresh()
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            matcher.match(docs)
            times.append((time.perf_counter() - t0) / len(docs) * 1e6)
        out[k] = round(_median(times), 1)
    return out


def _process_seconds(k: int, r: int, tmp: Path) -> float:
    """The process step (real NLP, events) on FRESH_POSTS new posts with ``k`` active schemes, in a fresh store."""
    from yuqing.app import App
    from yuqing.clock import now
    from yuqing.dashboard.sample import posts
    from yuqing.jobs import ingest, process
    from yuqing.model import Scheme
    from yuqing.scheme_matching import backfill_pending
    from yuqing.schemes import add_scheme

    home = tmp / f"process-{k}-{r}"
    app = App.load(CONFIG, home)
    at = now()
    for i in range(k):
        add_scheme(app.store, Scheme(name=f"s{i}", expression=EXPRESSIONS[i % len(EXPRESSIONS)]), actor="bench",
                   now=at)
    backfill_pending(app.store.documents)  # the store is empty: done at once, so process only matches
    ingest(app, [json.dumps(p, ensure_ascii=False) for p in posts(FRESH_POSTS, at, seed=11 + r)], at)
    app.analyzer  # loaded before the clock starts (both runs alike)
    t0 = time.perf_counter()
    process(app, at + timedelta(minutes=1))
    seconds = time.perf_counter() - t0
    app.close()
    shutil.rmtree(home, ignore_errors=True)
    return seconds


def bench_schemes_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yuqing bench schemes", description="监测方案：历史回溯与逐篇匹配的耗时")
    parser.add_argument("--docs", type=int, default=200_000, help="生成的文档数（默认 200000）")
    parser.add_argument("--schemes", type=int, default=20, help="逐篇匹配时的方案数（默认 20）")
    parser.add_argument("--repeat", type=int, default=3, help="每项重复次数，取中位数（默认 3）")
    parser.add_argument("--home", help="保存生成数据的目录（再次运行时复用，省去载入）")
    parser.add_argument("--json", action="store_true", help="输出 JSON")
    args = parser.parse_args(argv)
    if args.docs < 1 or args.repeat < 1 or not 1 <= args.schemes <= 200:
        print("--docs、--repeat 应为正整数，--schemes 应在 1 到 200 之间", file=sys.stderr)
        return 2
    from yuqing.app import App

    with tempfile.TemporaryDirectory(prefix="yuqing-bench-schemes-") as tmp:
        home = _store_home(Path(args.home) if args.home else Path(tmp) / "store", args.docs, args.json)
        app = App.load(CONFIG, home)
        try:
            backfill_times, examined, matched = _backfill_seconds(app, args.repeat, args.json)
            walk_times, backfill_times = backfill_times["walk"], backfill_times["search"]
            per_doc = _matching_us(app, (1, args.schemes), args.repeat)
        finally:
            app.close()
        plain, with_schemes = [], []
        for r in range(args.repeat):  # interleaved, first one then the other first, so drift weighs on both alike
            for k in ((0, args.schemes) if r % 2 == 0 else (args.schemes, 0)):
                (with_schemes if k else plain).append(_process_seconds(k, r, Path(tmp)))
    result = {
        "documents": examined, "backfill_seconds": round(_median(backfill_times), 2),
        "backfill_docs_per_second": round(examined / max(_median(backfill_times), 1e-9)), "backfill_matched": matched,
        "backfill_walk_seconds": round(_median(walk_times), 2),
        "match_us_per_doc": {str(k): v for k, v in per_doc.items()},
        "process_seconds": {"0": round(_median(plain), 2), str(args.schemes): round(_median(with_schemes), 2)},
        "process_ratio": round(_median([w / max(p, 1e-9) for p, w in zip(plain, with_schemes)]), 3),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"历史回溯：{examined:,} 篇，中位数 {result['backfill_seconds']} 秒（{result['backfill_docs_per_second']:,} 篇/秒），"
          f"匹配 {matched:,} 篇；逐篇回溯中位数 {result['backfill_walk_seconds']} 秒")
    print(f"逐篇匹配：1 个方案 {per_doc[1]} 微秒/篇，{args.schemes} 个方案 {per_doc[args.schemes]} 微秒/篇")
    print(f"分析步骤（{FRESH_POSTS} 篇新留言）：无方案 {result['process_seconds']['0']} 秒，{args.schemes} 个方案 "
          f"{result['process_seconds'][str(args.schemes)]} 秒，比值 {result['process_ratio']}")
    return 0
