"""RSSHub-style feeds of the sample web (issue 19): one feed per route, each item written the way that RSSHub
route writes it (see ``yuqing.crawlers.spiders.rsshub`` for the route files read), from the sample timeline, so the
feeds are deterministic for a seed and move with its clock.

``/rsshub/weibo/user/1001/readable=1`` (A市发布's reposts, quote block with the 原博 link),
``/rsshub/weibo/keyword/A市`` (everyone's posts, author before text and title, quote without the original's link),
``/rsshub/weibo/search/hot``, ``/rsshub/wechat/mp/homepage/…``, ``/rsshub/zhihu/hot``, ``/rsshub/toutiao/user/token/…``,
``/rsshub/bilibili/user/video/…``, ``/rsshub/douyin/user/…`` and ``/rsshub/gov/zhengce/zuixin``. Faults: an empty feed
(``/rsshub/weibo/user/0``, as RSSHub answers when 微博 refuses it) and a 503 (``/rsshub/503/weibo/keyword/A市``).
``bump()`` moves the engagement counts on, as time would; ``expected(name)`` is the ground truth of a route.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape as xml_escape

if TYPE_CHECKING:  # pragma: no cover
    from .server import Handler, SampleSites

RFC822 = "%a, %d %b %Y %H:%M:%S %z"
LIMIT = 20
WECHAT_NAME, TOUTIAO_NAME, BILIBILI_NAME, DOUYIN_NAME = "A市发布", "A市日报", "A市融媒", "A市文旅"
DOUYIN_UID = "MS4wLjABAAAAsample"
#: source name → (route path, feed format, options the office would configure).
ROUTES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "rsshub_weibo_user": ("/rsshub/weibo/user/1001/readable=1", "rsshub-weibo", {"verified": True, "official": True}),
    "rsshub_weibo_keyword": ("/rsshub/weibo/keyword/A市", "rsshub-weibo", {}),
    "rsshub_weibo_hot": ("/rsshub/weibo/search/hot", "rsshub-weibo-hot", {}),
    "rsshub_wechat": ("/rsshub/wechat/mp/homepage/MzA3MDM3NjE5NQ==/16", "rsshub-wechat", {"verified": True}),
    "rsshub_zhihu": ("/rsshub/zhihu/hot", "rsshub-zhihu", {}),
    "rsshub_toutiao": ("/rsshub/toutiao/user/token/MS4wLjABAAAAtoutiao", "rsshub-toutiao", {}),
    "rsshub_bilibili": ("/rsshub/bilibili/user/video/2267573", "rsshub-bilibili", {}),
    "rsshub_douyin": (f"/rsshub/douyin/user/{DOUYIN_UID}", "rsshub-douyin", {}),
    "rsshub_gov": ("/rsshub/gov/zhengce/zuixin", "rsshub-gov", {}),
}
FAULT_ROUTES = {"rsshub_empty": "/rsshub/weibo/user/0", "rsshub_503": "/rsshub/503/weibo/keyword/A市"}


def _n(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _bid(mid: str) -> str:
    """A 微博 bid-like id (base 62 of the mid)."""
    digits, n, out = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", int(mid), ""
    while n:
        n, r = divmod(n, 62)
        out = digits[r] + out
    return out or "0"


class RsshubFeeds:
    def __init__(self, app: "SampleSites"):
        self.app = app
        self.tick = 0  # bump(): engagement grows between passes

    def bump(self) -> None:
        self.tick += 1

    def urls(self) -> dict[str, list[str]]:
        b = self.app.base_url
        return {name: [b + quote(path, safe="/=")] for name, (path, _f, _o) in ROUTES.items()} | \
               {name: [b + quote(path, safe="/=")] for name, path in FAULT_ROUTES.items()}

    # -- the routes' items -------------------------------------------------------------------------------------
    def _weibo(self, status: dict[str, Any], *, readable: bool, author_in_desc: bool) -> dict[str, Any]:
        """One status as weibo/utils.ts formatExtended writes it."""
        user = status["user"]
        uid, bid = user["idstr"], _bid(status["mid"])
        text = escape(status["text"]).replace("\n", "<br>")
        desc = (f'<a href="https://weibo.com/{uid}" target="_blank">{escape(user["screen_name"])}</a>:&ensp;'
                if author_in_desc else "") + text
        title = (f'{user["screen_name"]}: ' if author_in_desc else "") + status["text"].replace("\n", " ")
        desc += f'<img style="" src="https://wx1.sinaimg.cn/large/{bid}.jpg">' if _n(bid) % 3 == 0 else ""
        rt = status.get("retweeted_status")
        if rt:
            ru = rt["user"]
            quoted = (f'<a href="https://weibo.com/{ru["idstr"]}" target="_blank">@{escape(ru["screen_name"])}</a>:&ensp;'
                      f'{escape(rt["text"])}')
            if readable:
                desc += ('<br clear="both" /><div style="clear: both"></div><blockquote style="background: #80808010;">'
                         f'{quoted}<br><small>原博：<a href="https://weibo.com/{ru["idstr"]}/{_bid(rt["mid"])}" '
                         f'target="_blank" rel="noopener noreferrer">https://weibo.com/{ru["idstr"]}/{_bid(rt["mid"])}'
                         '</a></small><br clear="both" /><div style="clear: both"></div></blockquote>')
            else:
                desc += f"<br><blockquote> - 转发 {quoted}</blockquote>"
            title += f' - 转发 @{ru["screen_name"]}: {rt["text"]}'
        return {"title": title, "description": desc, "link": f"https://weibo.com/{uid}/{bid}",
                "pubDate": datetime.strptime(status["created_at"], "%a %b %d %H:%M:%S %z %Y"),
                "author": user["screen_name"], "stats": self._stats(status)}

    def _stats(self, status: dict[str, Any]) -> dict[str, int]:
        grow = self.tick * (1 + int(status["mid"]) % 7)
        return {"reposts_count": status["reposts_count"] + grow, "comments_count": status["comments_count"] + grow,
                "attitudes_count": status["attitudes_count"] + 3 * grow}

    def _statuses(self) -> list[dict[str, Any]]:
        return self.app.social.statuses(self.app.now())

    def channel(self, name: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
        """The feed of a route: channel (title, link) and items."""
        snap = self.app.snapshot()
        posts, articles = snap.posts[:LIMIT], snap.articles["city"][:LIMIT]
        if name == "rsshub_weibo_user":
            items = [self._weibo(s, readable=True, author_in_desc=False) for s in self._statuses()
                     if s["user"]["id"] == 1001][:LIMIT]
            return {"title": "A市发布的微博", "link": "https://weibo.com/1001/"}, items
        if name == "rsshub_weibo_keyword":
            items = [self._weibo(s, readable=False, author_in_desc=True) for s in self._statuses()[:LIMIT]]
            return {"title": "又有人在微博提到A市了", "link": "http://s.weibo.com/weibo/A%E5%B8%82&b=1&nodup=1"}, items
        if name == "rsshub_weibo_hot":
            return {"title": "微博热搜榜", "link": "https://s.weibo.com/top/summary?cate=realtimehot"}, [
                {"title": p.title, "description": p.title,
                 "link": f"https://m.weibo.cn/search?containerid=100103type%3D1%26q%3D{quote(p.title)}"} for p in posts[:10]]
        if name == "rsshub_wechat":
            return {"title": f"{WECHAT_NAME}|政务动态", "link": "https://mp.weixin.qq.com/mp/homepage?__biz=MzA3MDM3NjE5NQ==&hid=16"}, [
                {"title": a.title, "link": f"https://mp.weixin.qq.com/s/{_n(a.path):08x}", "author": WECHAT_NAME,
                 "pubDate": a.published_at,
                 "description": f"\n{escape(a.paragraphs[0][:60])}<br>\n<img style=\"max-width: 650px\" src=\"https://mmbiz.qpic.cn/{a.num}.jpg\"><br>\n<br>\n"
                                + "".join(f"<p>{escape(x)}</p>" for x in a.paragraphs)} for a in articles]
        if name == "rsshub_zhihu":
            return {"title": "知乎热榜 - 全站", "link": "https://www.zhihu.com/hot?list=total"}, [
                {"title": f"如何看待{p.title}？", "link": f"https://www.zhihu.com/question/{p.id}", "pubDate": p.published_at,
                 "description": f"<p>{escape(p.content[:100])}</p>"} for p in posts]
        if name == "rsshub_toutiao":
            return {"title": f"{TOUTIAO_NAME}的头条主页 - 今日头条(www.toutiao.com)",
                    "link": "https://www.toutiao.com/c/user/token/MS4wLjABAAAAtoutiao/"}, [
                {"title": a.title, "link": f"https://www.toutiao.com/article/{7_300_000_000 + _n(a.path) % 10**9}/",
                 "pubDate": a.published_at, "author": TOUTIAO_NAME, "description": escape(a.paragraphs[0])} for a in articles]
        if name == "rsshub_bilibili":
            return {"title": f"{BILIBILI_NAME} 的 bilibili 空间", "link": "https://space.bilibili.com/2267573"}, [
                {"title": p.title, "link": f"https://www.bilibili.com/video/BV1{_n(str(p.id)):09d}", "author": BILIBILI_NAME,
                 "pubDate": p.published_at,
                 "description": f'<iframe width="640" height="360" src="https://www.bilibili.com/blackboard/html5mobileplayer.html?aid={p.id}" '
                                f'frameborder="0" allowfullscreen></iframe><br><img src="https://i0.hdslb.com/{p.id}.jpg"><br>{escape(p.content)}'}
                for p in posts]
        if name == "rsshub_douyin":
            return {"title": DOUYIN_NAME, "link": f"https://www.douyin.com/user/{DOUYIN_UID}"}, [
                {"title": p.title, "link": f"https://www.douyin.com/video/{7_000_000_000_000 + p.id}", "pubDate": p.published_at,
                 "description": f'<p>{escape(p.title)}<br>{escape(p.content[:80])}</p><img src="https://p3.douyinpic.com/{p.id}.jpeg">',
                 "category": [p.category]} for p in posts]
        if name == "rsshub_gov":
            return {"title": "中国政府网 - 最新政策", "link": "https://www.gov.cn/zhengce/zuixin/"}, [
                {"title": a.title, "link": f"https://www.gov.cn/zhengce/content/{a.published_at:%Y%m}/content_{a.num}.htm",
                 "pubDate": a.published_at, "author": f"A市人民政府办公室/{a.source}",
                 "description": "".join(f"<p>{escape(x)}</p>" for x in a.paragraphs)} for a in articles]
        if name == "rsshub_empty":
            return {"title": "的微博", "link": "https://weibo.com/0/"}, []
        raise KeyError(name)

    # -- serving and ground truth ------------------------------------------------------------------------------
    def render(self, name: str) -> str:
        channel, items = self.channel(name)
        return _rss(channel, items, self.app.now())

    def handle(self, h: "Handler", path: str) -> None:
        path = unquote(path)
        if path == FAULT_ROUTES["rsshub_503"]:
            return h.send_body(503, "Error message: 服务暂时不可用 (RSSHub)".encode(), "text/plain; charset=utf-8")
        name = next((n for n, p in [*((n, r[0]) for n, r in ROUTES.items()), ("rsshub_empty", FAULT_ROUTES["rsshub_empty"])]
                     if p == path), None)
        if name is None:
            return h.send_error_page(404)
        return h.send_body(200, self.render(name).encode("utf-8"), "application/xml; charset=utf-8")

    def expected(self, name: str) -> list[dict[str, Any]]:
        """What a crawl must store from a route: one record per item, in document terms."""
        fmt, options = ROUTES[name][1], ROUTES[name][2]
        _channel, items = self.channel(name)
        if name in ("rsshub_weibo_user", "rsshub_weibo_keyword"):
            statuses = [s for s in self._statuses() if name == "rsshub_weibo_keyword" or s["user"]["id"] == 1001][:LIMIT]
        else:
            statuses = [None] * len(items)
        out = []
        for item, status in zip(items, statuses):
            rec = {"url": item["link"], "author": item.get("author"), "author_id": None, "reposts": 0, "replies": 0,
                   "likes": 0, "repost_of": None, "verified": bool(options.get("verified")),
                   "official": bool(options.get("official")) or fmt == "rsshub-gov"}
            if status is not None:
                rt = status.get("retweeted_status")
                stats = self._stats(status)
                rec.update(author_id=status["user"]["idstr"], reposts=stats["reposts_count"],
                           replies=stats["comments_count"], likes=stats["attitudes_count"],
                           repost_of=f"https://weibo.com/{rt['user']['idstr']}/{_bid(rt['mid'])}"
                           if rt and name == "rsshub_weibo_user" else None)  # only readable=1 links the original
            if fmt == "rsshub-douyin":
                rec["author"] = DOUYIN_NAME
            if rec["url"] not in {r["url"] for r in out}:  # a topic on the 热搜 list twice is one document
                out.append(rec)
        return out


def _rss(channel: dict[str, str], items: list[dict[str, Any]], now: datetime) -> str:
    """lib/views/rss.tsx's layout (``<stats>`` as the versions that have it write it)."""
    def one(i: dict[str, Any]) -> str:
        parts = [f"<title>{xml_escape(i['title'])}</title>", f"<description>{xml_escape(i['description'])}</description>",
                 f"<link>{xml_escape(i['link'])}</link>", f'<guid isPermaLink="false">{xml_escape(i["link"])}</guid>']
        if i.get("pubDate"):
            parts.append(f"<pubDate>{i['pubDate'].strftime(RFC822)}</pubDate>")
        if i.get("author"):
            parts.append(f"<author>{xml_escape(i['author'])}</author>")
        parts += [f"<category>{xml_escape(c)}</category>" for c in i.get("category", [])]
        if i.get("stats"):
            parts.append("<stats>" + "".join(f"<{k}>{v}</{k}>" for k, v in i["stats"].items()) + "</stats>")
        return "<item>" + "".join(parts) + "</item>"
    fmt: Callable[[datetime], str] = lambda d: d.strftime(RFC822)  # noqa: E731
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">'
            f"<channel><title>{xml_escape(channel['title'])}</title><link>{xml_escape(channel['link'])}</link>"
            f"<description>{xml_escape(channel['title'])} - Powered by RSSHub</description><generator>RSSHub</generator>"
            f"<webMaster>contact@rsshub.app (RSSHub)</webMaster><language>zh-cn</language>"
            f"<lastBuildDate>{fmt(now)}</lastBuildDate><ttl>5</ttl>\n" + "\n".join(one(i) for i in items)
            + "\n</channel></rss>\n")
