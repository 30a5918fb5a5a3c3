"""``yuqing events list | show``: events with their brief (事件简报) and spread (传播路径), as masked views."""

from __future__ import annotations

import argparse
import sys

from yuqing.commands.common import load_app, print_json


def _limit(text: str) -> int:
    """An argparse type: how many events, 1–1000."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为 1–1000 的整数，收到 {text!r}") from None
    if not 1 <= n <= 1000:
        raise argparse.ArgumentTypeError(f"应在 1–1000 之间，收到 {n}")
    return n


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("events", help="事件：events list [--limit N --since 时间]；events show 编号（含简报与传播路径）")
    p.add_argument("action", choices=["list", "show"], help="list：按热度列出事件；show：一个事件的简报、传播路径和帖子")
    p.add_argument("event_id", nargs="?", help="事件编号（show）")
    p.add_argument("--limit", type=_limit, default=20, help="最多列出 N 个事件（1–1000，默认 20）")
    p.add_argument("--since", help="只列出该时间以后仍有帖子的事件（ISO 8601）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(handler="yuqing.commands.events.cmd_events")


def cmd_events(args: argparse.Namespace) -> int:
    if args.action == "show" and not args.event_id:
        print("请给出事件编号：yuqing events show 编号（用 yuqing events list 查看编号）", file=sys.stderr)
        return 2
    if args.action == "list" and args.event_id:
        print(f"events list 不接受事件编号（收到 {args.event_id}）；查看一个事件请用 yuqing events show 编号", file=sys.stderr)
        return 2
    from yuqing.clock import parse_time

    since = parse_time(args.since, field="--since") if args.since else None
    app = load_app(args)
    if args.action == "list":
        return _list(app, args, since)
    return _show(app, args)


def _list(app, args: argparse.Namespace, since) -> int:
    from yuqing.eventviews import build_brief_view
    from yuqing.viewparts import fmt_local
    from yuqing.views import build_event_view

    events = app.store.documents.list_events(limit=args.limit, since=since)
    if args.json:
        rows = []
        for e in events:
            brief = build_brief_view(e)
            rows.append({**build_event_view(e).to_dict(), "brief": brief.short() if brief else None})
        print_json(rows)
        return 0
    if not events:
        print("没有事件")
    for e in events:
        v = build_event_view(e)
        print(f"{v.id}  热度 {v.heat:6.1f}  {v.doc_count:4d} 条  {fmt_local(v.last_seen)}  {v.title}")
    return 0


def _show(app, args: argparse.Namespace) -> int:
    from yuqing.eventviews import event_detail, source_titles
    from yuqing.viewparts import fmt_local

    detail = event_detail(app.store, args.event_id, titles=source_titles(app.config))
    if detail is None:
        print(f"未找到事件 {args.event_id}（用 yuqing events list 查看事件编号）", file=sys.stderr)
        return 2
    if args.json:
        print_json(detail.to_dict())
        return 0
    e = detail.event
    print(f"事件 {e.id}：{e.title}")
    print(f"热度 {e.heat:.1f}；{e.doc_count} 条，{e.source_count} 个来源；{fmt_local(e.first_seen)} — {fmt_local(e.last_seen)}")
    if detail.brief is None:
        print("（尚未生成简报：下一轮分析后生成）")
    else:
        print("\n【事件简报】")
        for s in detail.brief.facts():
            print(f"  {s}")
        for s in detail.brief.sentences:
            print(f"  {'要点' if s.kind == 'key' else '诉求'}：{s.text}  〔帖子 {s.doc_id[:12]}〕")
    sp = detail.spread
    if sp is not None and sp.first is not None:
        print("\n【传播路径】")
        print(f"  首发：{fmt_local(sp.first.at)} {sp.first.source}「{sp.first_title}」〔帖子 {sp.first.doc_id[:12]}〕")
        print("  来源分布：" + "、".join(f"{n}（{c} 条，{share:.0%}）" for n, c, share in sp.sources[:8]))
        print("  来源类型：" + "、".join(f"{n}（{share:.0%}）" for n, _, share in sp.source_types))
        print(f"  转载/相似帖：{sp.reposts} 条")
        for at, posts, before in sp.jumps:
            print(f"  热度跃升：{fmt_local(at)} {posts} 条（此前平均 {before:g} 条）")
    if detail.posts:
        print("\n【帖子】")
        for p in detail.posts:
            print(f"  {fmt_local(p.published_at)}  {p.source}  {p.title}  〔{p.id[:12]}〕")
    return 0
