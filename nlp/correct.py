"""``yuqing correct DOC_ID | --alert ID | --event ID --topic T --sentiment S --department D --not-issue 理由``: an
officer's correction of the NLP analysis, applied at once and stored by the kernel (yuqing/corrections.py), used as
labelled data by ``yuqing train``; ``yuqing corrections export --out F.jsonl`` writes them as training data."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from yuqing.nlp.topic import CATEGORIES, OTHER
from yuqing.corrections import FIELD_LABELS, CorrectionError, correct, export_rows
from yuqing.identity import action_time, acting_user  # the same identity and clock rules as `alerts act`
from yuqing.workflow import PermissionDenied


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yuqing correct", description="更正帖子或预警的分析结果（主题、情感、责任部门），供重新训练使用")
    p.add_argument("doc_id", nargs="?", help="帖子编号（或用 --alert 指定预警）")
    p.add_argument("--alert", help="预警编号：更正该预警的帖子（事件预警：事件的全部帖子）")
    p.add_argument("--event", help="事件编号：更正该事件的全部帖子（最近 200 条）")
    p.add_argument("--topic", help="正确的主题（七个分类之一，或“其他”）")
    p.add_argument("--sentiment", help="正确的情感：negative、neutral 或 positive")
    p.add_argument("--department", help="正确的责任部门（配置中的部门名称）")
    p.add_argument("--not-issue", dest="not_issue", metavar="理由",
                   help="标记为「不是问题」：办结其预警（记入审计），不再进入热点与预警")
    p.add_argument("--as", dest="user", metavar="用户名", help="以该用户身份更正（须同时加 --password-stdin）")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取 --as 用户的密码（第一行）")
    p.add_argument("--now", help="以该时间登记（仅当 YUQING_ALLOW_CLOCK_OVERRIDE=1，用于测试与演示）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    return p


def correct_main(argv: list[str], app: Any) -> int:
    args = _parser().parse_args(argv)
    try:
        user = acting_user(app, args.user, args.password_stdin)
        outcome = correct(app, user, now=action_time(args.now), doc_id=args.doc_id, alert_id=args.alert,
                          event_id=args.event, topic=args.topic, sentiment=args.sentiment, department=args.department,
                          not_issue=args.not_issue, topics=[*CATEGORIES, OTHER])
        stored = outcome.stored
    except (CorrectionError, PermissionDenied) as exc:
        print(f"无法更正：{exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([{k: v for k, v in c.items() if k != "text"} for c in stored], ensure_ascii=False, indent=2,
                         default=str))
    else:
        docs = sorted({c["doc_id"] for c in stored})
        fields = sorted({c["field"] for c in stored}, key=list(FIELD_LABELS).index)
        print(f"已记录 {len(stored)} 条更正（{len(docs)} 条帖子：" + "、".join(
            "不是问题" if f == "not_issue" else f"{FIELD_LABELS[f]} → {next(c['new_value'] for c in stored if c['field'] == f)}"
            for f in fields)
            + "）；已立即生效，并会在下次 yuqing train 时作为标注数据使用")
        for note in outcome.notes:
            print(note)
    return 0


def corrections_main(argv: list[str], app: Any) -> int:
    """``yuqing corrections export --out F.jsonl``: the officers' corrections as training data (one JSON per line:
    text masked, field, label, model_label), the latest per post and field."""
    p = argparse.ArgumentParser(prog="yuqing corrections", description="人工更正：导出为训练数据")
    sub = p.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("export", help="导出人工更正（每行一个 JSON：text、field、label、model_label），供 yuqing train 使用")
    ex.add_argument("--out", required=True, help="输出文件（.jsonl）；- 表示标准输出")
    args = p.parse_args(argv)
    rows = export_rows(app.store)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if args.out == "-":
        sys.stdout.write(lines)
        return 0
    try:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(lines)
    except OSError:
        print(f"无法写入 {args.out}：目录不存在或没有写入权限", file=sys.stderr)
        return 1
    counts = {k: sum(r["field"] == k for r in rows) for k in FIELD_LABELS}
    print(f"已导出 {len(rows)} 条更正到 {args.out}（" + "，".join(f"{FIELD_LABELS[k]} {n}" for k, n in counts.items())
          + "）；训练：yuqing train topic|sentiment --corrections " + args.out)
    return 0
