"""``yuqing bench search``: how much the store's index-backed search (``DocumentStore.search_query``) misses against
the reference (``Query.matches`` over every analysed document), and how long each takes, on the configured store.

Queries: the store's most frequent keywords, random 2–4 character pieces of real titles (wherever they start, so
non-words too: the hard case for a token index) and AND pairs of them. Every hit must be a match; the figure is the
share of matches the index did not propose.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from typing import Any


def bench_search_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yuqing bench search",
                                     description="检索基准：索引检索与逐篇核对（参考语义）相比漏检多少、各用多少时间")
    parser.add_argument("--keywords", type=int, default=150, help="取最常见的关键词数（默认 150）")
    parser.add_argument("--pieces", type=int, default=150, help="从标题中随机截取的 2–4 字片段数（默认 150）")
    parser.add_argument("--pairs", type=int, default=60, help="两词同时出现的查询数（默认 60）")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", action="store_true", help="输出 JSON")
    args = parser.parse_args(argv)
    from yuqing.app import App

    app = App.load(None)
    result = measure(app.store.documents, keywords=args.keywords, pieces=args.pieces, pairs=args.pairs,
                     seed=args.seed)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"{result['documents']} 篇已分析文档，{result['queries']} 个查询：逐篇核对共 {result['matches']} 处匹配，"
              f"索引检索漏检 {result['missed']} 处（{result['missed_share']:.2%}），误检 {result['wrong']} 处；"
              f"索引检索共 {result['index_s']:.1f} 秒，逐篇核对共 {result['scan_s']:.1f} 秒")
        for n, total, expr in result["worst"]:
            print(f"  漏检最多：{expr}（{n}/{total}）")
    return 0 if result["wrong"] == 0 else 1


def measure(store: Any, *, keywords: int, pieces: int, pairs: int, seed: int) -> dict[str, Any]:
    from yuqing.query import FoldedDocument, parse
    from yuqing.storage.base import DocumentFilter

    docs = []
    for start in range(0, sys.maxsize, 1000):
        page = store.list_documents(DocumentFilter(), limit=1000, offset=start)[1]
        docs += [d for d in page if d.analysis is not None]
        if len(page) < 1000:
            break
    folded = [(d.id, FoldedDocument(d)) for d in docs]
    rng = random.Random(seed)
    words = [w for w, _ in store.top_keywords(DocumentFilter(), limit=keywords)]
    han = re.compile(r"[\u4e00-\u9fff]{2,}")
    for d in rng.sample(docs, min(pieces, len(docs))):
        runs = han.findall(d.title)
        if runs:
            run = rng.choice(runs)
            n = rng.randint(2, min(4, len(run)))
            start = rng.randint(0, len(run) - n)
            words.append(run[start:start + n])
    words = list(dict.fromkeys(words))
    queries = words + [f"{a} {b}" for a, b in zip(words[::2], words[1::2])][:pairs]
    missed = wanted = wrong = 0
    index_s = scan_s = 0.0
    worst = []
    for expr in queries:
        query = parse(expr)
        t = time.perf_counter()
        expected = {i for i, f in folded if query.matches(f)}
        scan_s += time.perf_counter() - t
        t = time.perf_counter()
        _, hits = store.search_query(query, limit=len(docs) + 1)
        index_s += time.perf_counter() - t
        found = {h.id for h in hits}
        wrong += len(found - expected)
        lost = len(expected - found)
        missed += lost
        wanted += len(expected)
        if lost:
            worst.append((lost, len(expected), expr))
    return {"documents": len(docs), "queries": len(queries), "matches": wanted, "missed": missed,
            "missed_share": missed / wanted if wanted else 0.0, "wrong": wrong, "index_s": round(index_s, 2),
            "scan_s": round(scan_s, 2), "worst": sorted(worst, reverse=True)[:8]}
