"""Packaging is honest: what pyproject.toml declares is what the code imports, constraints.txt pins every package a
full install needs, and the installed versions are the pinned ones (so CI tests what a fresh `make install` gets)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
OUR_PACKAGES = {"yuqing", "crawlers", "nlp", "alerts", "dashboard", "tests"}
# Declared but never imported by name, each for a reason: APScheduler's SQL job store needs SQLAlchemy; zoneinfo reads
# tzdata's files; psycopg's binary build; pytest loads pytest-timeout as a plug-in; vulture and pytest run as tools.
USED_WITHOUT_IMPORT = {"sqlalchemy", "tzdata", "pytest-timeout", "vulture", "pytest"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> dict[str, Requirement]:
    reqs = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in PROJECT["optional-dependencies"].values():
        reqs += [Requirement(r) for r in extra if not r.startswith("yuqing[")]
    return {_norm(r.name): r for r in reqs}


def _constraints() -> dict[str, str]:
    pins = {}
    for number, line in enumerate((ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep and name and version, f"constraints.txt 第 {number} 行应为「包名==版本」：{line!r}"
        pins[_norm(name)] = version
    return pins


def _imported_top_levels() -> set[str]:
    found = set()
    for package in OUR_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    local = {p.stem for p in (ROOT / "tests").rglob("*.py")}  # test helpers imported by name (alerts_testkit)
    # trafilatura: an optional comparison in the extraction benchmark, imported only when installed.
    return found - OUR_PACKAGES - local - set(sys.stdlib_module_names) - {"__future__", "trafilatura"}


def test_every_imported_library_is_declared_and_every_declared_one_is_used():
    owners = packages_distributions()  # import name → distributions providing it
    imported = _imported_top_levels()
    declared = _declared()
    undeclared = {m: owners.get(m) for m in imported if not {_norm(d) for d in owners.get(m, [m])} & set(declared)}
    assert not undeclared, f"代码导入了 pyproject.toml 未声明的库：{undeclared}"
    providing = {_norm(d) for m in imported for d in owners.get(m, [m])}  # an optional extra not installed here: its module name
    unused = set(declared) - providing - USED_WITHOUT_IMPORT - {"psycopg-binary"}
    # psycopg[binary] is imported as psycopg: its requirement name is psycopg, which `providing` holds.
    assert not unused, f"pyproject.toml 声明了代码从未导入的库：{sorted(unused)}"


def test_constraints_pin_every_declared_dependency_within_its_declared_range():
    pins = _constraints()
    for name, req in _declared().items():
        assert name in pins, f"constraints.txt 缺少 {name}"
        assert req.specifier.contains(Version(pins[name]), prereleases=True), \
            f"constraints.txt 的 {name}=={pins[name]} 不满足 pyproject.toml 的 {req}"


def test_installed_versions_match_the_constraints():
    """Every pinned package that is installed has exactly the pinned version, and every declared one is installed."""
    pins = _constraints()
    wrong, missing = [], []
    for name, version in pins.items():
        try:
            installed = distribution(name).version
        except PackageNotFoundError:
            if name in _declared():
                missing.append(name)
            continue
        if Version(installed) != Version(version):
            wrong.append(f"{name}：已安装 {installed}，constraints.txt 为 {version}")
    assert not missing, f"未安装：{missing}（请运行 make install）"
    assert not wrong, "已安装的版本与 constraints.txt 不一致：\n" + "\n".join(wrong)


def test_every_package_folder_installs_under_the_yuqing_namespace():
    """pyproject.toml lists the packages by hand (package-dir maps the stage folders to yuqing.<stage>): a new
    subpackage missing from the list would be left out of a wheel, and a generic top-level name must not appear."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = {"yuqing": "yuqing", **{f"yuqing.{stage}": stage for stage in ("crawlers", "nlp", "alerts", "dashboard")}}
    assert tool["package-dir"] == folders
    on_disk = set()
    for name, folder in folders.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            on_disk.add(".".join((name, *rel)))
    listed = set(tool["packages"])
    assert on_disk <= listed, f"pyproject.toml 的 packages 缺少：{sorted(on_disk - listed)}"
    assert all(p == "yuqing" or p.startswith("yuqing.") for p in listed), listed
