"""One NLP settings object, built from ``[nlp]`` (validated) and the departments, for every caller."""

from __future__ import annotations

import io
import json
import tomllib

import pytest

from yuqing.nlp.cli import analyze_cli_main
from yuqing.nlp.pipeline import settings_from_config
from yuqing.app import App
from yuqing.config import DEFAULT_CONFIG, ConfigError, load_config, parse_config

POST = {"id": "p1", "title": "小区停水三天", "content": "联系电话13812345678，请尽快处理。", "region": "A市"}


def write_config(tmp_path, nlp: str) -> str:
    path = tmp_path / "yuqing.toml"
    path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + "\n[nlp]\n" + nlp, encoding="utf-8")
    return str(path)


def analyze(monkeypatch, tmp_path, nlp: str):
    monkeypatch.setenv("YUQING_CONFIG", write_config(tmp_path, nlp))
    monkeypatch.setenv("YUQING_HOME", str(tmp_path))
    stdin = io.StringIO(json.dumps(POST, ensure_ascii=False) + "\n")
    stdout, stderr = io.StringIO(), io.StringIO()
    code = analyze_cli_main([], stdin, stdout, stderr)
    return code, [json.loads(line) for line in stdout.getvalue().splitlines()], stderr.getvalue()


def test_yuqing_analyze_honours_nlp_stages(monkeypatch, tmp_path):
    # PiiMaskStage is off by default; [nlp] stages turns it on.
    code, [plain], _ = analyze(monkeypatch, tmp_path, "department_floor = 0.6\n")
    assert code == 0 and "text_masked" not in plain
    code, [masked], err = analyze(monkeypatch, tmp_path, 'stages = { "yuqing.nlp.stages.PiiMaskStage" = 150 }\n')
    assert code == 0, err
    assert "13812345678" in masked["text"] and "13812345678" not in masked["text_masked"]
    assert "138" in masked["text_masked"]


@pytest.mark.parametrize("nlp, key", [
    ("department_flor = 0.5\n", "nlp.department_flor"),
    ("department_floor = 1.5\n", "nlp.department_floor"),
    ('department_margin = "wide"\n', "nlp.department_margin"),
    ("default_department = 3\n", "nlp.default_department"),
])
def test_bad_nlp_keys_are_errors_naming_the_key(monkeypatch, tmp_path, nlp, key):
    with pytest.raises(ConfigError) as info:
        settings_from_config(load_config(write_config(tmp_path, nlp), home=tmp_path))
    assert info.value.key == key
    code, out, err = analyze(monkeypatch, tmp_path, nlp)
    assert code == 2 and out == [] and key in err and "配置错误" in err


def test_unknown_nlp_key_stops_the_application_too(tmp_path):
    app = App(load_config(write_config(tmp_path, "stagez = 1\n"), home=tmp_path))
    with pytest.raises(ConfigError) as info:
        app.analyzer  # noqa: B018 — what process/tick/run/demo build
    assert info.value.key == "nlp.stagez" and "未知配置项" in info.value.problem


def test_one_builder_leaves_out_the_supervising_office(tmp_path):
    config = load_config(write_config(tmp_path, "department_margin = 0.2\n"), home=tmp_path)
    settings = settings_from_config(config)
    names = [d["name"] for d in settings["departments"]]
    supervisor = config.supervisor()
    assert supervisor is not None and supervisor.name not in names
    assert names == [d.name for d in config.departments if not d.supervisor]
    assert settings["department_margin"] == 0.2 and "NLP_STAGES" not in settings


def test_search_section_is_refused_with_where_search_is_set(tmp_path):
    data = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    data["search"] = {"analyzer": "jieba"}
    with pytest.raises(ConfigError) as info:
        parse_config(data, tmp_path / "yuqing.toml", home=tmp_path)
    assert info.value.key == "search" and "[components] tokenizer" in info.value.problem


def test_unknown_section_names_the_section(tmp_path):
    data = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    data["nlpp"] = {"stages": {}}
    with pytest.raises(ConfigError) as info:
        parse_config(data, tmp_path / "yuqing.toml", home=tmp_path)
    assert info.value.key == "nlpp" and "未知配置项" in info.value.problem


def test_a_stage_from_outside_the_project_is_one_class_path_in_nlp_stages(monkeypatch, tmp_path):
    """Adding an NLP stage is one module plus configuration: tests/nlp/toy_stage.py runs after segmentation (300)."""
    code, [doc], err = analyze(monkeypatch, tmp_path, 'stages = { "tests.nlp.toy_stage.ToyTokenCount" = 350 }\n')
    assert code == 0, err
    assert doc["toy_token_count"] >= 5  # the post has a dozen words; 0 would mean it ran before segmentation
    code, out, err = analyze(monkeypatch, tmp_path, 'stages = { "tests.nlp.toy_stage.NoSuchStage" = 350 }\n')
    assert code != 0 and not out and "NoSuchStage" in err and "Traceback" not in err
