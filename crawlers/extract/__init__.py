"""Generic article extraction for crawled Chinese news and government pages.

Public API:
    decode_html(body, declared=None) -> (text, encoding)
    extract_article(html, url=None) -> {"title", "published_at", "author", "source", "content"}
    is_list_page(html, url=None) -> bool
    article_links(html, base_url) -> list[str]
    next_page_links(html, base_url) -> list[str]
"""

from .article import extract_article
from .charset import decode_html

__all__ = ["decode_html", "extract_article"]

from .links import article_links, is_list_page, next_page_links  # noqa: E402

__all__ += ["article_links", "is_list_page", "next_page_links"]
