"""One configuration file (``yuqing.toml``), validated at start-up.

Every error names the file, the key and what is wrong, in Chinese, so an officer can fix it without reading code.
The kernel validates its own sections (storage, crawl, sources, departments, scheduler, privacy; ``[storage]`` in
``yuqing.storage_config``, ``[calendar.YEAR]`` in ``yuqing.config_calendar``, ``[waiting]`` in
``yuqing.config_waiting``); stage sections
(nlp, events, alerts, deadlines, notifications, dashboard) are handed to the stage, which validates them with
the same :class:`Checker` when it builds itself.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from yuqing.checker import Checker, ConfigError, os_error_text
from yuqing.config_feed import parse_feed_options
from yuqing.config_api import parse_api
from yuqing.config_calendar import _parse_calendar
from yuqing.config_waiting import WaitingConfig, _parse_waiting
from yuqing.health import DEFAULT_FAILURE_CYCLES
from yuqing.model import Department, Source
from yuqing.paths import yuqing_home
from yuqing.social import AccountList, parse_accounts
from yuqing.storage_config import StorageConfig, _parse_storage
from yuqing.workdays import WorkCalendar

DEFAULT_CONFIG = Path(__file__).with_name("default_config.toml")
SOURCE_TYPES = ("news", "board", "feed", "api")  # api: a JSON API described in TOML (yuqing.config_api)


@dataclass
class Config:
    path: Path
    home: Path
    raw: dict[str, Any]
    storage: StorageConfig
    sources: list[Source]
    departments: list[Department]
    crawl: dict[str, Any]
    scheduler: dict[str, Any]
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    # [privacy]: retention_days > 0 masks raw post text and contact details older than that many days (0 = keep).
    privacy: dict[str, Any] = field(default_factory=lambda: {"retention_days": 0})
    # [waiting]: the clock of alerts waiting for an officer to dispatch them (see WaitingConfig).
    waiting: "WaitingConfig" = field(default_factory=lambda: WaitingConfig())
    # [[accounts]] and [account_weights]: official, media and key accounts and their authority weights (heat).
    accounts: AccountList = field(default_factory=AccountList)

    def section(self, name: str) -> Checker:
        """A stage's section (``nlp``, ``events``, ``alerts`` …) for the stage to validate itself."""
        return Checker(self.path, self.raw.get(name, {}), name)

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(self.path, "sources", f"没有名为「{name}」的来源（已配置：{', '.join(s.name for s in self.sources)}）")

    def supervisor(self) -> Department | None:
        return next((d for d in self.departments if d.supervisor), None)


def check_url(c: Checker, key: str, url: str) -> None:
    """An http(s) URL with a host and no spaces, else a ConfigError naming ``key``."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise ConfigError(c.file, key, f"「{url}」不是有效的网址（主机名或端口无效）") from exc
    if parts.scheme not in ("http", "https"):
        raise ConfigError(c.file, key, f"「{url}」不是 http(s) 网址")
    if not parts.hostname or any(ch.isspace() for ch in url):
        raise ConfigError(c.file, key, f"「{url}」不是有效的网址（缺少主机名或含有空白字符）")


def _redis_url(c: Checker) -> str:
    url = c.get("redis_url", str, "redis://127.0.0.1:6379/0")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise c.fail("redis_url", f"「{url}」不是 Redis 地址（应以 redis://、rediss:// 或 unix:// 开头）")
    return url


def _parse_source(c: Checker) -> Source:
    c.reject_unknown({"name", "type", "title", "start_urls", "interval_minutes", "authority", "region",
                      "politeness", "selectors", "api", "spider", "max_pages", "enabled", "render", "render_wait", "feed"})
    name = c.get("name", str)
    if not name.replace("_", "").replace("-", "").isalnum():
        raise c.fail("name", f"「{name}」只能包含字母、数字、- 和 _（用作爬虫名）")
    urls = c.strings("start_urls")
    if not urls:
        raise c.fail("start_urls", "至少需要一个起始网址")
    for i, url in enumerate(urls):
        check_url(c, f"{c.key('start_urls')}[{i}]", url)
    politeness = c.section("politeness")
    politeness.reject_unknown({"delay", "concurrency", "obey_robots", "timeout", "retries"})
    settings = {
        "delay": politeness.get("delay", float, 0.0, minimum=0),
        "concurrency": politeness.get("concurrency", int, 4, minimum=1, maximum=64),
        "obey_robots": politeness.get("obey_robots", bool, True),
        "timeout": politeness.get("timeout", float, 20.0, minimum=1),
        "retries": politeness.get("retries", int, 2, minimum=0, maximum=10),
        "selectors": c.get("selectors", dict, {}),
        # A board's optional JSON hints stay free-form; an api source's table is a checked mapping (config_api).
        "api": (parse_api(Checker(c.file, c.get("api", dict), c.key("api"))) if c.get("type", str, "") == "api"
                else c.get("api", dict, {})),
        # A feed source's item format and what the office knows of the account (yuqing.config_feed).
        "feed": parse_feed_options(c.section("feed")) if c.get("type", str, "") == "feed" else {},
        "spider": c.get("spider", str, ""),
        "max_pages": c.get("max_pages", int, 200, minimum=1),
        "enabled": c.get("enabled", bool, True),
        **_parse_render(c),
    }
    return Source(
        name=name,
        type=c.get("type", str, choices=SOURCE_TYPES),
        start_urls=urls,
        title=c.get("title", str, name),
        interval_minutes=c.get("interval_minutes", int, 30, minimum=1, maximum=43200),
        authority=c.get("authority", float, 1.0, minimum=0),
        region=c.get("region", str, None),
        settings=settings,
    )


def _parse_render(c: Checker) -> dict[str, Any]:
    """``render = true`` fetches the source's pages through Chromium; ``render_wait`` is the CSS selector of what
    the page's script fills in (rendering waits for it; without it, for the network to go idle)."""
    render = c.get("render", bool, False)
    wait = c.get("render_wait", str, None)
    if wait is not None:
        if not render:
            raise c.fail("render_wait", "只有渲染来源（render = true）才需要 render_wait")
        from cssselect import GenericTranslator, SelectorError

        try:
            GenericTranslator().css_to_xpath(wait)
        except SelectorError as exc:
            raise c.fail("render_wait", f"「{wait}」不是有效的 CSS 选择器（{exc}）") from exc
    return {"render": render, "render_wait": wait} if render else {}


