"""``yuqing search EXPR``: documents matching an expression of the search language, near-duplicates folded."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import timedelta

from yuqing.commands.common import load_app, print_json

_DATE_ONLY = re.compile(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}")


def cmd_search(args: argparse.Namespace) -> int:
    from yuqing.clock import parse_time
    from yuqing.query import QueryError, parse
    from yuqing.search import app_search, error_caret
    from yuqing.storage.base import DocumentFilter

    try:
        query = parse(args.expression)
    except QueryError as exc:  # before the store is opened: a typo costs nothing
        line, caret = error_caret(args.expression, exc)
        print(f"查询有误：{exc}\n  {line}\n  {caret}", file=sys.stderr)
        return 2
    if args.limit < 1 or args.offset < 0:
        print("--limit 须为正整数，--offset 不能为负", file=sys.stderr)
        return 2
    since = parse_time(args.since, field="--since")
    until = parse_time(args.until, field="--until")
    if until is not None and _DATE_ONLY.fullmatch(args.until.strip()):
        until += timedelta(days=1)  # a day given alone is included whole
    app = load_app(args)
    if args.source and args.source not in {s.name for s in app.config.sources}:
        known = "、".join(s.name for s in app.config.sources) or "（无）"
        print(f"没有名为「{args.source}」的来源；已配置的来源：{known}", file=sys.stderr)
        return 2
    flt = DocumentFilter(source=args.source, since=since, until=until)
    view = app_search(app, query, flt, limit=args.limit, offset=args.offset)
    if args.json:
        print_json(view.to_dict())
        return 0
    folded = view.matches - view.total
    print(f"查询：{view.query}")
    print(f"匹配 {view.matches} 篇" + (f"，折叠相似后 {view.total} 条" if folded > 0 else "")
          + (f"；显示第 {view.offset + 1}–{view.offset + len(view.hits)} 条" if view.hits else ""))
    for i, hit in enumerate(view.hits, view.offset + 1):
        when = hit.published_at.strftime("%Y-%m-%d %H:%M") if hit.published_at else "时间不详"
        extra = f" · {hit.similar_label}" if hit.similar_ids else ""
        print(f"{i}. {_one_line(hit.title)}\n   {hit.source_title} · {when}{extra}\n   {_one_line(hit.snippet)}\n"
              f"   {hit.url}")
    return 0


def _one_line(text: str) -> str:
    # Crawled text is text: no line breaks or terminal control characters reach the screen.
    return "".join(ch if ch.isprintable() else " " for ch in text)
