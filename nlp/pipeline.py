"""Analyzer: runs the configured NLP stages over documents, one at a time (memory stays flat).

    analyzer = Analyzer.from_settings({"departments": [...]})
    doc = analyzer.analyze({"id": "1", "title": "...", "content": "..."})
    for doc in analyzer.analyze_many(docs): ...

``settings["NLP_STAGES"]`` overrides/extends DEFAULT_STAGES (class path → order; None disables).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

from yuqing import plugins

DEFAULT_STAGES: dict[str, int | None] = {
    "nlp.stages.NormalizeStage": 100,
    "nlp.stages.PiiMaskStage": None,  # stored text stays unmasked; see nlp.stages
    "nlp.stages.SegmentStage": 200,
    "nlp.stages.SentimentStage": 300,
    "nlp.stages.GenreStage": 350,
    "nlp.stages.TopicStage": 400,
    "nlp.stages.DepartmentStage": 500,
    "nlp.stages.KeywordsStage": 600,
    "nlp.stages.SimHashStage": 700,
    "nlp.stages.ReplyQualityStage": 800,
}

# Scratch keys passed between stages; analyze() drops them from the result unless asked.
INTERNAL_KEYS = ("tokens", "content_words")


class StageError(ValueError):
    pass


def load_object(path: str) -> Any:
    """Import ``package.module.Name`` (the kernel's loader; its errors name the path, in Chinese)."""
    try:
        return plugins.load_object(path)
    except plugins.PluginError as exc:
        raise StageError(str(exc)) from exc


def stage_paths(settings: dict) -> list[str]:
    mapping = dict(DEFAULT_STAGES)
    mapping.update(settings.get("NLP_STAGES") or {})
    for path, order in mapping.items():
        if order is not None and (isinstance(order, bool) or not isinstance(order, (int, float))):
            raise StageError(f"NLP_STAGES 中「{path}」的顺序号应为数字或 None，实际为 {order!r}")
    return [p for p, o in sorted(((p, o) for p, o in mapping.items() if o is not None), key=lambda kv: kv[1])]


class Analyzer:
    def __init__(self, stages: list, keep_internal: bool = False):
        self.stages = stages
        self.keep_internal = keep_internal

    @classmethod
    def from_settings(cls, settings: dict | None = None) -> "Analyzer":
        settings = dict(settings or {})
        stages = []
        for path in stage_paths(settings):
            stage_cls = load_object(path)
            if not hasattr(stage_cls, "from_settings") or not hasattr(stage_cls, "process"):
                raise StageError(f"「{path}」不是 NLP 阶段：需要 from_settings(settings) 和 process(doc)")
            try:
                stages.append(stage_cls.from_settings(settings))
            except (ImportError, OSError) as exc:  # a model module or file is missing
                raise StageError(f"阶段「{path}」无法建立：{exc}") from exc
        return cls(stages, keep_internal=bool(settings.get("NLP_KEEP_TOKENS", False)))

    def analyze(self, doc: dict) -> dict:
        """A new dict: the input plus every stage's keys (scratch keys removed)."""
        if not isinstance(doc, dict):
            raise TypeError(f"待分析的文档应为 dict，收到的是 {type(doc).__name__}")
        out = dict(doc)
        for stage in self.stages:
            out = stage.process(out)
        for key in [k for k in out if k.startswith("_")]:
            del out[key]
        if not self.keep_internal:
            for key in INTERNAL_KEYS:
                out.pop(key, None)
        return out

    def analyze_many(
        self, docs: Iterable[dict], on_error: Callable[[dict, Exception], None] | None = None
    ) -> Iterator[dict]:
        """Stream results; with ``on_error`` a failing doc is reported and skipped, not fatal."""
        for doc in docs:
            try:
                result = self.analyze(doc)
            except Exception as exc:  # one bad record never stops a batch
                if on_error is None:
                    raise
                on_error(doc, exc)
                continue
            yield result


def settings_from_config(config: Any) -> dict:
    """NLP settings from a kernel Config-like object (duck-typed: ``raw`` and ``departments``)."""
    raw = getattr(config, "raw", {}) or {}
    settings = dict(raw.get("nlp", {}) or {})
    departments = []
    for d in getattr(config, "departments", []) or []:
        departments.append({
            "name": d.name,
            "topics": list(getattr(d, "topics", []) or []),
            "regions": list(getattr(d, "regions", []) or []),
            "aliases": list(getattr(d, "aliases", []) or []),
            "keywords": list(getattr(d, "keywords", []) or []),
            "supervisor": bool(getattr(d, "supervisor", False)),
        })
    settings["departments"] = departments
    return settings