#: The keys of a ``[[departments]]`` entry the kernel reads; every other key is a contact key of a notification
#: channel (``email``, ``webhook`` …), kept as text in ``Department.contact``. The alerts stage, which owns the
#: channels, checks them against its channels' declarations when the application starts (see docs/design.md).
DEPARTMENT_KEYS = frozenset({"name", "topics", "regions", "aliases", "keywords", "supervisor"})


def _parse_department(c: Checker) -> Department:
    contact = {k: c.get(k, str) for k in c.data if k not in DEPARTMENT_KEYS}
    name = c.get("name", str)
    if not name.strip():
        raise c.fail("name", "部门名称不能为空")
    return Department(
        name=name,
        topics=c.strings("topics", []),
        regions=c.strings("regions", []),
        contact=contact,
        aliases=_routing_words(c, "aliases"),
        keywords=_routing_words(c, "keywords"),
        supervisor=c.get("supervisor", bool, False),
    )


def _routing_words(c: Checker, name: str) -> list[str]:
    """``aliases`` / ``keywords`` of a department: non-empty words without spaces (matched as text in posts)."""
    words = c.strings(name, [])
    for i, w in enumerate(words):
        if not w.strip() or any(ch.isspace() for ch in w):
            raise ConfigError(c.file, f"{c.key(name)}[{i}]", f"「{w}」不能为空或含有空白字符")
    return words


