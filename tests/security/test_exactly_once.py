"""Exactly-once notifications: two ticks at the same moment, or a sender killed mid-send, never deliver twice.

A real local webhook receiver holds every request until the test lets it go, so the first sender is still "on the
wire" while the second tick runs. Nothing here depends on timing: the receiver is released when the overlap has
happened (two requests in flight at once, or one tick finished while the other's request was held), and every wait
is on a condition with a generous deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.backends import postgres_dsn
from yuqing.app import App
from yuqing.clock import TZ
from yuqing.config import DEFAULT_CONFIG, load_config
from yuqing.model import User

T0 = datetime(2024, 5, 13, 9, 0, tzinfo=TZ)  # a Monday morning, outside any quiet hours
REPO = Path(__file__).resolve().parents[2]
WAIT = 300  # seconds: a generous deadline for anything on a busy machine, never a timing assertion


class HoldingReceiver:
    """A webhook receiver that records each request and holds its answer until ``release()``."""

    def __init__(self):
        self.requests: list[dict[str, Any]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.cond = threading.Condition()
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8"))
                with receiver.cond:
                    receiver.requests.append({"path": self.path, "body": body,
                                              "key": self.headers.get("Idempotency-Key"),
                                              "delivery": self.headers.get("X-Yuqing-Delivery")})
                    receiver.in_flight += 1
                    receiver.most_in_flight = max(receiver.most_in_flight, receiver.in_flight)
                    receiver.cond.notify_all()
                receiver.released.wait(WAIT)
                with receiver.cond:
                    receiver.in_flight -= 1
                    receiver.cond.notify_all()
                answer = b'{"errcode": 0, "errmsg": "ok"}'
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:  # the sender was killed while we held its request
                    pass

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a killed sender's broken connection is part of the test

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def release(self) -> None:
        self.released.set()

    def wait_until(self, predicate: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT
        with self.cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"等待超时：{what}")
                self.cond.wait(min(left, 0.2))  # re-check also conditions the receiver does not signal

    def items(self) -> list[tuple[str, str, str]]:
        """(path, alert id, kind) of every notification received, repeats included."""
        return [(r["path"], it["alert"]["id"], it["kind"]) for r in self.requests for it in r["body"]["items"]]


@pytest.fixture
def receiver():
    r = HoldingReceiver()
    r.thread.start()
    yield r
    r.release()
    r.server.shutdown()
    r.server.server_close()


def write_config(home: Path, receiver: HoldingReceiver, paths: list[str], *, pg_schema: str | None = None) -> Path:
    """The packaged configuration with our own notifications: officers reached by webhooks on the receiver; the
    workflow half in a throwaway PostgreSQL schema when ``pg_schema`` is given."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    head, sep, _ = text.partition("\n[notifications]\n")
    assert sep, "default config has no [notifications] section to replace"
    if pg_schema:
        assert 'workflow = "sqlite"' in head
        head = head.replace('workflow = "sqlite"', 'workflow = "postgresql"', 1)
        head += f'\n[storage.postgresql]\ndsn = "{postgres_dsn()}"\nschema = "{pg_schema}"\n'
    officers = "".join(f'\n[[notifications.officers]]\nchannel = "webhook"\ntarget = "{receiver.url}{p}"\n'
                       for p in paths)
    # The held request must outlast any wait in the test, so the channel timeout is long; the lease follows it.
    notifications = ("\n[notifications]\nenabled = true\ndigest_minutes = 0\n"
                     "[notifications.webhook]\ntimeout = 900.0\n" + officers)
    path = home / "yuqing.toml"
    path.write_text(head + notifications, encoding="utf-8")
    return path


def seed(config_path: Path, home: Path, n: int) -> list[str]:
    """n manual alerts raised by an officer: each queues a "new" notice to every officer webhook."""
    app = App(load_config(config_path, home=home))
    try:
        wf = app.store.workflow
        wf.add_user(User(name="officer", role="officer", password_hash="(unused)", display_name="值班员", created_at=T0))
        officer = wf.get_user("officer")
        ids = [app.alerts.raise_manual(officer, f"第{i}号测试预警：小区供暖中断", "多位居民反映供暖中断", level=2,
                                       now=T0).id for i in range(n)]
        assert len(wf.due_deliveries(T0, limit=10_000)) == n * len(app.alerts.notify_settings.officers)
        return ids
    finally:
        app.close()


