"""SIGKILL the scheduler in the middle of processing, start it again: nothing committed is lost, no alert doubles."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from datetime import timedelta

from tests.e2e.conftest import generated_posts, run_cli, write_jsonl
from yuqing.clock import now as clock_now
from yuqing.config import DEFAULT_CONFIG

N = 800


def scheduler_config(home):
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    head, _, rest = text.partition("\n[[sources]]\n")
    _, _, departments = rest.partition("\n[[departments]]\n")
    head = head.replace("process_every_seconds = 15", "process_every_seconds = 1")
    head = head.replace("alerts_every_seconds = 20", "alerts_every_seconds = 1")
    head = head.replace("deadlines_every_seconds = 60", "deadlines_every_seconds = 2")
    path = home / "restart.toml"
    path.write_text(head + "\n[[departments]]\n" + departments, encoding="utf-8")
    return path


def counts(db_path):
    with sqlite3.connect(db_path, timeout=30) as db:
        return {
            "documents": db.execute("SELECT count(*) FROM documents").fetchone()[0],
            "pending": db.execute("SELECT count(*) FROM documents WHERE needs_processing = 1").fetchone()[0],
            "unclustered": db.execute("SELECT count(*) FROM documents WHERE event_id IS NULL").fetchone()[0],
            "alerts": db.execute("SELECT count(*) FROM alerts").fetchone()[0],
            "dup_alerts": db.execute("SELECT count(*) FROM (SELECT event_id, rule FROM alerts WHERE event_id IS NOT NULL "
                                     "GROUP BY event_id, rule HAVING count(*) > 1)").fetchone()[0],
            "open_twice": db.execute("SELECT count(*) FROM (SELECT event_id FROM alerts WHERE status <> 'closed' AND "
                                     "event_id IS NOT NULL GROUP BY event_id HAVING count(*) > 1)").fetchone()[0],
        }


def start_scheduler(home, config):
    env = {**os.environ, "YUQING_HOME": str(home), "YUQING_CONFIG": str(config)}
    return subprocess.Popen([sys.executable, "-m", "yuqing.cli", "run"], env=env, cwd=home,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.slow
def test_sigkill_mid_processing_loses_nothing_and_duplicates_no_alert(home, tmp_path):
    config = scheduler_config(home)
    # The scheduler runs on the real clock: posts from the last days, so events are active and rules can fire.
    posts = generated_posts(N, seed=5, start=clock_now() - timedelta(days=3), days=3)
    expected = len({p["url"] for p in posts})
    result = run_cli("--config", str(config), "ingest", str(write_jsonl(tmp_path / "p.jsonl", posts)), "--no-process",
                     home=home)
    assert result.returncode == 0, result.stderr
    db = home / "yuqing.db"
    assert counts(db)["pending"] == expected

    proc = start_scheduler(home, config)
    try:
        wait_for(lambda: counts(db)["pending"] < expected, 300, "the first processed batch")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    after_kill = counts(db)
    assert after_kill["documents"] == expected
    assert 0 <= after_kill["pending"] < expected

    proc = start_scheduler(home, config)
    try:
        wait_for(lambda: (lambda c: c["pending"] == 0 and c["unclustered"] == 0)(counts(db)), 600, "processing to finish")
        wait_for(lambda: counts(db)["alerts"] > 0, 600, "alerts")
        time.sleep(3)  # a few more alert cycles: re-evaluation must not add duplicates
        os.killpg(proc.pid, signal.SIGKILL)  # and once more, at an arbitrary point
        proc.wait(timeout=30)
        proc = start_scheduler(home, config)
        time.sleep(5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    final = counts(db)
    assert final["documents"] == expected
    assert final["pending"] == 0
    assert final["dup_alerts"] == 0
    assert final["open_twice"] == 0
