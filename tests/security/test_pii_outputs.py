"""The PII matrix: personal information typed into an alert (title, reason), a department's return reason and its
response never leaves through any output — CLI text and JSON, the dashboard pages (AppTest), the CSV export, the
日报 as docx and xlsx (read back), webhook payloads (generic, 企业微信, 钉钉) and e-mails (received by real local
servers and built per notification), and log lines. Raw text is reachable only through the audited 「查看原文」.

One store holds one alert per form (built once per module: every output is rendered once); each form is then a
test case that looks for its secret in every output, and for the alert itself, so an output that went missing or
empty cannot pass for a masked one.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.alerts_testkit import HTTPReceiver, SMTPSink
from tests.security.pii_forms import PII_FORMS as MASKER_FORMS
from tests.security.pii_output_forms import PII_FORMS
from yuqing.clock import TZ
from yuqing.paths import REPO_ROOT

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=TZ)  # a Wednesday morning: no quiet hours, no holiday
DEPT = "A市住房和城乡建设局"
SUPERVISOR = "A市人民政府督查室"
PASSWORD = "correct-horse-9"
APP = str(REPO_ROOT / "dashboard" / "app.py")
DEFAULT_CONFIG = REPO_ROOT / "yuqing" / "default_config.toml"


def all_forms() -> list[tuple[str, str, str]]:
    """This matrix's own table of forms as 12345 requests carry them, plus the masker's table (one test per pattern
    there), each secret once and found in no other form's text, so a leak is pinned to the form that caused it."""
    out: list[tuple[str, str, str]] = []
    for name, text, secret in [*PII_FORMS, *[(f"masker_{n}", t, sec) for n, t, sec in MASKER_FORMS]]:
        if any(secret in t or sec in text for _n, t, sec in out):
            continue
        out.append((name, text, secret))
    return out


def forms() -> list[Any]:
    return [pytest.param(name, text, secret, id=name) for name, text, secret in all_forms()]


def visible(text: str) -> str:
    """What a reader sees of rendered text: entities decoded, Markdown backslash escapes, <br>, the <span>s and
    zero-width spaces that keep URL-shaped text from becoming links undone."""
    text = text.replace("<br>", "\n").replace("<span>", "").replace("</span>", "").replace("\u200b", "")
    text = re.sub(r"\\(.)", r"\1", text)
    return html.unescape(text)


def marker(i: int) -> str:
    return f"市民反映{i:02d}"


