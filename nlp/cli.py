"""``yuqing analyze``: JSON lines in, analysed JSON lines out (UTF-8).

Input per line: {"id", "title", "content" or "html", "url"?, "source"?, "published_at"?, "likes"?,
"dislikes"?, "replies"?, "region"?, "reply"? (string or {"text","department","time"})}.
Output: the input plus text, sentiment, topic, department, department_reason, keywords, simhash
and reply_quality (when a reply is given). A bad line is reported on stderr with its line number
and skipped; the exit status is 1 when any line was bad.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from typing import TextIO

from yuqing.nlp.pipeline import Analyzer, StageError, settings_from_config
from yuqing.jsonlines import read_json_lines


def _utf8(stream, mode: str):
    # sys.stdin/stdout may carry a locale encoding; JSON lines are always UTF-8.
    if hasattr(stream, "buffer") and getattr(stream, "encoding", "utf-8").lower().replace("-", "") != "utf8":
        return io.TextIOWrapper(stream.buffer, encoding="utf-8", errors="replace" if mode == "r" else "strict")
    return stream


def check_record(obj) -> str | None:
    """Why a parsed line cannot be analysed (Chinese), or None when it can."""
    if not isinstance(obj, dict):
        return f"应为 JSON 对象，实际是 {type(obj).__name__}"
    if obj.get("id") in (None, ""):
        return "缺少 id"
    if not isinstance(obj["id"], (str, int)) or isinstance(obj["id"], bool):
        return "id 应为字符串或整数"
    for key in ("title", "content", "html"):
        if key in obj and obj[key] is not None and not isinstance(obj[key], str):
            return f"{key} 应为字符串"
    if not any(isinstance(obj.get(k), str) and obj[k].strip() for k in ("content", "html", "title")):
        return "没有可分析的文本（content、html、title 都为空）"
    reply = obj.get("reply")
    if reply is not None and not isinstance(reply, (str, dict)):
        return "reply 应为字符串或 {\"text\", \"department\", \"time\"} 对象"
    return None


def default_settings() -> dict:
    """The NLP settings of the configuration the kernel finds (``--config``, YUQING_CONFIG, ./yuqing.toml, then the
    packaged default), built by the one builder the application uses too. A wrong configuration raises ConfigError."""
    from yuqing.config import load_config

    return settings_from_config(load_config())


def analyze_main(stdin: TextIO, stdout: TextIO, stderr: TextIO, settings: dict | None = None) -> int:
    stdin, stdout = _utf8(stdin, "r"), _utf8(stdout, "w")
    if settings is None:
        from yuqing.config import ConfigError

        try:
            settings = default_settings()
        except ConfigError as exc:
            stderr.write(f"配置错误：{exc}\n")
            return 2
    try:
        analyzer = Analyzer.from_settings(settings)
    except (StageError, ValueError, OSError, ImportError) as exc:
        stderr.write(f"错误：无法建立分析流程：{exc}\n")
        return 2
    bad = good = 0
    for lineno, obj, problem in read_json_lines(stdin):
        problem = problem or check_record(obj)
        if problem:
            stderr.write(f"第 {lineno} 行：{problem}，已跳过\n")
            bad += 1
            continue
        try:
            result = analyzer.analyze(obj)
        except Exception as exc:  # one bad record never stops the batch
            stderr.write(f"第 {lineno} 行（id={obj.get('id')}）：分析失败：{type(exc).__name__}: {exc}，已跳过\n")
            bad += 1
            continue
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        good += 1
    stdout.flush()
    stderr.write(f"分析完成：成功 {good} 条，跳过 {bad} 条\n")
    return 1 if bad else 0


class _ArgError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit(2) before we could say it in our own words
        raise _ArgError(message)


def _parser() -> _Parser:
    return _Parser(prog="yuqing analyze", description="分析 JSON 行（UTF-8）：清洗、情感、主题、部门、关键词、SimHash、答复质量；"
                               "坏行在标准错误中报告行号并跳过",
                   epilog="用法：yuqing analyze < 输入.jsonl > 输出.jsonl（每行一个 JSON 对象，UTF-8）")


def analyze_cli_main(argv: list[str] | None, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """``yuqing analyze [-h]``: options are checked before any input is read, so ``--help`` or a mistyped option
    never waits on standard input."""
    parser = _parser()
    try:
        parser.parse_args(argv or [])
    except _ArgError as exc:
        stderr.write(f"参数错误：{exc}\n{parser.format_usage()}")
        return 2
    except SystemExit as exc:  # -h/--help printed the help
        return int(exc.code or 0)
    return analyze_main(stdin, stdout, stderr)


def main(argv: list[str] | None = None) -> int:  # python -m yuqing.nlp.cli < in.jsonl > out.jsonl
    return analyze_cli_main(sys.argv[1:] if argv is None else argv, sys.stdin, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