def check_exactly_once(config_path: Path, home: Path, receiver: HoldingReceiver, alert_ids: list[str],
                       paths: list[str]) -> None:
    expected = {(p, a, "new") for p in paths for a in alert_ids}
    got = Counter(receiver.items())
    assert set(got) == expected
    repeats = {k: v for k, v in got.items() if v != 1}
    assert not repeats, f"重复送达：{len(repeats)} 条"
    keys = [r["key"] for r in receiver.requests]
    assert all(keys) and len(set(keys)) == len(keys)  # one message, one key
    assert all(r["delivery"] == r["key"] for r in receiver.requests)
    app = App(load_config(config_path, home=home))
    try:
        wf = app.store.workflow
        log = wf.list_deliveries(limit=10_000)
        assert len(log) == len(expected)
        assert {(d["status"], d["attempts"]) for d in log} == {("sent", 1)}
        for d in log:
            (attempt,) = wf.delivery_attempts(d["id"])
            assert (attempt["attempt"], attempt["outcome"]) == (1, "sent")
            assert attempt["worker"] == d["claimed_by"] and attempt["worker"].count(":") >= 2
        assert {d["message_key"] for d in log} == set(keys)
    finally:
        app.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def pg_schema(request):
    """None (everything in SQLite) or a throwaway PostgreSQL schema for the workflow half, dropped afterwards."""
    if request.param == "sqlite":
        yield None
        return
    from yuqing.storage.postgresql import PostgresWorkflowStore

    schema = f"yqonce_{uuid.uuid4().hex[:10]}"
    dsn = postgres_dsn()
    yield schema
    store = PostgresWorkflowStore(dsn, schema=schema)
    store.drop_schema()
    store.close()


def test_two_ticks_in_threads_send_every_notification_once(tmp_path, receiver, pg_schema):
    paths = ["/officers/a", "/officers/b", "/officers/c"]
    config_path = write_config(tmp_path, receiver, paths, pg_schema=pg_schema)
    alert_ids = seed(config_path, tmp_path, 24)  # 72 notifications in three messages (one per officer webhook)
    now = T0 + timedelta(minutes=1)
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def tick():
        app = App(load_config(config_path, home=tmp_path))  # its own store and connections, like another node
        try:
            barrier.wait(timeout=WAIT)
            results.append(app.alerts.tick(now)["deliveries"])
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            app.close()
            with receiver.cond:
                receiver.cond.notify_all()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    # Hold the first message until the other tick has either sent one too or finished: the overlap has happened.
    receiver.wait_until(lambda: receiver.in_flight >= 2 or (receiver.in_flight >= 1 and len(results) + len(errors) >= 1),
                        "两个 tick 交叠")
    receiver.release()
    for t in threads:
        t.join(WAIT)
    assert not errors and len(results) == 2
    check_exactly_once(config_path, tmp_path, receiver, alert_ids, paths)
    assert sum(r["sent"] for r in results) == 72 and sum(r["messages"] for r in results) == 3
    assert sum(r["lost"] for r in results) == 0


def run_tick(config_path: Path, home: Path, now: datetime, **kw) -> subprocess.Popen:
    env = {**os.environ, "YUQING_HOME": str(home), "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "yuqing.cli", "--config", str(config_path), "tick", "--json",
                             "--now", now.isoformat()], env=env, cwd=home, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8", start_new_session=True, **kw)


