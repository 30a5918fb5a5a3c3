"""``yuqing correct DOC_ID | --alert ID --topic T --sentiment S --department D``: an officer's correction of the NLP
analysis, stored by the kernel (yuqing/corrections.py) and used as labelled data by ``yuqing train topic``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from yuqing.nlp.topic import CATEGORIES, OTHER
from yuqing.corrections import FIELD_LABELS, CorrectionError, record_corrections
from yuqing.identity import action_time, acting_user  # the same identity and clock rules as `alerts act`
from yuqing.workflow import PermissionDenied


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yuqing correct", description="更正帖子或预警的分析结果（主题、情感、责任部门），供重新训练使用")
    p.add_argument("doc_id", nargs="?", help="帖子编号（或用 --alert 指定预警）")
    p.add_argument("--alert", help="预警编号：更正该预警的帖子（事件预警：事件的全部帖子）")
    p.add_argument("--topic", help="正确的主题（七个分类之一，或“其他”）")
    p.add_argument("--sentiment", help="正确的情感：negative、neutral 或 positive")
    p.add_argument("--department", help="正确的责任部门（配置中的部门名称）")
    p.add_argument("--as", dest="user", metavar="用户名", help="以该用户身份更正（须同时加 --password-stdin）")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取 --as 用户的密码（第一行）")
    p.add_argument("--now", help="以该时间登记（仅当 YUQING_ALLOW_CLOCK_OVERRIDE=1，用于测试与演示）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    return p


def correct_main(argv: list[str], app: Any) -> int:
    args = _parser().parse_args(argv)
    try:
        user = acting_user(app, args.user, args.password_stdin)
        stored = record_corrections(
            app.store, user, now=action_time(args.now), doc_id=args.doc_id, alert_id=args.alert, topic=args.topic,
            sentiment=args.sentiment, department=args.department, topics=[*CATEGORIES, OTHER],
            departments=[d.name for d in app.config.departments if not d.supervisor])
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
            f"{FIELD_LABELS[f]} → {next(c['new_value'] for c in stored if c['field'] == f)}" for f in fields)
            + "）；主题更正会在下次 yuqing train topic 时作为标注数据使用")
    return 0
