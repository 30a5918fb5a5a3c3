"""Which notification channels are on: class paths with order numbers in ``[notifications.channels]``.

A new channel is one module (a :class:`yuqing.alerts.notify.base.Channel` subclass declaring its ``type_name``, option
schema, contact keys and formats) plus one line of configuration::

    [notifications.channels]
    "mypackage.sms.SmsChannel" = 300     # added to the built-in e-mail (100) and webhook (200) channels

    [notifications.sms]                  # its options, parsed by SmsChannel.parse_options
    gateway = "http://10.0.0.5/send"

    [[departments]]
    name = "A市教育局"
    sms = "13800000000"                  # its contact key, declared and checked by SmsChannel

:func:`parse_notifications` reads the whole ``[notifications]`` section. The kernel's configuration keeps a
department's other keys as text; :func:`check_contacts` (run when the application starts and whenever the alerts
stage reads its settings) rejects keys no channel declares and lets each channel check its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from yuqing.alerts.notify.base import Channel
from yuqing.config import DEPARTMENT_KEYS, Checker, Config, ConfigError
from yuqing.model import Department
from yuqing.plugins import PluginError, load_object

DEFAULT_CHANNELS = {"yuqing.alerts.notify.email.EmailChannel": 100, "yuqing.alerts.notify.webhook.WebhookChannel": 200}


def load_channels(c: Checker) -> dict[str, type[Channel]]:
    """``[notifications.channels]`` over the defaults: type name → channel class, in order number order."""
    table = {**DEFAULT_CHANNELS, **c.get("channels", dict, {})}
    ordered: list[tuple[float, str, type[Channel]]] = []
    names: dict[str, str] = {}
    for path, order in table.items():
        key = f"channels.{path}"
        if isinstance(order, bool) or not isinstance(order, (int, float)):
            raise c.fail(key, f"顺序号应为数字，实际为 {order!r}")
        try:
            cls = load_object(path)
        except PluginError as exc:
            raise c.fail(key, f"类路径「{path}」无法加载：{exc}") from exc
        except Exception as exc:  # the named module is the deployment's own code and failed while importing
            raise c.fail(key, f"类路径「{path}」导入时出错：{type(exc).__name__}: {exc}") from exc
        if not (isinstance(cls, type) and issubclass(cls, Channel)) or cls.type_name == Channel.type_name:
            raise c.fail(key, f"「{path}」不是通知渠道（需要继承 yuqing.alerts.notify.base.Channel 并设置 type_name）")
        if cls.type_name in names:
            raise c.fail(key, f"渠道名「{cls.type_name}」与「{names[cls.type_name]}」重复")
        names[cls.type_name] = path
        ordered.append((order, path, cls))
    return {cls.type_name: cls for _, _, cls in sorted(ordered, key=lambda t: (t[0], t[1]))}


def check_contacts(file: Any, departments: list[Department], channels: dict[str, type[Channel]]) -> None:
    """Every contact key of every department belongs to a configured channel, which checks its value."""
    owner = {k: cls for cls in channels.values() for k in cls.contact_keys}
    allowed = sorted({*DEPARTMENT_KEYS, *owner})
    for i, d in enumerate(departments):
        for key in d.contact:
            if key not in owner:
                raise ConfigError(file, f"departments[{i}].{key}", f"未知配置项（可用：{', '.join(allowed)}）")
        for cls in channels.values():
            mine = {k: v for k, v in d.contact.items() if k in cls.contact_keys}
            if mine:
                cls.parse_contact(Checker(file, mine, f"departments[{i}]"))


def department_targets(department: Department | None, channels: dict[str, type[Channel]]) -> list[dict[str, str]]:
    """A department's recipients, channel by channel in the channels' order."""
    if department is None:
        return []
    return [t for cls in channels.values() for t in cls.targets(department.contact)]


def check_config(config: Config) -> None:
    """The channels' part of a configuration: channel class paths, their options and the departments' contact keys
    (the application runs this at start-up, so a bad e-mail address is reported before anything runs)."""
    parse_notifications(config)


@dataclass
class NotificationSettings:
    enabled: bool = True
    channel_classes: dict[str, type[Channel]] = field(default_factory=dict)  # type → class, in order number order
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)  # type → options (smtp host …)
    officers: list[dict[str, str]] = field(default_factory=list)  # extra recipients of every new alert
    quiet_start: time | None = None
    quiet_end: time | None = None
    quiet_bypass_level: int = 1
    digest_minutes: int = 10
    digest_min_level: int = 3
    max_attempts: int = 5
    backoff_seconds: int = 60
    batch: int = 100
    dashboard_url: str = ""


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _hhmm(c: Checker, name: str) -> time | None:
    value = c.get(name, str, None)
    if value is None:
        return None
    m = _HHMM.match(value)
    if not m:
        raise c.fail(name, f"时间「{value}」应为 HH:MM（例如 22:00）")
    return time(int(m.group(1)), int(m.group(2)))


def parse_notifications(config: Config | None) -> NotificationSettings:
    c = config.section("notifications") if config is not None else Checker("(默认配置)", {}, "notifications")
    if "channel_types" in c.data:
        raise c.fail("channel_types", "已改为 [notifications.channels]：渠道类路径 = 顺序号，例如 "
                                      '"mypackage.sms.SmsChannel" = 300（渠道名与选项由渠道类自己声明）')
    classes = load_channels(c)
    c.reject_unknown({"enabled", "channels", "officers", "quiet_hours", "digest_minutes", "digest_min_level",
                      "max_attempts", "backoff_seconds", "batch", "dashboard_url", *classes})
    channels = {name: cls.parse_options(c.section(name)) for name, cls in classes.items()}
    if config is not None:
        check_contacts(config.path, config.departments, classes)
    formats = list(dict.fromkeys(f for cls in classes.values() for f in cls.formats))
    officers = []
    for oc in c.items("officers"):
        oc.reject_unknown({"channel", "target", "format"})
        officers.append({"channel": oc.get("channel", str, choices=list(classes)), "target": oc.get("target", str),
                         "format": oc.get("format", str, "generic", choices=formats)})
    quiet = c.section("quiet_hours")
    quiet.reject_unknown({"start", "end", "bypass_level"})
    start, end = _hhmm(quiet, "start"), _hhmm(quiet, "end")
    if (start is None) != (end is None):
        raise quiet.fail("end" if start else "start", "免打扰时段需要同时设置 start 和 end")
    return NotificationSettings(
        enabled=c.get("enabled", bool, True), channel_classes=classes, channels=channels, officers=officers,
        quiet_start=start, quiet_end=end, quiet_bypass_level=quiet.get("bypass_level", int, 1, minimum=0, maximum=4),
        digest_minutes=c.get("digest_minutes", int, 10, minimum=0),
        digest_min_level=c.get("digest_min_level", int, 3, minimum=1, maximum=5),
        max_attempts=c.get("max_attempts", int, 5, minimum=1, maximum=20),
        backoff_seconds=c.get("backoff_seconds", int, 60, minimum=1),
        batch=c.get("batch", int, 100, minimum=1),
        dashboard_url=c.get("dashboard_url", str, ""),
    )