def test_two_tick_processes_send_every_notification_once(tmp_path, receiver, pg_schema):
    paths = ["/officers/a", "/officers/b"]
    config_path = write_config(tmp_path, receiver, paths, pg_schema=pg_schema)
    alert_ids = seed(config_path, tmp_path, 20)
    now = T0 + timedelta(minutes=1)
    procs = [run_tick(config_path, tmp_path, now) for _ in range(2)]
    try:
        receiver.wait_until(lambda: receiver.in_flight >= 2 or (
            receiver.in_flight >= 1 and any(p.poll() is not None for p in procs)), "两个 yuqing tick 进程交叠")
        receiver.release()
        outputs = [p.communicate(timeout=WAIT) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    reports = [json.loads(out)["notifications"] for out, _ in outputs]
    assert sum(r["sent"] for r in reports) == 40 and sum(r["messages"] for r in reports) == 2
    check_exactly_once(config_path, tmp_path, receiver, alert_ids, paths)


def test_a_sender_killed_mid_send_is_taken_over_after_its_lease_with_the_same_key(tmp_path, receiver, pg_schema):
    config_path = write_config(tmp_path, receiver, ["/officers/a"], pg_schema=pg_schema)
    alert_ids = seed(config_path, tmp_path, 3)
    now = T0 + timedelta(minutes=1)
    proc = run_tick(config_path, tmp_path, now)
    try:
        receiver.wait_until(lambda: receiver.in_flight >= 1 or proc.poll() is not None, "发送进程发出请求")
        assert proc.poll() is None, proc.communicate()
        os.kill(proc.pid, signal.SIGKILL)  # mid-send: the receiver holds the request, the sender dies
        proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    (first,) = receiver.requests
    app = App(load_config(config_path, home=tmp_path))
    try:
        wf = app.store.workflow
        log = wf.list_deliveries()
        # The log tells the truth: one attempt, in flight, by a worker that is gone.
        assert {(d["status"], d["attempts"]) for d in log} == {("sending", 1)}
        assert {d["message_key"] for d in log} == {first["key"]}
        lease_until = log[0]["lease_until"]
        assert lease_until > now
        # While the lease runs nobody sends it again (the sender might only be slow).
        assert app.alerts.deliver(now + timedelta(minutes=2))["due"] == 0
        assert len(receiver.requests) == 1
        receiver.release()  # the receiver answers again from now on
        out = app.alerts.deliver(lease_until)
        assert (out["sent"], out["messages"]) == (3, 1)
        assert len(receiver.requests) == 2
        second = receiver.requests[1]
        # The same message with the same key: a receiver that remembers keys drops the repeat.
        assert second["key"] == first["key"] and second["body"]["items"] == first["body"]["items"]
        assert sorted(it["alert"]["id"] for it in second["body"]["items"]) == sorted(alert_ids)
        log = wf.list_deliveries()
        assert {(d["status"], d["attempts"]) for d in log} == {("sent", 2)}
        for d in log:
            attempts = wf.delivery_attempts(d["id"])
            assert [(a["attempt"], a["outcome"]) for a in attempts] == [(1, "abandoned"), (2, "sent")]
            assert attempts[0]["worker"] != attempts[1]["worker"]
            assert {a["message_key"] for a in attempts} == {first["key"]}
        assert app.alerts.deliver(lease_until + timedelta(hours=1))["due"] == 0
    finally:
        app.close()


def test_an_email_sent_again_keeps_its_message_id(tmp_path):
    """A retried e-mail carries the same Message-ID (derived from its deliveries), so mail clients show it once."""
    import email
    import email.policy
    import socket as socket_module

    from aiosmtpd.controller import Controller

    seen: list[str] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            seen.append(str(msg["Message-ID"]))
            return "451 稍后重试" if len(seen) == 1 else "250 OK"

    with socket_module.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        head, _, _ = DEFAULT_CONFIG.read_text(encoding="utf-8").partition("\n[notifications]\n")
        config_path = tmp_path / "yuqing.toml"
        config_path.write_text(head + (
            "\n[notifications]\nenabled = true\ndigest_minutes = 0\nbackoff_seconds = 60\n"
            f'[notifications.email]\nhost = "127.0.0.1"\nport = {port}\nsender = "yuqing@a.gov.cn"\n'
            '[[notifications.officers]]\nchannel = "email"\ntarget = "duty@a.gov.cn"\n'), encoding="utf-8")
        seed(config_path, tmp_path, 2)
        app = App(load_config(config_path, home=tmp_path))
        try:
            now = T0 + timedelta(minutes=1)
            assert app.alerts.deliver(now)["retrying"] == 2
            assert app.alerts.deliver(now + timedelta(seconds=60))["sent"] == 2
            log = app.store.workflow.list_deliveries()
            (key,) = {d["message_key"] for d in log}
            assert {(d["status"], d["attempts"]) for d in log} == {("sent", 2)}
        finally:
            app.close()
    finally:
        controller.stop()
    assert seen == [f"<{key}@a.gov.cn>"] * 2
