"""No import cycles: every crawlers module imports on its own, and no package's modules import each other in a ring.

The graph is read from the source with ``ast``: every ``import``/``from … import`` of a module of the same package,
at module level or inside a function (a lazy import is still a dependency; it only hides the cycle until the function
runs), relative imports resolved. Imports under ``if TYPE_CHECKING:`` never run and are left out. A cycle means two
modules cannot be understood, tested or moved apart; the shared part belongs in a small module both import.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from tests.layout import KERNEL, STAGES

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (KERNEL, *STAGES)

# Cycles known today in packages other helpers own, each a set of modules. An entry that no longer occurs fails
# test_known_cycles_still_exist, so the list can only shrink.
KNOWN_CYCLES: list[frozenset[str]] = [
]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[0] in STAGES:  # installed as yuqing.<stage> (pyproject.toml)
        parts = [KERNEL, *parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules(package: str, root: Path = ROOT) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}


def _type_checking(test: ast.expr) -> bool:
    return getattr(test, "id", None) == "TYPE_CHECKING" or getattr(test, "attr", None) == "TYPE_CHECKING"


def imported_modules(path: Path, name: str, known: set[str]) -> set[str]:
    """The modules among ``known`` that the module ``name`` (file ``path``) imports anywhere in its code."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child.test):
                for other in child.orelse:
                    visit_one(other)
            else:
                visit_one(child)

    def visit_one(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                if submodule in known:  # from pkg import module
                    found.add(submodule)
                elif module in known:  # from module import name
                    found.add(module)
        else:
            visit(node)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    found.discard(name)
    return found


def import_graph(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    modules = package_modules(package, root)
    return {name: imported_modules(path, name, set(modules)) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))
    return found


def _describe(cycle: frozenset[str], graph: dict[str, set[str]]) -> str:
    edges = [f"{a} → {b}" for a in sorted(cycle) for b in sorted(graph[a] & cycle)]
    return "、".join(edges)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_inside_a_package(package):
    graph = import_graph(package)
    new = [c for c in cycles(graph) if c not in KNOWN_CYCLES]
    assert not new, f"{package} 内有循环导入：\n" + "\n".join(_describe(c, graph) for c in new)


def test_known_cycles_still_exist():
    present = {c for package in PACKAGES for c in cycles(import_graph(package))}
    stale = [sorted(c) for c in KNOWN_CYCLES if c not in present]
    assert not stale, f"这些循环导入已经消除，请从 KNOWN_CYCLES 中删除：{stale}"


def test_every_crawlers_module_imports_on_its_own():
    for name in package_modules("crawlers"):
        if name.endswith(".__main__"):
            continue  # runs the command when imported
        importlib.import_module(name)


def test_the_checker_finds_lazy_relative_and_package_cycles(tmp_path):
    """The graph check itself, on a synthetic package: each shape of import it must follow, and what it must not."""
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.b import thing\n",
        "pkg/b.py": "def f():\n    from . import a\n    return a\nthing = 1\n",  # lazy + relative: a ↔ b
        "pkg/c.py": "import pkg.sub.d\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/d.py": "from ..c import x\n",  # two levels up: c ↔ sub.d
        "pkg/e.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.f import F\nimport json\n",
        "pkg/f.py": "from pkg.e import json\n",  # e → f only for the type checker: no cycle
        "pkg/g.py": "from pkg import sub\n",  # a subpackage named in from-import
        "pkg/sub/h.py": "import pkg.g\n",  # h → g → sub (the package), not a cycle with h
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    graph = import_graph("pkg", tmp_path)
    assert graph["pkg.b"] == {"pkg.a"} and graph["pkg.e"] == set() and graph["pkg.g"] == {"pkg.sub"}
    assert sorted(sorted(c) for c in cycles(graph)) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.sub.d"]]
