"""Configuration is validated at start-up and every error names the file, the key and the problem."""

from pathlib import Path

import pytest

from yuqing.config import ConfigError, DEFAULT_CONFIG, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "yuqing.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_config_loads(tmp_path):
    config = load_config(DEFAULT_CONFIG, home=tmp_path)
    assert {s.type for s in config.sources} == {"news", "board", "feed", "api"}
    assert {s.name for s in config.sources if s.type == "api" and s.settings["enabled"]} == set()  # demo: off
    assert [a.kind for a in config.accounts.accounts] == ["official", "media"]
    assert config.supervisor() is not None
    assert config.storage.sqlite_path == tmp_path / "yuqing.db"


@pytest.mark.parametrize("text, key, problem", [
    ('[[sources]]\nname = "x"\ntype = "weibo"\nstart_urls = ["http://a/"]\n', "sources[0].type", "无效"),
    ('[[sources]]\nname = "x"\ntype = "news"\nstart_urls = ["ftp://a/"]\n', "sources[0].start_urls[0]", "http"),
    ('[[sources]]\nname = "x"\ntype = "news"\nstart_urls = ["http://a/"]\ninterval_minutes = "5"\n',
     "sources[0].interval_minutes", "整数"),
    ('[[sources]]\nname = "x"\ntype = "news"\n', "sources[0].start_urls", "缺少"),
    ('[storage]\ndocuments = "mongo"\n', "storage.documents", "可选"),
    ('[[departments]]\nname = "a"\n[[departments]]\nname = "a"\n', "departments[1].name", "重复"),
    ('[crawl]\nqueue = "local"\nfoo = 1\n', "crawl.foo", "未知配置项"),
    ('sources = 3\n', "sources", "列表"),
])
def test_errors_name_file_key_and_problem(tmp_path, text, key, problem):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, home=tmp_path)
    assert info.value.key == key
    assert problem in info.value.problem
    assert str(path) in str(info.value)


def test_syntax_error_is_reported(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "[storage\n"), home=tmp_path)
    assert "TOML" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.toml", home=tmp_path)
    assert "不存在" in str(info.value)
