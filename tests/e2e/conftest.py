"""End-to-end fixtures: the real command line against a temporary YUQING_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from yuqing.clock import TZ


def run_cli(*args: str, home: Path, stdin: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "YUQING_HOME": str(home), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "yuqing.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=home, timeout=timeout)


def generated_posts(n: int, seed: int = 7, start: datetime | None = None, days: float = 10) -> list[dict]:
    from yuqing.samples.timeline import generate_posts

    start = start or datetime(2026, 9, 1, 9, 0, tzinfo=TZ)
    return list(generate_posts(seed=seed, n=n, start=start, days=days, labels=False))


def write_jsonl(path: Path, records: list) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n")
    return path
