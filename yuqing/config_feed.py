"""``feed = { … }`` of a ``type = "feed"`` source (issue 19): how its items are read.

``format`` names the item format: ``plain`` (an ordinary RSS/Atom feed: each entry's page is fetched and extracted),
one of RSSHub's route formats (``rsshub-weibo`` …: the document is built from the item itself, see
``yuqing.crawlers.spiders.rsshub``), or ``auto`` (the default: RSSHub formats are recognised by the feed's
``<generator>RSSHub</generator>`` and channel link, anything else is ``plain``). ``verified`` / ``official`` say what
the office knows about the account a route follows (RSSHub's feeds carry no such flag).

Kernel module: imports only the checker.
"""

from __future__ import annotations

from typing import Any

from yuqing.checker import Checker

#: Chinese names of the formats, as ``yuqing sources`` and the error messages show them.
FEED_FORMAT_LABELS = {
    "auto": "自动识别", "plain": "普通 RSS/Atom（抓取原文页）",
    "rsshub-weibo": "RSSHub 微博（博主/关键词）", "rsshub-weibo-hot": "RSSHub 微博热搜",
    "rsshub-wechat": "RSSHub 微信公众号", "rsshub-zhihu": "RSSHub 知乎", "rsshub-toutiao": "RSSHub 今日头条",
    "rsshub-bilibili": "RSSHub B站", "rsshub-douyin": "RSSHub 抖音", "rsshub-gov": "RSSHub 政府网站",
    "rsshub": "RSSHub 其他路由（通用）",
}
FEED_FORMATS = tuple(FEED_FORMAT_LABELS)


def parse_feed_options(c: Checker) -> dict[str, Any]:
    """The checked ``feed`` table: ``{"format", "verified", "official"}``."""
    c.reject_unknown({"format", "verified", "official"})
    fmt = c.get("format", str, "auto")
    if fmt not in FEED_FORMATS:
        raise c.fail("format", f"「{fmt}」不是订阅源格式，可选：{'、'.join(FEED_FORMATS)}")
    return {"format": fmt, "verified": c.get("verified", bool, False), "official": c.get("official", bool, False)}
