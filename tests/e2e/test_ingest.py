"""`yuqing ingest`: idempotent, and a malformed line is reported with its number while the others are stored."""

import json

from tests.e2e.conftest import generated_posts, run_cli, write_jsonl


def test_ingest_twice_stores_each_document_once(home, tmp_path):
    posts = generated_posts(40)
    path = write_jsonl(tmp_path / "posts.jsonl", posts)
    first = run_cli("ingest", str(path), "--now", "2026-09-12T10:00:00+08:00", home=home)
    assert first.returncode == 0, first.stderr
    second = run_cli("ingest", str(path), "--now", "2026-09-12T11:00:00+08:00", home=home)
    assert second.returncode == 0, second.stderr
    assert "新增 0" in second.stdout
    stats = json.loads(run_cli("stats", "--json", home=home).stdout)
    assert stats["documents"] == len({p["url"] for p in posts})
    assert stats["pending"] == 0
    assert stats["analysis_failed"] == 0
    assert stats["events"] >= 1


def test_malformed_lines_are_reported_and_the_rest_stored(home, tmp_path):
    posts = generated_posts(6, seed=11)
    lines = [posts[0], posts[1], '{"url": "http://x/1", "title": 不是JSON}', posts[2],
             {"url": "http://x/2", "title": "缺少来源"}, posts[3], "[1, 2]",
             {**posts[4], "published_at": "昨天下午"}, posts[5]]
    path = write_jsonl(tmp_path / "mixed.jsonl", lines)
    result = run_cli("ingest", str(path), "--now", "2026-09-12T10:00:00+08:00", home=home)
    assert result.returncode == 1
    reported = {line.split("行")[0]: line for line in result.stderr.splitlines() if line.startswith("第 ")}
    assert len(reported) == 4, result.stderr
    for number, reason in ((3, "JSON"), (5, "source"), (7, "JSON 对象"), (8, "published_at")):
        assert reason in reported[f"第 {number} "], result.stderr
    stats = json.loads(run_cli("stats", "--json", home=home).stdout)
    assert stats["documents"] == 5
    assert stats["pending"] == 0
    assert stats["analysis_failed"] == 0
