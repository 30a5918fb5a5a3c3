"""``yuqing schemes add|list|show|edit|delete|matches|backfill``: 监测方案 from the command line.

``add`` and ``edit`` back-fill the scheme's history at once, with progress on stderr (``--no-backfill`` leaves it to
the scheduler's next process run). A bad expression prints the parser's Chinese message with a caret under the
position and exits 2. Changes are audited (``scheme:NAME``), as the acting user (``--as NAME --password-stdin``,
officers and administrators) or the local system operator.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from typing import Any

from yuqing.clock import now as clock_now
from yuqing.clock import parse_time
from yuqing.commands.common import load_app, print_json
from yuqing.model import Role, Scheme, SchemeError

ACTIONS = ("add", "list", "show", "edit", "delete", "matches", "backfill")
MANAGERS = (Role.ADMIN, Role.OFFICER)


def add_parser(sub: Any) -> None:
    """The ``schemes`` sub-command (called by ``yuqing.cli.build_parser``)."""
    p = sub.add_parser("schemes", help="监测方案：schemes add NAME --expr 表达式 | list | show NAME | edit NAME | "
                                       "delete NAME | matches NAME --json | backfill NAME",
                       epilog="表达式支持 AND/OR/NOT、括号、引号短语、NEAR/N、标题:/正文:/来源: 以及 地域词：/主体词：/"
                              "事件词：/排除词： 分组写法。--source、--region 可重复；--start/--end 为 ISO 8601 时间或日期。")
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("name", nargs="?", help="方案名称")
    p.add_argument("--expr", help="方案表达式")
    p.add_argument("--owner", help="负责人")
    p.add_argument("--source", action="append", help="只匹配这些来源（可重复；不加则为全部来源）")
    p.add_argument("--region", action="append", help="只匹配这些地区（可重复；不加则为全部地区）")
    p.add_argument("--start", help="生效开始时间（ISO 8601）")
    p.add_argument("--end", help="生效结束时间（ISO 8601，不含）")
    p.add_argument("--all-sources", action="store_true", help="edit：取消来源限制")
    p.add_argument("--all-regions", action="store_true", help="edit：取消地区限制")
    p.add_argument("--no-period", action="store_true", help="edit：取消生效时间限制")
    p.add_argument("--no-backfill", action="store_true", help="add/edit：不立即回溯历史（由调度器在后台完成）")
    p.add_argument("--limit", type=int, default=50, help="matches：最多列出多少篇（默认 50）")
    p.add_argument("--as", dest="as_user", help="以该账号身份操作（需 --password-stdin）")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取 --as 账号的密码")
    p.add_argument("--now", help="以该时间运行（ISO 8601；仅用于 show 的趋势）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(handler="yuqing.commands.schemes.cmd_schemes")


def _fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


def _expression_error(expression: str, exc: SchemeError) -> int:
    print(f"方案表达式错误：{exc}", file=sys.stderr)
    if exc.position is not None and expression:
        print(f"  {expression}", file=sys.stderr)
        # A caret under the position (full-width characters take two columns in a terminal).
        width = sum(2 if ord(ch) > 0x2E7F else 1 for ch in expression[:exc.position])
        print("  " + " " * width + "^", file=sys.stderr)
    return 2


def _time(value: str | None, label: str) -> datetime | None:
    return parse_time(value, field=label)


def _progress() -> Any:
    """Progress on stderr (stdout stays the result, e.g. JSON): about once a second, and at the end."""
    last = [0.0]

    def show(report: Any) -> None:
        if report.done or time.monotonic() - last[0] >= 1.0:
            last[0] = time.monotonic()
            state = "完成" if report.done else "进行中"
            print(f"回溯方案「{report.scheme}」：已检查 {report.examined} 篇，匹配 {report.matched} 篇（{state}）",
                  file=sys.stderr)
    return show


def _run_backfill(app: Any, name: str) -> dict[str, Any]:
    from yuqing.scheme_matching import backfill

    titles = {s.name: s.title for s in app.config.sources if s.title}
    r = backfill(app.store.documents, name, source_titles=titles, progress=_progress())
    return {"examined": r.examined, "matched": r.matched, "done": r.done, "superseded": r.superseded}


def _actor(app: Any, args: argparse.Namespace) -> str:
    from yuqing.identity import acting_user
    from yuqing.workflow import PermissionDenied

    user = acting_user(app, args.as_user, args.password_stdin)
    if user.role not in MANAGERS:
        raise PermissionDenied(f"用户「{user.name}」（{user.role.value}）无权管理监测方案：需要舆情专员或管理员")
    return user.name


def cmd_schemes(args: argparse.Namespace) -> int:
    from yuqing.workflow import PermissionDenied

    if args.action != "list" and not args.name:
        return _fail(f"用法：yuqing schemes {args.action} 方案名称 …（缺少方案名称）")
    if args.action == "matches" and not 1 <= args.limit <= 10000:
        return _fail("--limit 应在 1 到 10000 之间")
    app = load_app(args)
    try:
        if args.action in ("add", "edit", "delete"):
            return _change(app, args, _actor(app, args))
        return _read(app, args)
    except PermissionDenied as exc:
        return _fail(f"无权操作：{exc}", 1)
    except SchemeError as exc:
        if exc.position is not None:
            return _expression_error(args.expr or "", exc)
        return _fail(f"方案有误：{exc}")


def _change(app: Any, args: argparse.Namespace, actor: str) -> int:
    from yuqing.schemes import add_scheme, delete_scheme, edit_scheme

    now = clock_now()
    known = [s.name for s in app.config.sources]
    store = app.store
    if args.action == "delete":
        rules = [str(r.get("name") or f"第 {i} 条") for i, r in enumerate(app.config.raw.get("alerts", {}).get("rules", []), 1)
                 if isinstance(r, dict) and r.get("scheme") == args.name]
        if rules:  # deleting it would leave those rules naming a scheme that no longer exists
            return _fail(f"方案「{args.name}」仍被预警规则「{'」「'.join(rules)}」限定，不能删除；请先修改或删除这些规则"
                         "（看板「预警规则与静默」或配置文件的 [[alerts.rules]]）")
        delete_scheme(store, args.name, actor=actor, now=now)
        print(f"已删除方案「{args.name}」及其匹配记录")
        return 0
    if args.action == "add":
        if not args.expr:
            return _fail("新建方案需要 --expr 表达式，例如 --expr '供暖 AND (不热 OR 停暖) NOT 广告'")
        scheme = Scheme(name=args.name, expression=args.expr, owner=args.owner, sources=tuple(args.source or ()),
                        regions=tuple(args.region or ()), start=_time(args.start, "--start"),
                        end=_time(args.end, "--end"))
        saved = add_scheme(store, scheme, actor=actor, now=now, known_sources=known)
        verb = "已新建"
    else:
        changes: dict[str, Any] = {}
        if args.expr is not None:
            changes["expression"] = args.expr
        if args.owner is not None:
            changes["owner"] = args.owner
        if args.source or args.all_sources:
            changes["sources"] = () if args.all_sources else tuple(args.source)
        if args.region or args.all_regions:
            changes["regions"] = () if args.all_regions else tuple(args.region)
        if args.no_period:
            changes.update(start=None, end=None)
        if args.start:
            changes["start"] = _time(args.start, "--start")
        if args.end:
            changes["end"] = _time(args.end, "--end")
        if not changes:
            return _fail("没有要修改的内容：可用 --expr、--owner、--source/--all-sources、--region/--all-regions、"
                         "--start/--end/--no-period")
        saved = edit_scheme(store, args.name, actor=actor, now=now, known_sources=known, **changes)
        verb = "已修改"
    result: dict[str, Any] = {"name": saved.name, "version": saved.version, "backfill_done": saved.backfill_done}
    if not saved.backfill_done and not args.no_backfill:
        result["backfill"] = _run_backfill(app, saved.name)
    if args.json:
        print_json(result)
    else:
        note = "" if saved.backfill_done or not args.no_backfill else "；历史回溯将由调度器在后台完成"
        print(f"{verb}方案「{saved.name}」（第 {saved.version} 版）{note}")
        if "backfill" in result:
            print(f"历史回溯：检查 {result['backfill']['examined']} 篇，匹配 {result['backfill']['matched']} 篇")
    return 0


def _read(app: Any, args: argparse.Namespace) -> int:
    from yuqing.scheme_views import scheme_view, scheme_views
    from yuqing.storage.base import DocumentFilter
    from yuqing.views import build_document_view

    docs = app.store.documents
    if args.action == "list":
        views = scheme_views(docs)
        if args.json:
            print_json([v.to_dict() for v in views])
        elif not views:
            print("还没有监测方案；新建：yuqing schemes add 名称 --expr 表达式")
        for v in views if not args.json else ():
            print(f"{v.name}\t{v.matches} 篇\t{v.backfill_status}\t{v.expression}")
        return 0
    if args.action == "backfill":
        if docs.get_scheme(args.name) is None:
            return _fail(f"方案「{args.name}」不存在", 1)
        result = _run_backfill(app, args.name)
        if args.json:
            print_json(result)
        else:
            print(f"方案「{args.name}」历史回溯{'完成' if result['done'] else '未完成'}：本次检查 {result['examined']} 篇，"
                  f"匹配 {result['matched']} 篇")
        return 0
    view = scheme_view(docs, args.name, clock_now(args.now))
    if view is None:
        return _fail(f"方案「{args.name}」不存在（yuqing schemes list 查看全部方案）", 1)
    if args.action == "show":
        if args.json:
            print_json(view.to_dict())
        else:
            _print_view(view)
        return 0
    total, found = docs.list_documents(DocumentFilter(scheme=args.name), limit=args.limit)
    items = [build_document_view(d).to_dict() for d in found]
    if args.json:
        print_json({"scheme": args.name, "total": total, "documents": items})
    else:
        print(f"方案「{args.name}」共匹配 {total} 篇，以下为最新 {len(items)} 篇：")
        for item in items:
            print(f"{item['published_at'] or ''}\t{item['source']}\t{item['title']}")
    return 0


def _print_view(view: Any) -> None:
    print(f"方案：{view.name}（第 {view.version} 版，历史回溯{view.backfill_status}）")
    print(f"表达式：{view.expression}")
    print(f"负责人：{view.owner or '未指定'}")
    print(f"来源：{'、'.join(view.sources) or '全部'}；地区：{'、'.join(view.regions) or '全部'}")
    period = "不限" if not (view.start or view.end) else f"{view.start or '不限'} 至 {view.end or '不限'}"
    print(f"生效时间：{period}")
    print(f"匹配文档：{view.matches} 篇")
    print("近 {} 天：{}".format(len(view.trend), "，".join(f"{day[5:]} {n}" for day, n in view.trend)))
