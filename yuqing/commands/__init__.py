"""Sub-commands of ``yuqing``: the kernel's own (modules in this package) and the stages' (plug-ins).

A stage registers its commands without the kernel naming it: its package has a small, import-light module (e.g.
``nlp/commands.py``) with ``COMMANDS`` (a list of :class:`StageCommand`), optionally ``BENCHES`` (``yuqing bench``
name → entry point) and ``SERVICES`` (name → entry point of something another command starts, e.g. the sample sites
and the dashboard that ``yuqing demo`` runs: :func:`stage_service`), and pyproject.toml lists that module under
``[project.entry-points."yuqing.commands"]``.
The entry point itself (``yuqing.nlp.cli.analyze_cli_main``) is imported only when its command runs, so ``yuqing --help``
and every other command start without Scrapy, Streamlit, jieba or numpy.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from yuqing.plugins import PluginError, load_object

ENTRY_POINT_GROUP = "yuqing.commands"


@dataclass(frozen=True)
class StageCommand:
    """One ``yuqing NAME …`` command implemented by a stage.

    ``style`` says how the entry point is called: ``argv`` → ``entry(rest)``; ``app`` → ``entry(rest, App)``;
    ``stdio-argv`` → ``entry(rest, stdin, stdout, stderr)``. The entry parses its own arguments (``rest``, untouched).
    """

    name: str
    entry: str
    help: str
    style: str = "argv"


@dataclass(frozen=True)
class Plugins:
    commands: dict[str, StageCommand]
    benches: dict[str, str]
    services: dict[str, str]
    problems: tuple[str, ...]  # plug-in modules that failed to load, in Chinese, for the help text and errors


@functools.lru_cache(maxsize=1)
def plugins() -> Plugins:
    """Every installed stage's commands, benches and services, read from the ``yuqing.commands`` entry points."""
    from importlib.metadata import entry_points

    commands: dict[str, StageCommand] = {}
    benches: dict[str, str] = {}
    services: dict[str, str] = {}
    problems: list[str] = []
    modules = []
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        try:
            modules.append(point.load())
        except Exception as exc:  # one broken plug-in must not take the whole command line down
            problems.append(f"命令插件 {point.name}（{point.value}）无法加载：{type(exc).__name__}: {exc}")
    for module in sorted(modules, key=lambda m: getattr(m, "ORDER", 0)):  # ORDER: the module's place in --help
        for command in getattr(module, "COMMANDS", ()):
            commands.setdefault(command.name, command)
        for name, entry in getattr(module, "BENCHES", {}).items():
            benches.setdefault(name, entry)
        for name, entry in getattr(module, "SERVICES", {}).items():
            services.setdefault(name, entry)
    return Plugins(commands, benches, services, tuple(problems))


def stage_service(name: str) -> Any:
    """The object a stage registered as service ``name`` (its ``SERVICES``), imported now; a PluginError in Chinese
    if no installed stage offers it."""
    found = plugins()
    entry = found.services.get(name)
    if entry is None:
        raise PluginError("；".join([f"没有已安装的阶段提供服务「{name}」", *found.problems,
                                    *([] if found.services else [NOT_INSTALLED_HINT])]))
    return load_object(entry)


NOT_INSTALLED_HINT = ("未找到各阶段（采集、分析、预警、看板）注册的命令：请在项目目录运行 make install"
                      "（或 pip install -e .）安装后再试")
