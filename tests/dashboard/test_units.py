"""Safe text display, countdown colours, the CJK font finder and the report CLI."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from yuqing.dashboard.textfmt import countdown, escape_text, highlight
from yuqing.clock import TZ


def test_escape_neutralises_html_and_markdown():
    out = escape_text("<img src=x onerror=alert(1)> **粗** [a](http://x) # 标题 www.x.cn a@b.cn")
    markup = out.replace("<span>", "").replace("</span>", "")  # ours: keeps URL-shaped text from being linked
    assert "<" not in markup and "*" not in out and "[" not in out and "(" not in out
    assert "#" not in out.replace("&#", "")
    assert "粗" in out and "标题" in out
    # No text node holds a URL, www. or e-mail shape whole (GFM autolinks those after entities are decoded).
    assert "http<span>&#58;</span>//" in out and "www<span>&#46;</span>x" in out and "a<span>&#64;</span>b" in out


def test_escape_label_is_one_line_of_escaped_markdown():
    from yuqing.dashboard.textfmt import escape_label

    out = escape_label("[点此](http://x/p)\n![b](http://x/b.png) :red[警] $x$ a@b.cn")
    assert "\n" not in out and "\\[点此\\]\\(http\\:\u200b" in out and "\\!\\[b\\]" in out
    assert "\\:\u200bred\\[" in out and "\\$x\\$" in out and "a\u200b\\@b" in out


def test_highlight_marks_terms_after_escaping():
    out = highlight("供暖<b>不热</b>，供暖费照收", ["供暖", "不热"])
    assert out.count("<mark>供暖</mark>") == 2 and "<mark>不热</mark>" in out
    assert "<b>" not in out and "&#60;b&#62;" in out
    assert highlight("a<mark>", ["<mark>"]) == "a<mark>&#60;mark&#62;</mark>"  # a term that is itself markup


def test_countdown_colours():
    now = datetime(2024, 10, 8, 9, 0, tzinfo=TZ)
    assert countdown(now - timedelta(hours=1), now)[0] == "red"
    assert countdown(now + timedelta(hours=3), now)[0] == "orange"
    assert countdown(now + timedelta(hours=20), now)[0] == "yellow"
    assert countdown(now + timedelta(days=3), now)[0] == "green"
    assert countdown(now - timedelta(hours=1), now, done=True)[0] == "grey"
    assert "已超期 1小时0分" == countdown(now - timedelta(hours=1), now)[1]


def test_font_finder_returns_a_real_file_or_none(monkeypatch, tmp_path):
    from yuqing.dashboard import fonts

    fonts.find_cjk_font.cache_clear()
    found = fonts.find_cjk_font()
    assert found is None or found.is_file()
    fake = tmp_path / "my.ttf"
    fake.write_bytes(b"x")
    monkeypatch.setenv("YUQING_CJK_FONT", str(fake))
    fonts.find_cjk_font.cache_clear()
    assert fonts.find_cjk_font() == fake
    fonts.find_cjk_font.cache_clear()


def test_report_cli_writes_docx_and_xlsx(store, dash_home, tmp_path, capsys):
    from docx import Document as Docx
    from openpyxl import load_workbook

    from yuqing.dashboard.report import report_main
    from yuqing.app import App
    from yuqing.clock import now
    from tests.dashboard.conftest import CONFIG

    app = App.load(CONFIG, dash_home)
    today = now().date().isoformat()
    docx_path, xlsx_path = tmp_path / "daily.docx", tmp_path / "weekly.xlsx"
    assert report_main(["daily", "--date", today, "--out", str(docx_path)], app) == 0
    assert report_main(["weekly", "--date", today, "--out", str(xlsx_path)], app) == 0
    doc = Docx(str(docx_path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "舆情日报" in text and "本期共监测到相关舆情" in text
    assert len(doc.inline_shapes) == 2  # trend and topic charts as pictures
    wb = load_workbook(str(xlsx_path))
    assert {"概要", "热点事件", "预警", "部门排行", "每日走势", "主题分布"} <= set(wb.sheetnames)
    assert wb["概要"]["A1"].value.startswith("舆情周报")
    assert len(wb["概要"]._images) == 2
    total = sum(r[1] or 0 for r in wb["每日走势"].iter_rows(min_row=2, values_only=True)
                if r[0] and r[0] >= (now().date() - timedelta(days=6)).isoformat())
    summary = {r[0]: r[1] for r in wb["概要"].iter_rows(values_only=True) if r and r[0]}
    assert summary["舆情总量"] == total
    assert "已生成" in capsys.readouterr().out


def test_report_cli_rejects_bad_input(store, dash_home, tmp_path, capsys):
    from yuqing.dashboard.report import report_main
    from yuqing.app import App
    from tests.dashboard.conftest import CONFIG

    app = App.load(CONFIG, dash_home)
    assert report_main(["daily", "--date", "2024-13-01", "--out", str(tmp_path / "a.docx")], app) == 2
    assert report_main(["daily", "--out", str(tmp_path / "a.pdf")], app) == 2
    err = capsys.readouterr().err
    assert "日期无效" in err and ".docx" in err
    with pytest.raises(SystemExit):
        report_main(["monthly", "--out", str(tmp_path / "a.docx")], app)


def test_dashboard_cli_rejects_bad_port(capsys):
    from yuqing.dashboard.cli import dashboard_main, streamlit_command

    assert dashboard_main(["--port", "70000"]) == 2
    assert "端口" in capsys.readouterr().err
    cmd = streamlit_command(8555, "127.0.0.1")
    assert cmd[cmd.index("--server.port") + 1] == "8555" and cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert Path(cmd[cmd.index("run") + 1]).name == "app.py"


def test_rules_table_reads_the_rules_the_alerts_service_parsed(tmp_path):
    """The admin's rule table comes from the alerts service (the dashboard imports no stage); a bad [alerts] section
    shows the configuration error naming its key, not a traceback."""
    from tests.dashboard.conftest import CONFIG
    from yuqing.dashboard.services.queries import rules_table
    from yuqing.app import App
    from yuqing.config import load_config

    config = load_config(CONFIG, tmp_path)
    app = App(config)
    try:
        rows, error = rules_table(app)
        assert error is None
        assert rows and [r["规则"] for r in rows] == [rule.name for rule in app.alerts.settings.rules]
        assert {"热度分级", "敏感词"} <= {r["类型"] for r in rows}  # readable Chinese, never the class name
        assert not any("HeatRule" in str(r) or "tiers=" in str(r) for r in rows)
    finally:
        app.close()
    config.raw["alerts"] = {**config.raw["alerts"], "lookback_hours": 0}
    app = App(config)
    try:
        rows, error = rules_table(app)
        assert rows == [] and "alerts.lookback_hours" in error and "预警服务无法加载" not in error
    finally:
        app.close()
