"""An NLP stage outside the project's packages (tests/nlp/test_nlp_settings.py names it by class path in
``[nlp] stages``): it counts the tokens the segment stage left, so it proves it ran after it."""

from __future__ import annotations


class ToyTokenCount:
    @classmethod
    def from_settings(cls, settings: dict):
        return cls()

    def process(self, doc: dict) -> dict:
        doc["toy_token_count"] = len(doc.get("tokens") or [])
        return doc
