"""The configuration and the store one crawl process shares between its spiders, pipeline and extensions.

Scrapy builds each component from the crawler's settings; they find the Yuqing configuration named there
(``YUQING_CONFIG``/``YUQING_HOME``) and open its store once per process, here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from yuqing.config import Config
from yuqing.config_store import load_effective_config
from yuqing.storage import Store, open_store

_STORES: dict[str, Store] = {}
_CONFIGS: dict[tuple[str, str], Config] = {}


def crawler_config(settings: Any) -> Config:
    """The Yuqing configuration named in the Scrapy settings (``YUQING_CONFIG``/``YUQING_HOME``), loaded once: the
    file plus the changes made in the dashboard (yuqing.config_store), so a source added there is crawled."""
    path = settings.get("YUQING_CONFIG") or ""
    home = settings.get("YUQING_HOME") or ""
    key = (path, home)
    if key not in _CONFIGS:
        _CONFIGS[key] = load_effective_config(path or None, Path(home) if home else None)
    return _CONFIGS[key]


def crawler_store(settings: Any) -> Store:
    """One store per database file per process, shared by every spider and component of the crawl."""
    config = crawler_config(settings)
    key = str(config.storage.sqlite_path)
    if key not in _STORES:
        _STORES[key] = open_store(config)
    return _STORES[key]
