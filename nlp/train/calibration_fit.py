"""Fitting a topic calibration from scores: one temperature (NLL-optimal) and the abstention floor, written beside
the weights. Imported by the trainer (yuqing.nlp.train.topic, out-of-fold scores) and by the command that refits a
calibration (yuqing.nlp.train.calibrate); it imports neither."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np

from yuqing.nlp.train.common import Progress

TARGET_PRECISION = 0.95
FLOOR_GRID = tuple(round(x, 2) for x in np.arange(0.30, 0.96, 0.05))


def choose_floor(p: np.ndarray, labels: np.ndarray, target: float = TARGET_PRECISION) -> float:
    """Lowest floor of FLOOR_GRID whose kept messages are right ≥ target of the time (the highest if none is)."""
    top, pred = p.max(axis=1), p.argmax(axis=1)
    for floor in FLOOR_GRID:
        kept = top >= floor
        if kept.any() and float((pred[kept] == labels[kept]).mean()) >= target:
            return float(floor)
    return float(FLOOR_GRID[-1])


def save_calibration(scores: np.ndarray, labels: np.ndarray, classes: list[str], weights: Path,
                     progress: Progress = print, data: str = "") -> Path:
    """Fit temperature and floor on (scores, label indices) and write them beside ``weights``."""
    from yuqing.nlp.topic import Calibration, calibration_path, file_sha256, fit_temperature, softmax

    if len(labels) < 50:
        raise ValueError(f"校准集只有 {len(labels)} 条带标签留言，不足以校准主题模型")
    t = fit_temperature(scores, labels)
    p = softmax(scores / t)
    floor = choose_floor(p, labels)
    top, pred = p.max(axis=1), p.argmax(axis=1)
    kept = top >= floor
    cal = Calibration(temperature=round(t, 4), floor=floor, classes=list(classes),
                      model_sha256=file_sha256(weights), provenance={
                          "fitted": _dt.date.today().isoformat(), "data": data,
                          "n": int(len(labels)), "method": "温度缩放（负对数似然最小）；下限 = 保留部分准确率 ≥ "
                                                           f"{TARGET_PRECISION} 的最低阈值",
                          "coverage_at_floor": round(float(kept.mean()), 4),
                          "precision_at_floor": round(float((pred[kept] == labels[kept]).mean()), 4),
                      })
    out = calibration_path(weights)
    cal.save(out)
    progress(f"主题模型校准：温度 T = {t:.3f}，弃权下限 {floor:.2f}（校准集 {len(labels)} 条：覆盖 {kept.mean():.1%}，"
             f"覆盖部分准确率 {(pred[kept] == labels[kept]).mean():.1%}）→ {out}")
    return out
