"""Fixtures for the alerts tests: a real SQLite store, the default departments, users, and local receivers."""

from __future__ import annotations

import functools
import io
import json
import socket
import threading
import tomllib
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.backends import postgres_workflow
from yuqing.clock import TZ
from yuqing.config import DEFAULT_CONFIG, parse_config
from yuqing.model import Document, DocumentKind, Event, User
from yuqing.storage.base import Store
from yuqing.storage.sqlite import SQLiteStore
from yuqing.users import hash_password

T0 = datetime(2024, 5, 13, 9, 0, tzinfo=TZ)  # a Monday, no holiday nearby

DEPT_A3 = "A3区住房和城乡建设局"
DEPT_EDU = "A市教育局"
SUPERVISOR = "A市人民政府督查室"


def password_for(name: str) -> str:
    """Each test account's password (known to the tests, like an officer knows theirs)."""
    return f"{name}-口令-0513"


@functools.cache
def _password_hash(name: str) -> str:
    return hash_password(password_for(name))  # argon2 is slow: once per account per session


def alerts_as(argv: list[str], app: Any) -> int:
    """``yuqing alerts …`` as a person runs it: with ``--as NAME`` the password goes in on stdin."""
    from yuqing.alerts.cli import alerts_main

    if "--as" not in argv:
        return alerts_main(argv, app)
    name = argv[argv.index("--as") + 1]
    return alerts_main([*argv, "--password-stdin"], app, stdin=io.StringIO(password_for(name) + "\n"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_config(tmp_path: Path, *, alerts: dict | None = None, notifications: dict | None = None,
                deadlines: dict | None = None, contacts: dict[str, dict[str, str]] | None = None):
    data = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    for section in ("alerts", "notifications", "deadlines"):
        data.pop(section, None)
    for d in data["departments"]:
        d.update((contacts or {}).get(d["name"], {}))
    if alerts is not None:
        data["alerts"] = alerts
    if notifications is not None:
        data["notifications"] = notifications
    if deadlines is not None:
        data["deadlines"] = deadlines
    data["storage"] = {"sqlite_path": str(tmp_path / "yuqing.db")}
    return parse_config(data, tmp_path / "yuqing.toml", home=tmp_path)


class App:
    def __init__(self, config, store):
        self.config, self.store = config, store


@pytest.fixture
def make_app(tmp_path):
    opened = []

    def _make(*, workflow: str | None = None, **kw) -> App:
        # YUQING_TEST_ALERTS_WORKFLOW=postgresql runs the whole alerts suite with the workflow half on PostgreSQL.
        import os

        workflow = workflow or os.environ.get("YUQING_TEST_ALERTS_WORKFLOW", "sqlite")
        config = make_config(tmp_path, **kw)
        sqlite = SQLiteStore(config.storage.sqlite_path)
        if workflow == "postgresql":
            pg = postgres_workflow("yqalerts")
            opened.append(pg)
            store = Store(sqlite, pg)
        else:
            store = Store(sqlite, sqlite)
        store.workflow.sync_departments(config.departments)
        if store.workflow.get_user("officer") is None:
            # Accounts straight into the store (hashes computed once per session: argon2 is slow).
            for name, role, dept in (("officer", "officer", None), ("leader", "leader", None),
                                     ("a3zj", "department", DEPT_A3), ("edu", "department", DEPT_EDU)):
                store.workflow.add_user(User(name=name, role=role, password_hash=_password_hash(name), department=dept,
                                             display_name=name, created_at=T0))
        opened.append(store)
        return App(config, store)

    yield _make
    for s in opened:
        if hasattr(s, "drop_schema"):
            s.drop_schema()
        s.close()


def add_event(store: Store, event_id: str, *, now: datetime, posts: list[datetime], negative: int | None = None,
              heat: float = 30.0, region: str = "A3区", topic: str = "城乡建设", title: str | None = None,
              texts: list[str] | None = None, source: str = "a_city_board", department: str | None = None) -> Event:
    """An event with its posts, as the clustering stage would leave them in the store."""
    docs = []
    for i, at in enumerate(posts):
        text = (texts[i % len(texts)] if texts else f"{region}幸福小区电梯又停运了，老人上不了楼，物业不管，投诉多次无人理（{i}）")
        docs.append(Document(url=f"http://board.example/{event_id}/{i}", source=source, title=text[:20], content=text,
                             kind=DocumentKind.POST, published_at=at, region=region))
    store.documents.upsert_documents(docs, now)
    store.documents.link_documents({d.id: (event_id, None) for d in docs})
    n = len(posts)
    neg = n if negative is None else negative
    event = Event(id=event_id, title=title or f"{region}幸福小区电梯停运", keywords=["电梯", "停运", "物业"], region=region,
                  topic=topic, department=department, first_seen=min(posts), last_seen=max(posts), doc_count=n,
                  source_count=1, negative=neg, neutral=n - neg, positive=0, heat=heat,
                  heat_parts={"volume": heat / 2, "interaction": 1.0, "authority": 1.0, "recency": 1.0, "growth": 2.0})
    store.documents.save_events([event], now)
    return event


class SMTPSink:
    """A real SMTP server (aiosmtpd) on a free local port that keeps every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        self.port = free_port()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                import email

                sink.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


@pytest.fixture
def smtp_sink():
    sink = SMTPSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


class HTTPReceiver:
    """A local HTTP server that records JSON posts; ``statuses`` scripts the answers (default 200 errcode 0)."""

    def __init__(self):
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "body": json.loads(body.decode("utf-8")),
                                          "content_type": self.headers.get("Content-Type")})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = json.dumps({"errcode": 0 if status == 200 else 500, "errmsg": "ok"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def http_receiver():
    r = HTTPReceiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def burst(now: datetime, n: int, minutes: int = 90) -> list[datetime]:
    """n post times spread over the last ``minutes``."""
    return [now - timedelta(minutes=minutes * (i + 1) / (n + 1)) for i in range(n)]


def lift_alert(make_app):
    """The suite's standard case: 14 posts about a broken lift in A3区 in the last 90 minutes, 13 negative, evaluated
    once at T0 by a fresh service (a level-2 alert dispatched to A3区住建局). Returns (app, service, alert)."""
    from yuqing.alerts.service import AlertService

    app = make_app()
    add_event(app.store, "ev-lift", now=T0, posts=burst(T0, 14), negative=13)
    svc = AlertService.from_config(app.config, app.store)
    (alert,) = svc.evaluate(T0)
    return app, svc, alert


BOARD_MESSAGES = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "gov_messages" / "messages_with_replies.csv"


def board_rows() -> list[dict]:
    """The shared real board messages (messages_with_replies.csv), each with its time parsed as ``at``, in time
    order; the test is skipped where the shared data is absent."""
    import csv

    if not BOARD_MESSAGES.exists():
        pytest.skip(f"缺少共享数据 {BOARD_MESSAGES}（见 ../shared/data/README.md）")
    with BOARD_MESSAGES.open(encoding="utf-8") as f:
        rows = [{**r, "at": datetime.strptime(r["留言时间"].strip(), "%Y/%m/%d %H:%M:%S").replace(tzinfo=TZ)}
                for r in csv.DictReader(f)]
    return sorted(rows, key=lambda r: (r["at"], r["留言编号"]))
