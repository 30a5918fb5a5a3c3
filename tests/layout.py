"""The project's layout as the structure tests read it: the kernel package and the stages, each in its own top-level
folder and installed as ``yuqing.<stage>`` (pyproject.toml's package-dir)."""

from __future__ import annotations

KERNEL = "yuqing"
STAGES = ("crawlers", "nlp", "alerts", "dashboard")


def stage_of(module: str) -> str | None:
    """The stage a module belongs to: ``yuqing.nlp.topic`` → nlp (the stages install under the ``yuqing``
    namespace); a bare ``nlp.topic`` (a relative import resolved by folder) → nlp; the kernel → None."""
    parts = module.split(".")
    if parts[0] == KERNEL:
        return parts[1] if len(parts) > 1 and parts[1] in STAGES else None
    return parts[0] if parts[0] in STAGES else None
