"""Extraction targets on the 47 real saved article pages (hand-built references, see evaluate.py)."""

from __future__ import annotations

import pytest

from yuqing.crawlers.extract import is_list_page
from yuqing.crawlers.extract.evaluate import evaluate, load_references


@pytest.fixture(scope="module")
def result(news_pages):
    return evaluate(news_pages)


def test_references_cover_every_article_page(news_pages):
    pages = {str(p.relative_to(news_pages)) for p in news_pages.glob("*/*/*.html") if p.parts[-3] != "test_list_page"}
    refs = {r["page"] for r in load_references()}
    assert refs == pages


def test_reference_anchors_resolve(result):
    errors = [r["error"] for r in result["rows"] if "error" in r]
    assert not errors, errors


def test_targets(result):
    s = result["summary"]
    n = s["pages"]
    wrong_titles = [(r["page"], r["title"]) for r in result["rows"] if not r["title_ok"]]
    assert s["titles_ok"] == n, wrong_titles
    assert s["dates_ok"] >= 0.95 * n, [(r["page"], r["date"]) for r in result["rows"] if not r["date_ok"]]
    assert s["median_f1"] >= 0.92
    assert s["garbled"] == 0, [r["page"] for r in result["rows"] if r["garbled"]]


def test_no_page_loses_its_body(result):
    # median hides disasters: every page must keep most of its article
    assert min(r["f1"] for r in result["rows"]) >= 0.8, sorted((r["f1"], r["page"]) for r in result["rows"])[:3]


def test_list_pages_told_apart(news_pages):
    for path in sorted(news_pages.glob("*/*/*.html")):
        expected = path.parts[-3] == "test_list_page"
        assert is_list_page(path.read_bytes()) is expected, path
