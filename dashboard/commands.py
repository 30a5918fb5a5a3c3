"""The dashboard's ``yuqing`` commands and benches (registered through pyproject.toml's ``yuqing.commands``)."""

from yuqing.commands import StageCommand

ORDER = 400  # where these commands stand in `yuqing --help` (the pipeline's order)

COMMANDS = [
    StageCommand("report", "dashboard.report.report_main",
                 "生成舆情简报：report daily|weekly --date D --out 文件.docx/.xlsx", "app"),
    StageCommand("dashboard", "dashboard.cli.dashboard_main", "启动 Streamlit 看板（默认 http://127.0.0.1:8501）"),
]

BENCHES = {
    "dashboard": "dashboard.bench.bench_dashboard_main",
}
