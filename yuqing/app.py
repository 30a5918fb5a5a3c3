"""The running application: configuration, store, and the stages built from class paths in configuration.

This module sits on top of the kernel (like the CLI and scheduler): it knows stages only by the class paths named in
configuration, Scrapy-style, so a deployment can swap any of them without touching the others.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any, Callable

from yuqing.checker import os_error_text
from yuqing.config import Config, ConfigError, load_config, require_departments
from yuqing.paths import private_umask, secure_home
from yuqing.plugins import PluginError, load_object
from yuqing.storage import open_store
from yuqing.storage.base import Store, StoreError

log = logging.getLogger(__name__)

DEFAULT_COMPONENTS = {
    "analyzer": "yuqing.nlp.pipeline.Analyzer",
    "events": "yuqing.nlp.events.stage.EventStage",
    "alerts": "yuqing.alerts.service.AlertService",
    "tokenizer": "yuqing.nlp.segment.get_segmenter",
    "crawl": "yuqing.crawlers.run.crawl",  # read by the scheduler
}
# The configuration check of a default component (see App.check_stage_config).
DEFAULT_CONFIG_CHECKS = {"alerts": "yuqing.alerts.notify.registry.check_config"}
# What a live change (yuqing.config_store) must also pass, beyond the start-up checks: the stage settings that the
# change can break and that would otherwise fail only when the stage is next built (the rules' schema, routing).
LIVE_CONFIG_CHECKS = {"alerts": "yuqing.alerts.schema.check_live_config",
                      "analyzer": "yuqing.nlp.pipeline.settings_from_config"}
# Built from the configuration: dropped when a new configuration version is seen (App.refresh).
_CONFIG_DEPENDENT = ("analyzer", "events", "alerts")
# What each component's class path must lead to: the factory the application calls on it.
_FACTORIES = {"analyzer": ("from_config",), "events": ("from_config",), "alerts": ("from_config", "__call__"),
              "tokenizer": ("__call__",), "crawl": ("__call__",)}


def check_components(config: Config) -> None:
    """``[components]`` is a table of known names to class-path strings; anything else names the key."""
    components = config.raw.get("components", {})
    if not isinstance(components, dict):
        raise ConfigError(config.path, "components", f"应为表（table），实际为 {components!r}")
    for name, path in components.items():
        if name not in DEFAULT_COMPONENTS:
            raise ConfigError(config.path, f"components.{name}",
                              f"未知组件（可用：{', '.join(sorted(DEFAULT_COMPONENTS))}）")
        if not isinstance(path, str) or "." not in path.strip(". "):
            raise ConfigError(config.path, f"components.{name}",
                              f"应为类路径字符串（形如 package.module.ClassName），实际为 {path!r}")
        _load_component(config, name, path)  # configured paths are checked at start-up (defaults are known good)


def _load_component(config: Config, name: str, path: str) -> Any:
    """The object a component's class path names, or a ConfigError naming ``components.NAME`` and the path."""
    try:
        obj = load_object(path)
    except PluginError as exc:
        raise ConfigError(config.path, f"components.{name}", f"类路径「{path}」无法加载：{exc}") from exc
    except Exception as exc:  # the named module is the deployment's own code and failed while importing
        raise ConfigError(config.path, f"components.{name}",
                          f"类路径「{path}」导入时出错：{type(exc).__name__}: {exc}") from exc
    if not any(hasattr(obj, factory) for factory in _FACTORIES[name]):
        raise ConfigError(config.path, f"components.{name}",
                          f"「{path}」不是可用的组件（需要 {' 或 '.join(_FACTORIES[name])}）")
    return obj


