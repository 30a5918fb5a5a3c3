"""Reading a configuration file's sections with typed values, and the error that names the file, the key and the
problem in Chinese. Every section parser (the kernel's and the stages') reads through :class:`Checker`."""

from __future__ import annotations

import copy
import errno
from pathlib import Path
from typing import Any, Iterable

_OS_ERRORS = {errno.ENOENT: "路径不存在", errno.EACCES: "没有访问权限", errno.EPERM: "没有操作权限",
              errno.EROFS: "文件系统只读", errno.EISDIR: "这是一个文件夹", errno.ENOTDIR: "路径中有一段不是文件夹",
              errno.ENOSPC: "磁盘空间不足", errno.ENAMETOOLONG: "文件名过长"}


def os_error_text(exc: OSError) -> str:
    """An operating-system error in Chinese (the C library's text is in the locale's language, usually English)."""
    return _OS_ERRORS.get(exc.errno, f"系统错误 {exc.errno}：{exc.strerror or exc}")


class ConfigError(ValueError):
    """A configuration problem: ``file``, ``key`` and ``problem`` say where and what."""

    def __init__(self, file: str | Path, key: str, problem: str):
        self.file, self.key, self.problem = str(file), key, problem
        super().__init__(f"配置文件 {file} 中的 {key}：{problem}")


_TYPE_NAMES = {str: "字符串", int: "整数", float: "数字", bool: "布尔值（true/false）", list: "列表", dict: "表（table）"}


class Checker:
    """Reads typed values out of a config section; every failure raises :class:`ConfigError` with the full key path."""

    def __init__(self, file: str | Path, data: dict[str, Any], prefix: str = ""):
        if not isinstance(data, dict):
            raise ConfigError(file, prefix or "(根)", f"应为{_TYPE_NAMES[dict]}，实际为 {data!r}")
        self.file, self.data, self.prefix = file, data, prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def fail(self, name: str, problem: str) -> ConfigError:
        return ConfigError(self.file, self.key(name), problem)

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ..., *, choices: Iterable | None = None,
            minimum: float | None = None, maximum: float | None = None) -> Any:
        if name not in self.data:
            if default is ...:
                raise self.fail(name, "缺少必填项")
            return copy.deepcopy(default)
        value = self.data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            names = "或".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            raise self.fail(name, f"应为{names}，实际为 {value!r}")
        if choices is not None and value not in choices:
            raise self.fail(name, f"取值 {value!r} 无效，可选：{', '.join(map(str, choices))}")
        if minimum is not None and value < minimum:
            raise self.fail(name, f"应不小于 {minimum}，实际为 {value}")
        if maximum is not None and value > maximum:
            raise self.fail(name, f"应不大于 {maximum}，实际为 {value}")
        return value

    def strings(self, name: str, default: Any = ...) -> list[str]:
        values = self.get(name, list, default)
        for i, v in enumerate(values):
            if not isinstance(v, str) or not v.strip():
                raise ConfigError(self.file, f"{self.key(name)}[{i}]", f"应为非空字符串，实际为 {v!r}")
        return values

    def section(self, name: str, default: Any = ...) -> "Checker":
        return Checker(self.file, self.get(name, dict, {} if default is ... else default), self.key(name))

    def items(self, name: str) -> list["Checker"]:
        values = self.get(name, list, [])
        return [Checker(self.file, v, f"{self.key(name)}[{i}]") for i, v in enumerate(values)]

    def reject_unknown(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for name in self.data:
            if name not in allowed:
                raise self.fail(name, f"未知配置项（可用：{', '.join(sorted(allowed))}）")
