"""``yuqing alerts …`` and ``yuqing sla …`` commands (wired into yuqing/cli.py by the kernel owner).

Every function returns an exit code; errors print a Chinese message to stderr and return non-zero.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from yuqing.alerts.deadlines import deadline_details, get_policy
from yuqing.alerts.service import AlertService
from yuqing.clock import NOW_EARLIEST, NOW_LATEST, TZ, TimeFormatError, iso, now as clock_now, parse_time
from yuqing.config import ConfigError, load_config
from yuqing.identity import CLOCK_OVERRIDE_ENV, action_time, acting_user
from yuqing.model import to_plain
from yuqing.storage.base import StoreError
from yuqing.workflow import ACTIONS, EXTENSION_ACTIONS, PermissionDenied, WorkflowError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors, in Chinese framing
        self.print_usage(sys.stderr)
        print(f"参数错误：{message}", file=sys.stderr)
        raise SystemExit(2)


def _print_json(data: Any) -> None:
    print(json.dumps(to_plain(data), ensure_ascii=False, indent=2))


def _service(app: Any) -> AlertService:
    svc = getattr(app, "alert_service", None)
    return svc if isinstance(svc, AlertService) else AlertService.from_config(app.config, app.store)


def _positive(flag: str, most: int):
    """An argparse type: a whole number 1..most, with a Chinese message otherwise."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} 应为正整数，实际为「{text}」") from None
        if not 1 <= value <= most:
            raise argparse.ArgumentTypeError(f"{flag} 应在 1–{most} 之间，实际为 {value}")
        return value
    return parse


def _add_identity(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--as", dest="user", metavar="用户名",
                        help=f"以该用户身份{what}（须同时加 --password-stdin 验证密码）；不加则以本机系统操作员身份执行")
    parser.add_argument("--password-stdin", action="store_true", help="从标准输入读取 --as 用户的密码（第一行）")


