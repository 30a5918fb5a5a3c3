"""``yuqing audit | stats | users``: the store's health, counts and accounts."""

from __future__ import annotations

import argparse
import sys

from yuqing.clock import now as clock_now
from yuqing.commands.common import load_app as _app, print_json as _print_json
from yuqing.storage.base import StoreError


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
    staffed = {u.department for u in app.store.workflow.list_users() if u.active and u.department}
    # Departments whose alerts wait for an officer instead of being dispatched (alerts/holds.py).
    unstaffed = [d.name for d in app.config.departments if d.name not in staffed]
    if args.json:
        _print_json({**stats, "warnings": warnings, "departments_without_accounts": unstaffed})
    else:
        labels = {"sources": "来源", "documents": "文档", "pending": "待分析", "analysis_failed": "分析失败",
                  "events": "事件", "alerts": "预警",
                  "open_alerts": "未办结预警", "users": "用户", "departments": "部门"}
        for key, value in stats.items():
            print(f"{labels.get(key, key)}：{value}")
        for warning in warnings:
            print(f"提醒：{warning}")
        if unstaffed:
            print(f"注意：{len(unstaffed)} 个部门尚无账号，预警不会自动派发、待专员人工派发：" + "、".join(unstaffed)
                  + "（yuqing users add 名称 --role department --department 部门 --password-stdin）")
    return 0


def _read_password(args: argparse.Namespace) -> str | None:
    if not args.password_stdin:
        print("为避免密码出现在命令历史中，请用 --password-stdin 从标准输入提供密码", file=sys.stderr)
        return None
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users(args: argparse.Namespace) -> int:
    """Account changes go through :mod:`yuqing.accounts` as the local system operator, audited as the dashboard's."""
    from yuqing import accounts
    from yuqing.users import UserError, system_operator

    app = _app(args)
    if args.action == "list":
        users = app.store.workflow.list_users()
        if args.json:
            _print_json([{"name": u.name, "role": u.role.value, "department": u.department, "active": u.active}
                         for u in users])
        else:
            for u in users:
                print(f"{u.name}\t{u.role.value}\t{u.department or ''}\t{'启用' if u.active else '停用'}")
        return 0
    usage = {"add": "yuqing users add NAME --role officer|leader|department|admin [--department D] --password-stdin",
             "deactivate": "yuqing users deactivate NAME", "activate": "yuqing users activate NAME",
             "passwd": "yuqing users passwd NAME --password-stdin"}[args.action]
    if not args.name or (args.action == "add" and not args.role):
        print(f"用法：{usage}", file=sys.stderr)
        return 2
    workflow, actor, now = app.store.workflow, system_operator(), clock_now()
    try:
        if args.action == "add":
            password = _read_password(args)
            if password is None:
                return 2
            accounts.add_account(workflow, actor, args.name, args.role, password, department=args.department, now=now)
            print(f"已创建用户 {args.name}（{args.role}）")
        elif args.action == "passwd":
            password = _read_password(args)
            if password is None:
                return 2
            accounts.reset_password(workflow, actor, args.name, password, now=now)
            print(f"已重置用户 {args.name} 的密码")
        else:
            active = args.action == "activate"
            changed = accounts.set_active(workflow, actor, args.name, active, now=now)
            word = "启用" if active else "停用"
            print(f"已{word}用户 {args.name}" + ("，其登录会话已全部注销" if not active else "") if changed
                  else f"用户 {args.name} 本已{word}，没有改动")
    except (UserError, StoreError) as exc:
        what = {"add": "创建用户", "passwd": "重置密码", "activate": "启用用户", "deactivate": "停用用户"}[args.action]
        print(f"无法{what}：{exc}", file=sys.stderr)
        return 1
    return 0
