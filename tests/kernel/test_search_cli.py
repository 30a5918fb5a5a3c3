"""`yuqing search`: real messages ingested and analysed by the real stages, then searched from the command line —
the expression language, Traditional queries, near-duplicate folding, masking, and Chinese errors with exit code 2."""

from __future__ import annotations

import csv
import json
from datetime import datetime

import pytest

from yuqing.cli import main

PHONE = "13812345678"


@pytest.fixture(scope="module")
def home(shared_data, tmp_path_factory):
    """60 real messages, one copied by a repost site (a near-duplicate), and a post with a phone number."""
    path = shared_data / "gov_messages" / "messages_with_replies.csv"
    if not path.is_file():
        pytest.skip("共享数据中没有 gov_messages/messages_with_replies.csv")
    with path.open(encoding="utf-8") as fh:
        rows = [r for _, r in zip(range(60), csv.DictReader(fh))]
    records = [{"url": f"http://board.example/{r['留言编号']}", "source": "a_city_board", "kind": "post",
                "title": r["留言主题"], "content": r["留言详情"],
                "published_at": datetime.strptime(r["留言时间"], "%Y/%m/%d %H:%M:%S").isoformat() + "+08:00"}
               for r in rows]
    original = next(r for r in records if "小区" in r["content"] and len(r["content"]) > 200)
    records.append({**original, "url": "http://repost.example/1", "source": "repost_site"})  # copied word for word
    records.append({"url": "http://board.example/phone", "source": "a_city_board", "kind": "post",
                    "title": "小区物业停水无人管", "content": f"小区物业停水三天，联系电话{PHONE}",
                    "published_at": "2019-05-01T10:00:00+08:00"})
    home = tmp_path_factory.mktemp("search_home")
    data = home / "in.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("YUQING_HOME", str(home))
    assert main(["ingest", str(data), "--now", "2020-01-01T00:00:00+08:00"]) == 0
    yield home, records, original
    mp.undo()


def _search(capsys, monkeypatch, home, *args):
    monkeypatch.setenv("YUQING_HOME", str(home))
    code = main(["search", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_result_counts_masks_and_folds(capsys, monkeypatch, home):
    home_dir, records, original = home
    code, out, _ = _search(capsys, monkeypatch, home_dir, "小区", "--json", "--limit", "100")
    assert code == 0
    view = json.loads(out)
    with_word = [r for r in records if "小区" in r["title"] + r["content"]]
    assert view["matches"] == len(with_word)
    assert view["total"] == view["matches"] - sum(h["similar_count"] for h in view["hits"])
    folded = [h for h in view["hits"] if h["similar_ids"]]
    assert folded and folded[0]["similar_label"] == f"另有 {len(folded[0]['similar_ids'])} 篇相似"
    urls = {h["url"] for h in view["hits"]}
    assert len({original["url"], "http://repost.example/1"} & urls) == 1  # the repost is folded, not listed
    assert PHONE not in out and "138****5678" in out


def test_traditional_query_and_text_output(capsys, monkeypatch, home):
    home_dir, _, _ = home
    simplified = json.loads(_search(capsys, monkeypatch, home_dir, "小区 物业", "--json")[1])
    traditional = json.loads(_search(capsys, monkeypatch, home_dir, "小區 物業", "--json")[1])
    assert simplified["matches"] == traditional["matches"] > 0
    code, out, _ = _search(capsys, monkeypatch, home_dir, "小區 物業", "--limit", "2")
    assert code == 0 and out.startswith("查询：小區 AND 物業\n") and f"匹配 {simplified['matches']} 篇" in out
    assert "1. " in out and "3. " not in out


def test_source_and_date_filters(capsys, monkeypatch, home):
    home_dir, records, _ = home
    view = json.loads(_search(capsys, monkeypatch, home_dir, "小区", "--source", "repost_site", "--json")[1])
    assert view["matches"] == 1
    view = json.loads(_search(capsys, monkeypatch, home_dir, "小区", "--until", "1990-01-02", "--json")[1])
    assert view["matches"] == 0


@pytest.mark.parametrize("args, words", [
    (["(小区 OR 物业"], "第 10 个字符处：缺少右括号"),
    (["NOT 小区"], "不能单独成立"),
    (["小区", "--source", "nope"], "没有名为「nope」的来源"),
    (["小区", "--limit", "0"], "--limit 须为正整数"),
    (["小区", "--since", "昨天"], "ISO 8601"),
])
def test_errors_are_chinese_with_exit_code_2(capsys, monkeypatch, home, args, words):
    code, out, err = _search(capsys, monkeypatch, home[0], *args)
    assert code == 2 and words in err and not out
    assert "Traceback" not in err


def test_the_caret_points_at_the_position(capsys, monkeypatch, home):
    _, _, err = _search(capsys, monkeypatch, home[0], "小区 AND")
    lines = err.splitlines()
    assert lines[0] == "查询有误：第 4 个字符处：「AND」后面缺少词"
    assert lines[1] == "  小区 AND" and lines[2] == "  " + " " * 5 + "^"  # 小区 is four columns wide, then a space