def alerts_main(argv: list[str], app: Any, stdin: TextIO | None = None) -> int:
    p = _Parser(prog="yuqing alerts", description="预警列表、详情与办理")
    sub = p.add_subparsers(dest="cmd", required=True)
    ls = sub.add_parser("list", help="列出预警")
    ls.add_argument("--status", help="状态：open 或 new/dispatched/accepted/returned/responded/reopened/closed")
    ls.add_argument("--department")
    ls.add_argument("--level", type=int)
    ls.add_argument("--escalated", action="store_true",
                    help="只列已督办的预警（督办部门的账号：督办至本部门的全部预警，即督查室的督办视图）")
    _add_identity(ls, "查看（部门用户只能看到本部门预警）")
    ls.add_argument("--page", type=_positive("--page", 10**9), default=1, metavar="N", help="第几页（从 1 起），默认 1")
    ls.add_argument("--page-size", "--limit", dest="page_size", type=_positive("--page-size", 1000), default=100,
                    metavar="M", help="每页条数（1–1000），默认 100；末尾会打印总条数与页数")
    ls.add_argument("--json", action="store_true")
    sh = sub.add_parser("show", help="预警详情与办理记录")
    sh.add_argument("id")
    _add_identity(sh, "查看")
    sh.add_argument("--now")
    sh.add_argument("--json", action="store_true")
    sh.add_argument("--reveal", action="store_true",
                    help="查看原文（未脱敏的标题、原因、帖文与回应；仅舆情专员与管理员，须 --reason 说明理由，记入审计日志）")
    sh.add_argument("--reason", help="查看原文的理由（与 --reveal 一起使用）")
    act = sub.add_parser("act", help="办理操作：" + "、".join(f"{a}（{s.label}）" for a, s in ACTIONS.items()))
    act.add_argument("id")
    act.add_argument("action", choices=list(ACTIONS))
    _add_identity(act, "办理")
    act.add_argument("--department")
    act.add_argument("--text", help="回应正文、退单理由或延期理由")
    act.add_argument("--rating", help="满意 / 基本满意 / 不满意")
    act.add_argument("--link")
    act.add_argument("--note")
    act.add_argument("--hours", type=float, help="静默时长（小时），默认 24")
    act.add_argument("--version", type=int, help="读取时的版本号；与当前版本不符则拒绝（防止并发覆盖）")
    act.add_argument("--now", help=f"以该时间登记（仅当 {CLOCK_OVERRIDE_ENV}=1，用于测试与演示）")
    act.add_argument("--json", action="store_true")
    rs = sub.add_parser("raise", help="人工预警（如登记依申请公开事项：--policy disclosure）")
    _add_identity(rs, "发起")
    rs.add_argument("--title", required=True)
    rs.add_argument("--reason", required=True)
    rs.add_argument("--level", type=int, default=2, help="1–4，默认 2")
    rs.add_argument("--department", help="责任部门；指定则立即派发并开始计时")
    rs.add_argument("--policy", help="时限策略（默认按级别）；依申请公开用 disclosure")
    rs.add_argument("--event", help="关联事件编号")
    rs.add_argument("--now", help=f"以该时间登记（仅当 {CLOCK_OVERRIDE_ENV}=1，用于测试与演示）")
    rs.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    try:
        svc = _service(app)
        if args.cmd == "raise":
            alert = svc.raise_manual(acting_user(app, args.user, args.password_stdin, stdin), args.title, args.reason, level=args.level,
                                     event_id=args.event, department=args.department, policy=args.policy,
                                     now=action_time(args.now))
            view = svc.alert_view(alert)
            if args.json:
                _print_json(view.to_dict())
            else:
                print(f"已创建人工预警 {view.id}：{view.level_label}，状态「{view.status_label}」，"
                      f"责任部门 {view.department or '（未分派）'}，时限策略 {view.policy or '无'}")
                for name, due in view.deadlines_text.items():
                    print(f"时限：{name} {due}")
            return 0
        if args.cmd == "list":
            user = acting_user(app, args.user, args.password_stdin, stdin)
            total, views = svc.page_alerts(user, status=args.status, department=args.department, level=args.level,
                                           limit=args.page_size, offset=(args.page - 1) * args.page_size,
                                           escalated=True if args.escalated else None, supervision=args.escalated)
            pages = max(1, -(-total // args.page_size))
            if args.json:
                _print_json({"total": total, "page": args.page, "pages": pages, "page_size": args.page_size,
                             "alerts": [v.to_dict() for v in views]})
            else:
                if not views:
                    print("没有符合条件的预警")
                for v in views:
                    due = v.due_at.astimezone(TZ).strftime("%m-%d %H:%M") if v.due_at else "—"
                    if any(d.provisional for d in v.deadlines):
                        due += "（暂定）"  # counted through a year whose 调休 arrangement is not configured yet
                    print(f"{v.id}  {v.level}级  {v.status_label:<4}  {v.department or '（未分派）'}  时限 {due}"
                          f"{'  [已督办]' if v.escalated else ''}  {_line(v.title)[:40]}")
                if args.page > pages:
                    print(f"共 {total} 条，共 {pages} 页：第 {args.page} 页超出范围")
                else:
                    print(f"共 {total} 条，第 {args.page}/{pages} 页" + (
                        f"（下一页：--page {args.page + 1}）" if args.page < pages else ""))
            return 0
        if args.cmd == "show":
            user = acting_user(app, args.user, args.password_stdin, stdin)
            if args.reveal or args.reason:
                if not args.reveal:
                    raise WorkflowError("--reason 只与 --reveal（查看原文）一起使用")
                raw = svc.reveal(user, args.id, args.reason or "", now=clock_now(args.now))
                _show_raw(raw, args.json)
                return 0
            detail = svc.get_alert(user, args.id, now=clock_now(args.now))
            if args.json:
                _print_json(detail.to_dict())
            else:
                _show_detail(detail)
            return 0
        user = acting_user(app, args.user, args.password_stdin, stdin)
        alert = svc.act(user, args.id, args.action, department=args.department, text=args.text, link=args.link,
                        rating=args.rating, note=args.note, now=action_time(args.now), expected_version=args.version,
                        hours=args.hours)
        view = svc.alert_view(alert)
        if args.json:
            _print_json(view.to_dict())
        else:
            print(f"已{ACTIONS[args.action].label}：预警 {view.id} 当前状态「{view.status_label}」，"
                  f"责任部门 {view.department or '（未分派）'}，版本 {view.version}")
            if args.action in EXTENSION_ACTIONS:
                ext = view.extension
                print(f"延期：{ext.status_label if ext else '无'}；当前时限："
                      + "；".join(f"{k} {v}" for k, v in view.deadlines_text.items()))
        return 0
    except (PermissionDenied, WorkflowError, StoreError, ConfigError, TimeFormatError) as exc:
        kind = "无权操作" if isinstance(exc, PermissionDenied) else "操作失败"
        print(f"{kind}：{exc}", file=sys.stderr)
        return 3 if isinstance(exc, PermissionDenied) else 1


def _line(text: str) -> str:
    """One line of a listing: a title's own line breaks must not forge further rows."""
    return " ".join((text or "").split())


def _show_detail(detail: Any) -> None:
    s = detail.alert
    print(f"{s.id}  {s.level_label}  {s.status_label}  {s.department or '（未分派）'}")
    print(f"标题：{s.title}\n原因：{s.reason}")
    for name, due in s.deadlines_text.items():
        print(f"时限：{name} {due}")
    ext = s.extension
    if ext:
        print(f"延期：{ext.status_label}（{ext.requested_by} 申请，理由：{ext.reason}"
              + (f"；{ext.decided_by} 决定" if ext.decided_by else "")
              + (f"：{ext.decision_note}" if ext.decision_note else "") + "）")
    for r in s.returns:
        print(f"退单：{r.department} {r.by}（{r.at.astimezone(TZ).strftime('%Y-%m-%d %H:%M') if r.at else ''}）：{r.reason}")
    if detail.flags.get("overdue"):
        print("【已超时】" + ("，已督办" if detail.flags.get("escalated") else ""))
    if detail.event and detail.event.emotions:
        print("事件情绪：" + "、".join(f"{k} {v:.0%}" for k, v in detail.event.emotions.items()))
    for r in detail.responses:
        print(f"回应：{r.department} {r.author}（{iso(r.created_at)[:16]}）{'评价：' + r.rating if r.rating else ''}")
        print(f"  {r.text}")
    if detail.documents:
        print("相关帖文：")
        for d in detail.documents:
            print(f"  {iso(d.published_at)[:16] if d.published_at else ''}  {d.source}  {_line(d.title)}")
    print("办理记录：")
    for e in detail.audit:
        print(f"  {iso(e.at)[:16]}  {e.actor}  {e.action}  {e.from_status or ''}→{e.to_status or ''}  {e.note}")
    if detail.can_reveal:
        print("（以上为脱敏文本；查看原文：yuqing alerts show ID --reveal --reason 理由，将记入审计日志）")


def _show_raw(raw: Any, as_json: bool) -> None:
    if as_json:
        _print_json(raw.to_dict())
        return
    print(f"【原文】预警 {raw.alert_id}（{raw.revealed_by} 于 {iso(raw.revealed_at)[:16]} 查看，理由：{raw.why}；已记入审计日志）")
    print(f"标题：{raw.title}\n原因：{raw.reason}")
    for d in raw.documents:
        print(f"帖文 {d.id[:12]}：{d.title}（作者：{d.author or '匿名'}）\n  {d.text}")
        if d.reply:
            print(f"  官方答复：{d.reply}")
    for text in raw.responses:
        print(f"回应：{text}")
    for text in raw.returns:
        print(f"退单理由：{text}")


def sla_main(argv: list[str], app: Any = None) -> int:
    p = _Parser(prog="yuqing sla", description="按时限策略计算办理截止时间（工作日含法定节假日与调休）")
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("deadline", help="计算截止时间")
    d.add_argument("--policy", required=True, help="level1、level2、consult、help、complaint、disclosure 或配置中的策略")
    d.add_argument("--start", required=True, help="起算时间（派发时间），ISO 8601")
    d.add_argument("--extended", action="store_true", help="适用延期（依申请公开 +20 个工作日）")
    d.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    try:
        # Called without an App from the command line: read the same file (--config / YUQING_CONFIG / ./yuqing.toml)
        # so its [deadlines] policies and [calendar] arrangements apply.
        config = app.config if app is not None and getattr(app, "config", None) else load_config()
        section = config.section("deadlines")
        # The same years as any --now: a start in 9999 would overflow the working-day count, not compute a deadline.
        start = parse_time(args.start, field="--start", earliest=NOW_EARLIEST, latest=NOW_LATEST)
        policy = get_policy(args.policy, section)
        deadlines = deadline_details(args.policy, start, section, extended=args.extended, calendar=config.calendar)
    except (ConfigError, TimeFormatError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    years = sorted({y for dl in deadlines.values() for y in dl.provisional_years})
    if args.json:
        print(json.dumps({**{k: iso(v.due) for k, v in deadlines.items()},
                          "provisional": bool(years), "provisional_years": years}, ensure_ascii=False))
    else:
        print(f"策略：{policy.name}（{policy.label}），起算：{iso(start)}")
        for spec in policy.deadlines:
            kind = f"{spec.hours:g} 小时（自然时间）" if spec.hours is not None else \
                f"{spec.working_days + (spec.extension_working_days if args.extended else 0)} 个工作日（起算日不计，截至当日 23:59:59）"
            dl = deadlines[spec.name]
            print(f"  {spec.label}（{spec.name}）：{iso(dl.due)}{dl.note}  —— {kind}")
        if years:
            print(f"注意：{'、'.join(map(str, years))} 年的调休安排尚未公布（或尚未配置），上述工作日时限按法定节假日"
                  f"（含补假、不含调休）暂定计算；公布后请在配置文件中加入 "
                  f"{'、'.join(f'[calendar.{y}]' for y in years)}，时限将随之改变。")
    return 0


def tick_main(argv: list[str], app: Any) -> int:
    """``yuqing tick --now ISO``: rules, deadline warnings/escalations and due notifications as of that time."""
    p = _Parser(prog="yuqing tick", description="按指定时间运行预警规则、时限检查与通知投递")
    p.add_argument("--now")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    try:
        result = _service(app).tick(clock_now(args.now))
    except (ConfigError, TimeFormatError, StoreError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    if args.json:
        _print_json(result)
    else:
        ev, dl, dv = result["evaluate"], result["deadlines"], result["deliveries"]
        print(f"规则：新建 {ev.get('created', 0)} 条，升级 {ev.get('raised', 0)} 条，静默 {ev.get('silenced', 0)} 条；"
              f"时限：提醒 {dl['warned']} 条，超时 {dl['overdue']} 条，督办 {dl['escalated']} 条；"
              f"通知：发送 {dv['messages']} 封（{dv['sent']} 条），重试 {dv['retrying']}，失败 {dv['failed']}")
        wt, an = dl.get("waiting") or {}, ev.get("answered") or {}
        if wt.get("reminded") or wt.get("escalated") or an.get("closed") or an.get("dropped"):
            print(f"待派发：提醒 {wt.get('reminded', 0)} 条，报督查 {wt.get('escalated', 0)} 条；"
                  f"官方已答复：自动办结 {an.get('closed', 0)} 条，移出汇总 {an.get('dropped', 0)} 条留言")
        for err in ev.get("errors", []):
            print(f"  警告：{err}", file=sys.stderr)
    return 0
