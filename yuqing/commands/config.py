"""``yuqing config export | show | history``: the configuration in force (the file plus the dashboard's changes)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from yuqing.checker import os_error_text
from yuqing.config_auth import mask_secrets
from yuqing.commands.common import load_app as _app, print_json as _print_json


def cmd_config(args: argparse.Namespace) -> int:
    from yuqing import config_store

    app = _app(args)
    workflow = app.store.workflow
    if args.what == "export":
        overlay = config_store.stored_overlay(workflow)
        header = (f"# 由 yuqing config export 导出：配置文件 {app.file_config.path}"
                  + (f" 加看板中的修改（第 {overlay.version} 版）" if overlay.version else "（看板中没有修改）") + "\n")
        text = header + config_store.to_toml(mask_secrets(
            config_store.effective_raw(app.file_config.raw, overlay.document)))  # no open API key (config_auth)
        if not args.out:
            sys.stdout.write(text)
            return 0
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"无法写入 {args.out}：{os_error_text(exc)}", file=sys.stderr)
            return 2
        print(f"已导出在用配置到 {args.out}" + (f"（含看板修改第 {overlay.version} 版）" if overlay.version else ""))
        return 0
    rows = [_plain(r) for r in workflow.config_history(1 if args.what == "show" else 50)]
    if args.json:
        _print_json(rows[0] if args.what == "show" and rows else rows if args.what == "history" else
                    {"version": 0, "file": str(app.file_config.path)})
        return 0
    if not rows:
        print(f"在用配置即配置文件 {app.file_config.path}（看板中没有修改）")
        return 0
    for r in rows:
        print(f"第 {r['version']} 版  {r['at']}  {r['actor']}  {r['summary']}")
        for c in r["changes"]:
            print(f"    {c['key']}：{'新增' if c['before'] is None else '删除' if c['after'] is None else '修改'}")
    return 0


def _plain(row: dict) -> dict:
    return {"version": row["version"], "actor": row["actor"], "at": row["at"].isoformat(), "summary": row["summary"],
            "changes": row["changes"], "sections": sorted(row["document"])}
