"""Import rules, read from the source with ``ast`` (imports inside functions included):

- the kernel (``yuqing/``: model, config, storage, scheduler, command line …) imports no stage (the stages install
  as ``yuqing.crawlers``, ``yuqing.nlp``, ``yuqing.alerts`` and ``yuqing.dashboard`` from their own folders);
- a stage (``crawlers/``, ``nlp/``, ``alerts/``, ``dashboard/``) imports no other stage: stages import the kernel and
  meet only in the store and the model.

A literal class path handed to ``load_object``/``importlib.import_module`` counts as an import: it is one. Class
paths in configuration defaults (``DEFAULT_COMPONENTS``) and in pyproject.toml's entry points are how the kernel
reaches stages without importing them, and are not imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.layout import KERNEL, STAGES, stage_of

ROOT = Path(__file__).resolve().parents[2]

# Known violations tolerated while someone removes them: (file, imported module prefix) → why. Empty: keep it so.
# An entry that no longer occurs fails test_allow_list_has_no_stale_entries, so none can linger.
ALLOWED: dict[tuple[str, str], str] = {}


def _absolute(module: str | None, level: int, path: Path, root: Path) -> str | None:
    """The absolute module an ``import``/``from … import`` names (relative imports resolved against ``path``)."""
    if level == 0:
        return module
    package = list(path.with_suffix("").relative_to(root).parts)[:-1]
    if level > 1:
        package = package[:-(level - 1)]
    return ".".join(package + ([module] if module else []))


def imports_of(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """Every module ``path`` imports: import statements anywhere (module level or inside functions) and literal
    class paths passed to ``load_object`` / ``import_module``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node.module, node.level, path, root)
            if module:
                found.append((node.lineno, module))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if func == "load_object":
                found.append((node.lineno, node.args[0].value.rpartition(".")[0]))
            elif func in ("import_module", "__import__"):
                found.append((node.lineno, node.args[0].value))
    return found



def violations(root: Path = ROOT) -> list[tuple[str, int, str, str]]:
    """(file, line, imported module, rule broken) for every import that breaks the rules under ``root``."""
    out = []
    for owner in (KERNEL, *STAGES):
        for path in sorted((root / owner).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            for line, module in imports_of(path, root):
                top = stage_of(module)
                if top is not None and top != owner:
                    rule = "内核导入了阶段" if owner == KERNEL else f"阶段 {owner} 导入了阶段 {top}"
                    out.append((rel, line, module, rule))
    return out


def _allowed(rel: str, module: str) -> bool:
    return any(rel == file and (module == prefix or module.startswith(prefix + ".")) for file, prefix in ALLOWED)


def test_kernel_imports_no_stage_and_stages_import_no_other_stage():
    new = [v for v in violations() if not _allowed(v[0], v[2])]
    assert not new, "违反导入规则：\n" + "\n".join(f"{f}:{line} 导入 {m}（{rule}）" for f, line, m, rule in new)


def stale_entries(allowed: dict[tuple[str, str], str], root: Path = ROOT) -> list[tuple[str, str]]:
    """The allow-list entries that match no violation under ``root``."""
    present = {(f, m) for f, _line, m, _rule in violations(root)}
    return [entry for entry in allowed
            if not any(f == entry[0] and (m == entry[1] or m.startswith(entry[1] + ".")) for f, m in present)]


def test_allow_list_has_no_stale_entries():
    stale = stale_entries(ALLOWED)
    assert not stale, f"这些例外已不再出现，请从 ALLOWED 中删除：{stale}"


def test_the_checker_finds_lazy_relative_and_class_path_imports(tmp_path):
    """The rule check itself: a synthetic tree with one violation of each shape, and legal imports beside them."""
    files = {
        "yuqing/__init__.py": "",
        "yuqing/good.py": "from yuqing.model import Alert\nimport json\nPATH = 'yuqing.nlp.pipeline.Analyzer'\n",
        "yuqing/lazy.py": "def f():\n    from yuqing.nlp.topic import CATEGORIES\n    return CATEGORIES\n",
        "yuqing/by_path.py": "from yuqing.plugins import load_object\nx = load_object('yuqing.alerts.service.AlertService')\n",
        "nlp/__init__.py": "",
        "nlp/own.py": "from . import topic\nfrom .events import stage\nfrom yuqing import config\n",
        "nlp/cross.py": "import alerts.workflow as w\n",
        "alerts/__init__.py": "",
        "alerts/up.py": "from ..dashboard import views\n",
        "crawlers/__init__.py": "",
        "dashboard/__init__.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    found = {(f, m) for f, _line, m, _rule in violations(tmp_path)}
    assert found == {("yuqing/lazy.py", "yuqing.nlp.topic"), ("yuqing/by_path.py", "yuqing.alerts.service"),
                     ("nlp/cross.py", "alerts.workflow"), ("alerts/up.py", "dashboard")}
    # An allow-list entry is stale when nothing matches it: by file and module prefix.
    allowed = {("nlp/cross.py", "alerts"): "", ("nlp/own.py", "alerts"): "", ("yuqing/lazy.py", "nlp.top"): ""}
    assert stale_entries(allowed, tmp_path) == [("nlp/own.py", "alerts"), ("yuqing/lazy.py", "nlp.top")]
