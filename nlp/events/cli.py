"""``yuqing cluster [--top N] [--now ISO8601] [--config FILE]``: events from JSON lines, hottest first.

Input: the ``yuqing analyze`` input format, one JSON object per line (``id``, ``title``, ``content`` or
``html``, ``published_at``, ``source``?, ``likes``?, ``dislikes``?, ``replies``?, ``reposts``?, ``region``?).
Each line is analysed here; lines that already carry ``content_words`` and ``simhash`` (analyze output kept
with tokens) are used as they are. ``published_at`` is required: events live in time.

Output: JSON lines, one event per line, sorted by heat (highest first), with ``event_id``, ``title``,
``keywords``, ``heat``, ``heat_parts`` (volume, interaction, authority, recency, growth; each 0–1),
``heat_reason``, ``doc_ids`` (input ids, oldest first), ``first_seen``, ``last_seen``, ``region``, ``places``,
``topic``, ``department``, ``doc_count``, ``source_count``, ``duplicates``, ``similar_articles``
(original id → {count, sources}: 相似文章数 and their sources) and ``sentiment`` (counts).

Without ``--now`` events are ranked over the whole input period (historical view: no time decay, growth
measured at each event's last post); with ``--now`` by current heat (decay; posts after ``now`` ignored).
A bad line is reported on stderr with its number and skipped; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from yuqing.nlp.events.cluster import EventClusterer
from yuqing.nlp.events.materialize import event_summary, materialize
from yuqing.nlp.events.heat import explain
from yuqing.nlp.events.prepare import doc_from_record, record_time
from yuqing.nlp.events.settings import EventSettings
from yuqing.nlp.events.stage import authority_map, with_heat
from yuqing.jsonlines import read_json_lines


class _ArgError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit(2) with English text
        raise _ArgError(message)


def _parser() -> _Parser:
    p = _Parser(prog="yuqing cluster", description="把 JSON Lines 文档聚成事件，按热度排序输出")
    p.add_argument("--top", type=int, default=None, help="只输出热度最高的 N 个事件（默认全部）")
    p.add_argument("--now", default=None, help="当前时间（ISO 8601）；给出时按时间衰减计算当前热度")
    p.add_argument("--config", default=None, help="配置文件（来源权威度与 [events] 参数）；默认按 yuqing 的查找顺序")
    return p


def _load_settings(config_path: str | None, stderr: TextIO) -> tuple[EventSettings, dict[str, float], dict]:
    from yuqing.config import ConfigError, load_config

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        if config_path:
            raise
        stderr.write(f"提示：未读取到配置（{exc}），使用默认聚类参数与来源权威度\n")
        return EventSettings(), {}, {}
    from yuqing.nlp.pipeline import settings_from_config

    return (EventSettings.from_section(config.section("events")), authority_map(config.sources),
            settings_from_config(config))


def cluster_main(argv: list[str] | None, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from yuqing.nlp.cli import _utf8, check_record
    from yuqing.clock import TimeFormatError, now as parse_now
    from yuqing.config import ConfigError

    stdin, stdout = _utf8(stdin, "r"), _utf8(stdout, "w")
    try:
        args = _parser().parse_args(argv or [])
        if args.top is not None and args.top < 1:
            raise _ArgError("--top 应为正整数")
        now = parse_now(args.now) if args.now else None
        settings, authority, nlp_settings = _load_settings(args.config, stderr)
    except (_ArgError, TimeFormatError, ConfigError) as exc:
        stderr.write(f"错误：{exc}\n用法：yuqing cluster [--top N] [--now 2024-10-08T09:00:00+08:00] < docs.jsonl\n")
        return 2

    analyzer = None
    docs = []
    bad = 0
    for lineno, obj, problem in read_json_lines(stdin):
        problem = problem or check_record(obj)
        if problem is None:
            try:
                at = record_time(obj)
            except (ValueError, TypeError) as exc:
                problem = f"发布时间有误：{exc}"
        if problem:
            stderr.write(f"第 {lineno} 行：{problem}，已跳过\n")
            bad += 1
            continue
        try:
            if obj.get("content_words") is not None and obj.get("simhash"):
                analysis = obj
            else:
                if analyzer is None:
                    from yuqing.nlp.pipeline import Analyzer

                    try:
                        analyzer = Analyzer.from_settings({**nlp_settings, "NLP_KEEP_TOKENS": True})
                    except Exception as exc:  # a setup problem, not a bad line: stop with one clear message
                        stderr.write(f"错误：无法建立分析流程：{exc}\n")
                        return 2
                analysis = analyzer.analyze(obj)
            docs.append((doc_from_record(obj, analysis, at=at), obj["id"]))
        except Exception as exc:  # one bad record never stops the batch
            stderr.write(f"第 {lineno} 行（id={obj.get('id')}）：分析失败：{type(exc).__name__}: {exc}，已跳过\n")
            bad += 1
            continue
        if len(docs) % 1000 == 0:
            stderr.write(f"已分析 {len(docs)} 条…\n")

    # Ids may repeat across lines; keep the first occurrence of each.
    seen: set[str] = set()
    clusterer = EventClusterer(settings)
    original_ids: dict[str, Any] = {}
    for doc, raw_id in sorted(docs, key=lambda x: (x[0].at, x[0].id)):
        if doc.id in seen:
            stderr.write(f"提示：id={raw_id} 重复出现，只保留第一条\n")
            continue
        seen.add(doc.id)
        original_ids[doc.id] = raw_id
        clusterer.add(doc)

    rows = []
    for ev in clusterer.all_events():
        event = with_heat(materialize(ev), settings, authority, now)
        if now is not None and not event.state["heat_inputs"].get("docs"):
            continue  # every post is after --now
        rows.append(_row(event, original_ids, settings))
    rows.sort(key=lambda r: (-r["heat"], -r["doc_count"], r["event_id"]))
    for row in rows[: args.top] if args.top else rows:
        stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    stdout.flush()
    stderr.write(f"聚类完成：文档 {len(seen)} 条，事件 {len(rows)} 个，跳过 {bad} 行\n")
    return 1 if bad else 0


def _row(event, original_ids: dict[str, Any], settings: EventSettings) -> dict[str, Any]:
    members = event.state["members"]
    ordered = sorted(members, key=lambda mid: (members[mid]["t"], mid))
    summary = event_summary(event)
    return {
        "event_id": event.id, "title": event.title, "keywords": event.keywords, "heat": event.heat,
        "heat_parts": event.heat_parts,
        "heat_reason": explain(event.heat, event.heat_parts, event.state["heat_inputs"], settings),
        "doc_ids": [original_ids.get(m, m) for m in ordered],
        "first_seen": event.first_seen.isoformat(), "last_seen": event.last_seen.isoformat(),
        "region": event.region, "places": summary["places"], "topic": event.topic, "department": event.department,
        "doc_count": event.doc_count, "source_count": event.source_count, "duplicates": summary["duplicates"],
        "similar_articles": {str(original_ids.get(k, k)): v for k, v in summary["similar_articles"].items()},
        "sentiment": {"negative": event.negative, "neutral": event.neutral, "positive": event.positive},
    }


def main(argv: list[str] | None = None) -> int:  # python -m yuqing.nlp.events.cli < docs.jsonl
    return cluster_main(sys.argv[1:] if argv is None else argv, sys.stdin, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