def parse_config(data: dict[str, Any], path: Path, home: Path | None = None) -> Config:
    home = home or yuqing_home()
    root = Checker(path, data)
    if "search" in data:  # accepted by early versions and never read
        raise root.fail("search", "[search] 节没有任何作用，已不再接受：检索所用的分词由 [components] tokenizer 设置，"
                                  "Elasticsearch 的连接写在 [storage.elasticsearch]；请删除 [search]")
    root.reject_unknown({"storage", "crawl", "sources", "departments", "scheduler", "nlp", "events", "alerts",
                         "deadlines", "notifications", "dashboard", "components", "calendar",
                         "privacy", "waiting", "brief", "similar", "accounts", "account_weights"})
    sources = [_parse_source(c) for c in root.items("sources")]
    _unique(path, "sources", [s.name for s in sources])
    departments = [_parse_department(c) for c in root.items("departments")]
    _unique(path, "departments", [d.name for d in departments])
    if sum(d.supervisor for d in departments) > 1:
        raise ConfigError(path, "departments", "只能有一个督办部门（supervisor = true）")
    scheduler = root.section("scheduler")
    scheduler.reject_unknown({"process_every_seconds", "alerts_every_seconds", "deadlines_every_seconds", "misfire_grace_seconds"})
    crawl = root.section("crawl")
    crawl.reject_unknown({"queue", "redis_url", "user_agent", "failure_cycles", "render_concurrency", "render_timeout",
                          "chromium"})
    privacy = root.section("privacy")
    privacy.reject_unknown({"retention_days"})
    similar = root.section("similar")  # 类案参考 (yuqing.similar): the real messages with replies to import
    similar.reject_unknown({"reference"})
    if "reference" in similar.data:
        similar.get("reference", str)
    return Config(
        path=path,
        home=home,
        raw=data,
        storage=_parse_storage(root.section("storage"), home),
        sources=sources,
        departments=departments,
        crawl={
            "queue": crawl.get("queue", str, "local", choices=("local", "redis")),
            "redis_url": _redis_url(crawl),
            "user_agent": crawl.get("user_agent", str, "YuqingBot/0.1 (+政务舆情监测)"),
            "failure_cycles": crawl.get("failure_cycles", int, DEFAULT_FAILURE_CYCLES, minimum=1),
            # Script-rendered sources (render = true; yuqing.crawlers.rendering): pages open at once, seconds per page.
            "render_concurrency": crawl.get("render_concurrency", int, 2, minimum=1, maximum=16),
            "render_timeout": crawl.get("render_timeout", float, 30.0, minimum=1, maximum=600),
            "chromium": crawl.get("chromium", str, "/usr/bin/chromium"),
        },
        scheduler={
            "process_every_seconds": scheduler.get("process_every_seconds", int, 20, minimum=1, maximum=86400),
            "alerts_every_seconds": scheduler.get("alerts_every_seconds", int, 30, minimum=1, maximum=86400),
            "deadlines_every_seconds": scheduler.get("deadlines_every_seconds", int, 60, minimum=1, maximum=86400),
            "misfire_grace_seconds": scheduler.get("misfire_grace_seconds", int, 300, minimum=1, maximum=86400),
        },
        calendar=_parse_calendar(root.section("calendar")),
        waiting=_parse_waiting(root.section("waiting")),
        accounts=parse_accounts(root),
        privacy={
            # 0 keeps raw text for ever; otherwise at least a day and at most a century.
            "retention_days": privacy.get("retention_days", int, 0, minimum=0, maximum=36500),
        },
    )


def _unique(path: Path, key: str, names: list[str]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise ConfigError(path, f"{key}[{i}].name", f"名称「{name}」重复")
        seen.add(name)


def config_path(explicit: str | Path | None = None) -> Path:
    """``--config``, then ``YUQING_CONFIG``, then ``./yuqing.toml``, then the packaged default (sample sites)."""
    for candidate in (explicit, os.environ.get("YUQING_CONFIG"), "yuqing.toml"):
        if candidate:
            path = Path(candidate)
            if path.exists() or candidate is explicit or candidate == os.environ.get("YUQING_CONFIG"):
                return path
    return DEFAULT_CONFIG


def require_departments(config: Config) -> Config:
    """The running application dispatches alerts to departments: a configuration without any is an error that says
    what to add. (Components such as a crawl-only process load configurations without this check.)"""
    if not config.departments:
        raise ConfigError(config.path, "departments", "没有配置任何责任部门；请添加至少一个 [[departments]]，例如：\n"
                                                      '[[departments]]\nname = "市住建局"\ntopics = ["住房城建"]')
    if all(d.supervisor for d in config.departments):
        raise ConfigError(config.path, "departments", "只有督办部门（supervisor = true），还需要至少一个承办部门")
    return config


def load_config(path: str | Path | None = None, home: Path | None = None) -> Config:
    path = config_path(path)
    if not path.exists():
        raise ConfigError(path, "(文件)", "文件不存在；可复制 yuqing/default_config.toml 作为起点")
    if not path.is_file():
        raise ConfigError(path, "(文件)", "这是一个文件夹（或不是普通文件），请指向 .toml 配置文件")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(path, "(文件)", f"无法读取：{os_error_text(exc)}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "(语法)", f"TOML 语法错误：{exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(path, "(编码)", "文件不是 UTF-8 编码") from exc
    if not data:
        raise ConfigError(path, "(文件)", "配置为空：至少需要 [[departments]]（责任部门）和 [[sources]]（采集来源）；"
                                          "可复制 yuqing/default_config.toml 作为起点")
    return parse_config(data, path, home)


__all__ = ["Checker", "Config", "ConfigError", "load_config", "parse_config", "require_departments"]
