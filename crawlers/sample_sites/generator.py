"""Deterministic generator of the sample web's content, with ground truth for evaluation.

Everything is a pure function of (seed, start time, options) plus the current time ``now``:
historical posts lie before ``start``; live posts appear after it on a fixed schedule (one every
``live_interval`` seconds, plus a burst of angry posts about one issue ``burst_delay`` seconds in);
a post's status moves 未回复 → 办理中 → 已回复 at times fixed when it is generated. So the same seed
and clock always give the same pages, and advancing the clock only adds what was scheduled.

Ground truth per post: ``issue_key`` (district|place|problem; same place + same problem share it),
``duplicate_of`` (the original's URL for exact duplicates and Traditional-Chinese reposts),
``sentiment`` (negative/neutral/positive by how the post was written) and ``pii`` (phone/ID numbers
planted in the text, which downstream must mask).
"""

from __future__ import annotations

import bisect
import itertools
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterator

from yuqing.clock import TZ

from . import corpus as C

BOARD_NAME = "A市领导留言板"
REPOST_NAME = "转载站"
SITE_NAMES = {"city": "A市人民政府", "a3": "A3区人民政府"}
POST_ID_BASE = 360000

STATUS_OPEN, STATUS_ACCEPTED, STATUS_REPLIED = "未回复", "办理中", "已回复"


class _Slots(dict):
    """format_map mapping that leaves unknown slots empty rather than failing."""

    def __missing__(self, key: str) -> str:
        return ""


def _ri(rng: random.Random, a: int, b: int) -> int:
    """randint without randint's overhead: generation speed matters for 80,000-document corpora."""
    return a + int(rng.random() * (b - a + 1))


