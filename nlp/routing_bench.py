"""``yuqing bench routing``: routing precision at coverage on the labelled messages.

The held-out part of gov_messages/labeled_raw.csv (30 % per class by md5 of 留言编号; the topic weights never saw it)
is analysed by the full NLP pipeline with the default configuration's [[departments]] (or ``--config``). A message's
official first-level category maps to the departments that may rightly handle it (``ACCEPTABLE``: the category is
coarser than the bureaus — a 城乡建设 message about illegal building is the 城管's, about water the 水务局's); the
strict figure counts only the category's main bureau (``PRIMARY``; the specialists sharing a category then count as wrong). For each floor: the share routed automatically
(coverage) and the share of those that went to an acceptable department (precision). "Before" is the previous
routing: the topic model's top category → its department, always routed.

The topic weights are fitted on the training part only, and the calibration's temperature and topic floor on
out-of-fold scores of the training part's raw messages (5 folds, yuqing.nlp.train.topic.topic_oof_scores via
``yuqing train topic`` or ``python -m yuqing.nlp.train.calibrate``): the held-out part reported here was seen by neither,
so these figures are honest for them (a calibration refitted with ``--heldout`` would make them in-sample). The
department rules and evidence weights were written by hand, not fitted here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# category → name fragments of the departments that may rightly handle it (the first is the main bureau).
ACCEPTABLE = {
    "城乡建设": ("住房和城乡建设", "自然资源", "城市管理", "水务", "应急管理", "区人民政府"),
    "劳动和社会保障": ("人力资源和社会保障", "民政"),
    "教育文体": ("教育局", "文化旅游"),
    "商贸旅游": ("商务局", "市场监督管理", "文化旅游"),
    "环境保护": ("生态环境",),
    "卫生计生": ("卫生健康",),
    "交通运输": ("交通运输", "公安"),
}
PRIMARY = {cat: names[:1] for cat, names in ACCEPTABLE.items()}
FLOORS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9)


def _ok(department: str | None, category: str, table: dict) -> bool:
    return bool(department) and any(f in department for f in table.get(category, ()))


def routing_figures(data_dir: Path, config_path: Path | None = None, floors=FLOORS, split: str = "heldout") -> dict:
    from yuqing.nlp.pipeline import Analyzer, settings_from_config
    from yuqing.nlp.stages import DepartmentStage
    from yuqing.nlp.train.topic import topic_raw_split
    from yuqing.config import load_config
    from yuqing.paths import REPO_ROOT

    config = load_config(config_path or REPO_ROOT / "yuqing" / "default_config.toml")
    settings = settings_from_config(config)
    analyzer = Analyzer.from_settings(settings)
    train, held = topic_raw_split(Path(data_dir))
    rows = held if split == "heldout" else train + held
    docs = [analyzer.analyze({"id": r["留言编号"], "title": r["留言主题"], "content": r["留言详情"], "region": "A市"})
            for r in rows]
    cats = [r["一级标签"] for r in rows]
    deps = settings["departments"]
    # Before: the previous default configuration had one city bureau per category and routing took the topic
    # model's top category, so a post went to the right bureau exactly when that category was right.
    before_right = sum(((doc.get("topic_detail") or {}).get("model_label") or doc["topic"]["label"]) == c
                       for doc, c in zip(docs, cats))
    out = {"n": len(docs), "split": split, "departments": [d["name"] for d in deps if not d.get("supervisor")],
           "before": {"coverage": 1.0, "precision": before_right / len(docs),
                      "precision_strict": before_right / len(docs)},
           "floors": []}
    for floor in floors:
        stage = DepartmentStage(deps, settings.get("default_department"), floor=floor)
        routed = [stage.process({k: v for k, v in doc.items() if not k.startswith("department")})["department"]
                  for doc in docs]
        kept = [(d, c) for d, c in zip(routed, cats) if d]
        out["floors"].append({
            "floor": floor, "routed": len(kept), "coverage": len(kept) / len(docs),
            "precision": sum(_ok(d, c, ACCEPTABLE) for d, c in kept) / len(kept) if kept else None,
            "precision_strict": sum(_ok(d, c, PRIMARY) for d, c in kept) / len(kept) if kept else None,
        })
    # Official documents: the project's notice sentences must all abstain.
    notices = [line.strip() for line in (REPO_ROOT / "nlp" / "data" / "neutral_notices.txt").read_text(encoding="utf-8")
               .splitlines() if line.strip() and not line.startswith("#")]
    abstained = sum(analyzer.analyze({"id": str(i), "title": t, "content": ""})["department"] is None
                    for i, t in enumerate(notices))
    out["notices"] = {"n": len(notices), "abstained": abstained}
    return out


def print_figures(f: dict) -> None:
    print(f"路由准确率与覆盖率（{ '留出集' if f['split'] == 'heldout' else '全部'} {f['n']} 条带官方分类的留言；"
          f"部门表：默认配置 {len(f['departments'])} 个承办部门）")
    print("分类 → 可接受的部门：" + "；".join(f"{c}→{'/'.join(v)}" for c, v in ACCEPTABLE.items()))
    b = f["before"]
    print(f"  改前（主题模型首选类别 → 该类别唯一的市级部门，全部自动派发）：覆盖 {b['coverage']:.1%}，准确率 {b['precision']:.1%}"
          f"（严格：{b['precision_strict']:.1%}）")
    print("  下限   自动派发   覆盖率   准确率   严格准确率")
    for r in f["floors"]:
        p = "—" if r["precision"] is None else f"{r['precision']:.1%}"
        ps = "—" if r["precision_strict"] is None else f"{r['precision_strict']:.1%}"
        print(f"  {r['floor']:.2f}   {r['routed']:>6}   {r['coverage']:>6.1%}   {p:>6}   {ps:>6}")
    n = f["notices"]
    print(f"  政府通知类句子（nlp/data/neutral_notices.txt）：{n['abstained']}/{n['n']} 条未自动派发")


def bench_routing_main(argv: list[str] | None = None) -> int:
    from yuqing.config import ConfigError
    from yuqing.paths import shared_data_dir

    parser = argparse.ArgumentParser(prog="yuqing bench routing", description="部门路由：各置信度下限的覆盖率与准确率")
    parser.add_argument("--data-dir", help="shared/data 目录（默认 ../shared/data）")
    parser.add_argument("--config", help="配置文件（默认 yuqing/default_config.toml 的部门表）")
    parser.add_argument("--all", action="store_true", help="用全部 1,106 条（含主题模型训练用过的部分，偏乐观）")
    parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir) if args.data_dir else shared_data_dir()
    if data_dir is None or not Path(data_dir).is_dir():
        print("错误：找不到 ../shared/data，请用 --data-dir 指定", file=sys.stderr)
        return 2
    try:
        figures = routing_figures(Path(data_dir), Path(args.config) if args.config else None,
                                  split="all" if args.all else "heldout")
    except (FileNotFoundError, ValueError, ConfigError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        print_figures(figures)
    return 0


if __name__ == "__main__":
    sys.exit(bench_routing_main())
