"""Hostile JSON lines: each bad kind sits between 20 good posts; every good post must be stored, the bad line reported
with its number in Chinese, no traceback, exit code 1. Run through the real command line (``yuqing.cli.main``, and a
subprocess for a few). Kinds the ingest accepts (a 250,000-character post, a BOM, CRLF line ends, ``12.0`` as a
count) are stored, and a capped post carries the note of its original length."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from yuqing.app import App
from yuqing.cli import main
from yuqing.clock import TZ
from yuqing.jobs import MAX_CONTENT, MAX_HTML
from yuqing.jsonlines import MAX_LINE
from yuqing.model import document_id

NOW = "2026-09-12T10:00:00+08:00"
GOOD_BEFORE = GOOD_AFTER = 20
BAD_LINE = GOOD_BEFORE + 1


def good_posts() -> list[dict]:
    from yuqing.samples.timeline import generate_posts

    return list(generate_posts(seed=23, n=GOOD_BEFORE + GOOD_AFTER, start=datetime(2026, 9, 1, 9, 0, tzinfo=TZ),
                               days=10, labels=False))


def post(**changes) -> dict:
    base = {"url": "http://bad.example.gov.cn/post/1", "source": "测试来源", "title": "坏记录", "content": "内容",
            "published_at": "2026-09-05T10:00:00+08:00"}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not _DROP}


_DROP = object()


def line(record) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


def raw(text: str) -> bytes:
    return text.encode("utf-8")


# kind → (the bad line's bytes, a fragment its message must contain)
BAD_KINDS: dict[str, tuple[bytes, str]] = {
    "invalid_json": (raw('{"url": "http://x/1", "source": "s", "title": 不是JSON}'), "JSON"),
    "truncated_line": (line(post())[:40], "JSON"),
    "array_instead_of_object": (raw("[1, 2]"), "JSON 对象"),
    "string_instead_of_object": (raw('"只是一个字符串"'), "JSON 对象"),
    "null_line": (raw("null"), "JSON 对象"),
    "views_1e999": (raw('{"url": "http://x/2", "source": "s", "title": "t", "views": 1e999}'), "超出范围"),
    "views_1e30": (raw('{"url": "http://x/3", "source": "s", "title": "t", "views": 1e30}'), "views"),
    "views_40_digits": (raw('{"url": "http://x/4", "source": "s", "title": "t", "views": ' + "9" * 40 + "}"), "超出范围"),
    "views_5000_digits": (raw('{"url": "http://x/4", "source": "s", "title": "t", "views": ' + "9" * 5000 + "}"), "超出范围"),
    "views_above_store_limit": (line(post(views=3_000_000_000)), "views"),
    "negative_likes": (line(post(likes=-5)), "负数"),
    "nan_literal": (raw('{"url": "http://x/5", "source": "s", "title": "t", "likes": NaN}'), "NaN"),
    "infinity_literal": (raw('{"url": "http://x/6", "source": "s", "title": "t", "likes": -Infinity}'), "Infinity"),
    "bool_where_int": (line(post(likes=True)), "likes"),
    "fraction_where_int": (line(post(replies=3.5)), "replies"),
    "text_where_int": (line(post(views="很多")), "views"),
    "lone_surrogate_in_title": (raw('{"url": "http://x/7", "source": "s", "title": "坏\\ud800"}'), "代理项"),
    "lone_surrogate_in_key": (raw('{"url": "http://x/7", "source": "s", "title": "t", "\\udfff": 1}'), "字段名"),
    "nul_in_content": (raw('{"url": "http://x/8", "source": "s", "title": "t", "content": "a\\u0000b"}'), "NUL"),
    "deep_nesting_100000": (raw("[" * 100_000 + "]" * 100_000), "嵌套"),
    "nesting_30_inside_field": (line(post(author=json.loads("[" * 30 + "]" * 30))), "嵌套"),
    "year_9999_minus_12": (line(post(published_at="9999-12-31T23:00:00-12:00")), "published_at"),
    "year_0001": (line(post(published_at="0001-01-01T00:00:00+08:00")), "published_at"),
    "year_1900": (line(post(published_at="1900-01-01T00:00:00+08:00")), "published_at"),
    "year_2100": (line(post(published_at="2100-01-01T00:00:00+08:00")), "published_at"),
    "unparseable_date": (line(post(published_at="昨天下午")), "published_at"),
    "date_as_number": (line(post(published_at=1_690_000_000)), "published_at"),
    "missing_url_and_id": (line(post(url=_DROP)), "url"),
    "missing_source": (line(post(source=_DROP)), "source"),
    "blank_source": (line(post(source="  ")), "source"),
    "empty_title_and_content": (line(post(title="", content="")), "至少需要一个非空"),
    "title_wrong_type": (line(post(title=["标题"])), "title"),
    "url_wrong_type": (line(post(url=12345)), "url"),
    "url_not_http": (line(post(url="ftp://files.example.gov.cn/a")), "url"),
    "url_without_scheme": (line(post(url="就是一段文字")), "url"),
    "url_broken_ipv6": (line(post(url="http://[fe80::1/post")), "url"),
    "url_port_out_of_range": (line(post(url="http://bad.example.gov.cn:99999/post")), "url"),
    "id_wrong_type": (line(post(url=_DROP, id={"n": 1})), "id"),
    "content_wrong_type": (line(post(content={"text": "正文"})), "content"),
    "author_wrong_type": (line(post(author=42)), "author"),
    "title_too_long": (line(post(title="长" * 5000)), "title"),
    "reply_wrong_shape": (line(post(reply=["已收悉"])), "reply"),
    "reply_empty_text": (line(post(reply={"text": "  ", "department": "某局"})), "reply"),
    "reply_bad_time": (line(post(reply={"text": "已办理", "time": "下周"})), "reply.time"),
    "reply_time_year_3000": (line(post(reply={"text": "已办理", "time": "3000-01-01T00:00:00+08:00"})), "reply.time"),
    "reply_text_wrong_type": (line(post(reply={"text": 5, "department": "某局"})), "reply"),
    "reply_department_wrong_type": (line(post(reply={"text": "已办理", "department": ["某局"]})), "reply.department"),
    "unknown_kind": (line(post(kind="video")), "kind"),
    "kind_wrong_type": (line(post(kind=["post"])), "kind"),
    "invalid_utf8_bytes": (b'{"url": "http://x/9", "source": "s", "title": "\xff\xfe\xfd"}', "UTF-8"),
    "gbk_encoded_line": (b'{"url": "http://x/10", "source": "s", "title": "' + "市民来信".encode("gbk") + b'"}', "UTF-8"),
}


def write_batch(path: Path, bad: bytes | None, *, eol: bytes = b"\n", bom: bool = False) -> list[dict]:
    posts = good_posts()
    lines = [line(p) for p in posts[:GOOD_BEFORE]] + ([bad] if bad is not None else []) + \
        [line(p) for p in posts[GOOD_BEFORE:]]
    with path.open("wb") as f:
        if bom:
            f.write(b"\xef\xbb\xbf")
        for item in lines:
            f.write(item + eol)
    return posts


def stored(home: Path) -> App:
    app = App.load(home=home)
    return app


def assert_all_good_stored_in(home, posts) -> None:
    app = stored(home)
    try:
        assert_all_good_stored(app, posts)
    finally:
        app.close()


def assert_all_good_stored(app: App, posts: list[dict]) -> None:
    ids = [document_id(p["url"]) for p in posts]
    assert app.store.documents.known_document_ids(ids) == set(ids)
    assert app.store.stats()["documents"] == len(posts)


def test_corpus_has_at_least_30_bad_kinds():
    assert len(BAD_KINDS) >= 30


@pytest.mark.parametrize("kind", sorted(BAD_KINDS))
def test_bad_line_costs_only_itself(kind, home, tmp_path, capsys):
    bad, fragment = BAD_KINDS[kind]
    path = tmp_path / f"{kind}.jsonl"
    posts = write_batch(path, bad)
    code = main(["ingest", str(path), "--now", NOW, "--no-process"])
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    assert "Traceback" not in out + err
    reported = [ln for ln in err.splitlines() if ln.startswith("第 ")]
    assert len(reported) == 1 and reported[0].startswith(f"第 {BAD_LINE} 行有误"), err
    assert fragment in reported[0], reported[0]
    assert f"新增 {len(posts)}" in out and "错误 1" in out, out
    assert_all_good_stored_in(home, posts)


def test_overlong_line_is_refused_without_being_parsed(home, tmp_path, capsys):
    # Valid JSON, so only the length limit can refuse it: one byte over the limit, the rest of the batch stored.
    bad = b'{"url": "http://x/long", "source": "s", "title": "t", "content": "' + b"a" * MAX_LINE + b'"}'
    path = tmp_path / "long.jsonl"
    posts = write_batch(path, bad)
    code = main(["ingest", str(path), "--now", NOW, "--no-process"])
    out, err = capsys.readouterr()
    assert code == 1
    assert f"第 {BAD_LINE} 行有误" in err and "过长" in err and "Traceback" not in err
    assert_all_good_stored_in(home, posts)


def test_long_content_is_stored_capped_and_noted_and_analysed(home, tmp_path, capsys):
    long_text = ("市民反映小区供暖不足，室温只有十四度，希望供热公司尽快检修管道。" * 8000)[:250_000]
    record = post(url="http://long.example.gov.cn/post/1", title="供暖不足", content=long_text)
    path = tmp_path / "long_content.jsonl"
    posts = write_batch(path, line(record))
    code = main(["ingest", str(path), "--now", NOW])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"第 {BAD_LINE} 行内容过长，已截断后存储" in err and "250000" in err
    assert "Traceback" not in err
    app = stored(home)
    try:
        assert_all_good_stored(app, [*posts, record])
        doc = app.store.documents.get_document(document_id(record["url"]))
        assert len(doc.content) == MAX_CONTENT and doc.content == long_text[:MAX_CONTENT]
        assert doc.truncated == {"content": 250_000}
        assert doc.analysis and not doc.analysis.get("analysis_error")
        assert app.store.stats()["pending"] == 0
    finally:
        app.close()


def test_long_html_is_stored_capped_and_noted(home, tmp_path, capsys):
    page = "<html><body><article><h1>道路破损</h1>" + "<p>人民路路面坑洼，夜间行车危险。</p>" * 80_000 + "</article></body></html>"
    record = post(url="http://html.example.gov.cn/1", content=_DROP, title="道路破损", html=page)
    path = tmp_path / "long_html.jsonl"
    posts = write_batch(path, line(record))
    assert main(["ingest", str(path), "--now", NOW, "--no-process"]) == 0
    assert f"第 {BAD_LINE} 行内容过长" in capsys.readouterr().err
    app = stored(home)
    try:
        assert_all_good_stored(app, [*posts, record])
        doc = app.store.documents.get_document(document_id(record["url"]), with_html=True)
        assert doc.html == page[:MAX_HTML] and doc.truncated == {"html": len(page)}
    finally:
        app.close()


@pytest.mark.parametrize("variant", ["bom", "crlf", "bom_and_crlf"])
def test_bom_and_crlf_are_accepted(variant, home, tmp_path, capsys):
    path = tmp_path / f"{variant}.jsonl"
    posts = write_batch(path, None, bom="bom" in variant, eol=b"\r\n" if "crlf" in variant else b"\n")
    code = main(["ingest", str(path), "--now", NOW, "--no-process"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"新增 {len(posts)}" in out and "错误 0" in out
    assert_all_good_stored_in(home, posts)


def test_whole_number_floats_are_counts(home, tmp_path, capsys):
    record = post(url="http://float.example.gov.cn/1", views=12.0, likes="7", replies=None)
    path = tmp_path / "floats.jsonl"
    posts = write_batch(path, line(record))
    assert main(["ingest", str(path), "--now", NOW, "--no-process"]) == 0, capsys.readouterr().err
    app = stored(home)
    try:
        assert_all_good_stored(app, [*posts, record])
        doc = app.store.documents.get_document(document_id(record["url"]))
        assert (doc.views, doc.likes, doc.replies) == (12, 7, 0)
    finally:
        app.close()


def test_unknown_keys_never_cost_a_record(home, tmp_path, capsys):
    """Producers add fields of their own (labels, a reply's link): they are ignored, the record is stored."""
    record = post(url="http://extra.example.gov.cn/1", labels={"topic": "城乡建设"}, crawler="v2",
                  reply={"text": "已转相关部门办理。", "department": "A市住建局", "time": "2026-09-06T10:00:00+08:00",
                         "url": "http://extra.example.gov.cn/1#reply"})
    path = tmp_path / "extra_keys.jsonl"
    posts = write_batch(path, line(record))
    assert main(["ingest", str(path), "--now", NOW, "--no-process"]) == 0, capsys.readouterr().err
    app = stored(home)
    try:
        assert_all_good_stored(app, [*posts, record])
        doc = app.store.documents.get_document(document_id(record["url"]))
        assert doc.reply.text == "已转相关部门办理。" and doc.kind.value == "post"
    finally:
        app.close()


def test_a_batch_the_store_refuses_is_retried_one_by_one(home, tmp_path, capsys, monkeypatch):
    """The store itself refuses one record (as Elasticsearch would a value its mapping cannot hold): the batch write
    fails, each record is written alone, and only that one is lost and reported."""
    from yuqing import jobs
    from yuqing.storage.base import StoreError

    poisoned = post(url="http://poison.example.gov.cn/1", title="存储会拒绝的记录")
    path = tmp_path / "poison.jsonl"
    posts = write_batch(path, line(poisoned))
    app = App.load(home=home)
    real = app.store.documents.upsert_documents
    calls = []

    def refusing(docs, now):
        docs = list(docs)
        calls.append(len(docs))
        if any(d.title == poisoned["title"] for d in docs):
            raise StoreError("映射无法容纳该值")
        return real(docs, now)

    monkeypatch.setattr(app.store.documents, "upsert_documents", refusing)
    report = jobs.ingest(app, path.open("rb"), datetime.fromisoformat(NOW))
    assert report.bad == [(BAD_LINE, "无法存储：StoreError: 映射无法容纳该值")]
    assert report.inserted == len(posts)
    assert calls[0] == len(posts) + 1 and calls[1:] == [1] * (len(posts) + 1)
    monkeypatch.undo()
    assert_all_good_stored(app, posts)
    app.close()


@pytest.mark.parametrize("kind", ["invalid_utf8_bytes", "deep_nesting_100000", "year_9999_minus_12"])
def test_through_a_real_process(kind, home, tmp_path):
    bad, fragment = BAD_KINDS[kind]
    path = tmp_path / f"{kind}.jsonl"
    posts = write_batch(path, bad)
    env = {**os.environ, "YUQING_HOME": str(home), "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "yuqing.cli", "ingest", str(path), "--now", NOW, "--no-process"],
                            capture_output=True, text=True, env=env, cwd=home, timeout=600)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"第 {BAD_LINE} 行有误" in result.stderr and fragment in result.stderr
    assert_all_good_stored_in(home, posts)


def test_ingest_from_stdin_reads_bytes(home, tmp_path):
    bad, _ = BAD_KINDS["invalid_utf8_bytes"]
    path = tmp_path / "stdin.jsonl"
    posts = write_batch(path, bad)
    env = {**os.environ, "YUQING_HOME": str(home), "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "yuqing.cli", "ingest", "-", "--now", NOW, "--no-process"],
                            input=path.read_bytes(), capture_output=True, env=env, cwd=home, timeout=600)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 1 and f"第 {BAD_LINE} 行有误" in err and "UTF-8" in err, err
    assert_all_good_stored_in(home, posts)