# -- local receivers (HTTPReceiver and SMTPSink: the alerts test kit's) ------------------------------------------
class LogSink(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = record.getMessage()
        except Exception:  # a bad format string is still a line someone would read
            line = f"{record.msg} {record.args}"
        if record.exc_info:
            line += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(line)


# -- the world ----------------------------------------------------------------------------------------------------
def write_config(home: Path, hook_url: str, smtp_port: int) -> Path:
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    text = text[: text.index("[notifications]")]
    text += f"""
[notifications]
enabled = true
digest_minutes = 0
officers = [
  {{ channel = "webhook", target = "{hook_url}/generic", format = "generic" }},
  {{ channel = "webhook", target = "{hook_url}/wecom", format = "wecom" }},
  {{ channel = "webhook", target = "{hook_url}/dingtalk", format = "dingtalk" }},
  {{ channel = "email", target = "office@example.gov.cn" }},
]

[notifications.email]
host = "127.0.0.1"
port = {smtp_port}

[dashboard]
page_size = 100
"""
    path = home / "yuqing.toml"
    path.write_text(text, encoding="utf-8")
    return path


def page_text(at: Any) -> str:
    """Every string an AppTest page shows: bodies, labels, options, metrics, table cells."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "text", "error", "warning", "info",
                 "success", "code", "latex"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [str(e.label) for e in at.expander]
    parts += [str(t.label) for t in at.tabs]
    for box in at.selectbox:
        parts += [str(box.label), *map(str, box.options)]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for widget in (*at.text_input, *at.text_area, *at.radio, *at.button):
        parts.append(str(widget.label))
    return "\n".join(parts)


def login(name: str) -> Any:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=180).run()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@dataclass
class World:
    app: Any
    ids: dict[str, str]  # form name → alert id
    index: dict[str, int]
    combined: dict[str, str] = field(default_factory=dict)  # output → text (all alerts)
    per_alert: dict[str, dict[str, str]] = field(default_factory=dict)  # form name → output → text
    logs: str = ""

    def outputs(self, name: str) -> dict[str, str]:
        return {**self.combined, **self.per_alert.get(name, {})}


def read_docx(path: Path) -> str:
    from docx import Document

    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def read_xlsx(path: Path) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(str(path))
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                     if c.value is not None)


def build_world(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    from yuqing.alerts.cli import alerts_main
    from yuqing.alerts.notify.email import EmailChannel
    from yuqing.alerts.notify.webhook import build_body
    from yuqing.dashboard.common import csv_bytes
    from yuqing.dashboard.report import build_brief, write_report
    from yuqing.dashboard.services import queries
    from yuqing.app import App
    from yuqing.users import create_user

    hooks, smtp, logs = HTTPReceiver(), SMTPSink(), LogSink()
    hooks.thread.start()
    smtp.controller.start()
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(logs)
    try:
        home = tmp / "home"
        home.mkdir()
        config = write_config(home, hooks.url, smtp.port)
        monkeypatch.setenv("YUQING_HOME", str(home))
        monkeypatch.setenv("YUQING_CONFIG", str(config))
        monkeypatch.setenv("YUQING_NOW", NOW.isoformat())
        app = App.load(config, home)
        wf = app.store.workflow
        for user, role, dept in (("officer1", "officer", None), ("dept1", "department", DEPT),
                                 ("sup1", "department", SUPERVISOR)):
            create_user(wf, user, role, PASSWORD, department=dept, display_name=user)
        officer, dept, svc = wf.get_user("officer1"), wf.get_user("dept1"), app.alerts
        ids, index = {}, {}
        for i, (name, text, _) in enumerate(all_forms()):
            t = NOW - timedelta(hours=2) + timedelta(seconds=i)
            alert = svc.raise_manual(officer, f"{marker(i)}：{text}", f"来电称：{text}", level=2, department=DEPT, now=t)
            svc.act(dept, alert.id, "return", text=f"非本部门职责：{text}", now=t + timedelta(minutes=10))
            svc.act(officer, alert.id, "dispatch", department=DEPT, note=f"请再核实：{text}", now=t + timedelta(minutes=20))
            svc.act(dept, alert.id, "respond", text=f"已联系当事人（{text}），问题已解决", now=t + timedelta(minutes=30))
            ids[name], index[name] = alert.id, i
        world = World(app=app, ids=ids, index=index)

        # CLI
        def cli(*argv: str) -> str:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = alerts_main(list(argv), app)
            assert code == 0, err.getvalue()
            return out.getvalue() + err.getvalue()

        world.combined["alerts list"] = cli("list", "--limit", "500")
        world.combined["alerts list --json"] = cli("list", "--limit", "500", "--json")
        for name, alert_id in ids.items():
            world.per_alert[name] = {"alerts show": cli("show", alert_id, "--now", NOW.isoformat()),
                                     "alerts show --json": cli("show", alert_id, "--now", NOW.isoformat(), "--json")}

        # Notifications: built per delivery as each channel would, then really sent to local receivers.
        channel = EmailChannel({"sender": "yuqing@example.gov.cn"})
        for name, alert_id in ids.items():
            payloads = [d["payload"] for d in wf.list_deliveries(alert_id)]
            assert {p["kind"] for p in payloads} >= {"new", "returned", "responded"}, payloads
            built = []
            for p in payloads:
                built += [json.dumps(build_body([p], fmt), ensure_ascii=False) for fmt in ("generic", "wecom", "dingtalk")]
                msg = channel.build_message("office@example.gov.cn", [p])
                built.append(f"{msg['Subject']}\n{msg.get_content()}")
            world.per_alert[name]["notifications (built)"] = "\n".join(built)
        for _ in range(100):
            result = svc.deliver(NOW)
            assert result["failed"] == 0 and result["retrying"] == 0, result
            if result["due"] == 0:
                break
        world.combined["webhooks (received)"] = "\n".join(
            f"{r['path']} {json.dumps(r['body'], ensure_ascii=False)}" for r in hooks.requests)
        world.combined["e-mail (received)"] = "\n".join(f"{m['Subject']}\n{m.get_content()}" for m in smtp.messages)

        # 日报 as docx and xlsx, read back.
        brief = build_brief(app, "daily", NOW.date(), NOW)
        for suffix in (".docx", ".xlsx"):
            path = write_report(brief, tmp / f"brief{suffix}")
            world.combined[f"日报{suffix}"] = read_docx(path) if suffix == ".docx" else read_xlsx(path)

        # Dashboard: the workbench table and each alert's page (officer), the department desk and history.
        total, views = queries.list_alerts(app, officer, status=None, limit=500)
        world.combined["workbench CSV"] = csv_bytes([queries.alert_row(v, NOW) for v in views]).decode("utf-8")
        at = login("officer1")
        at.multiselect(key="wb_status").set_value([]).run()  # every status
        world.combined["workbench"] = page_text(at)
        for name, alert_id in ids.items():
            at.selectbox(key="wb_pick").set_value(alert_id).run()
            assert not at.exception, [e.message for e in at.exception]
            world.per_alert[name]["alert page (officer)"] = page_text(at)
        at = login("dept1")
        at.button_group(key="dd_view").set_value("全部").run()
        world.combined["department desk"] = page_text(at)
        for name, alert_id in ids.items():
            at.selectbox(key="dd_pick").set_value(alert_id).run()
            assert not at.exception, [e.message for e in at.exception]
            world.per_alert[name]["alert page (department)"] = page_text(at)
        at.switch_page("views/dept_history.py").run()
        world.combined["department history"] = page_text(at)
    finally:
        root.removeHandler(logs)
        root.setLevel(old_level)
        hooks.server.shutdown()
        hooks.server.server_close()
        smtp.controller.stop()
    world.logs = "\n".join(logs.lines)
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Any:
    with pytest.MonkeyPatch.context() as mp:
        w = build_world(tmp_path_factory.mktemp("pii_outputs"), mp)
        yield w
        w.app.close()


# -- the matrix ---------------------------------------------------------------------------------------------------
def test_the_table_is_large_and_its_secrets_are_distinct():
    assert len(PII_FORMS) >= 40
    for a, _, secret in PII_FORMS:
        assert [b for b, text, _ in PII_FORMS if b != a and secret.lower() in text.lower()] == [], a


@pytest.mark.parametrize("name, text, secret", forms())
def test_secret_never_appears_in_any_output(world, name, text, secret):
    assert secret in text
    outputs = world.outputs(name)
    assert len(outputs) == 15
    leaks = sorted(out for out, body in outputs.items() if secret in body or secret in visible(body))
    if secret in world.logs:
        leaks.append("log lines")
    assert leaks == [], f"「{secret}」出现在：{'、'.join(leaks)}"
    # Every output did show this alert (so a missing output cannot pass for a masked one).
    alert_id, mark = world.ids[name], marker(world.index[name])
    for out, body in outputs.items():
        shown = visible(body)
        assert alert_id in shown or mark in shown, f"{out} 中没有预警 {alert_id}"


def test_raw_text_only_through_audited_reveal(world):
    from yuqing.workflow import PermissionDenied, WorkflowError

    app, svc = world.app, world.app.alerts
    name, text, secret = PII_FORMS[0]
    alert_id = world.ids[name]
    officer, dept = app.store.workflow.get_user("officer1"), app.store.workflow.get_user("dept1")
    with pytest.raises(WorkflowError, match="必须说明理由"):
        svc.reveal(officer, alert_id, "  ", now=NOW)
    with pytest.raises(PermissionDenied, match="无权查看原文"):
        svc.reveal(dept, alert_id, "需要联系当事人", now=NOW)
    before = len(app.store.workflow.audit_for(alert_id))
    raw = svc.reveal(officer, alert_id, "需回电核实诉求人", now=NOW)
    assert secret in raw.title and secret in raw.reason
    assert any(secret in r for r in raw.responses) and any(secret in r for r in raw.returns)
    audit = app.store.workflow.audit_for(alert_id)
    assert len(audit) == before + 1
    entry = audit[-1]
    assert entry.actor == "officer1" and entry.action == "reveal" and "需回电核实诉求人" in entry.note
    assert secret not in entry.note


def run_as(argv: list[str], app: Any) -> int:
    """``yuqing alerts …`` as a person runs it: ``--as NAME`` comes with the password on stdin."""
    from yuqing.alerts.cli import alerts_main

    if "--as" not in argv:
        return alerts_main(argv, app)
    return alerts_main([*argv, "--password-stdin"], app, stdin=io.StringIO(PASSWORD + "\n"))


def test_cli_reveal_needs_a_reason_and_is_audited(world):
    name, _, secret = PII_FORMS[0]
    alert_id = world.ids[name]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert run_as(["show", alert_id, "--reveal"], world.app) == 1
        assert run_as(["show", alert_id, "--reveal", "--reason", "核对来电号码"], world.app) == 0
        assert run_as(["show", alert_id, "--reveal", "--reason", "核对", "--as", "dept1"], world.app) == 3
    assert "必须说明理由" in err.getvalue() and "无权查看原文" in err.getvalue()
    assert secret in out.getvalue() and "已记入审计日志" in out.getvalue()
    notes = [e.note for e in world.app.store.workflow.audit_for(alert_id) if e.action == "reveal"]
    assert any("核对来电号码" in n for n in notes)


def test_cli_raise_and_act_answer_with_masked_views(world):
    """``alerts raise --json`` and ``alerts act --json`` print the alert's view, like every other output."""
    name, text, secret = PII_FORMS[0]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert run_as(["raise", "--as", "officer1", "--title", f"CLI{text}", "--reason", f"原因：{text}",
                            "--department", DEPT, "--now", NOW.isoformat(), "--json"], world.app) == 0
        raised = json.loads(out.getvalue())
        assert run_as(["raise", "--as", "officer1", "--title", f"CLI二{text}", "--reason", f"原因：{text}",
                            "--now", NOW.isoformat()], world.app) == 0
        assert run_as(["act", raised["id"], "return", "--as", "dept1", "--text", f"退单：{text}",
                            "--now", (NOW + timedelta(minutes=5)).isoformat(), "--json"], world.app) == 0
    printed = out.getvalue() + err.getvalue()
    assert raised["title"].startswith("CLI") and raised["status"] == "dispatched"
    assert "已创建人工预警" in printed and '"status": "returned"' in printed
    assert secret not in printed
    returned = json.loads(printed[printed.index("{", printed.index("已创建人工预警")):])
    assert returned["returns"][0]["reason"].startswith("退单：") and secret not in returned["returns"][0]["reason"]
