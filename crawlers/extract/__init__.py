"""Generic article extraction for crawled Chinese news and government pages.

Public API:
    decode_html(body, declared=None) -> (text, encoding)
    extract_article(html, url=None) -> {"title", "published_at", "author", "source", "content"}
    extract_article_page(html, url=None) -> ArticlePage (.lines, .h1 now; .article on first use; one parse)
    is_list_page(html, url=None) -> bool
    article_links(html, base_url) -> list[str]
    next_page_links(html, base_url) -> list[str]
    list_page_links(html, base_url) -> (article_links, next_page_links)          # one parse for both
"""

from .article import ArticlePage, extract_article, extract_article_page
from .charset import decode_html

__all__ = ["ArticlePage", "decode_html", "extract_article", "extract_article_page"]

from .links import article_links, is_list_page, list_page_links, next_page_links  # noqa: E402

__all__ += ["article_links", "is_list_page", "list_page_links", "next_page_links"]
