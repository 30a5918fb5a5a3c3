"""Official open APIs with keys (``[sources.api.auth]``) against the sample web's 微博开放平台-style timeline
(/open/weibo/api/statuses, 401 without the access token): the key from the environment (query parameter or header)
stores every status once; a missing variable is ``auth_missing`` and a wrong key ``auth_failed`` in source health;
the key never shows in logs, stdout, source health, ``sources test``, ``config export`` or the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yuqing.checker import ConfigError
from yuqing.config import load_config
from yuqing.crawlers.extensions import error_label
from yuqing.crawlers.run import crawl
from yuqing.crawlers.sample_sites.social import OPEN_API_TOKEN

from test_api_sources import health, sites, stored  # noqa: F401  (sites: the sample web fixture)

CONFIG = Path(__file__).parent / "configs" / "api_keys.toml"
WRONG = "2.00wrong_token_Zz9Yy8"


def keyed_config(home: Path, sites, extra: str = ""):
    path = home / "yuqing.toml"
    path.write_text(CONFIG.read_text(encoding="utf-8").replace("BASE", sites.base_url) + extra, encoding="utf-8")
    return load_config(path, home)


def logs(home: Path) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in (home / "logs").glob("*.log"))


def test_key_from_environment_stores_every_status_once_and_never_shows(tmp_path, sites, monkeypatch, capfd):
    monkeypatch.setenv("WEIBO_ACCESS_TOKEN", OPEN_API_TOKEN)
    truth = {r["url"]: r for r in sites.social.expected_weibo()}
    homes = {}
    for name in ("weibo_open", "weibo_open_header"):  # same statuses, same document URLs: one home each
        home = homes[name] = tmp_path / name
        home.mkdir()
        config = keyed_config(home, sites)
        run = crawl(config, [name], home=home, log_level="DEBUG")[name]
        docs = stored(config, name)
        assert set(docs) == set(truth) and run["inserted"] == len(truth) and run["errors"] == {}
        for url, rec in truth.items():
            assert (docs[url].content, docs[url].likes) == (rec["content"], rec["likes"])
        # The key was sent (the server answers 401 without it) but appears nowhere we write.
        assert run["fetched_urls"] and all("access_token" not in u for u in run["fetched_urls"])
        assert "Crawled (200)" in logs(home)
        out = capfd.readouterr()
        for text in (logs(home), out.out, out.err, json.dumps(run, ensure_ascii=False, default=str),
                     json.dumps(health(config, name), ensure_ascii=False, default=str)):
            assert OPEN_API_TOKEN not in text
    config = keyed_config(homes["weibo_open"], sites)
    param = stored(config, "weibo_open")
    for url, rec in truth.items():
        d = param[url]
        assert (d.author_id, d.author_official, d.reposts, d.repost_of) == (rec["author_id"], rec["official"],
                                                                            rec["reposts"], rec["repost_of"])

    second = crawl(config, ["weibo_open"], home=homes["weibo_open"])["weibo_open"]
    assert (second["inserted"], second["updated"], len(second["fetched_urls"])) == (0, 0, 1)


def test_missing_variable_is_auth_missing_and_wrong_key_auth_failed(tmp_path, sites, monkeypatch, capfd):
    monkeypatch.delenv("WEIBO_ACCESS_TOKEN", raising=False)
    config = keyed_config(tmp_path, sites)
    missing = crawl(config, ["weibo_open"], home=tmp_path)["weibo_open"]
    assert missing["errors"] == {"auth_missing": 1} and missing["inserted"] == 0 and missing["fetched_urls"] == []
    row = health(config, "weibo_open")
    assert row["errors"] == {"auth_missing": 1}
    assert error_label("auth_missing") == "缺少接口密钥（环境变量未设置）"
    assert "环境变量 WEIBO_ACCESS_TOKEN 未设置" in logs(tmp_path)

    monkeypatch.setenv("WEIBO_ACCESS_TOKEN", WRONG)
    result = crawl(config, ["weibo_open", "weibo_open_header"], home=tmp_path, log_level="DEBUG")
    for name in ("weibo_open", "weibo_open_header"):
        assert result[name]["errors"] == {"auth_failed": 1} and result[name]["inserted"] == 0
        assert health(config, name)["errors"].get("auth_failed") == 1
        assert "login_wall" not in health(config, name)["errors"]  # a refused key is not a login wall
    out = capfd.readouterr()
    for text in (logs(tmp_path), out.out, out.err, json.dumps(result, ensure_ascii=False, default=str),
                 json.dumps(health(config, "weibo_open"), ensure_ascii=False, default=str)):
        assert WRONG not in text


def test_sources_test_and_sources_list_never_show_the_key(tmp_path, sites, monkeypatch, capsys):
    from yuqing.cli import main

    monkeypatch.setenv("YUQING_HOME", str(tmp_path))
    keyed_config(tmp_path, sites, '\n[[departments]]\nname = "市住建局"\ntopics = ["城乡建设"]\n')
    args = ["--config", str(tmp_path / "yuqing.toml")]
    monkeypatch.delenv("WEIBO_ACCESS_TOKEN", raising=False)
    assert main([*args, "sources", "test", "weibo_open"]) == 1
    assert "环境变量 WEIBO_ACCESS_TOKEN 未设置" in capsys.readouterr().err

    monkeypatch.setenv("WEIBO_ACCESS_TOKEN", WRONG)
    assert main([*args, "sources", "test", "weibo_open_header"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 401：接口拒绝了配置的密钥" in err and WRONG not in err

    monkeypatch.setenv("WEIBO_ACCESS_TOKEN", OPEN_API_TOKEN)
    for name in ("weibo_open", "weibo_open_header"):
        assert main([*args, "sources", "test", name, "--json"]) == 0
        out = capsys.readouterr().out
        assert [r["url"] for r in json.loads(out)["records"]] == [
            t["url"] for t in sites.social.expected_weibo()[:20]]
        assert OPEN_API_TOKEN not in out
    assert main([*args, "sources"]) == 0
    assert OPEN_API_TOKEN not in capsys.readouterr().out


def test_a_key_written_in_the_configuration_is_masked_in_export_and_audit(tmp_path, sites, capsys, monkeypatch):
    from yuqing import config_store
    from yuqing.app import App
    from yuqing.cli import main

    monkeypatch.setenv("YUQING_HOME", str(tmp_path))
    path = tmp_path / "yuqing.toml"
    text = CONFIG.read_text(encoding="utf-8").replace("BASE", sites.base_url).replace(
        'key_env = "WEIBO_ACCESS_TOKEN"\nparam', f'key = "{OPEN_API_TOKEN}"\nparam', 1)
    path.write_text(text + '\n[[departments]]\nname = "市住建局"\ntopics = ["城乡建设"]\n', encoding="utf-8")
    config = load_config(path, tmp_path)
    assert config.source("weibo_open").settings["api"]["auth"]["key"] == OPEN_API_TOKEN
    assert crawl(config, ["weibo_open"], home=tmp_path)["weibo_open"]["inserted"] == len(
        sites.social.expected_weibo())  # the configured key works without any environment variable
    assert OPEN_API_TOKEN not in logs(tmp_path)

    app = App.load(path, tmp_path)
    try:  # an administrator changes the source in the dashboard: the audit entry names the change, not the key

        def edit(raw):
            next(s for s in raw["sources"] if s["name"] == "weibo_open")["title"] = "微博开放平台（市发布）"

        assert config_store.change(app, "admin1", sites.now(), "修改来源标题", edit) == 1
        entries = app.store.workflow.audit_for(config_store.CONFIG_AUDIT_ID)
        changes = app.store.workflow.config_overlay()["changes"]
    finally:
        app.close()
    assert entries and "微博开放平台（市发布）" in entries[-1].note
    assert OPEN_API_TOKEN not in entries[-1].note and OPEN_API_TOKEN not in json.dumps(changes, ensure_ascii=False)

    assert main(["--config", str(path), "config", "export"]) == 0
    exported = capsys.readouterr().out
    assert "微博开放平台（市发布）" in exported and "已隐藏" in exported and OPEN_API_TOKEN not in exported
    assert main(["--config", str(path), "config", "history", "--json"]) == 0
    assert OPEN_API_TOKEN not in capsys.readouterr().out
    for command in (["sources"], ["sources", "--json"], ["sources", "test", "weibo_open"]):
        assert main(["--config", str(path), *command]) == 0
        out = capsys.readouterr()
        assert OPEN_API_TOKEN not in out.out + out.err


AUTH = '''
[[sources]]
name = "open"
type = "api"
start_urls = ["https://api.example.com/2/statuses/user_timeline.json"]
[sources.api]
records = "statuses"
item_url = "/{mid}"
[sources.api.fields]
content = "text"
[sources.api.auth]
'''


@pytest.mark.parametrize("body, key, problem", [
    ('key = "abc"\nkey_env = "T"', "sources[0].api.auth.key_env", "key 与 key_env 只能写一个"),
    ('param = "access_token"', "sources[0].api.auth.key_env", "应写 key_env"),
    ('key_env = "T"\ntoken = "x"', "sources[0].api.auth.token", "未知配置项（可用：header, key, key_env, param, template）"),
    ('key_env = "1BAD-NAME"', "sources[0].api.auth.key_env", "不是有效的环境变量名"),
    ('key = " "', "sources[0].api.auth.key", "密钥为空"),
    ('key_env = "T"\nparam = "access_token"\nheader = "X-Key"', "sources[0].api.auth.param", "只能选一种"),
    ('key_env = "T"\ntemplate = "Bearer"', "sources[0].api.auth.template", "{key} 占位符"),
    ('key_env = "T"\nheader = "X Key"', "sources[0].api.auth.header", "不是有效的请求头名称"),
])
def test_auth_table_checked_at_load_with_chinese_errors(tmp_path, body, key, problem):
    path = tmp_path / "yuqing.toml"
    path.write_text(AUTH + body + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, tmp_path)
    assert err.value.key == key and problem in err.value.problem


def test_auth_defaults_to_a_bearer_header(tmp_path):
    path = tmp_path / "yuqing.toml"
    path.write_text(AUTH + 'key_env = "OPEN_TOKEN"\n', encoding="utf-8")
    auth = load_config(path, tmp_path).source("open").settings["api"]["auth"]
    assert (auth["header"], auth["template"], auth["param"], auth["key_env"]) == (
        "Authorization", "Bearer {key}", "", "OPEN_TOKEN")


def test_a_timeout_on_a_keyed_url_is_reported_and_logged_without_the_key(tmp_path, monkeypatch, capfd):
    """A timeout's message quotes the URL it was fetching — with a query-parameter key, the keyed URL; the retry log
    line and the source health detail must still not hold the key."""
    import threading

    from sitekit import LocalSite

    secret = "tok_Timeout_9f8e7d6c5b"
    release = threading.Event()

    def page(path):
        if not path.startswith("/api/list"):
            return None
        release.wait(3)  # slower than the source's timeout: every attempt times out
        return 200, b'{"items": []}', "application/json"

    monkeypatch.setenv("SLOW_API_TOKEN", secret)
    with LocalSite(page) as site:
        (tmp_path / "yuqing.toml").write_text(f'''
[[sources]]
name = "slow_open"
type = "api"
start_urls = ["{site.url}/api/list?page=1"]
politeness = {{ delay = 0.0, concurrency = 1, timeout = 1, retries = 1 }}
[sources.api]
records = "items"
item_url = "/m/{{id}}"
[sources.api.auth]
key_env = "SLOW_API_TOKEN"
param = "token"
[sources.api.fields]
content = "text"
''', encoding="utf-8")
        config = load_config(tmp_path / "yuqing.toml", tmp_path)
        try:
            run = crawl(config, home=tmp_path, log_level="DEBUG")["slow_open"]
        finally:
            release.set()
    assert run["errors"] == {"timeout": 1} and run["failed"]
    assert "Retrying" in logs(tmp_path) and "took longer than" in logs(tmp_path)  # the lines that quote the URL
    out = capfd.readouterr()
    for text in (logs(tmp_path), out.out, out.err, json.dumps(run, ensure_ascii=False, default=str),
                 json.dumps(health(config, "slow_open"), ensure_ascii=False, default=str)):
        assert secret not in text
