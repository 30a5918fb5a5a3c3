"""The running application: configuration, store, and the stages built from class paths in configuration.

This module sits on top of the kernel (like the CLI and scheduler): it knows stages only by the class paths named in
configuration, Scrapy-style, so a deployment can swap any of them without touching the others.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any, Callable

from yuqing.config import Config, load_config
from yuqing.paths import private_umask, secure_home
from yuqing.plugins import load_object
from yuqing.storage import Store, StoreError, open_store

log = logging.getLogger(__name__)

DEFAULT_COMPONENTS = {
    "analyzer": "nlp.pipeline.Analyzer",
    "events": "nlp.events.stage.EventStage",
    "alerts": "alerts.service.AlertService",
    "tokenizer": "nlp.segment.get_segmenter",
}


class App:
    def __init__(self, config: Config, store: Store | None = None):
        self.config = config
        self._store = store
        private_umask()  # every file this process writes (logs, reports, job store, WAL) is the service user's only

    @classmethod
    def load(cls, config_path: str | Path | None = None, home: Path | None = None) -> "App":
        return cls(load_config(config_path, home))

    def component_path(self, name: str) -> str:
        components = self.config.raw.get("components", {}) if isinstance(self.config.raw.get("components"), dict) else {}
        return components.get(name, DEFAULT_COMPONENTS[name])

    @property
    def store(self) -> Store:
        if self._store is None:
            try:
                secure_home(self.config.home)
            except OSError as exc:
                raise StoreError(f"无法创建或设置数据目录 {self.config.home}：{exc.strerror or exc}；"
                                 "请检查 YUQING_HOME 是否指向本用户可写的目录") from exc
            self._store = open_store(self.config, query_tokenizer=self.query_tokenizer)
            self._store.workflow.sync_departments(self.config.departments)
        return self._store

    @functools.cached_property
    def query_tokenizer(self) -> Callable[[str], list[str]]:
        factory = load_object(self.component_path("tokenizer"))
        segmenter = factory()
        return segmenter.cut

    @functools.cached_property
    def analyzer(self) -> Any:
        cls = load_object(self.component_path("analyzer"))
        return cls.from_settings(self.nlp_settings())

    def nlp_settings(self) -> dict[str, Any]:
        settings = dict(self.config.raw.get("nlp", {}))
        settings["departments"] = [
            {"name": d.name, "topics": d.topics, "regions": d.regions}
            for d in self.config.departments if not d.supervisor
        ]
        settings["NLP_KEEP_TOKENS"] = True  # the store indexes the tokens and clustering reuses them
        stages = settings.pop("stages", None)
        if stages:
            settings["NLP_STAGES"] = stages
        return settings

    @functools.cached_property
    def events(self) -> Any:
        cls = load_object(self.component_path("events"))
        return cls.from_config(self.config, self.store)

    @functools.cached_property
    def alerts(self) -> Any:
        cls = load_object(self.component_path("alerts"))
        factory = getattr(cls, "from_config", None)
        return factory(self.config, self.store) if factory else cls(self.store, self.config)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
