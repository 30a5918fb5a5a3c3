"""The command line: Chinese help, global options before the command, delegated arguments passed through intact."""

import json

from yuqing.cli import main


def test_help_is_chinese(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    assert "政务舆情监测与回应系统" in out and "导入 JSON 行文档" in out


def test_delegated_options_keep_their_order(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("YUQING_HOME", str(tmp_path))
    code = main(["--config", "yuqing/default_config.toml", "sla", "deadline", "--policy", "complaint",
                 "--start", "2025-09-28T10:00:00+08:00", "--json"])
    assert code == 0
    # 2025-09-28 is a 调休 Sunday; National Day runs 10-01..10-08; 15 working days later is 10-24.
    assert json.loads(capsys.readouterr().out) == {"response": "2025-10-24T23:59:59+08:00", "provisional": False,
                                                      "provisional_years": []}


def test_bad_now_is_a_clear_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("YUQING_HOME", str(tmp_path))
    assert main(["process", "--now", "明天"]) == 2
    assert "ISO 8601" in capsys.readouterr().err


def test_config_error_names_file_and_key(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("YUQING_HOME", str(tmp_path))
    bad = tmp_path / "bad.toml"
    bad.write_text('[storage]\nworkflow = "oracle"\n', encoding="utf-8")
    assert main(["--config", str(bad), "stats"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "storage.workflow" in err
