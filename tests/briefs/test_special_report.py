"""专报: `yuqing report special --event ID … --out F.docx` from events the real stages built from real messages."""

from __future__ import annotations

from tests.briefs.conftest import PLANTED_ID, PLANTED_NAME, PLANTED_PHONE
from yuqing.cli import main


def _docx_text(path) -> tuple[str, int]:
    from docx import Document

    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts), len(doc.inline_shapes)


def test_special_report_docx_has_briefs_spread_chart_instruction_and_alerts(brief_app, tmp_path, capsys):
    from yuqing.dashboard.fonts import find_cjk_font
    from yuqing.eventviews import build_brief_view

    events = [e for e in brief_app.store.documents.list_events(limit=1000, order="size")
              if "a_city_news" in {m.get("s") for m in e.state["members"].values()}]
    events += [e for e in brief_app.store.documents.list_events(limit=2) if e.id != events[0].id][:1]
    out = tmp_path / "专报.docx"
    code = main(["report", "special", "--event", *[e.id for e in events], "--out", str(out), "--title", "关于两起事件的专报",
                 "--leader", "张市长", "--instruction", "请相关部门三日内回应并报结果", "--date", "2026年12月5日"])
    assert code == 0, capsys.readouterr().err
    text, pictures = _docx_text(out)
    assert "关于两起事件的专报" in text and "领导批示" in text
    assert "张市长" in text and "请相关部门三日内回应并报结果" in text
    for event in events:
        brief = build_brief_view(event)
        assert event.title in text
        for s in brief.sentences:
            assert s.text in text
    assert "传播路径" in text and "首发" in text and "A市人民政府网" in text
    if find_cjk_font() is not None:
        assert pictures == len(events)  # one 传播路径 chart per event
    for secret in (PLANTED_PHONE, PLANTED_ID, PLANTED_NAME):
        assert secret not in text


def test_special_report_errors_are_chinese(brief_app, tmp_path, capsys):
    code = main(["report", "special", "--event", "ev-nope", "--out", str(tmp_path / "a.docx")])
    assert code == 2 and "未找到事件 ev-nope" in capsys.readouterr().err
    event = brief_app.store.documents.list_events(limit=1)[0]
    code = main(["report", "special", "--event", event.id, "--out", str(tmp_path / "a.pdf")])
    assert code == 2 and ".docx" in capsys.readouterr().err
    code = main(["report", "special", "--event", event.id, "--out", str(tmp_path / "missing" / "a.docx")])
    assert code == 2 and "文件夹不存在" in capsys.readouterr().err
    assert not (tmp_path / "a.docx").exists()
