"""Elasticsearch-only guarantees: index layout, mappings, and bulk failures that are retried or reported by id."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from yuqing.clock import TZ
from yuqing.config import ConfigError
from yuqing.model import Document
from yuqing.storage.elasticsearch import ElasticsearchDocumentStore
from yuqing.storage.elasticsearch_layout import BulkWriteError

T0 = datetime(2024, 10, 31, 20, 0, tzinfo=TZ)


def test_monthly_indices_behind_one_alias_with_explicit_mappings(es_store):
    docs = [Document(url=f"http://n/{i}", source="news", title="标题", content="正文", published_at=T0 + timedelta(days=i))
            for i in range(3)]  # 10-31 Shanghai is still October in UTC; 11-01 and 11-02 are November
    es_store.upsert_documents(docs, T0)
    aliases = es_store.es.indices.get_alias(name=es_store.alias).body
    assert f"{es_store.alias}-2024.10" in aliases and f"{es_store.alias}-2024.11" in aliases
    mapping = es_store.es.indices.get_mapping(index=f"{es_store.alias}-2024.11").body
    props = next(iter(mapping.values()))["mappings"]["properties"]
    for field in ("id", "source", "topic_label", "department", "region", "sentiment_label", "kind"):
        assert props[field]["type"] == "keyword", field
    assert props["search_tokens"]["analyzer"] == "yuqing_tokens"
    assert es_store.document_stats()["documents"] == 3


def test_bulk_reports_every_failed_id_and_keeps_the_rest(es_store):
    good = {"id": "good", "source": "news", "at": "2024-10-01T00:00:00.000000Z", "needs_processing": 1}
    index = f"{es_store.alias}-2024.10"
    es_store._ensure_index(index)
    with pytest.raises(BulkWriteError) as info:
        es_store._bulk("测试写入", [({"index": {"_index": index, "_id": "good"}}, good),
                                    ({"update": {"_index": index, "_id": "ghost"}}, {"doc": {"likes": 1}})])
    assert set(info.value.failures) == {"ghost"}
    assert "ghost" in str(info.value) and "可直接重试" in str(info.value)
    assert es_store.known_document_ids(["good", "ghost"]) == {"good"}


def test_bulk_retries_rejected_items(es_store, monkeypatch):
    """A cluster under load answers 429 for some items; they are retried, nothing is lost."""
    real_bulk = es_store.es.bulk
    calls = []

    def overloaded_once(**kwargs):
        response = real_bulk(**kwargs).body
        calls.append(len(kwargs["operations"]))
        if len(calls) == 1:  # pretend the first item of the first request was rejected, and undo its write
            op, result = next(iter(response["items"][0].items()))
            es_store.es.delete(index=result["_index"], id=result["_id"], refresh=True)
            response = {**response, "errors": True, "items": [
                {op: {**result, "status": 429, "error": {"type": "es_rejected_execution_exception",
                                                         "reason": "queue full"}}}, *response["items"][1:]]}
        return response

    monkeypatch.setattr(es_store.es, "bulk", overloaded_once)
    es_store.retry_backoff = 0.01
    docs = [Document(url=f"http://r/{i}", source="news", title="t", content=str(i), published_at=T0) for i in range(4)]
    assert es_store.upsert_documents(docs, T0).inserted == 4
    assert len(calls) == 2 and calls[1] == 2  # the second request carried only the rejected item
    assert es_store.known_document_ids([d.id for d in docs]) == {d.id for d in docs}


def test_config_errors_name_the_key(tmp_path):
    with pytest.raises(ConfigError) as info:
        ElasticsearchDocumentStore.from_options({"hosts": ["http://x:9200"], "shardz": 2}, tmp_path / "y.toml")
    assert "storage.elasticsearch.shardz" in str(info.value)
    with pytest.raises(ConfigError) as info:
        ElasticsearchDocumentStore.from_options({"refresh": "sometimes"}, tmp_path / "y.toml")
    assert "storage.elasticsearch.refresh" in str(info.value)


def test_setup_adds_new_fields_to_indices_made_under_an_older_mapping(es_store):
    """A deployment upgraded in place: its monthly index predates a field (here analysis_failed); setup() must
    add the field, or counts over it stay 0 for every document already there."""
    from yuqing.storage.elasticsearch_layout import ANALYSIS_SETTINGS, DOCUMENT_MAPPING

    index = f"{es_store.alias}-2019.01"
    old = {k: v for k, v in DOCUMENT_MAPPING["properties"].items() if k != "analysis_failed"}
    es_store.es.indices.delete_index_template(name=es_store.alias)  # the older release's template had no such field
    es_store.es.indices.create(index=index, settings={"analysis": ANALYSIS_SETTINGS},
                               mappings={"dynamic": False, "properties": old},
                               aliases={es_store.alias: {}})
    es_store.setup()
    mapping = es_store.es.indices.get_mapping(index=index).body
    assert next(iter(mapping.values()))["mappings"]["properties"]["analysis_failed"]["type"] == "boolean"
