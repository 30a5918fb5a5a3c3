"""Issues and board posts of the generated sample web: who writes about what, in which tone, and the reply.

Ground truth per post: ``issue_key`` (district|place|problem; same place + same problem share it),
``duplicate_of`` (the original's URL for exact duplicates and Traditional-Chinese reposts),
``sentiment`` (negative/neutral/positive by how the post was written) and ``pii`` (phone/ID numbers
planted in the text, which downstream must mask).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import corpus as C
from .problems import CONSULT_TOPICS, PROBLEMS


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
    problem = problem or rng.choice(PROBLEMS + CONSULT_TOPICS)
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

