"""``yuqing similar``: 类案参考 on the command line.

    yuqing similar --alert ID [--json] [--top N] [--as NAME --password-stdin]
    yuqing similar --text TEXT [--json] [--top N]
    yuqing similar import [--file messages_with_replies.csv]

``--alert`` reads the tokens the NLP stage stored for the alert's posts (yuqing.similar); ``--text`` is tokenized
here, by the NLP stage, and classified for the topic filter. ``import`` analyses the real messages with replies named
by ``[similar] reference`` (or ``--file``) once into the reference corpus under YUQING_HOME."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from yuqing.identity import acting_user
from yuqing.nlp.pipeline import StageError
from yuqing.similar import DEFAULT_TOP, SimilarError, reference_csv, reference_db, similar_for_alert, similar_for_terms
from yuqing.similar_views import SimilarCasesView
from yuqing.workflow import PermissionDenied, WorkflowError


class _ArgError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit(2) in English before we could say it our way
        raise _ArgError(message)


def _parser() -> _Parser:
    p = _Parser(prog="yuqing similar", description="类案参考：查找有官方答复的相似留言，给出答复用时、是否模板、评价和答复草稿",
                epilog="导入参考库：yuqing similar import [--file messages_with_replies.csv]")
    p.add_argument("--alert", metavar="预警编号", help="为该预警查找类案（用其帖子已存的分词）")
    p.add_argument("--text", metavar="文本", help="为一段留言或事件描述查找类案")
    p.add_argument("--top", metavar="N", default=str(DEFAULT_TOP), help=f"每个来源最多几条（1–20，默认 {DEFAULT_TOP}）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--as", dest="user", metavar="用户名", help="以该用户身份查看预警（须同时加 --password-stdin）")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取 --as 用户的密码（第一行）")
    return p


def _import_parser() -> _Parser:
    p = _Parser(prog="yuqing similar import", description="把有官方答复的真实留言导入参考库（分词、主题、答复质量各算一次）")
    p.add_argument("--file", metavar="CSV", help="messages_with_replies.csv（默认为配置 [similar] reference）")
    return p


def similar_main(argv: list[str], app: Any) -> int:
    if argv[:1] == ["import"]:
        return import_main(argv[1:], app)
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if (args.alert is None) == (args.text is None):
            raise _ArgError("请给出 --alert 预警编号 或 --text 文本（二者选一）")
        try:
            top = int(args.top)
        except ValueError:
            raise _ArgError(f"--top 应为 1 到 20 之间的整数（实际为「{args.top}」）") from None
    except _ArgError as exc:
        print(f"参数错误：{exc}\n{parser.format_usage()}", file=sys.stderr, end="")
        return 2
    try:
        if args.alert is not None:
            user = acting_user(app, args.user, args.password_stdin)
            view = similar_for_alert(app, user, args.alert.strip(), top=top)
        else:
            if args.user or args.password_stdin:
                raise SimilarError("--as/--password-stdin 只用于 --alert：按文本查找类案不涉及预警")
            terms, topic, vector = tokenize(args.text, app.config)
            view = similar_for_terms(app, terms, args.text, topic=topic, top=top, vector=vector)
    except (SimilarError, PermissionDenied, WorkflowError, StageError) as exc:
        print(f"无法查找类案：{exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(view.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_text(view))
    return 0


def tokenize(text: str, config: Any = None) -> tuple[list[str], str | None, list[float] | None]:
    """(query terms, topic, embedding or None) of a typed text, as the configured NLP pipeline analyses a post."""
    from yuqing.nlp.similar_corpus import light_analyzer
    from yuqing.similar import terms_from_words

    if not isinstance(text, str) or not text.strip():
        raise SimilarError("--text 不能为空：请给出要查找类案的留言或事件描述")
    out = light_analyzer(config).analyze({"id": "query", "title": "", "content": text})
    return terms_from_words([out.get("content_words") or []]), (out.get("topic") or {}).get("label"), out.get("embedding")


def render_text(view: SimilarCasesView) -> str:
    lines = [f"类案参考：{view.query}" + (f"（主题：{view.topic}）" if view.topic else "")
             + ("（已按语义向量重排）" if view.reranked else "")]
    for label, cases in (("本市已答复的相似帖子", view.local), ("参考库（真实留言及答复）", view.reference)):
        lines.append(f"\n{label}：{len(cases)} 条")
        for n, c in enumerate(cases, 1):
            took = f"{c.reply_days:g} 天" if c.reply_days is not None else "未知"
            template = {True: "是", False: "否", None: "未评估"}[c.template]
            lines.append(f"{n}. {c.title}　相似度 {c.similarity:g}　答复用时 {took}　模板答复：{template}　{c.evaluation}")
            lines.append(f"   答复：{' '.join(c.reply.split())[:120]}")
    lines.append("\n答复草稿：" + ("\n" + view.draft if view.draft else "（无）"))
    lines.extend(f"说明：{n}" for n in view.notes)
    return "\n".join(lines)


def import_main(argv: list[str], app: Any) -> int:
    from yuqing.clock import now as clock_now
    from yuqing.nlp.similar_corpus import ReferenceError, light_analyzer, read_messages, store_messages
    from yuqing.storage.sqlite import SQLiteStore

    parser = _import_parser()
    try:
        args = parser.parse_args(argv)
    except _ArgError as exc:
        print(f"参数错误：{exc}\n{parser.format_usage()}", file=sys.stderr, end="")
        return 2
    path = Path(args.file) if args.file else reference_csv(app.config)
    if path is None:
        print("无法导入参考库：未指定文件。请在配置中写 [similar] reference = \"…/messages_with_replies.csv\"，"
              "或用 --file 指定", file=sys.stderr)
        return 1
    try:
        messages = read_messages(path)
        analyzer = light_analyzer(app.config)
    except (ReferenceError, StageError) as exc:
        print(f"无法导入参考库：{exc}", file=sys.stderr)
        return 1
    if not messages:
        print(f"无法导入参考库：{path} 中没有带官方答复的留言", file=sys.stderr)
        return 1
    target = reference_db(app.config)
    store = SQLiteStore(target)
    try:
        count = store_messages(store, messages, clock_now(), analyzer=analyzer,
                               progress=lambda n: print(f"已导入 {n}/{len(messages)} 条", file=sys.stderr))
    finally:
        store.close()
    print(f"参考库已导入 {count} 条有官方答复的留言：{target}")
    return 0
