"""Shares and authors (issue 19) in the kernel: ingest JSON lines carry them (checked, Chinese errors), views mask
the account id like the name, ``[[accounts]]`` is validated and matched, and a ``type = "api"`` source's JMESPath
mapping is checked at load with the failing key path named."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from yuqing.clock import TZ
from yuqing.config import ConfigError, load_config
from yuqing.jobs import RecordError, document_from_record
from yuqing.model import Document
from yuqing.views import build_document_view

NOW = datetime(2024, 11, 20, 10, 0, tzinfo=TZ)
RECORD = {"url": "https://weibo.example/5501/1", "source": "weibo", "title": "", "content": "地铁站积水，电话13812345678",
          "author": "王小明", "author_id": "wangxiaoming88", "author_verified": True, "author_official": False,
          "author_followers": 1520, "reposts": 33, "likes": 120, "replies": 8,
          "repost_of": "https://weibo.example/1001/9"}


def test_ingest_record_carries_social_fields_and_the_view_masks_the_account():
    doc = document_from_record(RECORD, NOW)
    assert (doc.reposts, doc.author_id, doc.author_verified, doc.author_official, doc.author_followers) == \
        (33, "wangxiaoming88", True, False, 1520)
    assert doc.repost_of == "https://weibo.example/1001/9"
    view = build_document_view(doc).to_dict()
    shown = json.dumps(view, ensure_ascii=False)
    assert "wangxiaoming88" not in shown and "王小明" not in shown and "13812345678" not in shown
    assert view["social"] == {"reposts": 33, "author_id": view["social"]["author_id"], "verified": True,
                              "official": False, "followers": 1520, "repost_of": "https://weibo.example/1001/9"}
    assert view["social"]["author_id"].startswith("wa") and "*" in view["social"]["author_id"]
    plain = build_document_view(Document(url="http://b/1", source="board", title="留言"))
    assert plain.social is None  # a board post says nothing about shares or accounts


@pytest.mark.parametrize("field, value, problem", [
    ("reposts", -3, "reposts"), ("reposts", "很多", "reposts"), ("author_followers", 1.5, "author_followers"),
    ("author_verified", "maybe", "author_verified"), ("repost_of", "weibo://1", "repost_of"),
    ("author_id", {"id": 1}, "author_id"),
])
def test_bad_social_fields_are_named(field, value, problem):
    with pytest.raises(RecordError) as err:
        document_from_record({**RECORD, field: value}, NOW)
    assert problem in str(err.value)


def test_unknown_follower_count_stays_unknown():
    doc = document_from_record({k: v for k, v in RECORD.items() if k != "author_followers"}, NOW)
    assert doc.author_followers is None and doc.reposts == 33


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "yuqing.toml"
    path.write_text(text, encoding="utf-8")
    return path


API = '''[[sources]]
name = "w"
type = "api"
start_urls = ["http://a.example/api?page=1"]
[sources.api]
records = "data.statuses"
item_url = "/w/{user.id}/{mid}"
[sources.api.fields]
content = "text"
likes = "attitudes_count"
'''


def test_api_source_loads_with_its_mapping(tmp_path):
    source = load_config(write(tmp_path, API), home=tmp_path).source("w")
    api = source.settings["api"]
    assert (source.type, api["records"], api["paging"], api["fields"]) == \
        ("api", "data.statuses", "page", {"content": "text", "likes": "attitudes_count"})


@pytest.mark.parametrize("edit, key, problem", [
    (('likes = "attitudes_count"', 'likes = "attitudes_count[?"'), "sources[0].api.fields.likes", "JMESPath"),
    (('records = "data.statuses"', 'records = "data.[statuses"'), "sources[0].api.records", "JMESPath"),
    (('item_url = "/w/{user.id}/{mid}"', 'item_url = "/w/{user..id}"'), "sources[0].api.item_url 中的 {user..id}",
     "无效"),
    (('item_url = "/w/{user.id}/{mid}"', 'item_url = "/w/all"'), "sources[0].api.item_url", "占位符"),
    (('content = "text"', 'body = "text"'), "sources[0].api.fields.body", "未知配置项"),
    (('records = "data.statuses"', 'records = "data.statuses"\npaging = "cursor"'), "sources[0].api.next_cursor",
     "缺少"),
    (('[sources.api]\n', '[sources.api]\npaging = "scroll"\n'), "sources[0].api.paging", "可选"),
    (('content = "text"\nlikes = "attitudes_count"\n', 'likes = "attitudes_count"\n'), "sources[0].api.fields.title",
     "title 或 content"),
])
def test_bad_api_mapping_names_the_key_path(tmp_path, edit, key, problem):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, API.replace(*edit)), home=tmp_path)
    assert err.value.key == key and problem in err.value.problem, str(err.value)


def test_api_source_without_its_table_is_refused(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, API.split("[sources.api]")[0]), home=tmp_path)
    assert err.value.key == "sources[0].api" and "缺少" in err.value.problem


ACCOUNTS = '''[account_weights]
media = 2.5
[[accounts]]
kind = "官方账号"
name = "A市发布"
[[accounts]]
kind = "media"
id = 1002
source = "weibo"
[[accounts]]
kind = "重点账号"
name = "热心市民老张"
weight = 4
'''


def test_account_list_is_checked_and_matched(tmp_path):
    accounts = load_config(write(tmp_path, ACCOUNTS), home=tmp_path).accounts
    def doc(**kw):
        return Document(url=f"http://w/{len(kw)}{sorted(kw.items())}", source=kw.pop("source", "weibo"), title="x",
                        **kw)
    assert accounts.match(doc(author="A市发布")).kind == "official"
    media = accounts.match(doc(author="A市日报", author_id="1002"))
    assert (media.kind, media.weight) == ("media", 2.5)
    assert accounts.match(doc(author="某人", author_id="1002", source="other")) is None  # ids are per platform
    assert accounts.match(doc(author="热心市民老张")).weight == 4
    assert accounts.match(doc(author="某政务号", author_official=True)).kind == "official"  # the platform says so
    assert accounts.match(doc(author="路人")) is None


@pytest.mark.parametrize("text, key, problem", [
    ('[[accounts]]\nkind = "大V"\nname = "x"\n', "accounts[0].kind", "官方账号、重点账号、媒体"),
    ('[[accounts]]\nkind = "媒体"\n', "accounts[0].name", "name"),
    ('[[accounts]]\nkind = "媒体"\nname = "x"\n[[accounts]]\nkind = "媒体"\nname = "x"\n', "accounts[1].name", "重复"),
    ('[account_weights]\nmedia = -1\n', "account_weights.media", "不小于"),
    ('[account_weights]\nvip = 2\n', "account_weights.vip", "未知"),
])
def test_bad_account_list_is_named(tmp_path, text, key, problem):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), home=tmp_path)
    assert err.value.key == key and problem in err.value.problem, str(err.value)


@pytest.mark.parametrize("text, shown, hidden", [
    ("【网友反映】//@谢女士:小区供暖不热", "//@谢**:小区供暖不热", "谢女士"),
    ("请@王小明 看看，转发自＠李四：好", "请@王** 看看", "王小明"),
    ("邮箱 zhang.san@example.com 联系", "z***@example.com", "zhang.san"),  # e-mails keep their own masking
    ("原文 https://weibo.example/u/5501?from=@abc 见链接", "https://weibo.example/u/5501?from=@abc", None),
])
def test_mentions_in_social_text_are_masked(text, shown, hidden):
    from yuqing.privacy import mask_pii

    out = mask_pii(text)
    assert shown in out and (hidden is None or hidden not in out), out
