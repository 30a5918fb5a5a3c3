"""``yuqing bench nlp``: our full analyze vs plain jieba and stock SnowNLP, plus a memory check.

All three run over the same real messages (../shared/data/gov_messages). Each timing is repeated
and the median taken; the machine is shared and noisy, so ratios measured in one run are what
count (target: analyze ≤ 2× plain ``jieba.lcut``).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

from yuqing.nlp.pipeline import Analyzer, StageError, load_object

SNOWNLP_SAMPLE = 100


def load_messages(data_dir: Path, n: int) -> list[dict]:
    """The first ``n`` messages (title + body) of messages_with_replies.csv as analyze input."""
    path = Path(data_dir) / "gov_messages" / "messages_with_replies.csv"
    if not path.exists():
        raise FileNotFoundError(f"找不到 {path}；请用 --data-dir 指向 shared/data")
    docs = []
    with open(path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            docs.append({
                "id": row["留言编号"], "title": row["留言主题"], "content": row["留言详情"],
                "published_at": row["留言时间"], "region": "A市",
            })
            if len(docs) >= n:
                break
    return docs


def _raw_text(doc: dict) -> str:
    return doc["title"] + "\n" + doc["content"]


def _rss_mb() -> float:
    # ru_maxrss is the peak resident set size, in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def perturbed(docs: list[dict], total: int) -> Iterator[dict]:
    """``total`` distinct documents made by cycling real messages and varying their text."""
    for i in range(total):
        base = docs[i % len(docs)]
        k = i // len(docs)
        content = base["content"]
        if k % 2:  # reverse sentence order: same words, different text and fingerprint input
            content = "。".join(reversed(content.split("。")))
        yield {"id": f"{base['id']}-{i}", "title": f"{base['title']}（{k}）", "content": content,
               "published_at": base["published_at"], "region": "A市"}


def build_analyzer(settings: dict | None, out: Callable[[str], None]) -> tuple[Analyzer, list[str]]:
    """The full default analyzer; if a model module is missing, run without it and say so."""
    settings = dict(settings or {})
    missing: list[str] = []
    try:
        return Analyzer.from_settings(settings), missing
    except StageError as exc:
        out(f"提示：{exc}")
    stages = dict(settings.get("NLP_STAGES") or {})
    for path in ("yuqing.nlp.stages.SentimentStage", "yuqing.nlp.stages.TopicStage"):
        try:
            load_object(path).from_settings(settings)
        except Exception:  # module or model file missing
            stages[path] = None
            missing.append(path)
    settings["NLP_STAGES"] = stages
    return Analyzer.from_settings(settings), missing


def bench_nlp(data_dir, n: int = 2000, as_json: bool = False, out=print, repeat: int = 3,
              mem_docs: int = 100_000, settings: dict | None = None) -> dict:
    import jieba
    from snownlp import SnowNLP

    docs = load_messages(Path(data_dir), n)
    texts = [_raw_text(d) for d in docs]
    say = (lambda s: None) if as_json else out
    analyzer, missing = build_analyzer(settings, say)

    # Warm everything up before timing: jieba dictionaries, our models, SnowNLP's model.
    fresh = jieba.Tokenizer()
    fresh.initialize()
    fresh.lcut(texts[0])
    analyzer.analyze(docs[0])
    SnowNLP(texts[0]).sentiments
    sample = texts[:SNOWNLP_SAMPLE]

    runs: dict[str, list[float]] = {"analyze": [], "jieba": [], "snownlp": []}
    for r in range(repeat):
        t0 = time.perf_counter()
        for d in docs:
            analyzer.analyze(d)
        runs["analyze"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for t in texts:
            fresh.lcut(t)
        runs["jieba"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for t in sample:
            SnowNLP(t).sentiments
        runs["snownlp"].append((time.perf_counter() - t0) * len(docs) / len(sample))
        say(f"第 {r + 1}/{repeat} 轮：分析 {runs['analyze'][-1]:.2f} 秒，jieba {runs['jieba'][-1]:.2f} 秒，"
            f"SnowNLP（估算）{runs['snownlp'][-1]:.1f} 秒")
    analyze_s = statistics.median(runs["analyze"])
    jieba_s = statistics.median(runs["jieba"])
    snownlp_s = statistics.median(runs["snownlp"])
    result = {
        "docs": len(docs),
        "repeat": repeat,
        "analyze_s": round(analyze_s, 3),
        "jieba_s": round(jieba_s, 3),
        "snownlp_s": round(snownlp_s, 3),
        "snownlp_sampled": len(sample),
        "ratio_vs_jieba": round(analyze_s / jieba_s, 3),
        "ratio_vs_snownlp": round(analyze_s / snownlp_s, 4),
        "analyze_docs_per_s": round(len(docs) / analyze_s, 1),
        "stages_missing": missing,
    }
    say(f"{len(docs)} 条真实留言，各重复 {repeat} 次取中位数：")
    say(f"  完整分析（清洗+分词+情感+主题+部门+关键词+SimHash）：{analyze_s:.2f} 秒（{result['analyze_docs_per_s']} 条/秒）")
    say(f"  仅 jieba.lcut 分词：{jieba_s:.2f} 秒；完整分析是其 {result['ratio_vs_jieba']:.2f} 倍（目标 ≤ 2）")
    say(f"  SnowNLP 原版情感：{snownlp_s:.1f} 秒（按 {len(sample)} 条实测后按比例估算）；"
        f"完整分析只用其 {result['ratio_vs_snownlp'] * 100:.1f}% 的时间")
    if missing:
        say(f"  注意：以下阶段未能加载，未计入：{'、'.join(missing)}")

    if mem_docs > 0:
        count = 0
        checkpoint = max(1, mem_docs // 10)
        base_rss = None
        t0 = time.perf_counter()
        for _ in analyzer.analyze_many(perturbed(docs, mem_docs)):
            count += 1
            if count == checkpoint:
                base_rss = _rss_mb()
            if not as_json and count % checkpoint == 0:
                say(f"  内存检查：已流式分析 {count}/{mem_docs} 条，峰值内存 {_rss_mb():.0f} MB")
        end_rss = _rss_mb()
        result.update({
            "mem_docs": count,
            "rss_after_first_tenth_mb": round(base_rss or end_rss, 1),
            "rss_peak_mb": round(end_rss, 1),
            "rss_growth_mb": round(end_rss - (base_rss or end_rss), 1),
            "mem_run_s": round(time.perf_counter() - t0, 1),
        })
        say(f"  内存：流式分析 {count} 条，前 10% 之后峰值内存增长 {result['rss_growth_mb']} MB"
            f"（{result['rss_after_first_tenth_mb']} → {result['rss_peak_mb']} MB）")
    if as_json:
        out(json.dumps(result, ensure_ascii=False))
    return result


def bench_main(argv: list[str] | None = None) -> int:
    from yuqing.paths import shared_data_dir

    parser = argparse.ArgumentParser(prog="yuqing bench nlp", description="NLP 分析速度与内存基准")
    parser.add_argument("--data-dir", help="shared/data 目录（默认 ../shared/data）")
    parser.add_argument("-n", type=int, default=2000, help="计时用的留言条数（默认 2000）")
    parser.add_argument("--repeat", type=int, default=3, help="重复次数，取中位数（默认 3）")
    parser.add_argument("--mem-docs", type=int, default=100_000, help="内存检查流式分析的文档数（0 跳过）")
    parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir) if args.data_dir else shared_data_dir()
    if data_dir is None:
        print("错误：找不到 ../shared/data，请用 --data-dir 指定", file=sys.stderr)
        return 2
    try:
        bench_nlp(data_dir, n=args.n, as_json=args.json, repeat=args.repeat, mem_docs=args.mem_docs)
    except FileNotFoundError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(bench_main())
