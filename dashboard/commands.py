"""The dashboard's ``yuqing`` commands, benches and services (registered by pyproject.toml's ``yuqing.commands``)."""

from yuqing.commands import StageCommand

ORDER = 400  # where these commands stand in `yuqing --help` (the pipeline's order)

COMMANDS = [
    StageCommand("report", "yuqing.dashboard.report.report_main",
                 "生成舆情简报：report daily|weekly --date D --out 文件.docx/.xlsx", "app"),
    StageCommand("dashboard", "yuqing.dashboard.cli.dashboard_main", "启动 Streamlit 看板（默认 http://127.0.0.1:8501）"),
]

BENCHES = {
    "dashboard": "yuqing.dashboard.bench.bench_dashboard_main",
    "schemes": "yuqing.dashboard.scheme_bench.bench_schemes_main",
}

# What other commands start (yuqing.commands.stage_service): `yuqing demo` runs the dashboard as a subprocess,
# streamlit_command(port, host) → its argv.
SERVICES = {
    "dashboard": "yuqing.dashboard.cli.streamlit_command",
}
