"""The alerts stage's ``yuqing`` commands and benches (registered through pyproject.toml's ``yuqing.commands``)."""

from yuqing.commands import StageCommand

ORDER = 300  # where these commands stand in `yuqing --help` (the pipeline's order)

COMMANDS = [
    StageCommand("alerts", "yuqing.alerts.cli.alerts_main", "预警：list / show / act（派发、签收、退单、回应、评价……）", "app"),
    StageCommand("sla", "yuqing.alerts.cli.sla_main", "计算办理时限：sla deadline --policy NAME --start 时间"),
]

BENCHES = {
    "replay": "yuqing.alerts.replay.report.bench_replay_main",
}
