"""What spiders yield: one item per article or board post, turned into a :class:`yuqing.model.Document` by the
store pipeline. Fields mirror the domain model; ``reply_*`` carry the official reply of a board post."""

from __future__ import annotations

import scrapy


class DocumentItem(scrapy.Item):
    url = scrapy.Field()  # the page a reader would open; its sha256 is the document id
    source = scrapy.Field()  # configured source name
    kind = scrapy.Field()  # article | post
    title = scrapy.Field()
    content = scrapy.Field()
    html = scrapy.Field()  # raw HTML/JSON as fetched (decoded), kept so processing can be re-run
    published_at = scrapy.Field()  # datetime or ISO 8601 text
    author = scrapy.Field()  # raw; masking happens at display
    region = scrapy.Field()
    category = scrapy.Field()
    status = scrapy.Field()
    views = scrapy.Field()
    likes = scrapy.Field()
    dislikes = scrapy.Field()
    replies = scrapy.Field()
    reply_text = scrapy.Field()
    reply_department = scrapy.Field()
    reply_time = scrapy.Field()
    # Shares and the author's account (issue 19; yuqing.social.social_fields checks them).
    reposts = scrapy.Field()
    author_id = scrapy.Field()
    author_verified = scrapy.Field()
    author_official = scrapy.Field()
    author_followers = scrapy.Field()
    repost_of = scrapy.Field()
