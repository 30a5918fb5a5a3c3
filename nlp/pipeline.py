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
    "yuqing.nlp.stages.NormalizeStage": 100,
    "yuqing.nlp.stages.PiiMaskStage": None,  # stored text stays unmasked; see nlp.stages
    "yuqing.nlp.stages.SegmentStage": 200,
    "yuqing.nlp.stages.SentimentStage": 300,
    "yuqing.nlp.stages.GenreStage": 350,
    "yuqing.nlp.stages.TopicStage": 400,
    "yuqing.nlp.stages.DepartmentStage": 500,
    "yuqing.nlp.stages.KeywordsStage": 600,
    "yuqing.nlp.stages.SimHashStage": 700,
    "yuqing.nlp.stages.ReplyQualityStage": 800,
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

    @classmethod
    def from_config(cls, config: Any, *, keep_tokens: bool = False) -> "Analyzer":
        """The analyzer of a loaded configuration (``settings_from_config``); ``keep_tokens`` keeps the scratch
        tokens (the store indexes them and clustering reuses them)."""
        return cls.from_settings({**settings_from_config(config), "NLP_KEEP_TOKENS": keep_tokens})

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


#: The keys ``[nlp]`` accepts (every other key is a configuration error naming it).
NLP_KEYS = ("stages", "department_floor", "department_margin", "default_department")


def settings_from_config(config: Any) -> dict:
    """The one NLP settings object, from ``[nlp]`` (validated like every other section) and the configured
    departments (the 督办 office excluded: it receives escalations, not first assignments). Every caller builds
    the analyzer from it: ``yuqing analyze``, ``process``/``tick``/``run``/``demo`` (via the application) and
    ``yuqing cluster``. Bad values raise ConfigError naming ``nlp.KEY``."""
    c = config.section("nlp")
    c.reject_unknown(NLP_KEYS)
    settings: dict[str, Any] = {}
    for key in ("department_floor", "department_margin"):
        if key in c.data:
            settings[key] = c.get(key, float, minimum=0, maximum=1)
    if "default_department" in c.data:
        settings["default_department"] = c.get("default_department", str)
    if "stages" in c.data:
        settings["NLP_STAGES"] = _check_stages(c)
    settings["departments"] = [
        {"name": d.name, "topics": d.topics, "regions": d.regions, "aliases": d.aliases, "keywords": d.keywords}
        for d in config.departments if not d.supervisor
    ]
    return settings


def _check_stages(c: Any) -> dict[str, Any]:
    """``[nlp.stages]``: stage class path → order number; each path must load and be an NLP stage."""
    from yuqing.config import ConfigError

    path = c.file
    stages = c.data["stages"]
    if not isinstance(stages, dict):
        raise ConfigError(path, "nlp.stages", f"应为表（table），形如 \"yuqing.nlp.stages.SegmentStage\" = 200，实际为 {stages!r}")
    for stage, order in stages.items():
        key = f"nlp.stages.{stage}"
        if isinstance(order, bool) or not isinstance(order, (int, float)):
            raise ConfigError(path, key, f"顺序号应为数字，实际为 {order!r}")
        try:
            obj = plugins.load_object(stage)
        except plugins.PluginError as exc:
            raise ConfigError(path, key, f"类路径「{stage}」无法加载：{exc}") from exc
        if not (hasattr(obj, "from_settings") and hasattr(obj, "process")):
            raise ConfigError(path, key, f"「{stage}」不是 NLP 阶段（需要 from_settings 和 process）")
    return stages
