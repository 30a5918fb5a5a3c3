"""The ``yuqing`` command line. Help and messages are in Chinese.

The kernel's own commands live in yuqing/commands/ and are imported only when they run (``handler`` is a class
path); the stages' commands are plug-ins (yuqing/commands/__init__.py: the ``yuqing.commands`` entry points), so this
module names no stage.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Callable

from yuqing.commands import NOT_INSTALLED_HINT, Plugins, StageCommand, plugins as stage_plugins
from yuqing.plugins import load_object

KERNEL_COMMANDS = ("demo", "run", "tick", "process", "ingest", "audit", "stats", "users", "bench", "search",
                   "schemes", "events", "config")


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


def _port(text: str) -> int:
    """An argparse type: a TCP port 1–65535 (argparse reports the ValueError's message under the option's name)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"端口应为 1–65535 的整数，收到 {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"端口应在 1–65535 之间，收到 {port}")
    return port


def build_parser(plugins: Plugins | None = None) -> argparse.ArgumentParser:
    """The whole parser; ``plugins`` adds the stages' commands and benches (None: the kernel's commands only)."""
    parser = argparse.ArgumentParser(prog="yuqing", description="政务舆情监测与回应系统")
    parser.add_argument("--config", help="配置文件（默认：$YUQING_CONFIG、./yuqing.toml 或内置样例配置）")
    parser.add_argument("-v", "--verbose", action="store_true", help="输出调试日志")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    p = sub.add_parser("demo", help="一键演示：样例站点 + 调度器 + 看板")
    p.add_argument("--port", type=_port, default=8600, help="样例站点端口")
    p.add_argument("--dashboard-port", type=_port, default=8501, help="看板端口")
    p.add_argument("--seed", type=int, default=42, help="样例数据随机种子")
    p.set_defaults(handler="yuqing.commands.service.cmd_demo")

    p = sub.add_parser("run", help="启动调度器：按间隔采集各来源、分析、预警、检查时限")
    p.set_defaults(handler="yuqing.commands.service.cmd_run")

    p = sub.add_parser("tick", help="运行一轮（采集除外）：分析、聚类、预警、时限、通知")
    p.add_argument("--now", help="以该时间运行（ISO 8601）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(handler="yuqing.commands.pipeline.cmd_tick")

    p = sub.add_parser("process", help="分析所有待处理文档并聚合事件")
    p.add_argument("--now", help="以该时间运行（ISO 8601）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="yuqing.commands.pipeline.cmd_process")

    p = sub.add_parser("ingest", help="导入 JSON 行文档并分析（幂等；坏行报告行号并跳过）",
                       epilog="每行一个 JSON 对象（UTF-8），至少含 url 或 id、source，以及 title/content/html 之一。"
                              "每行单独校验、单独存储：坏行报告行号后跳过，其余照常存储，有坏行时退出码为 1。"
                              "计数应为 0–2147483647 的整数；published_at 应在 1990 年至当前时间后一天之间（reply.time：后一年）；"
                              "含孤立代理项或 NUL 字符的字符串、嵌套超过 20 层的值和超过 20 MB 的行会被拒绝；"
                              "content 超过 200000 字、html 超过 1000000 字时截断存储并记录原长度。")
    p.add_argument("file", help="JSON 行文件，- 表示标准输入")
    p.add_argument("--now", help="以该时间运行（ISO 8601）")
    p.add_argument("--no-process", action="store_true", help="只存储，不分析")
    p.set_defaults(handler="yuqing.commands.pipeline.cmd_ingest")

    p = sub.add_parser("audit", help="审计日志：audit verify 校验哈希链（插入、删除、修改）与只追加保护")
    p.add_argument("action", choices=["verify"], help="verify：从头核验整条审计哈希链")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(handler="yuqing.commands.admin.cmd_audit")

    p = sub.add_parser("stats", help="统计：来源、文档、事件、预警数量；缺少节假日安排时提醒")
    p.add_argument("--now", help="以该时间检查（ISO 8601），默认当前时间")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="yuqing.commands.admin.cmd_stats")

    p = sub.add_parser("users", help="账号管理：users add NAME --role R [--department D] --password-stdin；users list；"
                                     "users deactivate|activate NAME；users passwd NAME --password-stdin（均记入审计日志）")
    p.add_argument("action", choices=["add", "list", "deactivate", "activate", "passwd"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["officer", "leader", "department", "admin"])
    p.add_argument("--department")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="yuqing.commands.admin.cmd_users")

    p = sub.add_parser("search", help="检索：search 表达式 [--json]（AND/OR/NOT、括号、\"短语\"、NEAR/N、标题:/正文:/来源:，"
                                      "或 地域词：…/事件词：…/排除词：… 分组写法；繁简通查，相似帖折叠）",
                       epilog="表达式写法见 docs/design.md「检索表达式」。例：yuqing search '(供暖 OR 暖气) NEAR/10 不热 NOT 广告'")
    p.add_argument("expression", help="检索表达式（含空格时请加引号）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--limit", type=int, default=20, help="每页条数（默认 20）")
    p.add_argument("--offset", type=int, default=0, help="从第几条之后开始（默认 0）")
    p.add_argument("--source", help="只查该来源（来源名）")
    p.add_argument("--since", help="发布时间不早于（ISO 8601 或 YYYY-MM-DD）")
    p.add_argument("--until", help="发布时间早于（ISO 8601；只写日期则含当天）")
    p.set_defaults(handler="yuqing.commands.search.cmd_search")

    from yuqing.commands.schemes import add_parser as add_schemes_parser

    add_schemes_parser(sub)
    from yuqing.commands.events import add_parser as add_events_parser

    add_events_parser(sub)

    from yuqing.commands.bench import KERNEL_BENCHES

    bench_names = sorted({**(plugins.benches if plugins else {}), **KERNEL_BENCHES})
    p = sub.add_parser("config", help="在用配置（配置文件 + 看板中的修改）：config export [--out 文件] | show | history")
    p.add_argument("what", choices=["export", "show", "history"], help="export 导出 TOML；show 当前版本；history 修改记录")
    p.add_argument("--out", help="export：写入该文件（默认输出到标准输出）")
    p.add_argument("--json", action="store_true", help="show/history：输出 JSON")
    p.set_defaults(handler="yuqing.commands.config.cmd_config")

    p = sub.add_parser("bench", help="基准测试：" + " | ".join(bench_names))
    p.add_argument("what", choices=bench_names)
    p.add_argument("rest", nargs=argparse.REMAINDER, help="传给该基准测试的参数（如 --json）")
    p.set_defaults(handler="yuqing.commands.bench.cmd_bench")

    for command in (plugins.commands.values() if plugins else ()):
        if command.name in KERNEL_COMMANDS:  # a plug-in cannot replace a kernel command
            continue
        p = sub.add_parser(command.name, help=command.help, add_help=False)
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(handler=None, stage_command=command)
    return parser


def run_stage_command(command: StageCommand, rest: list[str], config: str | None) -> int:
    entry: Callable[..., int] = load_object(command.entry)
    if command.style == "argv":
        return entry(rest) or 0
    if command.style == "stdio-argv":
        return entry(rest, sys.stdin, sys.stdout, sys.stderr) or 0
    from yuqing.app import App

    app = App.load(config)
    app.refresh()  # the configuration in force: the file plus the dashboard's stored changes
    return entry(rest, app) or 0


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
    argv = list(sys.argv[1:] if argv is None else argv)
    split = _command_index(argv)
    # A kernel command other than bench needs no plug-in: it starts without reading the entry points.
    kernel_only = split is not None and argv[split] in KERNEL_COMMANDS and argv[split] != "bench"
    found = None if kernel_only else stage_plugins()
    parser = build_parser(found)
    for problem in found.problems if found else ():
        print(problem, file=sys.stderr)
    if found is not None and not found.commands and (split is None or argv[split] not in KERNEL_COMMANDS):
        print(NOT_INSTALLED_HINT, file=sys.stderr)
    # Stage commands get their arguments untouched (argparse's REMAINDER reorders options).
    if split is not None and found is not None and argv[split] in found.commands:
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
    # Imported after parsing: `yuqing --help` and argument errors need neither configuration nor storage.
    from yuqing.clock import TimeFormatError
    from yuqing.config import ConfigError
    from yuqing.storage.base import StoreError

    if args.config:
        os.environ["YUQING_CONFIG"] = args.config  # so subprocesses (crawler, dashboard) see the same file
    try:
        if getattr(args, "stage_command", None):
            return run_stage_command(args.stage_command, args.rest, args.config)
        return load_object(args.handler)(args)
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
