"""The command line's plug points and start-up: stages register their commands through the ``yuqing.commands``
entry points (the kernel names none), and a command imports only what it uses. Each check runs a fresh Python
process, so what it finds in ``sys.modules`` is exactly what that command imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from tests.layout import STAGES, stage_of

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("scrapy", "streamlit", "jieba", "numpy", "pandas", "twisted", "snownlp", "sklearn")


def _python(code: str, *, env: dict[str, str] | None = None, cwd: Path | None = None, stdin: str = "") -> dict:
    """Run ``code`` in a fresh interpreter with this tree first on the path; it prints one JSON object last."""
    run_env = {**os.environ, **(env or {})}
    run_env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *[p for p in [run_env.get("PYTHONPATH")] if p]])
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=run_env, cwd=cwd or ROOT, input=stdin, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


_RUN_MAIN = """
    import contextlib, io, json, sys
    from yuqing.cli import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            code = main({argv!r})
        except SystemExit as exc:
            code = exc.code
    loaded = sorted({{".".join(name.split(".")[:2]) for name in sys.modules}})
    print(json.dumps({{"code": code, "out": out.getvalue(), "loaded": loaded}}))
"""


def test_importing_the_command_line_loads_no_stage_and_no_heavy_library():
    found = _python("""
        import json, sys
        import yuqing.cli
        print(json.dumps(sorted({".".join(name.split(".")[:2]) for name in sys.modules})))
    """)
    assert not {n.split(".")[0] for n in found} & set(HEAVY) and not [n for n in found if stage_of(n)], found


def test_help_lists_every_stage_command_without_importing_the_stages_code():
    found = _python(_RUN_MAIN.format(argv=["--help"]))
    assert found["code"] == 0
    for command in ("crawl", "sources", "analyze", "cluster", "train", "correct", "alerts", "sla", "report",
                    "dashboard", "sample-sites", "extract", "ingest", "tick"):
        assert f"    {command} " in found["out"], command
    assert not {n.split(".")[0] for n in found["loaded"]} & set(HEAVY), found["loaded"]


def test_alerts_list_on_a_small_store_loads_no_heavy_library(home):
    found = _python(_RUN_MAIN.format(argv=["alerts", "list"]), cwd=home)
    assert found["code"] == 0, found
    assert "没有符合条件的预警" in found["out"]
    assert not {n.split(".")[0] for n in found["loaded"]} & set(HEAVY), found["loaded"]


def test_every_registered_stage_command_and_bench_names_a_loadable_entry():
    """pyproject.toml's entry points lead to each stage's COMMANDS/BENCHES, and each entry exists and is callable."""
    from yuqing.commands import StageCommand, plugins
    from yuqing.plugins import load_object

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    points = declared["project"]["entry-points"]["yuqing.commands"]
    assert set(points) == set(STAGES)
    found = plugins()
    assert not found.problems
    for command in found.commands.values():
        assert isinstance(command, StageCommand) and command.style in ("argv", "app", "stdio-argv")
        assert stage_of(command.entry)
        assert callable(load_object(command.entry)), command
    for name, entry in found.benches.items():
        assert callable(load_object(entry)), name
    # The services `yuqing demo` starts, each from the stage that registers it.
    assert {"sample-sites": "crawlers", "dashboard": "dashboard"} == {
        name: stage_of(entry) for name, entry in found.services.items() if name in ("sample-sites", "dashboard")}
    for name, entry in found.services.items():
        assert stage_of(entry) and callable(load_object(entry)), name


def test_a_missing_service_is_a_chinese_plugin_error():
    import yuqing.commands.service  # noqa: F401  (the demo's handler module, imported before the look-up runs)
    from yuqing.commands import stage_service
    from yuqing.plugins import PluginError

    with pytest.raises(PluginError, match="没有已安装的阶段提供服务「无此服务」"):
        stage_service("无此服务")


def test_the_demo_asks_the_registry_for_what_it_starts(monkeypatch, capsys):
    """With no stage installed the demo says so in Chinese and starts nothing (it names no stage itself)."""
    import yuqing.commands as commands
    from yuqing.demo import run_demo

    monkeypatch.setattr(commands, "plugins", lambda: commands.Plugins({}, {}, {}, ()))
    assert run_demo(port=18220, dashboard_port=18221) == 1
    err = capsys.readouterr().err
    assert "无法启动演示：没有已安装的阶段提供服务「sample-sites」" in err and commands.NOT_INSTALLED_HINT in err


def test_a_new_distribution_adds_a_command_by_entry_point_alone(tmp_path):
    """A toy plug-in, installed as its own distribution (metadata plus one module), is a `yuqing` command."""
    (tmp_path / "toy_plugin").mkdir()
    (tmp_path / "toy_plugin" / "__init__.py").write_text("")
    (tmp_path / "toy_plugin" / "commands.py").write_text(textwrap.dedent("""
        from yuqing.commands import StageCommand
        COMMANDS = [StageCommand("toy", "toy_plugin.commands.toy_main", "玩具命令")]
        BENCHES = {"toy": "toy_plugin.commands.toy_main"}
        SERVICES = {"toy-service": "toy_plugin.commands.toy_main"}

        def toy_main(argv):
            print("toy:" + ",".join(argv))
            return 3
    """), encoding="utf-8")
    meta = tmp_path / "toy_plugin-1.0.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-plugin\nVersion: 1.0\n")
    (meta / "entry_points.txt").write_text("[yuqing.commands]\ntoy = toy_plugin.commands\n")
    env = {"PYTHONPATH": str(tmp_path)}
    found = _python(_RUN_MAIN.format(argv=["toy", "--x", "a"]), env=env)
    assert found["code"] == 3 and found["out"] == "toy:--x,a\n"
    found = _python(_RUN_MAIN.format(argv=["bench", "toy", "--json"]), env=env)
    assert found["code"] == 3 and found["out"] == "toy:--json\n"
    found = _python(_RUN_MAIN.format(argv=["--help"]), env=env)
    assert "玩具命令" in found["out"]
    found = _python("""
        import json
        from yuqing.commands import stage_service
        print(json.dumps({"code": stage_service("toy-service")(["x"])}))
    """, env=env)
    assert found["code"] == 3


@pytest.mark.parametrize("argv", [["analyze", "--help"], ["analyze", "-h"], ["cluster", "--help"]])
def test_stage_help_prints_help_without_reading_stdin(argv):
    # A bad line waits on stdin: a command that read it would report line 1 and exit 1.
    done = subprocess.run([sys.executable, "-m", "yuqing.cli", *argv], input="{坏行\n", capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"用法：yuqing {argv[0]}" in done.stdout
    assert "第 1 行" not in done.stderr


def test_analyze_unknown_option_is_a_chinese_error_with_exit_code_2():
    done = subprocess.run([sys.executable, "-m", "yuqing.cli", "analyze", "--bogus"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=120)
    assert done.returncode == 2
    assert "无法识别的参数：--bogus" in done.stderr and "Traceback" not in done.stderr


def test_bench_startup_reports_both_commands(tmp_path):
    """`yuqing bench startup` runs the two commands in a fresh data folder and reports their figures (no timing is
    asserted: the machine is shared)."""
    done = subprocess.run([sys.executable, "-m", "yuqing.cli", "bench", "startup", "--runs", "1", "--json"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [row["command"] for row in report.values()] == ["yuqing --help", "yuqing alerts list"]
    for row in report.values():
        assert row["runs"] == 1 and 0 < row["min_s"] <= row["median_s"] <= row["max_s"] and row["cpu_median_s"] > 0


def test_kernel_command_list_matches_the_parser():
    """KERNEL_COMMANDS (which commands start without reading the plug-ins) names exactly the kernel's sub-commands."""
    from yuqing.cli import KERNEL_COMMANDS, build_parser

    parser = build_parser(None)
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(KERNEL_COMMANDS)
