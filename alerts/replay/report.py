"""The replay's text report (:func:`format_report`) and the command ``yuqing bench replay``
(:func:`bench_replay_main`)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from yuqing.alerts.replay.data import FILES
from yuqing.alerts.replay.run import run_replay


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def format_report(r: dict[str, Any]) -> str:
    d, a = r["data"], r["alerts"]
    lines = [
        "回放基准：共享真实留言逐日经 ingest + tick",
        f"数据：{d['replayed_messages']} 条留言（{'、'.join(f'{k} {v} 行' for k, v in d['files'].items())}；重复编号 "
        f"{d['duplicates']} 条合并），其中 {d['with_reply']} 条有官方答复；{d['first_day']} 至 {d['last_day']}，"
        f"{d['days']} 个模拟日；答复按真实时间到达 {d['reply_arrivals']} 次；入库文档 {d['stored_documents']} 篇"
        + (f"；拒收 {len(d['bad_records'])} 条" if d["bad_records"] else ""),
        "",
        f"一、预警数量：共 {a['total']} 条（库中 {a['in_store']} 条）；每日中位数 {a['per_day']['median']:g}，"
        f"最多 {a['per_day']['max']}，有预警的日子 {a['per_day']['days_with_alerts']} 天；有新留言的 "
        f"{a['per_day']['days_with_posts']} 天里每日中位数 {a['per_day']['median_on_days_with_posts']:g}；最后 365 天共 "
        f"{a['per_day']['last_365_days']['total']} 条，每日中位数 {a['per_day']['last_365_days']['median']:g}，"
        f"最多 {a['per_day']['last_365_days']['max']}",
        "  按规则：" + "，".join(f"{k} {v}" for k, v in a["by_rule"].items()),
        "  按级别：" + "，".join(f"{k} 级 {v}" for k, v in a["by_level"].items()),
    ]
    if a["per_day"]["busiest"]:
        lines.append("  最多的日子：" + "，".join(f"{x['date']} {x['alerts']} 条" for x in a["per_day"]["busiest"]))
    o = r["one_post"]
    lines += ["", f"二、只依据一篇帖子的预警：{o['alerts']} 条，占 {_pct(o['share'])}（其中一、二级 {o['level_1_2']} 条）；"
                  "按规则：" + ("，".join(f"{k} {v}" for k, v in o["by_rule"].items()) or "无")]
    k = r["keywords"]
    names = {"substring": "子串误配（不是分词后的词）", "negated": "否定", "hypothetical": "假设/担忧", "past": "过去"}
    lines += ["", f"三、敏感词预警 {k['alerts']} 条：命中词每一处都不是肯定陈述（子串误配、否定、假设或过去）的 "
                  f"{k['all_negated_or_hypothetical']} 条，占 {_pct(k['share'])}（"
                  + "，".join(f"{names[c]} {n}" for c, n in k["by_context"].items()) + "）；"
                  f"至少一处如此的 {k['some_negated_or_hypothetical']} 条（{_pct(k['share_some'])}）",
              "  命中处：" + "，".join(f"{names.get(c, '肯定陈述')} {n}" for c, n in k["occurrences"].items())]
    if k["words"]:
        lines.append("  命中词（预警数）：" + "，".join(f"{w} {n}" for w, n in list(k["words"].items())[:15]))
    for ex in k["examples"][:6]:
        lines.append(f"  例：{ex['alert']}「{ex['word']}」{names[ex['context']]}：「…{ex['snippet']}…」")
    s = r["issues"]
    lines += ["", f"四、已知议题（{s['definition']}）：{s['count']} 个；被拆成多条预警的 {s['split_across_alerts']} 个，"
                  f"其中事件预警多于一条的 {s['split_across_event_alerts']} 个（逐帖的超期未答复预警除外），完全没有预警的 {s['uncovered']} 个"]
    for row in s["list"]:
        lines.append(f"  {row['issue']}：{row['posts']} 帖（{row['first']}—{row['last']}），预警 {row['alerts']} 条，"
                     f"事件 {row['events']} 个（未聚类 {row['unclustered']} 帖），最佳事件占 {_pct(row['best_event_share'])}，"
                     f"被覆盖 {row['covered_posts']} 帖" + (f"，部门：{'、'.join(row['departments'])}" if row["departments"] else ""))
    b = r["bursts"]
    lines += ["", f"五、突发（{b['definition']}）：{b['count']} 次，发现 {b['detected']} 次，漏报 {b['missed']} 次；"
                  f"延迟中位数 {b['median_delay_hours'] if b['median_delay_hours'] is not None else '—'} 小时，"
                  f"最大 {b['max_delay_hours'] if b['max_delay_hours'] is not None else '—'} 小时；"
                  f"其中由事件类预警（超期未答复以外）发现 {b['detected_by_event_alert']} 次，延迟中位数 "
                  f"{b['median_event_delay_hours'] if b['median_event_delay_hours'] is not None else '—'} 小时"]
    for row in b["list"]:
        found = "未发现" if row["delay_hours"] is None else f"延迟 {row['delay_hours']} 小时" + (
            f"（事件类预警 {row['event_delay_hours']} 小时）" if row["event_delay_hours"] is not None else "（仅超期未答复预警）")
        lines.append(f"  {row['issue']}：{row['start'][:16]} 起 {row['posts']} 帖（基线 {row['baseline']}），{found}")
    rt = r["routing"]
    lines += ["", f"六、路由：弃权（无部门或以“不确定”交专员）{rt['abstentions']} 条，占 {_pct(rt['abstention_share'])}"
                  f"（无部门 {rt['no_department']}，不确定 {rt['unsure_to_officer']}）；交兜底部门 {rt['fallback_department']} 条",
              "  部门分布：" + "，".join(f"{k} {v}" for k, v in rt["departments"].items())]
    od = r["overdue_reply"]
    lines += ["", f"七、超期未答复预警 {od['alerts']} 条，其中答复已到仍未关闭 {od['open_after_reply']} 条（{_pct(od['share'])}）；"
                  f"{od['on_posts_without_reply_in_data']} 条针对数据中没有答复记录的留言（labeled_raw.csv 不含答复）"]
    u = r["uncovered"]
    lines += ["", f"八、没有任何预警覆盖的留言 {u['posts']} 条（{_pct(u['share'])}）"]
    if u["likes_available"]:
        lines.append("  点赞最多而未被覆盖：" + ("；".join(f"{x['likes']} 赞「{x['title'][:30]}」" for x in u["top_liked"]) or "无"))
    else:
        lines.append("  共享数据没有点赞数列，无法列出点赞最多而未被覆盖的帖子；最大的未覆盖议题："
                     + ("；".join(f"{x['issue']}（{x['posts']} 帖）" for x in u["largest_uncovered_issues"]) or "无"))
    return "\n".join(lines)


def _day(text: str) -> date:
    """An argparse type: a calendar day YYYY-MM-DD (argparse reports the message under the option's name)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为日期 YYYY-MM-DD（如 2018-11-15），收到 {text!r}") from None


def bench_replay_main(argv: list[str] | None = None) -> int:
    from yuqing.config import ConfigError
    from yuqing.paths import shared_data_dir

    parser = argparse.ArgumentParser(prog="yuqing bench replay",
                                     description="回放基准：把共享真实留言按日经 ingest + tick 回放，统计预警质量")
    parser.add_argument("--data", help="共享数据目录（默认 ../shared/data）")
    parser.add_argument("--config", help="被测配置（默认内置配置；存储与通知由基准接管）")
    parser.add_argument("--start", type=_day, help="从该日开始（YYYY-MM-DD；默认第一条留言之日）")
    parser.add_argument("--days", type=int, help="只回放开头 N 个模拟日")
    parser.add_argument("--limit", type=int, help="只回放最早的 N 条留言")
    parser.add_argument("--json", action="store_true", help="输出 JSON")
    args = parser.parse_args(argv)
    for name in ("days", "limit"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} 必须为正整数")
    data = Path(args.data) if args.data else shared_data_dir()
    if data is None or not (data / "gov_messages" / FILES[0]).is_file():
        print(f"找不到共享数据 {data or '../shared/data'}/gov_messages/{FILES[0]}；请用 --data 指定共享数据目录",
              file=sys.stderr)
        return 2
    try:
        result = run_replay(data, days=args.days, limit=args.limit, start=args.start,
                            config_path=Path(args.config) if args.config else None)
    except (ConfigError, ValueError, OSError) as exc:
        print(f"回放失败：{exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_report(result))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(bench_replay_main())
