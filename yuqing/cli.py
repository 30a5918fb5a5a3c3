"""The ``yuqing`` command line. Help and messages are in Chinese; stages are called through their own entry points."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable

from yuqing.clock import TimeFormatError, now as clock_now
from yuqing.config import ConfigError, os_error_text
from yuqing.plugins import load_object
from yuqing.storage import StoreError

# Sub-commands implemented by a stage: name → (entry point, help, how it is called).
# "argv" entries take the remaining arguments; "app" entries also get the App; "stdio" entries get the streams.
DELEGATED: dict[str, tuple[str, str, str]] = {
    "sample-sites": ("crawlers.sample_sites.cli.sample_sites_main", "在 127.0.0.1 上运行生成的样例站点（新闻站、留言板、RSS）", "argv"),
    "crawl": ("crawlers.run.crawl_main", "采集全部或指定来源（--source NAME）", "app"),
    "sources": ("crawlers.run.sources_main", "列出来源及其健康状况（--json）", "app"),
    "extract": ("crawlers.extract.cli.extract_main", "从网页文件或网址抽取正文（--json）", "argv"),
    "analyze": ("nlp.cli.analyze_cli_main", "分析 JSON 行：清洗、情感、主题、部门、关键词、SimHash、答复质量", "stdio-argv"),
    "cluster": ("nlp.events.cli.cluster_main", "把 JSON 行聚合为事件并按热度排序（--top N --now 时间）", "stdio-argv"),
    "train": ("nlp.train.cli.main", "用共享数据重新训练 sentiment 或 topic 模型", "argv"),
    "alerts": ("alerts.cli.alerts_main", "预警：list / show / act（派发、签收、退单、回应、评价……）", "app"),
    "sla": ("alerts.cli.sla_main", "计算办理时限：sla deadline --policy NAME --start 时间", "argv"),
    "report": ("dashboard.report.report_main", "生成舆情简报：report daily|weekly --date D --out 文件.docx/.xlsx", "app"),
    "dashboard": ("dashboard.cli.dashboard_main", "启动 Streamlit 看板（默认 http://127.0.0.1:8501）", "argv"),
}

BENCHES: dict[str, str] = {
    "nlp": "nlp.bench.bench_main",
    "cluster": "nlp.events.bench.bench_cluster_main",
    "crawl": "crawlers.bench.bench_crawl_main",
    "crawl-distributed": "crawlers.bench_distributed.bench_distributed_main",
    "extract": "crawlers.extract.evaluate.evaluate_main",
    "dashboard": "dashboard.bench.bench_dashboard_main",
    "store": "yuqing.bench.bench_store_main",
    "sample-sites": "crawlers.sample_sites.bench.bench_main",
    "replay": "alerts.replay.report.bench_replay_main",
    "routing": "nlp.routing_bench.bench_routing_main",
}


# argparse's own messages (usage lines, "unrecognized arguments", "invalid choice" …), in Chinese. argparse looks
# each message up through its module-level gettext functions; the command line installs this catalog there, once,
# so the parsers of every sub-command and delegated stage answer in Chinese without each keeping its own copy.
ARGPARSE_MESSAGES = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示此帮助并退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "one of the arguments %s is required": "以下参数至少需要一个：%s",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多接受一个值",
    "expected at least one argument": "至少需要一个值",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "不接受取值 %r",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是：%(matches)s",
    "unexpected option string: %s": "意外的选项：%s",
    "invalid %(type)s value: %(value)r": "取值 %(value)r 无效（应为 %(type)s 类型）",
    "invalid choice: %(value)r (choose from %(choices)s)": "取值 %(value)r 无效（可选：%(choices)s）",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知的子命令 %(parser_name)r（可选：%(choices)s）",
    "can't open '%(filename)s': %(error)s": "无法打开「%(filename)s」：%(error)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
}


def install_argparse_messages() -> None:
    """Make argparse answer in Chinese (see ARGPARSE_MESSAGES); messages not in the catalog stay as they are."""
    argparse._ = lambda message: ARGPARSE_MESSAGES.get(message, message)  # type: ignore[attr-defined]
    argparse.ngettext = lambda singular, plural, n: ARGPARSE_MESSAGES.get(  # type: ignore[attr-defined]
        singular if n == 1 else plural, singular if n == 1 else plural)


def _app(args: argparse.Namespace):
    from yuqing.app import App

    return App.load(args.config)


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


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


def cmd_audit(args: argparse.Namespace) -> int:
    """``audit verify``: walk the whole audit hash chain and check the append-only guards; non-zero when broken."""
    workflow = _app(args).store.workflow
    report = workflow.verify_audit()
    if report["ok"]:
        workflow.mark_audit_verified(report["last_id"], report["last_hash"], report["rows"])
    if args.json:
        _print_json(report)
    elif report["ok"]:
        print(f"审计日志完好：共 {report['rows']} 条记录，哈希链连续，只追加保护触发器有效")
    else:
        print(f"审计日志异常（共 {report['rows']} 条记录，已核验 {report['checked']} 条）：", file=sys.stderr)
        for problem in report["problems"]:
            print(f"  - {problem['message']}", file=sys.stderr)
        broken = next((p["id"] for p in report["problems"] if p["kind"] != "trigger" and p["id"] is not None), None)
        if broken is not None:
            print(f"第一处断裂：审计记录 #{broken}", file=sys.stderr)
    return 0 if report["ok"] else 1


def cmd_stats(args: argparse.Namespace) -> int:
    app = _app(args)
    stats = {"sources": len(app.config.sources), **app.store.stats()}
    # From November on, remind the officer to add next year's 调休 arrangement (and this year's, if still missing).
    warnings = app.config.calendar.warnings(clock_now(args.now))
    if args.json:
        _print_json({**stats, "warnings": warnings})
    else:
        labels = {"sources": "来源", "documents": "文档", "pending": "待分析", "analysis_failed": "分析失败",
                  "events": "事件", "alerts": "预警",
                  "open_alerts": "未办结预警", "users": "用户", "departments": "部门"}
        for key, value in stats.items():
            print(f"{labels.get(key, key)}：{value}")
        for warning in warnings:
            print(f"提醒：{warning}")
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    from yuqing.users import UserError, create_user

    app = _app(args)
    if args.action == "list":
        users = app.store.workflow.list_users()
        if args.json:
            _print_json([{"name": u.name, "role": u.role.value, "department": u.department, "active": u.active}
                         for u in users])
        else:
            for u in users:
                print(f"{u.name}\t{u.role.value}\t{u.department or ''}")
        return 0
    if not args.name or not args.role:
        print("用法：yuqing users add NAME --role officer|leader|department|admin [--department D] --password-stdin",
              file=sys.stderr)
        return 2
    if not args.password_stdin:
        print("为避免密码出现在命令历史中，请用 --password-stdin 从标准输入提供密码", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        create_user(app.store.workflow, args.name, args.role, password, department=args.department, now=clock_now())
    except (UserError, StoreError) as exc:
        print(f"无法创建用户：{exc}", file=sys.stderr)
        return 1
    print(f"已创建用户 {args.name}（{args.role}）")
    return 0


def cmd_correct(args: argparse.Namespace) -> int:
    """``correct DOC_ID | --alert ID --topic T --sentiment S --department D``: store an officer's correction of the
    NLP analysis (used as labelled data by ``yuqing train topic``)."""
    from alerts.cli import _action_time, _user  # the same identity and clock rules as `alerts act`
    from alerts.workflow import PermissionDenied
    from nlp.topic import CATEGORIES, OTHER
    from yuqing.corrections import FIELD_LABELS, CorrectionError, record_corrections

    app = _app(args)
    try:
        user = _user(app, args.user, args.password_stdin)
        stored = record_corrections(
            app.store, user, now=_action_time(args.now), doc_id=args.doc_id, alert_id=args.alert, topic=args.topic,
            sentiment=args.sentiment, department=args.department, topics=[*CATEGORIES, OTHER],
            departments=[d.name for d in app.config.departments if not d.supervisor])
    except (CorrectionError, PermissionDenied) as exc:
        print(f"无法更正：{exc}", file=sys.stderr)
        return 1
    if args.json:
        _print_json([{k: v for k, v in c.items() if k != "text"} for c in stored])
    else:
        docs = sorted({c["doc_id"] for c in stored})
        fields = sorted({c["field"] for c in stored}, key=list(FIELD_LABELS).index)
        print(f"已记录 {len(stored)} 条更正（{len(docs)} 条帖子：" + "、".join(
            f"{FIELD_LABELS[f]} → {next(c['new_value'] for c in stored if c['field'] == f)}" for f in fields)
            + "）；主题更正会在下次 yuqing train topic 时作为标注数据使用")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from yuqing.scheduler import run_forever

    return run_forever(args.config)


def cmd_demo(args: argparse.Namespace) -> int:
    from yuqing.demo import run_demo

    return run_demo(port=args.port, dashboard_port=args.dashboard_port, seed=args.seed)


def cmd_bench(args: argparse.Namespace) -> int:
    entry = load_object(BENCHES[args.what])
    return entry(args.rest) or 0


def _port(text: str) -> int:
    """An argparse type: a TCP port 1–65535 (argparse reports the ValueError's message under the option's name)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"端口应为 1–65535 的整数，收到 {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"端口应在 1–65535 之间，收到 {port}")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yuqing", description="政务舆情监测与回应系统")
    parser.add_argument("--config", help="配置文件（默认：$YUQING_CONFIG、./yuqing.toml 或内置样例配置）")
    parser.add_argument("-v", "--verbose", action="store_true", help="输出调试日志")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    p = sub.add_parser("demo", help="一键演示：样例站点 + 调度器 + 看板")
    p.add_argument("--port", type=_port, default=8600, help="样例站点端口")
    p.add_argument("--dashboard-port", type=_port, default=8501, help="看板端口")
    p.add_argument("--seed", type=int, default=42, help="样例数据随机种子")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("run", help="启动调度器：按间隔采集各来源、分析、预警、检查时限")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("tick", help="运行一轮（采集除外）：分析、聚类、预警、时限、通知")
    p.add_argument("--now", help="以该时间运行（ISO 8601）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(func=cmd_tick)

    p = sub.add_parser("process", help="分析所有待处理文档并聚合事件")
    p.add_argument("--now", help="以该时间运行（ISO 8601）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_process)

    p = sub.add_parser("ingest", help="导入 JSON 行文档并分析（幂等；坏行报告行号并跳过）",
                       epilog="每行一个 JSON 对象（UTF-8），至少含 url 或 id、source，以及 title/content/html 之一。"
                              "每行单独校验、单独存储：坏行报告行号后跳过，其余照常存储，有坏行时退出码为 1。"
                              "计数应为 0–2147483647 的整数；published_at 应在 1990 年至当前时间后一天之间（reply.time：后一年）；"
                              "含孤立代理项或 NUL 字符的字符串、嵌套超过 20 层的值和超过 20 MB 的行会被拒绝；"
                              "content 超过 200000 字、html 超过 1000000 字时截断存储并记录原长度。")
    p.add_argument("file", help="JSON 行文件，- 表示标准输入")
    p.add_argument("--now", help="以该时间运行（ISO 8601）")
    p.add_argument("--no-process", action="store_true", help="只存储，不分析")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("audit", help="审计日志：audit verify 校验哈希链（插入、删除、修改）与只追加保护")
    p.add_argument("action", choices=["verify"], help="verify：从头核验整条审计哈希链")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("stats", help="统计：来源、文档、事件、预警数量；缺少节假日安排时提醒")
    p.add_argument("--now", help="以该时间检查（ISO 8601），默认当前时间")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("correct", help="更正帖子或预警的分析结果（主题、情感、责任部门），供重新训练使用")
    p.add_argument("doc_id", nargs="?", help="帖子编号（或用 --alert 指定预警）")
    p.add_argument("--alert", help="预警编号：更正该预警的帖子（事件预警：事件的全部帖子）")
    p.add_argument("--topic", help="正确的主题（七个分类之一，或“其他”）")
    p.add_argument("--sentiment", help="正确的情感：negative、neutral 或 positive")
    p.add_argument("--department", help="正确的责任部门（配置中的部门名称）")
    p.add_argument("--as", dest="user", metavar="用户名", help="以该用户身份更正（须同时加 --password-stdin）")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取 --as 用户的密码（第一行）")
    p.add_argument("--now", help="以该时间登记（仅当 YUQING_ALLOW_CLOCK_OVERRIDE=1，用于测试与演示）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(func=cmd_correct)

    p = sub.add_parser("users", help="账号管理：users add NAME --role R [--department D] --password-stdin；users list")
    p.add_argument("action", choices=["add", "list"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["officer", "leader", "department", "admin"])
    p.add_argument("--department")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("bench", help="基准测试：nlp | cluster | crawl | crawl-distributed | extract | dashboard | store | sample-sites")
    p.add_argument("what", choices=sorted(BENCHES))
    p.add_argument("rest", nargs=argparse.REMAINDER, help="传给该基准测试的参数（如 --json）")
    p.set_defaults(func=cmd_bench)

    for name, (_entry, help_text, _style) in DELEGATED.items():
        p = sub.add_parser(name, help=help_text, add_help=False)
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(func=None, delegated=name)
    return parser


def run_delegated(name: str, rest: list[str], config: str | None) -> int:
    entry_path, _help, style = DELEGATED[name]
    entry: Callable[..., int] = load_object(entry_path)
    if style == "argv":
        return entry(rest) or 0
    if style == "stdio":
        return entry(sys.stdin, sys.stdout, sys.stderr) or 0
    if style == "stdio-argv":
        return entry(rest, sys.stdin, sys.stdout, sys.stderr) or 0
    from yuqing.app import App

    return entry(rest, App.load(config)) or 0


def _command_index(argv: list[str]) -> int | None:
    """Position of the sub-command, skipping the global options before it."""
    i = 0
    while i < len(argv):
        if argv[i] == "--config":
            i += 2
        elif argv[i].startswith("-"):
            i += 1
        else:
            return i
    return None


def main(argv: list[str] | None = None) -> int:
    # Chinese output must survive pipes and non-UTF-8 locales.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    install_argparse_messages()
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # Delegated commands get their arguments untouched (argparse's REMAINDER reorders options).
    split = _command_index(argv)
    if split is not None and argv[split] in DELEGATED:
        args = parser.parse_args(argv[:split + 1])
        args.rest = argv[split + 1:]
    elif split is not None and argv[split] == "bench" and len(argv) > split + 1 and not argv[split + 1].startswith("-"):
        args = parser.parse_args(argv[:split + 2])
        args.rest = argv[split + 2:]
    else:
        args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return 2
    if args.config:
        os.environ["YUQING_CONFIG"] = args.config  # so subprocesses (crawler, dashboard) see the same file
    try:
        if getattr(args, "delegated", None):
            return run_delegated(args.delegated, args.rest, args.config)
        return args.func(args)
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    except TimeFormatError as exc:
        print(f"时间格式错误：{exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"存储错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of ours; silence the flush at exit too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
