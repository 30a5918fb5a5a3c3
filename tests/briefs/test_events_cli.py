"""``yuqing events list|show`` over the store the real stages built from real messages: masked views, Chinese errors."""

from __future__ import annotations

import json

from tests.briefs.conftest import PLANTED_ID, PLANTED_NAME, PLANTED_PHONE
from yuqing.cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_json_hottest_first_with_a_short_brief(brief_app, capsys):
    code, out, _ = _run(capsys, "events", "list", "--json", "--limit", "5")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 5
    assert [r["heat"] for r in rows] == sorted((r["heat"] for r in rows), reverse=True)
    stored = {e.id for e in brief_app.store.documents.list_events(limit=5)}
    assert {r["id"] for r in rows} == stored
    assert all(r["brief"] and r["title"] in r["brief"] for r in rows)


def test_list_since_keeps_later_events_only(brief_app, capsys):
    events = brief_app.store.documents.list_events(limit=1000)
    cut = sorted(e.last_seen for e in events)[len(events) // 2]
    code, out, _ = _run(capsys, "events", "list", "--json", "--limit", "1000", "--since", cut.isoformat())
    assert code == 0
    rows = json.loads(out)
    assert rows and len(rows) < len(events)
    assert all(r["last_seen"] >= cut.isoformat() for r in rows)


def test_show_json_has_brief_spread_and_posts_masked(brief_app, capsys):
    event = next(e for e in brief_app.store.documents.list_events(limit=1000, order="size")
                 if "a_city_news" in {m.get("s") for m in e.state["members"].values()})
    code, out, _ = _run(capsys, "events", "show", event.id, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["event"]["id"] == event.id
    post_ids = {p["id"] for p in data["posts"]}
    assert data["brief"]["key_sentences"] and all(s["doc_id"] in post_ids for s in data["brief"]["key_sentences"])
    assert data["spread"]["first"]["source"] == "A市领导留言板"  # sources by the titles users know
    assert {s[0] for s in data["spread"]["sources"]} == {"A市领导留言板", "A市人民政府网", "A市人民政府网 RSS"}
    for secret in (PLANTED_PHONE, PLANTED_ID, PLANTED_NAME):
        assert secret not in out
    code, text, _ = _run(capsys, "events", "show", event.id)
    assert code == 0 and "【事件简报】" in text and "【传播路径】" in text and "首发" in text
    assert PLANTED_PHONE not in text and PLANTED_NAME not in text


def test_errors_are_chinese_with_exit_2(brief_app, capsys):
    code, _, err = _run(capsys, "events", "show", "ev-nonexistent")
    assert code == 2 and "未找到事件 ev-nonexistent" in err
    code, _, err = _run(capsys, "events", "show")
    assert code == 2 and "请给出事件编号" in err
    code, _, err = _run(capsys, "events", "list", "--since", "昨天")
    assert code == 2 and "时间格式错误" in err
    try:
        _run(capsys, "events", "list", "--limit", "0")
    except SystemExit as exc:
        assert exc.code == 2
    assert "--limit" in capsys.readouterr().err
