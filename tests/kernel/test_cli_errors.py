"""Bad command lines and bad configuration files, as a new user types them: every one exits non-zero with a Chinese
message on stderr that names what was wrong, and never a traceback. Run through ``yuqing.cli.main`` in-process (so
an uncaught exception fails the test) and, for a few, through a real process."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from yuqing.cli import main

CJK = re.compile("[\u4e00-\u9fff]")


class NoStdin(io.StringIO):
    """Standard input that fails the test when read: option errors and --help must be answered before any input."""

    def read(self, *args):  # noqa: D102
        raise AssertionError("标准输入不应被读取")

    readline = read

    def __iter__(self):
        raise AssertionError("标准输入不应被读取")


@pytest.fixture
def cwd(home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", NoStdin())
    (tmp_path / "adir").mkdir()
    (tmp_path / "folder.docx").mkdir()
    return tmp_path


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse inside a delegated command exits, as it would in a real process
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.environ.pop("YUQING_CONFIG", None)  # main exports --config for subprocesses
    out, err = capsys.readouterr()
    return code, out, err


def assert_clear_error(code: int, out: str, err: str, *fragments: str) -> None:
    assert code != 0, (out, err)
    assert "Traceback" not in out + err
    assert CJK.search(err), f"stderr should be Chinese: {err!r}"
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not named in: {err!r}"


# (argv, what the message must name)
BAD_INVOCATIONS: list[tuple[list[str], str]] = [
    (["bogus"], "bogus"),
    (["--config"], "--config"),
    (["--config", "adir", "stats"], "文件夹"),
    (["-v", "--config", "adir", "tick"], "文件夹"),
    (["--config", "missing.toml", "stats"], "不存在"),
    (["stats", "--bogus"], "--bogus"),
    (["stats", "extra"], "extra"),
    (["stats", "--json=yes"], "不接受取值"),
    (["ingest"], "file"),
    (["ingest", "missing.jsonl"], "missing.jsonl"),
    (["ingest", "adir"], "文件夹"),
    (["ingest", "-", "--now", "明天"], "--now"),
    (["process", "--now", "明天"], "ISO 8601"),
    (["process", "--now", "9999-12-31T23:00:00-12:00"], "超出"),
    (["tick", "--now", "abc"], "abc"),
    (["tick", "--now", "0001-01-01T00:00:00+00:00"], "--now"),
    (["process", "--now", "9000-01-01T00:00:00+08:00"], "--now"),
    (["tick", "--json", "extra"], "extra"),
    (["users"], "action"),
    (["users", "add"], "用法"),
    (["users", "add", "bob", "--role", "king"], "king"),
    (["users", "add", "bob", "--role"], "--role"),
    (["users", "frob"], "frob"),
    (["users", "add", "bob", "--role", "officer"], "--password-stdin"),
    (["demo", "--port", "abc"], "abc"),
    (["demo", "--port", "99999"], "99999"),
    (["demo", "--dashboard-port", "0"], "--dashboard-port"),
    (["--config", "adir", "run"], "文件夹"),
    (["demo", "--seed", "x"], "--seed"),
    (["bench"], "what"),
    (["bench", "frob"], "frob"),
    (["sample-sites", "--port", "99999"], "99999"),
    (["sample-sites", "--port", "-1"], "--port"),
    (["sample-sites", "--port", "abc"], "abc"),
    (["sample-sites", "--live-interval", "0"], "--live-interval"),
    (["sample-sites", "--start", "昨天"], "昨天"),
    (["crawl", "--source", "nosuch"], "nosuch"),
    (["crawl", "--timeout", "abc"], "--timeout"),
    (["crawl", "--workers", "0"], "--workers"),
    (["crawl", "--bogus"], "--bogus"),
    (["sources", "--bogus"], "--bogus"),
    (["extract"], "FILE_OR_URL"),
    (["extract", "missing.html"], "missing.html"),
    (["analyze", "--bogus"], "--bogus"),
    (["analyze", "extra-arg"], "extra-arg"),
    (["cluster", "--top", "0"], "--top"),
    (["cluster", "--top", "abc"], "abc"),
    (["cluster", "--now", "xyz"], "xyz"),
    (["train"], "what"),
    (["train", "bogus"], "bogus"),
    (["alerts"], "cmd"),
    (["alerts", "show"], "id"),
    (["alerts", "show", "nosuch"], "nosuch"),
    (["alerts", "frob"], "frob"),
    (["sla"], "cmd"),
    (["sla", "deadline", "--policy", "nosuch", "--start", "2024-01-01"], "nosuch"),
    (["sla", "deadline", "--policy", "consult", "--start", "abc"], "abc"),
    (["sla", "deadline", "--policy", "consult", "--start", "9999-12-30T00:00:00+08:00"], "9999"),
    (["report"], "kind"),
    (["report", "daily"], "--out"),
    (["report", "daily", "--out", "/proc/x.docx"], "/proc/x.docx"),
    (["report", "daily", "--out", "missing-dir/x.docx"], "missing-dir"),
    (["report", "daily", "--out", "folder.docx"], "文件夹"),
    (["report", "daily", "--out", "x.pdf"], "x.pdf"),
    (["report", "daily", "--date", "2024-13-45", "--out", "x.docx"], "2024-13-45"),
    (["report", "monthly", "--out", "x.docx"], "monthly"),
    (["report", "daily", "--date", "0001-01-01", "--out", "x.docx"], "0001-01-01"),
    (["report", "weekly", "--date", "9999-12-31", "--out", "x.docx"], "9999-12-31"),
    (["dashboard", "--port", "abc"], "abc"),
    (["dashboard", "--port", "99999"], "99999"),
]


def test_at_least_47_bad_invocations():
    assert len(BAD_INVOCATIONS) >= 47


@pytest.mark.parametrize("argv, fragment", BAD_INVOCATIONS, ids=[" ".join(a) or "(none)" for a, _ in BAD_INVOCATIONS])
def test_bad_invocation_is_a_clear_chinese_error(argv, fragment, cwd, capsys):
    code, out, err = run(argv, capsys)
    assert_clear_error(code, out, err, fragment)


@pytest.mark.parametrize("argv", [["analyze", "--help"], ["analyze", "-h"], ["ingest", "--help"]])
def test_help_answers_without_reading_input(argv, cwd, capsys):
    code, out, err = run(argv, capsys)
    assert code == 0 and "用法" in out and "Traceback" not in err


# -- configuration files ------------------------------------------------------------------------------------------

SOURCE = '[[sources]]\nname = "city_news"\ntype = "news"\nstart_urls = ["http://127.0.0.1:18399/news/index.html"]\n'
DEPARTMENT = '[[departments]]\nname = "市住建局"\ntopics = ["住房城建"]\n'
BASE = SOURCE + "\n" + DEPARTMENT


def source(**fields: str) -> str:
    """The base source with some lines replaced or added (values as TOML text)."""
    lines = {"name": '"city_news"', "type": '"news"', "start_urls": '["http://127.0.0.1:18399/news/index.html"]'}
    lines.update(fields)
    return "[[sources]]\n" + "".join(f"{k} = {v}\n" for k, v in lines.items() if v is not None)


def department(**fields: str) -> str:
    lines = {"name": '"市住建局"', "topics": '["住房城建"]'}
    lines.update(fields)
    return "[[departments]]\n" + "".join(f"{k} = {v}\n" for k, v in lines.items() if v is not None)


# name → (file text or bytes, command, fragments the message must name)
BAD_CONFIGS: dict[str, tuple[str | bytes, list[str], tuple[str, ...]]] = {
    "empty_file": ("", ["stats"], ("为空", "[[departments]]")),
    "only_comments": ("# 还没有写\n\n", ["stats"], ("为空",)),
    "no_departments": (SOURCE, ["stats"], ("departments", "[[departments]]")),
    "departments_empty_list": ("departments = []\n" + SOURCE, ["stats"], ("departments", "[[departments]]")),
    "only_a_supervisor": (SOURCE + department(supervisor="true"), ["stats"], ("departments", "承办部门")),
    "invalid_toml": ("[storage\n" + BASE, ["stats"], ("TOML",)),
    "not_utf8": (("# 配置\n" + BASE).encode("gbk"), ["stats"], ("UTF-8",)),
    "unknown_section": (BASE + "[foo]\nx = 1\n", ["stats"], ("foo", "未知配置项")),
    "unknown_storage_key": ("[storage]\nbar = 1\n" + BASE, ["stats"], ("storage.bar", "未知配置项")),
    "unknown_source_key": (source(colour='"red"') + DEPARTMENT, ["stats"], ("sources[0].colour",)),
    "unknown_department_key": (SOURCE + department(phone='"12345"'), ["stats"], ("departments[0].phone",)),
    "sources_not_a_list": ("sources = 3\n" + DEPARTMENT, ["stats"], ("sources", "列表")),
    "departments_not_a_list": ('departments = "市住建局"\n' + SOURCE, ["stats"], ("departments", "列表")),
    "storage_not_a_table": ("storage = 1\n" + BASE, ["stats"], ("storage", "表")),
    "bad_source_type": (source(type='"weibo"') + DEPARTMENT, ["stats"], ("sources[0].type", "weibo")),
    "ftp_source_url": (source(start_urls='["ftp://a.gov.cn/"]') + DEPARTMENT, ["stats"], ("sources[0].start_urls[0]", "http")),
    "url_without_host": (source(start_urls='["http://"]') + DEPARTMENT, ["stats"], ("sources[0].start_urls[0]", "主机名")),
    "url_with_space": (source(start_urls='["http://a b.gov.cn/"]') + DEPARTMENT, ["stats"], ("sources[0].start_urls[0]",)),
    "url_port_out_of_range": (source(start_urls='["http://a.gov.cn:99999/"]') + DEPARTMENT, ["stats"],
                              ("sources[0].start_urls[0]",)),
    "start_urls_empty": (source(start_urls="[]") + DEPARTMENT, ["stats"], ("sources[0].start_urls", "至少")),
    "start_urls_not_a_list": (source(start_urls='"http://a.gov.cn/"') + DEPARTMENT, ["stats"], ("sources[0].start_urls",)),
    "duplicate_source_names": (SOURCE + SOURCE + DEPARTMENT, ["stats"], ("sources[1].name", "重复")),
    "duplicate_department_names": (SOURCE + DEPARTMENT + DEPARTMENT, ["stats"], ("departments[1].name", "重复")),
    "negative_interval": (source(interval_minutes="-5") + DEPARTMENT, ["stats"], ("sources[0].interval_minutes", "不小于")),
    "zero_interval": (source(interval_minutes="0") + DEPARTMENT, ["stats"], ("sources[0].interval_minutes",)),
    "huge_interval": (source(interval_minutes="9223372036854775807") + DEPARTMENT, ["stats"],
                      ("sources[0].interval_minutes", "不大于")),
    "interval_as_text": (source(interval_minutes='"5"') + DEPARTMENT, ["stats"], ("sources[0].interval_minutes", "整数")),
    "interval_as_bool": (source(interval_minutes="true") + DEPARTMENT, ["stats"], ("sources[0].interval_minutes",)),
    "negative_delay": (source(politeness="{ delay = -1.0 }") + DEPARTMENT, ["stats"], ("sources[0].politeness.delay",)),
    "concurrency_too_high": (source(politeness="{ concurrency = 1000 }") + DEPARTMENT, ["stats"],
                             ("sources[0].politeness.concurrency",)),
    "negative_authority": (source(authority="-1.0") + DEPARTMENT, ["stats"], ("sources[0].authority",)),
    "source_name_with_space": (source(name='"city news"') + DEPARTMENT, ["stats"], ("sources[0].name",)),
    "source_without_name": (source(name=None) + DEPARTMENT, ["stats"], ("sources[0].name", "缺少")),
    "department_without_name": (SOURCE + department(name=None), ["stats"], ("departments[0].name", "缺少")),
    "department_blank_name": (SOURCE + department(name='"  "'), ["stats"], ("departments[0].name", "不能为空")),
    "department_topics_not_strings": (SOURCE + department(topics="[1, 2]"), ["stats"], ("departments[0].topics[0]",)),
    "department_bad_webhook": (SOURCE + department(webhook='"not a url"'), ["stats"], ("departments[0].webhook",)),
    "department_bad_email": (SOURCE + department(email='"zhang.san"'), ["stats"], ("departments[0].email",)),
    "two_supervisors": (BASE + department(name='"督查室"', supervisor="true") + department(name='"督办室"', supervisor="true"),
                        ["stats"], ("督办",)),
    "negative_scheduler_interval": ("[scheduler]\nprocess_every_seconds = -5\n" + BASE, ["stats"],
                                    ("scheduler.process_every_seconds",)),
    "unknown_scheduler_key": ("[scheduler]\nevery = 5\n" + BASE, ["stats"], ("scheduler.every",)),
    "unknown_crawl_queue": ('[crawl]\nqueue = "kafka"\n' + BASE, ["stats"], ("crawl.queue", "kafka")),
    "unknown_workflow_store": ('[storage]\nworkflow = "oracle"\n' + BASE, ["stats"], ("storage.workflow", "oracle")),
    "sqlite_path_not_text": ("[storage]\nsqlite_path = 5\n" + BASE, ["stats"], ("storage.sqlite_path",)),
    "component_module_missing": ('[components]\nanalyzer = "nosuch.module.Analyzer"\n' + BASE, ["stats"],
                                 ("components.analyzer", "nosuch.module.Analyzer")),
    "component_class_missing": ('[components]\ntokenizer = "yuqing.nlp.segment.NoSuchSegmenter"\n' + BASE, ["stats"],
                                ("components.tokenizer", "yuqing.nlp.segment.NoSuchSegmenter")),
    "component_not_a_class_path": ('[components]\nevents = "notapath"\n' + BASE, ["stats"], ("components.events", "notapath")),
    "component_wrong_object": ('[components]\nevents = "os.path"\n' + BASE, ["stats"], ("components.events", "os.path")),
    "component_unknown_name": ('[components]\nfrobnicator = "a.b"\n' + BASE, ["stats"], ("components.frobnicator", "未知组件")),
    "components_not_a_table": ('components = "yuqing.nlp.pipeline.Analyzer"\n' + BASE, ["stats"], ("components",)),
    "component_path_not_text": ("[components]\nalerts = 3\n" + BASE, ["stats"], ("components.alerts",)),
    "nlp_stages_not_a_table": ("[nlp]\nstages = 5\n" + BASE, ["process"], ("nlp.stages", "表")),
    "nlp_stages_a_list": ('[nlp]\nstages = ["yuqing.nlp.stages.SegmentStage"]\n' + BASE, ["process"], ("nlp.stages",)),
    "nlp_stage_class_missing": ('[nlp]\nstages = { "nosuch.Stage" = 100 }\n' + BASE, ["process"],
                                ("nlp.stages.nosuch.Stage", "nosuch.Stage")),
    "nlp_stage_order_not_a_number": ('[nlp]\nstages = { "yuqing.nlp.stages.SegmentStage" = "first" }\n' + BASE, ["process"],
                                     ("nlp.stages.yuqing.nlp.stages.SegmentStage", "顺序号")),
    "redis_url_not_redis": ('[crawl]\nredis_url = "http://127.0.0.1:6379"\n' + BASE, ["stats"], ("crawl.redis_url",)),
    "unknown_alerts_key": ("[alerts]\nfrob = 1\n" + BASE, ["alerts", "list"], ("alerts.frob", "未知配置项")),
    "bad_events_section": ("[events]\nhalf_life_hours = -1\n" + BASE, ["cluster", "--config", "{path}"],
                           ("events.half_life_hours",)),
}


def test_at_least_35_bad_configs():
    assert len(BAD_CONFIGS) >= 35


def test_the_base_config_is_good(cwd, capsys):
    """The control: every bad config below is this one with one thing wrong."""
    path = cwd / "good.toml"
    path.write_text(BASE, encoding="utf-8")
    code, out, err = run(["--config", str(path), "stats", "--json"], capsys)
    assert code == 0, err
    assert '"departments": 1' in out


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_bad_config_names_file_key_and_problem(name, cwd, capsys):
    text, command, fragments = BAD_CONFIGS[name]
    path = cwd / f"{name}.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    argv = ["--config", str(path), *[part.replace("{path}", str(path)) for part in command]]
    if command[0] == "cluster":  # the stage reads its section before any input
        sys.stdin = io.StringIO("")
    code, out, err = run(argv, capsys)
    assert_clear_error(code, out, err, str(path), *fragments)


def test_a_database_folder_that_cannot_be_made_is_a_store_error(cwd, capsys):
    path = cwd / "db_in_proc.toml"
    path.write_text('[storage]\nsqlite_path = "/proc/yuqing-nope/y.db"\n' + BASE, encoding="utf-8")
    code, out, err = run(["--config", str(path), "stats"], capsys)
    assert_clear_error(code, out, err, "/proc/yuqing-nope", "storage.sqlite_path")


def test_config_errors_through_a_real_process(tmp_path):
    env = {**os.environ, "YUQING_HOME": str(tmp_path), "PYTHONIOENCODING": "utf-8"}
    env.pop("YUQING_CONFIG", None)
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    for argv, fragment in ([["--config", str(tmp_path), "stats"], "文件夹"], [["--config", str(empty), "stats"], "为空"],
                           [["sample-sites", "--port", "99999"], "99999"], [["analyze", "--bogus"], "--bogus"]):
        result = subprocess.run([sys.executable, "-m", "yuqing.cli", *argv], capture_output=True, text=True, env=env,
                                cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=600)
        assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
        assert fragment in result.stderr, result.stderr