class App:
    def __init__(self, config: Config, store: Store | None = None):
        self.config = config
        self.file_config = config  # the file alone; ``config`` is the file plus the stored overlay in force
        self.config_version = 0  # the overlay version ``config`` was built from (0: the file alone)
        self._store = store
        self._overlay_checked = False
        private_umask()  # every file this process writes (logs, reports, job store, WAL) is the service user's only

    @classmethod
    def load(cls, config_path: str | Path | None = None, home: Path | None = None) -> "App":
        config = require_departments(load_config(config_path, home))
        check_components(config)
        app = cls(config)
        app.check_stage_config()
        return app

    def check_config(self, config: Config) -> None:
        """Everything a live configuration change must pass (yuqing.config_store.change): the start-up checks of
        ``[components]`` and the stages', and the stage settings it could break (``LIVE_CONFIG_CHECKS``)."""
        check_components(config)
        self._stage_checks(config, DEFAULT_CONFIG_CHECKS)
        self._stage_checks(config, LIVE_CONFIG_CHECKS)

    def refresh(self) -> bool:
        """Use the configuration version in force in the store, if it is not the one this application built from:
        rebuild the configuration and drop the stages built from the old one (they are rebuilt when next used).
        Cheap when nothing changed (one indexed read). A stored version that no longer passes the checks (the file
        changed under it) is logged and the current configuration kept. True when the configuration changed."""
        from yuqing import config_store

        store = self.store  # opening the store applies the overlay once (see ``store``)
        version = config_store.stored_version(store.workflow)
        if version == self.config_version:
            return False
        overlay = config_store.stored_overlay(store.workflow)
        try:
            config = config_store.build(self.file_config, overlay.document) if overlay.document else self.file_config
            if overlay.document:
                self.check_config(config)
        except ConfigError as exc:
            log.error("配置第 %s 版无法使用，继续使用当前配置：%s", overlay.version, exc)
            self.config_version = overlay.version
            return False
        self.config, self.config_version = config, overlay.version
        for name in _CONFIG_DEPENDENT:
            self.__dict__.pop(name, None)
        store.workflow.sync_departments(config.departments)
        return True

    def _stage_checks(self, config: Config, checks: dict[str, str]) -> None:
        for name, path in checks.items():
            if self.component_path(name) == DEFAULT_COMPONENTS[name]:
                check = load_object(path)
            else:
                check = getattr(self.component(name), "check_config", None)
            if check is not None:
                check(config)

    def check_stage_config(self) -> None:
        """Stages check what they add to the kernel's configuration before anything runs (the alerts stage: its
        channels' options and the departments' contact keys; docs/design.md "Adding a notification channel"). A
        default component's check is named by path, so a command that does not use the stage does not import it; a
        component configured in ``[components]`` brings its own as a ``check_config`` attribute."""
        self._stage_checks(self.config, DEFAULT_CONFIG_CHECKS)

    def component_path(self, name: str) -> str:
        components = self.config.raw.get("components", {}) if isinstance(self.config.raw.get("components"), dict) else {}
        return components.get(name, DEFAULT_COMPONENTS[name])

    def component(self, name: str) -> Any:
        """The object a component's class path names, or a ConfigError naming ``components.NAME`` and the path."""
        return _load_component(self.config, name, self.component_path(name))

    @property
    def store(self) -> Store:
        if self._store is None:
            try:
                secure_home(self.config.home)
            except OSError as exc:
                raise StoreError(f"无法创建或设置数据目录 {self.config.home}：{exc.strerror or exc}；"
                                 "请检查 YUQING_HOME 是否指向本用户可写的目录") from exc
            try:
                # The segmenter (jieba's dictionary, ~0.5 s) loads on the first search, not when a command opens the
                # store: `alerts list` and most other commands never search.
                self._store = open_store(self.config, query_tokenizer=self._cut_query)
            except OSError as exc:  # e.g. the database's folder cannot be created
                raise StoreError(f"无法打开数据库（{exc.filename or self.config.storage.sqlite_path}）："
                                 f"{os_error_text(exc)}；请检查 YUQING_HOME 或 storage.sqlite_path") from exc
            self._store.workflow.sync_departments(self.config.departments)
        if not self._overlay_checked:
            self._overlay_checked = True
            self.refresh()  # the configuration in force is the file plus the stored overlay
        return self._store

    def _cut_query(self, text: str) -> list[str]:
        return self.query_tokenizer(text)

    @functools.cached_property
    def query_tokenizer(self) -> Callable[[str], list[str]]:
        factory = self.component("tokenizer")
        segmenter = factory()
        return segmenter.cut

    @functools.cached_property
    def analyzer(self) -> Any:
        cls = self.component("analyzer")
        return cls.from_config(self.config, keep_tokens=True)  # the store indexes the tokens, clustering reuses them

    @functools.cached_property
    def events(self) -> Any:
        cls = self.component("events")
        return cls.from_config(self.config, self.store)

    @functools.cached_property
    def alerts(self) -> Any:
        cls = self.component("alerts")
        factory = getattr(cls, "from_config", None)
        return factory(self.config, self.store) if factory else cls(self.store, self.config)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
