"""`yuqing demo` (what `make demo` runs) reaches a working loop and stops every process it started."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.e2e.conftest import run_cli


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_demo_shows_posts_events_and_a_dispatched_alert_then_stops_cleanly(home):
    site_port, dash_port = free_port(), free_port()
    env = {**os.environ, "YUQING_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "demo", "--port", str(site_port),
                             "--dashboard-port", str(dash_port)], env=env, cwd=home, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    config = str(home / "demo.toml")
    try:
        # The README promises three minutes on an idle machine; the test waits longer so a busy one cannot fail it.
        deadline = time.monotonic() + 480
        state = {}
        while time.monotonic() < deadline:
            time.sleep(3)
            if not (home / "demo.toml").exists():
                continue
            stats = run_cli("--config", config, "stats", "--json", home=home)
            alerts = run_cli("--config", config, "alerts", "list", "--json", home=home)
            if stats.returncode or alerts.returncode:
                continue
            state = json.loads(stats.stdout)
            dispatched = [a for a in json.loads(alerts.stdout)["alerts"]
                          if a["department"] and a["deadlines"] and a["status"] == "dispatched"]
            if state["documents"] and state["events"] and dispatched:
                break
        else:
            pytest.fail(f"demo did not reach documents + events + a dispatched alert in 8 minutes: {state}")
        with urllib.request.urlopen(f"http://127.0.0.1:{dash_port}/_stcore/health", timeout=30) as response:
            assert response.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert "演示账号" in out and "admin" in out
    time.sleep(1)
    assert not port_open(site_port), "sample sites still running after the demo stopped"
    assert not port_open(dash_port), "dashboard still running after the demo stopped"
