"""Calibration of the topic model's scores and its abstention floor, fitted on held-out labelled messages.

``python -m nlp.train.calibrate [--data DIR] [--model FILE]`` writes ``<model>.calibration.json`` beside the
weights (``yuqing train topic`` refits it after writing new weights). The fit uses the held-out part of
``gov_messages/labeled_raw.csv`` (30 % per class by md5 of 留言编号, nlp.train.topic.topic_raw_split), which the
weights never saw: one temperature (NLL-optimal) and the lowest floor at which the messages kept (calibrated top
probability ≥ floor) are right at least ``TARGET_PRECISION`` of the time. Officers' corrections are not used here
(they may be on the training side). The same split serves ``yuqing bench routing``, so its figures at the fitted
floor are in-sample for these two numbers; the bench also prints a two-fold cross-fit to show the optimism.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
from pathlib import Path

import numpy as np

from nlp.train.common import Progress

TARGET_PRECISION = 0.95
FLOOR_GRID = tuple(round(x, 2) for x in np.arange(0.30, 0.96, 0.05))


def heldout_scores(data_dir: Path, model) -> tuple[np.ndarray, np.ndarray, list[dict], list[list[str]]]:
    """Raw decision scores (n × classes) and label indices of the held-out raw messages, with the rows and their
    content words."""
    from nlp.linear import topic_features
    from nlp.segment import get_segmenter
    from nlp.train.topic import raw_message_text, topic_raw_split

    seg = get_segmenter()
    _, rows = topic_raw_split(Path(data_dir))
    rows = [r for r in rows if r["一级标签"] in model.classes]
    docs = [seg.content_words(seg.cut(raw_message_text(r))) for r in rows]
    scores = np.array([model.linear.decision(topic_features(d, model.linear.bits)) for d in docs], dtype=np.float64)
    labels = np.array([model.classes.index(r["一级标签"]) for r in rows])
    return scores, labels, rows, docs


def choose_floor(p: np.ndarray, labels: np.ndarray, target: float = TARGET_PRECISION) -> float:
    """Lowest floor of FLOOR_GRID whose kept messages are right ≥ target of the time (the highest if none is)."""
    top, pred = p.max(axis=1), p.argmax(axis=1)
    for floor in FLOOR_GRID:
        kept = top >= floor
        if kept.any() and float((pred[kept] == labels[kept]).mean()) >= target:
            return float(floor)
    return float(FLOOR_GRID[-1])


def fit_calibration(data_dir: Path, model_path: Path | None = None, progress: Progress = print) -> Path:
    from nlp.topic import DEFAULT_PATH, Calibration, TopicModel, calibration_path, file_sha256, fit_temperature, softmax
    from nlp.linear import LinearModel

    weights = Path(model_path) if model_path else DEFAULT_PATH
    model = TopicModel(LinearModel.load(weights))  # uncached, without any old calibration
    scores, labels, _, _ = heldout_scores(data_dir, model)
    if len(labels) < 50:
        raise ValueError(f"留出集只有 {len(labels)} 条带标签留言，不足以校准主题模型")
    t = fit_temperature(scores, labels)
    p = softmax(scores / t)
    floor = choose_floor(p, labels)
    top, pred = p.max(axis=1), p.argmax(axis=1)
    kept = top >= floor
    cal = Calibration(temperature=round(t, 4), floor=floor, classes=list(model.classes),
                      model_sha256=file_sha256(weights), provenance={
                          "fitted": _dt.date.today().isoformat(),
                          "data": "gov_messages/labeled_raw.csv 留出集（30%，按 md5(留言编号) 分层，模型训练未见）",
                          "n": int(len(labels)), "method": "温度缩放（负对数似然最小）；下限 = 保留部分准确率 ≥ "
                                                           f"{TARGET_PRECISION} 的最低阈值",
                          "coverage_at_floor": round(float(kept.mean()), 4),
                          "precision_at_floor": round(float((pred[kept] == labels[kept]).mean()), 4),
                      })
    out = calibration_path(weights)
    cal.save(out)
    progress(f"主题模型校准：温度 T = {t:.3f}，弃权下限 {floor:.2f}（留出集 {len(labels)} 条：覆盖 {kept.mean():.1%}，"
             f"覆盖部分准确率 {(pred[kept] == labels[kept]).mean():.1%}）→ {out}")
    return out


def main(argv: list[str] | None = None) -> int:
    from yuqing.paths import shared_data_dir

    parser = argparse.ArgumentParser(prog="python -m nlp.train.calibrate", description="在留出的带标签留言上校准主题模型并选定弃权下限")
    parser.add_argument("--data", type=Path, default=None, help="shared/data 目录（默认 ../shared/data）")
    parser.add_argument("--model", type=Path, default=None, help="主题模型文件（默认 nlp/data/topic.npz）")
    args = parser.parse_args(argv)
    data = args.data or shared_data_dir()
    if data is None or not Path(data).is_dir():
        print("错误：找不到共享数据目录，请用 --data 指定 shared/data 的路径。", file=sys.stderr)
        return 2
    try:
        fit_calibration(Path(data), args.model)
    except (FileNotFoundError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
