"""Reposts (Traditional-Chinese copies on a spam 转载站) and government news articles of the generated sample web."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import datetime

from . import corpus as C
from .posts import REPOST_NAME, SITE_NAMES, Issue, Post, _fill


# ---------------------------------------------------------------------------------------- reposts

_OPENCC = None
_OPENCC_LOCK = threading.Lock()


def to_traditional(text: str) -> str:
    global _OPENCC
    with _OPENCC_LOCK:
        if _OPENCC is None:
            import opencc
            _OPENCC = opencc.OpenCC("s2t")
        return _OPENCC.convert(text)


def annotate_pinyin(rng: random.Random, text: str, limit: int = 4) -> str:
    """Add 發(fā)-style pinyin after up to ``limit`` characters that have a known reading."""
    out, added = [], 0
    for ch in text:
        out.append(ch)
        if added < limit and ch in C.PINYIN and rng.random() < 0.5:
            out.append(f"({C.PINYIN[ch]})")
            added += 1
    return "".join(out)


@dataclass
class Repost:
    """A Traditional-Chinese copy of a board post on a spam 转载站, with a link farm appended on the page."""

    original_id: int
    title: str
    content: str
    published_at: datetime
    issue_key: str
    category: str
    region: str
    sentiment: str
    spam: list[str]
    pii: list[str]

    @property
    def path(self) -> str:
        return f"/repost/a/{self.original_id}.html"

    def record(self, base_url: str, labels: bool = True) -> dict:
        spam = "相關推薦：" + " ".join(self.spam)
        rec = {"url": base_url + self.path, "source": REPOST_NAME, "kind": "article", "title": self.title,
               "content": self.content + "\n" + spam, "published_at": self.published_at.isoformat(),
               "author": None, "region": self.region, "category": self.category, "status": None, "views": 0,
               "likes": 0, "dislikes": 0, "replies": 0, "reply": None}
        if labels:
            rec.update(issue_key=self.issue_key, sentiment=self.sentiment, pii=list(self.pii),
                       duplicate_of=f"{base_url}/board/post/{self.original_id}")
        return rec


def make_repost(rng: random.Random, post: Post, published: datetime) -> Repost:
    content = annotate_pinyin(rng, to_traditional(post.content))
    return Repost(original_id=post.id, title=to_traditional(post.title), content=content, published_at=published,
                  issue_key=post.issue_key, category=post.category, region=post.region, sentiment=post.sentiment,
                  spam=rng.sample(C.SPAM_LINKS, 5), pii=list(post.pii))


# --------------------------------------------------------------------------------------- articles

@dataclass
class Article:
    site: str  # city | a3
    num: int
    title: str
    paragraphs: list[str]
    published_at: datetime
    source: str  # 来源 line
    issue_key: str | None = None
    charset_trap: bool = False  # page declares gb2312 but its bytes are UTF-8

    @property
    def path(self) -> str:
        prefix = "" if self.site == "city" else "/a3"
        d = self.published_at
        return f"{prefix}/news/{d:%Y}/{d:%m}/t{d:%Y%m%d}_{self.num}.html"

    def record(self, base_url: str, labels: bool = True) -> dict:
        rec = {"url": base_url + self.path, "source": SITE_NAMES[self.site], "kind": "article", "title": self.title,
               "content": "\n".join(self.paragraphs), "published_at": self.published_at.isoformat(),
               "author": self.source, "region": "A市" if self.site == "city" else "A3区", "category": None,
               "status": None, "views": 0, "likes": 0, "dislikes": 0, "replies": 0, "reply": None}
        if labels:
            rec.update(issue_key=self.issue_key, sentiment="neutral", pii=[], duplicate_of=None,
                       charset_trap=self.charset_trap)
        return rec


_OFFICIALS = [s + g for s in "王李张刘陈杨黄赵周吴" for g in ("建华", "志明", "卫国", "红", "立新", "晓东")]


def make_article(rng: random.Random, site: str, num: int, published: datetime) -> Article:
    topic = rng.choice(C.NEWS_TOPICS)
    campaign, campaign_short, campaign_dept = rng.choice(C.CAMPAIGNS)
    dept = campaign_dept if "{campaign}" in topic["title"] else topic["dept"]
    district = "A3区" if site == "a3" else rng.choice(C.DISTRICTS)
    s = {"city": "A市", "district": district, "dept": f"A市{dept}", "name": rng.choice(_OFFICIALS),
         "n": rng.randint(3, 12), "n2": rng.randint(1200, 68000), "pct": rng.randint(93, 99),
         "year": published.year, "month": published.month, "campaign": campaign, "campaign_short": campaign_short,
         "date": f"{published.month}月{published.day}日"}
    if site == "a3":
        s["city"] = "A3区"
        s["dept"] = f"A3区{dept}"
    title = _fill(topic["title"], s)
    dept_short = s["dept"].replace("人力资源和社会保障局", "人社局").replace("住房和城乡建设局", "住建局")
    return Article(site=site, num=num, title=title, paragraphs=[_fill(p, s) for p in topic["paras"]],
                   published_at=published, source=rng.choice([dept_short, C.NEWS_SOURCES["city" if site == "city"
                                                                                            else "district"]]))


def response_article(issue: Issue, num: int, published: datetime) -> Article:
    """The city's official response to the burst: what a good 回应 looks like, tied to the burst's issue."""
    s = issue.slots
    short = issue.problem["short"]
    paras = [f"近日，有网友在A市领导留言板反映{s['district']}{issue.place}{short}问题，引发关注。",
             f"{s['district']}人民政府高度重视，第一时间组织住建、街道等部门赴现场核查，逐户了解情况。",
             "经查，问题主要由供热管网老化、压力不足造成。目前已对主管网进行抢修，并安排专人每日入户测温。",
             "对供暖不达标期间的供暖费，将依规予以核减。下一步，将举一反三，全面排查辖区供热设施。",
             "欢迎广大市民继续监督，有问题可拨打12345热线反映。"]
    return Article(site="city", num=num, title=f"关于{s['district']}{issue.place}{short}问题的情况通报", paragraphs=paras,
                   published_at=published, source=f"{s['district']}人民政府办公室", issue_key=issue.key)

