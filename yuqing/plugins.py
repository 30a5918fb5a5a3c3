"""Scrapy-style extension points: components named by class path, ordered by number, built ``from_settings``."""

from __future__ import annotations

import importlib
from typing import Any


class PluginError(ValueError):
    pass


def load_object(path: str) -> Any:
    """Import ``package.module.Name`` and return ``Name``."""
    if not isinstance(path, str) or "." not in path:
        raise PluginError(f"「{path}」不是有效的类路径（应形如 package.module.ClassName）")
    module_name, _, attr = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise PluginError(f"无法导入模块 {module_name}（来自「{path}」）：{exc}") from exc
    try:
        return getattr(module, attr)
    except AttributeError as exc:
        raise PluginError(f"模块 {module_name} 中没有 {attr}") from exc
