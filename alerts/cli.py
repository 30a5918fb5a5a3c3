"""``yuqing alerts …`` and ``yuqing sla …`` commands (wired into yuqing/cli.py by the kernel owner).

Every function returns an exit code; errors print a Chinese message to stderr and return non-zero.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from alerts.deadlines import deadline_details, get_policy
from alerts.service import AlertService
from alerts.workflow import ACTIONS, EXTENSION_ACTIONS, PermissionDenied, WorkflowError
from yuqing.clock import TZ, TimeFormatError, iso, now as clock_now, parse_time
from yuqing.config import ConfigError, load_config
from yuqing.model import STATUS_LABELS, to_plain
from yuqing.storage.base import StoreError


EXTENSION_STATUS = {"pending": "待审批", "granted": "已批准", "rejected": "已驳回"}


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


def _user(app: Any, name: str):
    user = app.store.workflow.get_user(name)
    if user is None:
        raise PermissionDenied(f"用户「{name}」不存在；可用 yuqing users add 创建")
    if not user.active:
        raise PermissionDenied(f"账号「{name}」已停用")
    return user


def alerts_main(argv: list[str], app: Any) -> int:
    p = _Parser(prog="yuqing alerts", description="预警列表、详情与办理")
    sub = p.add_subparsers(dest="cmd", required=True)
    ls = sub.add_parser("list", help="列出预警")
    ls.add_argument("--status", help="状态：open 或 new/dispatched/accepted/returned/responded/reopened/closed")
    ls.add_argument("--department")
    ls.add_argument("--level", type=int)
    ls.add_argument("--as", dest="user", help="以该用户身份查看（部门用户只能看到本部门预警）")
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true")
    sh = sub.add_parser("show", help="预警详情与办理记录")
    sh.add_argument("id")
    sh.add_argument("--as", dest="user")
    sh.add_argument("--now")
    sh.add_argument("--json", action="store_true")
    act = sub.add_parser("act", help="办理操作：" + "、".join(f"{a}（{s.label}）" for a, s in ACTIONS.items()))
    act.add_argument("id")
    act.add_argument("action", choices=list(ACTIONS))
    act.add_argument("--as", dest="user", required=True)
    act.add_argument("--department")
    act.add_argument("--text", help="回应正文、退单理由或延期理由")
    act.add_argument("--rating", help="满意 / 基本满意 / 不满意")
    act.add_argument("--link")
    act.add_argument("--note")
    act.add_argument("--hours", type=float, help="静默时长（小时），默认 24")
    act.add_argument("--version", type=int, help="读取时的版本号；与当前版本不符则拒绝（防止并发覆盖）")
    act.add_argument("--now")
    act.add_argument("--json", action="store_true")
    rs = sub.add_parser("raise", help="人工预警（如登记依申请公开事项：--policy disclosure）")
    rs.add_argument("--as", dest="user", required=True)
    rs.add_argument("--title", required=True)
    rs.add_argument("--reason", required=True)
    rs.add_argument("--level", type=int, default=2, help="1–4，默认 2")
    rs.add_argument("--department", help="责任部门；指定则立即派发并开始计时")
    rs.add_argument("--policy", help="时限策略（默认按级别）；依申请公开用 disclosure")
    rs.add_argument("--event", help="关联事件编号")
    rs.add_argument("--now")
    rs.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    try:
        svc = _service(app)
        if args.cmd == "raise":
            alert = svc.raise_manual(_user(app, args.user), args.title, args.reason, level=args.level,
                                     event_id=args.event, department=args.department, policy=args.policy,
                                     now=clock_now(args.now))
            summary = svc.alert_summary(alert)
            if args.json:
                _print_json(summary | {"version": alert.version})
            else:
                print(f"已创建人工预警 {alert.id}：{summary['level_label']}，状态「{summary['status_label']}」，"
                      f"责任部门 {alert.department or '（未分派）'}，时限策略 {alert.policy or '无'}")
                for name, due in summary["deadlines_text"].items():
                    print(f"时限：{name} {due}")
            return 0
        if args.cmd == "list":
            from yuqing.model import Role, User

            user = _user(app, args.user) if args.user else User(name="cli", role=Role.ADMIN, password_hash="")
            alerts = svc.list_alerts(user, status=args.status, department=args.department, level=args.level,
                                     limit=args.limit)
            if args.json:
                _print_json([{**to_plain(a), "deadlines": {k: iso(v) for k, v in a.deadlines.items()},
                              "created_at": iso(a.created_at)} for a in alerts])
            else:
                if not alerts:
                    print("没有符合条件的预警")
                for a in alerts:
                    due = min(a.deadlines.values()).astimezone(TZ).strftime("%m-%d %H:%M") if a.deadlines else "—"
                    print(f"{a.id}  {a.level}级  {STATUS_LABELS[a.status]:<4}  {a.department or '（未分派）'}  时限 {due}"
                          f"{'  [已督办]' if a.escalated else ''}  {a.title[:40]}")
            return 0
        if args.cmd == "show":
            from yuqing.model import Role, User

            user = _user(app, args.user) if args.user else User(name="cli", role=Role.ADMIN, password_hash="")
            detail = svc.get_alert(user, args.id, now=clock_now(args.now))
            if args.json:
                _print_json(detail)
            else:
                s = detail["summary"]
                print(f"{s['id']}  {s['level_label']}  {s['status_label']}  {s['department'] or '（未分派）'}")
                print(f"标题：{s['title']}\n原因：{s['reason']}")
                for name, due in s["deadlines_text"].items():
                    print(f"时限：{name} {due}")
                ext = detail.get("extension")
                if ext:
                    print(f"延期：{EXTENSION_STATUS.get(ext.get('status'), ext.get('status'))}（{ext.get('requested_by')} "
                          f"申请，理由：{ext.get('reason')}" + (f"；{ext.get('decided_by')} 决定" if ext.get("decided_by") else "")
                          + (f"：{ext['decision_note']}" if ext.get("decision_note") else "") + "）")
                if detail["flags"]["overdue"]:
                    print("【已超时】" + ("，已督办" if detail["flags"]["escalated"] else ""))
                print("办理记录：")
                for e in detail["audit"]:
                    print(f"  {e['at'][:16]}  {e['actor']}  {e['action']}  {e['from_status'] or ''}→{e['to_status'] or ''}  {e['note']}")
            return 0
        user = _user(app, args.user)
        alert = svc.act(user, args.id, args.action, department=args.department, text=args.text, link=args.link,
                        rating=args.rating, note=args.note, now=clock_now(args.now), expected_version=args.version,
                        hours=args.hours)
        if args.json:
            _print_json(svc.alert_summary(alert) | {"version": alert.version})
        else:
            print(f"已{ACTIONS[args.action].label}：预警 {alert.id} 当前状态「{STATUS_LABELS[alert.status]}」，"
                  f"责任部门 {alert.department or '（未分派）'}，版本 {alert.version}")
            if args.action in EXTENSION_ACTIONS:
                ext = alert.details.get("extension") or {}
                print(f"延期：{EXTENSION_STATUS.get(ext.get('status'), ext.get('status'))}；当前时限："
                      + "；".join(f"{k} {v}" for k, v in svc.alert_summary(alert)["deadlines_text"].items()))
        return 0
    except (PermissionDenied, WorkflowError, StoreError, ConfigError, TimeFormatError) as exc:
        kind = "无权操作" if isinstance(exc, PermissionDenied) else "操作失败"
        print(f"{kind}：{exc}", file=sys.stderr)
        return 3 if isinstance(exc, PermissionDenied) else 1


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
        start = parse_time(args.start, field="--start")
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
        for err in ev.get("errors", []):
            print(f"  警告：{err}", file=sys.stderr)
    return 0