def _pick(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


def _ordered_sample(rng: random.Random, seq: list, k: int) -> list:
    """k items of seq in their original order: facts and reply sentences keep their narrative order."""
    picked = sorted(rng.sample(range(len(seq)), min(k, len(seq))))
    return [seq[i] for i in picked]


def _fill(template: str, slots: dict) -> str:
    return template.format_map(slots if isinstance(slots, _Slots) else _Slots(slots))


# ----------------------------------------------------------------------------------------- issues

@dataclass
class Issue:
    problem: dict
    district: str
    place: str
    slots: dict  # fixed slot values: place, district, estate, road, company, school, hospital, line

    @property
    def key(self) -> str:
        return f"{self.district}|{self.place or '-'}|{self.problem['key']}"

    @property
    def category(self) -> str:
        return self.problem["category"]


def _estate(rng: random.Random) -> str:
    return rng.choice(C.ESTATE_PREFIX) + rng.choice(C.ESTATE_SUFFIX)


def make_issue(rng: random.Random, problem: dict | None = None, district: str | None = None,
               estate: str | None = None) -> Issue:
    problem = problem or rng.choice(C.PROBLEMS + C.CONSULT_TOPICS)
    district = district or rng.choice(C.DISTRICTS)
    roads = rng.sample(C.ROAD_NAMES, 2)
    hospital_name = rng.choice(C.HOSPITAL_NAMES)
    slots = {
        "district": district,
        "estate": estate or _estate(rng),
        "road": roads[1],
        "company": f"A市{rng.choice(C.COMPANY_PREFIX)}{rng.choice(C.COMPANY_SUFFIX)}",
        "school": f"{rng.choice(C.ESTATE_PREFIX)}{rng.choice(C.SCHOOL_NAMES)}",
        "hospital": (f"{district}{rng.choice(C.ESTATE_PREFIX)}{hospital_name}" if "社区" in hospital_name
                     else f"A市{hospital_name}"),
        "line": str(rng.randint(2, 380)),
    }
    kind = problem.get("place", "none")
    place = {"estate": slots["estate"], "road": roads[0], "company": slots["company"], "school": slots["school"],
             "hospital": slots["hospital"], "none": ""}[kind]
    slots["place"] = place
    return Issue(problem, district, place, slots)


# ------------------------------------------------------------------------------------------ posts

@dataclass
class Post:
    id: int
    title: str
    content: str
    author: str
    region: str
    category: str
    published_at: datetime
    issue_key: str
    kind: str  # complaint | angry | consult | thanks | duplicate | burst
    sentiment: str  # negative | neutral | positive
    views: int
    likes: int
    dislikes: int
    comments: int
    accept_at: datetime | None = None
    reply_at: datetime | None = None
    reply_text: str | None = None
    reply_department: str | None = None
    duplicate_of: int | None = None
    pii: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"/board/post/{self.id}"

    def status(self, now: datetime) -> str:
        if self.reply_at is not None and self.reply_at <= now:
            return STATUS_REPLIED
        if self.accept_at is not None and self.accept_at <= now:
            return STATUS_ACCEPTED
        return STATUS_OPEN

    def reply(self, now: datetime) -> dict | None:
        if self.reply_at is None or self.reply_at > now:
            return None
        return {"text": self.reply_text, "department": self.reply_department, "time": self.reply_at.isoformat()}

    def replies(self, now: datetime) -> int:
        """Reply count as a board shows it: citizens' follow-ups plus the official reply once given."""
        return self.comments + (1 if self.reply_at is not None and self.reply_at <= now else 0)

    def summary(self, base_url: str, now: datetime) -> dict:
        """An item of the board's JSON list API."""
        return {"id": self.id, "title": self.title, "time": self.published_at.isoformat(), "region": self.region,
                "status": self.status(now), "category": self.category, "views": self.views, "likes": self.likes,
                "dislikes": self.dislikes, "replies": self.replies(now), "url": base_url + self.path}

    def detail(self, base_url: str, now: datetime) -> dict:
        """The board's JSON post API."""
        return {**self.summary(base_url, now), "author": self.author, "content": self.content,
                "reply": self.reply(now)}

    def record(self, base_url: str, now: datetime, labels: bool = True) -> dict:
        """The post in the ``yuqing ingest`` JSONL format (plus ground-truth labels)."""
        rec = {"url": base_url + self.path, "source": BOARD_NAME, "kind": "post", "title": self.title,
               "content": self.content, "published_at": self.published_at.isoformat(), "author": self.author,
               "region": self.region, "category": self.category, "status": self.status(now), "views": self.views,
               "likes": self.likes, "dislikes": self.dislikes, "replies": self.replies(now), "reply": self.reply(now)}
        if labels:
            rec.update(issue_key=self.issue_key, sentiment=self.sentiment, pii=list(self.pii),
                       duplicate_of=(f"{base_url}/board/post/{self.duplicate_of}" if self.duplicate_of else None))
        return rec


def _phone(rng: random.Random) -> str:
    return _pick(rng, ["138", "139", "186", "158", "177", "150"]) + "".join(str(_ri(rng, 0, 9)) for _ in range(8))


def _id_number(rng: random.Random) -> str:
    """A fake resident ID number with a valid check digit (so format-aware maskers see a real-looking one)."""
    birth = datetime(_ri(rng, 1950, 2004), _ri(rng, 1, 12), _ri(rng, 1, 28))
    body = _pick(rng, ["430102", "430103", "430104", "430111", "430121"]) + birth.strftime("%Y%m%d") + \
        f"{_ri(rng, 0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    return body + check


def _author(rng: random.Random, issue: Issue) -> str:
    if rng.random() < 0.8:
        return f"U{_ri(rng, 1, 9999999):07d}"
    slots = issue.slots
    return _fill(_pick(rng, C.NICKNAMES), {**slots, "surname": _pick(rng, C.SURNAMES)})


def _post_slots(rng: random.Random, issue: Issue) -> dict:
    slots = _Slots(issue.slots)
    slots.update(n=_ri(rng, 2, 9), m=_ri(rng, 2, 11), money=_pick(rng, [1800, 2600, 3500, 4800, 6000, 8000,
                 12000, 26000, 38000, 150000]), temp=_ri(rng, 9, 15), month=_ri(rng, 1, 12),
                 tens=_ri(rng, 2, 9) * 10, hundreds=_ri(rng, 1, 5) * 100,
                 short=issue.problem["short"], dept=_department(issue))
    return slots


def _department(issue: Issue) -> str:
    dept = issue.problem["dept"]
    # Local matters go to the district's bureau, city-wide ones to the city's.
    if issue.problem.get("place", "none") in ("estate", "road") and dept.endswith("局"):
        return f"{issue.district}{dept}"
    return f"A市{dept}"


def compose(rng: random.Random, issue: Issue, tone: str, pii_rate: float = 0.04) -> tuple[str, str, list[str]]:
    """Write one post about ``issue`` in ``tone`` (angry | complaint | consult | thanks): (title, content, pii)."""
    p = issue.problem
    s = _post_slots(rng, issue)
    pii: list[str] = []
    if tone == "consult" and "body" in p:
        title = _fill(p["title"], s)
        sentences = [_pick(rng, C.OPENINGS), _fill(_pick(rng, C.INTROS), s)]
        sentences += [_fill(b, s) for b in rng.sample(p["body"], _ri(rng, 1, len(p["body"])))]
        sentences.append(_pick(rng, ["谢谢！", "麻烦解答一下，谢谢。", "盼复。", ""]))
    elif tone == "thanks":
        title = _fill(_pick(rng, C.THANK_TITLES), s)
        body = C.THANK_BODY
        sentences = [_pick(rng, ["", "尊敬的领导：", "您好！"]), _fill(body[0], s), _fill(body[1], s)]
        sentences += [_fill(b, s) for b in rng.sample(body[2:], _ri(rng, 2, 4))]
    else:
        title = _fill(_pick(rng, p["titles"]), s)
        if tone == "angry" and rng.random() < 0.4:
            title = _pick(rng, ["强烈投诉：", "紧急求助！", "", "再次反映："]) + title + _pick(rng, ["！", "！！", ""])
        facts = _ordered_sample(rng, p["facts"], _ri(rng, 2, 4))
        sentences = [_pick(rng, C.OPENINGS), _fill(_pick(rng, C.INTROS), s),
                     _fill(_pick(rng, C.TIME_PHRASES), s) + _fill(facts[0], s)]
        sentences += [_fill(f, s) for f in facts[1:]]
        if tone == "angry":
            sentences += rng.sample(C.ANGRY, _ri(rng, 1, 3))
        else:
            sentences.append(_pick(rng, C.MILD))
        sentences.append(_fill(_pick(rng, p["demands"]), s))
        sentences.append(_pick(rng, C.CLOSINGS))
    if rng.random() < pii_rate:
        if rng.random() < 0.6:
            value = _phone(rng)
            sentences.append(_pick(rng, ["我的联系电话：{v}。", "有需要可以打我电话{v}。", "联系人电话{v}"]).format(v=value))
        else:
            value = _id_number(rng)
            sentences.append(_pick(rng, ["本人身份证号：{v}。", "我的身份证号码是{v}，可以核实。"]).format(v=value))
        pii.append(value)
    text = "".join(x for x in sentences if x)
    if rng.random() < 0.05:  # scraped-board artefacts real data carries
        text = "\n\t\t" + text.replace("。", "。\n\t\t", 1)
    return title, text, pii


def _reply_text(rng: random.Random, issue: Issue) -> str:
    s = {"place": issue.place, "district": issue.district, "short": issue.problem["short"]}
    if rng.random() < 0.1:
        return _pick(rng, C.REPLY_TEMPLATE_ONLY)
    if "body" in issue.problem:  # consultations get an answer, not an investigation
        body = [_fill(b, s) for b in _ordered_sample(rng, C.CONSULT_REPLY_BODIES, _ri(rng, 2, 4))]
    else:
        body = [_fill(b, s) for b in _ordered_sample(rng, C.REPLY_BODIES, _ri(rng, 2, 4))]
    return _pick(rng, C.REPLY_OPENINGS) + "".join(body) + _pick(rng, C.REPLY_CLOSINGS)


_TONE_SENTIMENT = {"angry": "negative", "complaint": "negative", "consult": "neutral", "thanks": "positive"}


def _tone_for(rng: random.Random, issue: Issue) -> str:
    if "body" in issue.problem:
        return "consult"
    r = rng.random()
    return "thanks" if r < 0.08 else "angry" if r < 0.45 else "complaint"


def make_post(rng: random.Random, post_id: int, issue: Issue, published: datetime, *, tone: str | None = None,
              reply_delay: tuple[float, float] = (86400, 20 * 86400), answer_rate: float = 0.85,
              pii_rate: float = 0.04) -> Post:
    tone = tone or _tone_for(rng, issue)
    title, content, pii = compose(rng, issue, tone, pii_rate)
    heat = {"angry": 3.0, "complaint": 1.5, "consult": 0.6, "thanks": 0.8}[tone]
    views = int(rng.lognormvariate(5.5, 0.9) * heat)
    post = Post(id=post_id, title=title, content=content, author=_author(rng, issue), region=issue.district,
                category=issue.category, published_at=published, issue_key=issue.key, kind=tone,
                sentiment=_TONE_SENTIMENT[tone], views=views, likes=int(views * rng.uniform(0.01, 0.08) * heat),
                dislikes=int(views * rng.uniform(0.0, 0.01)), comments=_pick(rng, [0, 0, 0, 1, 1, 2, 3, 5, 8]), pii=pii)
    if rng.random() < answer_rate:
        delay = rng.uniform(*reply_delay)
        post.accept_at = published + timedelta(seconds=delay * rng.uniform(0.1, 0.4))
        post.reply_at = published + timedelta(seconds=delay)
        post.reply_text = _pick(rng, C.THANKS_REPLIES) if tone == "thanks" else _reply_text(rng, issue)
        post.reply_department = _department(issue)
    return post


def duplicate_post(rng: random.Random, post_id: int, original: Post, published: datetime) -> Post:
    """An exact duplicate (same title and text) posted again, by the same writer or a copying neighbour."""
    author = original.author if rng.random() < 0.5 else f"U{_ri(rng, 1, 9999999):07d}"
    return Post(id=post_id, title=original.title, content=original.content, author=author, region=original.region,
                category=original.category, published_at=published, issue_key=original.issue_key, kind="duplicate",
                sentiment=original.sentiment, views=_ri(rng, 20, 300), likes=_ri(rng, 0, 10), dislikes=0,
                comments=0, duplicate_of=original.id, pii=list(original.pii))


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


# --------------------------------------------------------------------------------------- timeline

@dataclass
class Snapshot:
    """What the sample web shows at ``now``: posts, articles per site and reposts, newest first."""

    now: datetime
    posts: list[Post]
    articles: dict[str, list[Article]]
    reposts: list[Repost]
    burst_issue_key: str

    def records(self, base_url: str, labels: bool = True) -> list[dict]:
        out = [p.record(base_url, self.now, labels) for p in self.posts]
        out += [a.record(base_url, labels) for site in self.articles.values() for a in site]
        out += [r.record(base_url, labels) for r in self.reposts]
        return out


class Timeline:
    """All content of the sample web for one seed and start time; ``snapshot(now)`` gives what is published."""

    def __init__(self, seed: int = 42, start: datetime | None = None, *, history: int = 600, history_days: int = 60,
                 live: bool = True, live_interval: float = 20.0, burst_delay: float = 60.0, burst_size: int = 30,
                 burst_window: float = 240.0, live_reply_delay: tuple[float, float] = (60.0, 300.0),
                 city_articles: int = 120, a3_articles: int = 60, issues: int | None = None):
        self.seed = seed
        self.start = (start or datetime.now(TZ)).astimezone(TZ).replace(microsecond=0)
        self.live = live
        self.live_interval = float(live_interval)
        self.live_reply_delay = live_reply_delay
        self._lock = threading.Lock()
        self._live_cache: dict[tuple[str, int], Post] = {}

        rng = random.Random(f"{seed}:issues")
        self.issues = [make_issue(rng) for _ in range(issues or max(20, history // 5))]
        # Popular issues get many posts: Zipf-like weights over the issue pool.
        self._issue_cum = list(itertools.accumulate(1.0 / (i + 1) ** 0.8 for i in range(len(self.issues))))
        burst_problem = next(p for p in C.PROBLEMS if p["key"] == "heating")
        self.burst_issue = make_issue(random.Random(f"{seed}:burst-issue"), burst_problem, district="A3区")

        self.history = self._make_history(history, history_days)
        self.reposts_history = self._make_reposts(self.history)

        # Live schedule: regular posts every live_interval seconds, burst posts at fixed offsets.
        brng = random.Random(f"{seed}:burst-times")
        self.burst_times = sorted(burst_delay + brng.uniform(0, burst_window) for _ in range(burst_size)) if live else []
        self._response_offset = burst_delay + burst_window + 120.0
        self.articles = {"city": self._make_articles("city", city_articles, history_days),
                         "a3": self._make_articles("a3", a3_articles, history_days)}
        if self.articles["city"]:
            # One older page declares gb2312 while its bytes are UTF-8 (a trap real crawls meet).
            self.articles["city"][min(2, len(self.articles["city"]) - 1)].charset_trap = True
        self._response = response_article(self.burst_issue, 900000 + seed % 1000,
                                          self.start + timedelta(seconds=self._response_offset)) if live else None

    # -- history
    def _make_history(self, n: int, days: int) -> list[Post]:
        rng = random.Random(f"{self.seed}:history")
        span = days * 86400
        times = sorted(rng.uniform(600, span) for _ in range(n))
        published = [self.start - timedelta(seconds=int(t)) for t in reversed(times)]  # oldest first
        posts: list[Post] = []
        for i, when in enumerate(published):
            if posts and rng.random() < 0.03:
                posts.append(duplicate_post(rng, POST_ID_BASE + i, rng.choice(posts[-40:]),
                                            when))
                continue
            issue = rng.choices(self.issues, cum_weights=self._issue_cum)[0]
            posts.append(make_post(rng, POST_ID_BASE + i, issue, when))
        return posts

    def _make_reposts(self, posts: list[Post]) -> list[Repost]:
        rng = random.Random(f"{self.seed}:reposts")
        out = []
        for post in posts:
            if post.kind in ("angry", "complaint") and rng.random() < 0.05:
                out.append(make_repost(rng, post, post.published_at + timedelta(hours=rng.uniform(1, 48))))
        return out

    def _make_articles(self, site: str, n: int, days: int) -> list[Article]:
        rng = random.Random(f"{self.seed}:articles:{site}")
        times = sorted((rng.uniform(3600, days * 86400) for _ in range(n)), reverse=True)
        out = []
        for i, t in enumerate(times):  # oldest first
            when = (self.start - timedelta(seconds=int(t))).replace(second=0)
            when = when.replace(hour=rng.choice([8, 9, 10, 11, 14, 15, 16, 17]))
            out.append(make_article(rng, site, 100000 + i * 13 + rng.randint(0, 12), when))
        out.sort(key=lambda a: (a.published_at, a.num))
        return out

    # -- live
    def _live_id(self, kind: str, index: int) -> int:
        """Ids rise with publication time across both live schedules, so they never change as time passes."""
        if kind == "live":
            t = index * self.live_interval
            rank = (index - 1) + bisect.bisect_left(self.burst_times, t)
        else:
            t = self.burst_times[index]
            rank = index + int(t // self.live_interval)  # regular posts at or before t come first
        return POST_ID_BASE + len(self.history) + rank

    def _live_post(self, kind: str, index: int) -> Post:
        key = (kind, index)
        post = self._live_cache.get(key)
        if post is not None:
            return post
        rng = random.Random(f"{self.seed}:{kind}:{index}")
        if kind == "live":
            when = self.start + timedelta(seconds=index * self.live_interval)
            if self.history and rng.random() < 0.05:
                post = duplicate_post(rng, self._live_id(kind, index), rng.choice(self.history[-50:]), when)
            else:
                issue = rng.choices(self.issues, cum_weights=self._issue_cum)[0]
                post = make_post(rng, self._live_id(kind, index), issue, when, reply_delay=self.live_reply_delay)
        else:
            when = self.start + timedelta(seconds=self.burst_times[index])
            tone = "angry" if rng.random() < 0.8 else "complaint"
            post = make_post(rng, self._live_id(kind, index), self.burst_issue, when, tone=tone,
                             reply_delay=(self.live_reply_delay[1] * 2, self.live_reply_delay[1] * 4),
                             answer_rate=0.6)
            post.kind = "burst"
            post.author = f"U{rng.randint(1, 9999999):07d}"  # each resident writes once
        with self._lock:
            self._live_cache[key] = post
        return post

    def live_posts(self, now: datetime) -> list[Post]:
        if not self.live or now <= self.start:
            return []
        elapsed = (now - self.start).total_seconds()
        posts = [self._live_post("live", k) for k in range(1, int(elapsed // self.live_interval) + 1)]
        posts += [self._live_post("burst", j) for j, t in enumerate(self.burst_times) if t <= elapsed]
        return posts

    # -- snapshot
    def snapshot(self, now: datetime | None = None) -> Snapshot:
        now = (now or datetime.now(TZ)).astimezone(TZ)
        posts = [p for p in self.history if p.published_at <= now] + self.live_posts(now)
        posts.sort(key=lambda p: (p.published_at, p.id), reverse=True)
        reposts = [r for r in self.reposts_history if r.published_at <= now]
        if self.live:
            # The first few burst posts are picked up by the 转载站 ninety seconds later.
            for j in range(min(3, len(self.burst_times))):
                post = self._live_post("burst", j)
                when = post.published_at + timedelta(seconds=90)
                if when <= now:
                    reposts.append(make_repost(random.Random(f"{self.seed}:burst-repost:{j}"), post, when))
        reposts.sort(key=lambda r: (r.published_at, r.original_id), reverse=True)
        articles = {}
        for site, items in self.articles.items():
            visible = [a for a in items if a.published_at <= now]
            if site == "city" and self._response is not None and self._response.published_at <= now:
                visible.append(self._response)
            articles[site] = sorted(visible, key=lambda a: (a.published_at, a.num), reverse=True)
        return Snapshot(now=now, posts=posts, articles=articles, reposts=reposts, burst_issue_key=self.burst_issue.key)

    def post(self, post_id: int, now: datetime) -> Post | None:
        """A single published post by id, without building a whole snapshot."""
        i = post_id - POST_ID_BASE
        if 0 <= i < len(self.history):
            p = self.history[i]
            return p if p.published_at <= now else None
        for p in self.live_posts(now):
            if p.id == post_id:
                return p
        return None


def generate(seed: int = 42, now: datetime | None = None, *, start: datetime | None = None, **options: Any) -> Snapshot:
    """Everything the sample web shows at ``now`` (default: ``start``, i.e. history only), with ground truth."""
    timeline = Timeline(seed, start or now, **options)
    return timeline.snapshot(now or timeline.start)


# ------------------------------------------------------------------------------------ bulk corpora

def generate_posts(seed: int = 42, n: int = 1000, start: datetime | None = None, *, days: float = 365.0,
                   base_url: str = "http://127.0.0.1:8600", labels: bool = True, duplicate_rate: float = 0.03,
                   repost_rate: float = 0.03, bursts: int | None = None, issues: int | None = None,
                   now: datetime | None = None) -> list[dict]:
    """``n`` labelled records in the ``yuqing ingest`` JSONL format, oldest first, fast (one random stream).

    Mostly board posts; ``duplicate_rate`` exact duplicates and ``repost_rate`` Traditional-Chinese reposts
    (source 转载站) carry ``duplicate_of``; ``bursts`` (default n // 2500, at least one) groups of 20–40
    posts about one issue arrive within ten minutes. Replies are included if given by ``now`` (default: all).
    """
    return list(iter_posts(seed, n, start, days=days, base_url=base_url, labels=labels, duplicate_rate=duplicate_rate,
                           repost_rate=repost_rate, bursts=bursts, issues=issues, now=now))


def iter_posts(seed: int = 42, n: int = 1000, start: datetime | None = None, *, days: float = 365.0,
               base_url: str = "http://127.0.0.1:8600", labels: bool = True, duplicate_rate: float = 0.03,
               repost_rate: float = 0.03, bursts: int | None = None, issues: int | None = None,
               now: datetime | None = None) -> Iterator[dict]:
    if n < 0:
        raise ValueError(f"文档数 n 不能为负数：{n}")
    start = (start or datetime(2024, 1, 1, 8, 0, tzinfo=TZ)).astimezone(TZ)
    rng = random.Random(f"{seed}:corpus")
    pool = [make_issue(rng) for _ in range(issues or max(20, n // 6))]
    cum = list(itertools.accumulate(1.0 / (i + 1) ** 0.8 for i in range(len(pool))))
    bursts = max(1, n // 2500) if bursts is None else bursts
    burst_at = set(rng.sample(range(n), min(bursts, n))) if n else set()
    mean_gap = days * 86400 / max(n, 1)
    far_future = datetime.max.replace(tzinfo=TZ)
    as_of = now or far_future
    t = start
    recent: list[Post] = []
    reposted: set[int] = set()
    emitted = 0
    pid = POST_ID_BASE
    while emitted < n:
        t += timedelta(seconds=round(rng.expovariate(1 / mean_gap)) + 1)
        r = rng.random()
        if emitted in burst_at:
            issue = make_issue(rng, rng.choice([p for p in C.PROBLEMS if p.get("place") == "estate"]))
            when = t
            for _ in range(min(rng.randint(20, 40), n - emitted)):
                when += timedelta(seconds=rng.randint(3, 25))
                post = make_post(rng, pid, issue, when, tone="angry" if rng.random() < 0.8 else "complaint")
                post.kind = "burst"
                pid += 1
                emitted += 1
                recent.append(post)
                yield post.record(base_url, as_of, labels)
            t = when
        elif recent and r < duplicate_rate:
            post = duplicate_post(rng, pid, rng.choice(recent[-200:]), t)
            pid += 1
            emitted += 1
            yield post.record(base_url, as_of, labels)
        elif recent and r < duplicate_rate + repost_rate and (original := rng.choice(recent[-200:])).id not in reposted:
            reposted.add(original.id)  # one repost page per original: its URL is derived from the original's id
            emitted += 1
            yield make_repost(rng, original, t).record(base_url, labels)
        else:
            post = make_post(rng, pid, rng.choices(pool, cum_weights=cum)[0], t)
            pid += 1
            emitted += 1
            recent.append(post)
            if len(recent) > 400:
                del recent[:200]
            yield post.record(base_url, as_of, labels)
