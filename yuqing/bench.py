"""Storage benchmark: ``yuqing bench store [--json]``.

Ingests the same generated documents (the sample sites' post generator, with a cheap stand-in analysis so the figure
measures the store, not NLP) into every available document backend, then times the heat board's queries (the store
calls the dashboard's heat board makes). Backends: SQLite always; Elasticsearch at ``--es-url``/``ES_URL``; without
a real cluster, the in-memory ``osmem-server`` test server when installed, reported under its own name because its
speed says nothing about a real cluster. All figures come from one run on one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from yuqing.clock import TZ, day_start
from yuqing.model import Event
from yuqing.storage.base import DocumentFilter, DocumentStore

_SPLIT = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+")
_DEPARTMENTS = {"城乡建设": "A市住房和城乡建设局", "交通运输": "A市交通运输局", "教育文体": "A市教育局",
                "环境保护": "A市生态环境局", "劳动和社会保障": "A市人力资源和社会保障局"}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cheap_analysis(record: dict[str, Any]) -> dict[str, Any]:
    """A stand-in for the NLP stage with the same output shape: two-character pieces as tokens, the generator's
    own labels as sentiment and topic. Microseconds per document, so the benchmark measures the store."""
    def pieces(text: str) -> list[str]:
        out = []
        for run in _SPLIT.split(text or ""):
            out.extend(run[i:i + 2] for i in range(0, len(run), 2) if run[i:i + 2])
        return out

    title, content = record.get("title") or "", record.get("content") or ""
    words = pieces(content)
    topic = record.get("category") or "其他"
    return {"text": title + "\n" + content, "title_tokens": pieces(title), "content_words": words,
            "sentiment": {"label": record.get("sentiment") or "neutral", "score": 0.5},
            "topic": {"label": topic, "score": 0.9}, "department": _DEPARTMENTS.get(topic, "A市人民政府办公室"),
            "keywords": list(dict.fromkeys(pieces(title)))[:5]}


def generate(n: int, seed: int = 42) -> tuple[list, list[tuple[str, dict[str, Any]]], dict[str, str], datetime]:
    """Documents, their analyses, doc → event (by the generator's issue key) and the time of the newest document."""
    from yuqing.samples.timeline import iter_posts
    from yuqing.jobs import document_from_record

    docs, analyses, events = [], [], {}
    for i, record in enumerate(iter_posts(seed, n, days=90.0)):
        doc = document_from_record(record)
        docs.append(doc)
        analyses.append((doc.id, cheap_analysis(record)))
        if record.get("issue_key"):
            events[doc.id] = "ev-" + uuid.uuid5(uuid.NAMESPACE_URL, record["issue_key"]).hex[:16]
        if (i + 1) % 20000 == 0:
            _say(f"  已生成 {i + 1:,} / {n:,} 篇")
    newest = max(d.published_at for d in docs if d.published_at)
    return docs, analyses, events, newest


def ingest(store: DocumentStore, docs: list, analyses: list, events: dict[str, str], now: datetime, *,
           batch: int = 1000, label: str = "") -> float:
    """Store, analyse and link every document in batches (as the crawler and the processing job do); seconds."""
    started = time.perf_counter()
    for start in range(0, len(docs), batch):
        chunk = docs[start:start + batch]
        store.upsert_documents(chunk, now)
        store.save_analyses(analyses[start:start + batch], now)
        store.link_documents({d.id: (events[d.id], None) for d in chunk if d.id in events})
        done = start + len(chunk)
        if done % 20000 == 0 or done == len(docs):
            rate = done / (time.perf_counter() - started)
            _say(f"  {label}已写入 {done:,} / {len(docs):,} 篇（{rate:,.0f} 篇/秒）")
    return time.perf_counter() - started


def save_events(store: DocumentStore, docs: list, events: dict[str, str], analyses: list, now: datetime) -> None:
    by_event: dict[str, list] = {}
    for d in docs:
        if d.id in events:
            by_event.setdefault(events[d.id], []).append(d)
    sentiment = {i: a["sentiment"]["label"] for i, a in analyses}
    out = []
    for ev, members in by_event.items():
        times = [d.published_at for d in members]
        neg = sum(sentiment[d.id] == "negative" for d in members)
        out.append(Event(id=ev, title=members[0].title, keywords=[], region=members[0].region, first_seen=min(times),
                         last_seen=max(times), doc_count=len(members), source_count=len({d.source for d in members}),
                         negative=neg, heat=len(members) + 2.0 * neg))
    for start in range(0, len(out), 1000):
        store.save_events(out[start:start + 1000], now)


def heat_board(store: DocumentStore, now: datetime) -> None:
    """The store calls behind the dashboard's heat board (overview, 30-day trend, distributions, top events, words)."""
    today = day_start(now.astimezone(TZ).date())
    until = today + timedelta(days=1)
    store.count_by_day(DocumentFilter(since=today - timedelta(days=1), until=until))
    store.count_by_day(DocumentFilter(since=today - timedelta(days=29), until=until))
    for field in ("topic", "sentiment", "source", "region"):
        store.count_by(field, DocumentFilter(since=today - timedelta(days=29), until=until), limit=12)
    week = now - timedelta(days=7)
    top = store.list_events(limit=10, since=week, order="heat")
    store.event_daily_counts([e.id for e in top], DocumentFilter(since=day_start(week.astimezone(TZ).date())))
    store.top_keywords(DocumentFilter(since=today - timedelta(days=6), until=until), limit=80)


def _backends(args: argparse.Namespace, workdir: Path) -> list[tuple[str, Callable[[], DocumentStore], Callable]]:
    from yuqing.storage.sqlite import SQLiteStore

    out: list[tuple[str, Callable[[], DocumentStore], Callable]] = [
        ("sqlite", lambda: SQLiteStore(workdir / "bench.db"), lambda s: s.close())]
    es_url = args.es_url or os.environ.get("ES_URL")
    try:
        import elasticsearch  # noqa: F401
    except ImportError:
        _say("未安装 elasticsearch 客户端，跳过 Elasticsearch")
        return out
    from yuqing.storage.elasticsearch import ElasticsearchDocumentStore

    def es_store(url: str, node_class: Any = None) -> Callable[[], DocumentStore]:
        return lambda: ElasticsearchDocumentStore(hosts=[url], index_prefix=f"yqbench-{uuid.uuid4().hex[:8]}",
                                                  replicas=0, node_class=node_class)

    def es_close(store: DocumentStore) -> None:
        store.drop_all()
        store.close()

    if es_url:
        out.append(("elasticsearch", es_store(es_url), es_close))
    elif not args.no_osmem:
        try:
            from osmem_server import OsmemServer
        except ImportError:
            _say("未设置 --es-url / ES_URL，也未安装 osmem-server，跳过 Elasticsearch")
            return out
        holder: dict[str, Any] = {}

        def start() -> DocumentStore:
            # The test server needs the test-only plain-JSON node class (it rejects the client's vendor media type).
            import importlib.util

            from yuqing.paths import REPO_ROOT

            spec = importlib.util.spec_from_file_location("es_testing", REPO_ROOT / "tests/contract/es_testing.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            holder["server"] = OsmemServer.start(japanese=False)
            return es_store(holder["server"].url, module.PlainJsonNode)()

        def stop(store: DocumentStore) -> None:
            es_close(store)
            holder["server"].close()

        out.append(("elasticsearch-osmem", start, stop))
    return out


def bench_store_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yuqing bench store",
                                     description="存储基准：向每个可用后端写入生成的文档，并测热度看板查询耗时")
    parser.add_argument("--n", type=int, default=100_000, help="文档数（默认 100000）")
    parser.add_argument("--es-url", help="真实 Elasticsearch 地址（默认读取 ES_URL）")
    parser.add_argument("--no-osmem", action="store_true", help="没有真实集群时不使用 osmem 内存测试服务器")
    parser.add_argument("--repeat", type=int, default=5, help="看板查询重复次数（取中位数）")
    parser.add_argument("--json", action="store_true", help="输出 JSON：{后端: {docs_per_s, heat_query_s}}")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n 必须为正整数")

    _say(f"生成 {args.n:,} 篇样例文档（留言板帖子、转载与重复，带标签）…")
    docs, analyses, events, now = generate(args.n)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-") as tmp:
        for name, open_store, close_store in _backends(args, Path(tmp)):
            _say(f"[{name}] 开始写入 …")
            try:
                store = open_store()
            except Exception as exc:  # one unavailable backend must not hide the others' figures
                _say(f"[{name}] 无法打开：{exc}；跳过")
                continue
            try:
                seconds = ingest(store, docs, analyses, events, now, label=f"[{name}] ")
                save_events(store, docs, events, analyses, now)
                if hasattr(store, "es"):  # make everything searchable before timing queries
                    store.es.indices.refresh(index=f"{store.prefix}-*")
                stats = store.document_stats()
                if stats["documents"] != len({d.id for d in docs}):
                    raise RuntimeError(f"写入后文档数 {stats['documents']} 与生成数 {len({d.id for d in docs})} 不符")
                _say(f"[{name}] 测量热度看板查询（{args.repeat} 次取中位数）…")
                heat_board(store, now)  # warm-up
                times = []
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    heat_board(store, now)
                    times.append(time.perf_counter() - t)
                results[name] = {"docs_per_s": round(len(docs) / seconds, 1), "heat_query_s": round(statistics.median(times), 4),
                                 "documents": stats["documents"], "ingest_s": round(seconds, 2)}
            finally:
                close_store(store)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print(f"{'后端':<22}{'写入 篇/秒':>12}{'看板查询 秒':>14}")
        for name, r in results.items():
            print(f"{name:<22}{r['docs_per_s']:>12,.0f}{r['heat_query_s']:>14.3f}")
        if "sqlite" in results and len(results) > 1:
            for name, r in results.items():
                if name != "sqlite":
                    print(f"{name} / sqlite：写入速度 {r['docs_per_s'] / results['sqlite']['docs_per_s']:.2f} 倍，"
                          f"看板查询耗时 {r['heat_query_s'] / results['sqlite']['heat_query_s']:.2f} 倍")
        if "elasticsearch-osmem" in results:
            print("注：elasticsearch-osmem 是内存测试服务器，其速度不代表真实 Elasticsearch 集群；"
                  "用 --es-url 或 ES_URL 指向真实集群可得真实数字")
    return 0 if results else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(bench_store_main())
