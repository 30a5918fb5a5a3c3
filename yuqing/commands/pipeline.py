"""``yuqing ingest | process | tick``: store documents and run the pipeline's rounds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from yuqing.clock import now as clock_now
from yuqing.commands.common import load_app as _app, print_json as _print_json
from yuqing.checker import os_error_text


def cmd_ingest(args: argparse.Namespace) -> int:
    from yuqing import jobs

    path = Path(args.file)
    if args.file != "-":
        if not path.exists():
            print(f"文件不存在：{path}", file=sys.stderr)
            return 2
        if path.is_dir():
            print(f"{path} 是文件夹，请给出一个 JSON 行文件（或用 - 表示标准输入）", file=sys.stderr)
            return 2
    app = _app(args)
    now = clock_now(args.now)

    def on_bad(line: int, error: str) -> None:
        print(f"第 {line} 行有误，已跳过：{error}", file=sys.stderr)

    def on_capped(line: int, note: str) -> None:
        print(f"第 {line} 行内容过长，已截断后存储（{note}）", file=sys.stderr)

    if args.file == "-":
        # Bytes, so each line is decoded on its own and a bad byte costs only its line.
        report = jobs.ingest(app, getattr(sys.stdin, "buffer", sys.stdin), now, on_bad=on_bad, on_capped=on_capped)
    else:
        try:
            with path.open("rb") as stream:
                report = jobs.ingest(app, stream, now, on_bad=on_bad, on_capped=on_capped)
        except OSError as exc:
            print(f"无法读取 {path}：{os_error_text(exc)}", file=sys.stderr)
            return 2
    print(f"读取 {report.lines} 行：新增 {report.inserted}，更新 {report.updated}，未变 {report.unchanged}，"
          f"错误 {len(report.bad)}" + (f"，截断 {len(report.capped)}" if report.capped else ""))
    if not args.no_process:
        result = jobs.process(app, now, progress=lambda m: print(m, file=sys.stderr))
        print(f"分析完成：{result['analysed']} 篇（失败 {result['failed']}）")
    return 1 if report.bad else 0


def cmd_process(args: argparse.Namespace) -> int:
    from yuqing import jobs

    result = jobs.process(_app(args), clock_now(args.now), progress=lambda m: print(m, file=sys.stderr))
    _print_json(result) if args.json else print(f"分析完成：{result['analysed']} 篇（失败 {result['failed']}）")
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    from yuqing import jobs

    report = jobs.tick(_app(args), clock_now(args.now), progress=lambda m: print(m, file=sys.stderr))
    if args.json:
        _print_json(report)
    else:
        print(f"本轮完成（{report['now']}）：分析 {report['process']['analysed']} 篇，新预警 {len(report['alerts'])} 条，"
              f"时限检查 {report['deadlines']}")
        if not report["audit"]["ok"]:
            print(f"审计日志校验失败，已向舆情专员告警（{report['audit']['alert']}）：" + "；".join(report["audit"]["problems"]),
                  file=sys.stderr)
    return 0
