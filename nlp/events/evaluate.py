"""How good are the events? Purity, completeness and B-cubed precision/recall against labelled samples.

- Purity: for each predicted event, the share of its documents carrying its most common true label;
  weighted by size. Completeness (inverse purity): for each true issue, the share of its documents found in
  its single best event. B-cubed precision/recall average the same ideas per document.
- Samples: the sample-site generator (``issue_key`` = same place + same problem; exact duplicates and
  Traditional-Chinese reposts carry their original's issue) and a hand-checked subset of the real
  messages (``tests/events/fixtures/gov_messages_labels.json``: message ids and labels only, no text).

``python -m yuqing.nlp.events.evaluate [--n 3000] [--seed 7]`` prints the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from yuqing.nlp.events.cluster import EventClusterer
from yuqing.nlp.events.prepare import doc_from_record, quick_analysis
from yuqing.nlp.events.settings import EventSettings

FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "events" / "fixtures" / "gov_messages_labels.json"


def cluster_scores(pred: dict[str, str], truth: dict[str, str]) -> dict[str, float]:
    """pred/truth: doc id → cluster/label, over the documents both know."""
    ids = [d for d in truth if d in pred]
    n = len(ids)
    if not n:
        raise ValueError("预测与标注没有共同的文档")
    by_pred: dict[str, list[str]] = defaultdict(list)
    by_true: dict[str, list[str]] = defaultdict(list)
    for d in ids:
        by_pred[pred[d]].append(truth[d])
        by_true[truth[d]].append(pred[d])
    purity = sum(Counter(labels).most_common(1)[0][1] for labels in by_pred.values()) / n
    completeness = sum(Counter(clusters).most_common(1)[0][1] for clusters in by_true.values()) / n
    pair = Counter((pred[d], truth[d]) for d in ids)
    psize = {k: len(v) for k, v in by_pred.items()}
    tsize = {k: len(v) for k, v in by_true.items()}
    bp = sum(c * c / psize[p] for (p, _t), c in pair.items()) / n
    br = sum(c * c / tsize[t] for (_p, t), c in pair.items()) / n
    return {
        "docs": n, "events": len(by_pred), "issues": len(by_true),
        "purity": round(purity, 4), "completeness": round(completeness, 4),
        "bcubed_precision": round(bp, 4), "bcubed_recall": round(br, 4),
        "bcubed_f1": round(2 * bp * br / (bp + br), 4) if bp + br else 0.0,
    }


def cluster_records(records: Iterable[dict[str, Any]], settings: EventSettings | None = None, *,
                    id_key: str = "id") -> tuple[EventClusterer, dict[str, str]]:
    """Cluster records in time order with the quick analysis; returns the clusterer and doc → event."""
    docs = []
    for r in records:
        docs.append(doc_from_record(r, quick_analysis(r), id_key=id_key))
    docs.sort(key=lambda d: (d.at, d.id))
    clusterer = EventClusterer(settings)
    for d in docs:
        clusterer.add(d)
    pred = {d: clusterer._resolve(e) for d, e in clusterer.doc_event.items()}
    return clusterer, pred


def generator_sample(n: int = 3000, seed: int = 7, days: float = 120.0) -> list[dict[str, Any]]:
    from yuqing.samples.timeline import generate_posts

    return generate_posts(seed, n, days=days)


def episode_truth(records: list[dict[str, Any]], window_days: float,
                  repost_lookback_days: float = 0.0) -> dict[str, str]:
    """issue_key split into episodes at silences longer than the clustering window: a clusterer that closes
    idle events cannot (and should not) join posts across such a silence, so this is the fair label.
    A labelled repost of a post at most ``repost_lookback_days`` old belongs to its original's episode (and,
    when that is the issue's latest episode, continues it), as the clusterer's rule says it should."""
    from yuqing.nlp.events.prepare import record_time

    out: dict[str, str] = {}
    last: dict[str, tuple[float, int]] = {}
    posted: dict[str, tuple[float, int]] = {}  # url → (time, episode)
    for r in sorted(records, key=lambda r: record_time(r)):
        t = record_time(r).timestamp()
        key = r["issue_key"]
        prev = last.get(key)
        orig = posted.get(r.get("duplicate_of") or "")
        if orig and t - orig[0] <= repost_lookback_days * 86400:
            episode = orig[1]
        else:
            episode = prev[1] if prev and t - prev[0] <= window_days * 86400 else (prev[1] + 1 if prev else 0)
        if prev is None or episode >= prev[1]:
            last[key] = (t, episode)
        posted[r["url"]] = (t, episode)
        out[r["url"]] = f"{key}#{episode}"
    return out


def evaluate_generator(n: int = 3000, seed: int = 7, settings: EventSettings | None = None,
                       days: float = 120.0) -> dict[str, Any]:
    """Scores against ``issue_key`` (time-blind) and against its episodes (split at silences > window)."""
    settings = settings or EventSettings()
    records = generator_sample(n, seed, days)
    truth = {r["url"]: r["issue_key"] for r in records}
    clusterer, pred = cluster_records(records, settings, id_key="url")
    scores = cluster_scores(pred, truth)
    scores["episodes"] = cluster_scores(pred, episode_truth(records, settings.window_days,
                                                            settings.repost_lookback_days))
    # Reposts: how many labelled duplicates landed in their original's event, and were flagged as duplicates.
    dups = [r for r in records if r.get("duplicate_of") and r["duplicate_of"] in pred]
    same = sum(pred[r["url"]] == pred[r["duplicate_of"]] for r in dups)
    flagged = sum(clusterer.root_of.get(r["url"], r["url"]) != r["url"] for r in dups)
    scores.update(duplicates=len(dups), duplicates_same_event=same, duplicates_flagged=flagged)
    return scores


def load_gov_messages(shared: Path) -> dict[str, dict[str, Any]]:
    path = shared / "gov_messages" / "messages_with_replies.csv"
    with open(path, encoding="utf-8") as fh:
        return {row["留言编号"]: row for row in csv.DictReader(fh)}


def gov_records(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        out.append({"id": row["留言编号"], "title": row["留言主题"],
                    "content": (row["留言详情"] or "").replace("_x000D_", ""),
                    "published_at": datetime.strptime(row["留言时间"].strip(), "%Y/%m/%d %H:%M:%S").isoformat(),
                    "source": "gov_board"})
    return out


def evaluate_gov_messages(shared: Path, fixture: Path = FIXTURE, settings: EventSettings | None = None
                          ) -> dict[str, Any]:
    """Cluster the labelled subset *inside the whole file* (distractors stay in), score on the labelled ids."""
    labels = json.loads(fixture.read_text(encoding="utf-8"))["labels"]
    rows = load_gov_messages(shared)
    missing = [i for i in labels if i not in rows]
    if missing:
        raise ValueError(f"标注中的留言编号在数据里找不到：{missing[:5]}")
    _, pred = cluster_records(gov_records(rows.values()), settings)
    return cluster_scores(pred, labels)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m yuqing.nlp.events.evaluate", description="事件聚类质量评估")
    p.add_argument("--n", type=int, default=3000, help="生成的样例帖子数")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--shared", type=Path, default=None, help="共享数据目录（默认 ../shared/data）")
    args = p.parse_args(argv)
    print("样例站点生成数据：", json.dumps(evaluate_generator(args.n, args.seed), ensure_ascii=False))
    from yuqing.paths import shared_data_dir

    shared = args.shared or shared_data_dir()
    if shared is None:
        print("未找到共享数据目录，跳过真实留言评估", file=sys.stderr)
    else:
        print("真实留言（人工标注子集）：", json.dumps(evaluate_gov_messages(shared), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
