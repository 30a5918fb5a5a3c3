"""Calibration of the topic model's scores and its abstention floor.

One temperature (NLL-optimal) and the lowest floor at which the messages kept (calibrated top probability ≥ floor)
are right at least ``TARGET_PRECISION`` of the time, written to ``<model>.calibration.json`` beside the weights.

Shipped (issue 15): ``yuqing train topic`` fits them on **out-of-fold** scores of the training part's raw messages
(5 folds by md5 of 留言编号, yuqing.nlp.train.topic.topic_oof_scores), so the held-out part of
``gov_messages/labeled_raw.csv`` (30 % per class, yuqing.nlp.train.topic.topic_raw_split) is seen neither by the weights
nor by the calibration, and ``yuqing bench routing``'s figures on it are honest.
``python -m yuqing.nlp.train.calibrate [--data DIR] [--model FILE]`` refits the same way (``--heldout``: on the held-out
part instead, quicker — then the routing figures at that floor are in-sample for these two numbers).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from yuqing.nlp.train.calibration_fit import save_calibration
from yuqing.nlp.train.common import Progress, training_data_dir

def heldout_scores(data_dir: Path, model) -> tuple[np.ndarray, np.ndarray, list[dict], list[list[str]]]:
    """Raw decision scores (n × classes) and label indices of the held-out raw messages (title block included, as
    TopicStage does), with the rows and their content words."""
    from yuqing.nlp.segment import get_segmenter
    from yuqing.nlp.train.topic import raw_message_text, topic_raw_split

    seg = get_segmenter()
    _, rows = topic_raw_split(Path(data_dir))
    rows = [r for r in rows if r["一级标签"] in model.classes]
    docs = [seg.content_words(seg.cut(raw_message_text(r))) for r in rows]
    titles = [seg.content_words(seg.cut(r.get("留言主题") or "")) for r in rows]
    scores = np.array([model.linear.decision(model.features(d, t)) for d, t in zip(docs, titles)], dtype=np.float64)
    labels = np.array([model.classes.index(r["一级标签"]) for r in rows])
    return scores, labels, rows, docs


def fit_calibration(data_dir: Path, model_path: Path | None = None, progress: Progress = print,
                    heldout: bool = False) -> Path:
    """Refit the calibration of the weights at ``model_path`` (default: the shipped file): on out-of-fold scores of
    the training part (the recipe of yuqing.nlp.train.topic refitted per fold), or with ``heldout`` on the held-out part."""
    from yuqing.nlp.linear import LinearModel
    from yuqing.nlp.topic import DEFAULT_PATH, TopicModel

    weights = Path(model_path) if model_path else DEFAULT_PATH
    model = TopicModel(LinearModel.load(weights))  # uncached, without any old calibration
    if heldout:
        scores, labels, _, _ = heldout_scores(data_dir, model)
        return save_calibration(scores, labels, list(model.classes), weights, progress,
                                data="gov_messages/labeled_raw.csv 留出集（30%，按 md5(留言编号) 分层，模型训练未见）")
    from yuqing.nlp.train.topic import TOPIC_CALIBRATION_FOLDS, topic_items, topic_oof_scores

    items = topic_items(Path(data_dir), progress, corrections=[])
    docs, titles, labels = items["train"]
    raw_idx = list(range(len(docs)))[items["raw"]]
    scores = topic_oof_scores(docs, titles, labels, raw_idx, items["ids"], list(model.classes),
                              TOPIC_CALIBRATION_FOLDS, progress)
    y = np.array([model.classes.index(labels[i]) for i in raw_idx])
    return save_calibration(scores, y, list(model.classes), weights, progress,
                            data=f"gov_messages/labeled_raw.csv 训练部分（70%）原始留言的 {TOPIC_CALIBRATION_FOLDS} "
                                 "折交叉拟合分值（留出集未参与）")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yuqing.nlp.train.calibrate", description="用训练部分的交叉拟合分值（或 --heldout：留出集）校准主题模型并选定弃权下限")
    parser.add_argument("--data", type=Path, default=None, help="shared/data 目录（默认 ../shared/data）")
    parser.add_argument("--model", type=Path, default=None, help="主题模型文件（默认 nlp/data/topic.npz）")
    parser.add_argument("--heldout", action="store_true", help="在留出集上拟合（较快；路由评测在该下限处偏乐观）")
    args = parser.parse_args(argv)
    data = training_data_dir(args.data)
    if data is None:
        return 2
    try:
        fit_calibration(data, args.model, heldout=args.heldout)
    except (FileNotFoundError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
