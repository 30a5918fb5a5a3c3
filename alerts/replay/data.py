"""The replay's data side: the shared real board posts as :class:`Message` s, the known issues derived from them
(:func:`derive_issues`) and their bursts (:func:`find_bursts`). Depends only on the data, never on the code under test."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time as dtime, timedelta
from pathlib import Path
from typing import Any

from yuqing.clock import TZ


SOURCE = "a_city_board"
TICK_AT = dtime(18, 0)
ISSUE_GAP_DAYS = 30
ISSUE_MIN_POSTS = 2
BURST_WINDOW_DAYS = 7
BURST_BASELINE_DAYS = 30
BURST_MIN_POSTS = 2
BURST_FACTOR = 3.0
FILES = ("messages_with_replies.csv", "labeled_raw.csv")


# -- the data ------------------------------------------------------------------------------------------------------
@dataclass
class Message:
    number: str  # 留言编号
    file: str
    user: str
    title: str
    content: str
    posted: datetime
    reply_text: str | None = None
    reply_time: datetime | None = None
    label: str | None = None  # 一级标签 (labeled_raw.csv)
    likes: int | None = None  # only when the CSV has a 点赞数 column

    @property
    def doc_id(self) -> str:
        return f"gov-{self.number}"

    def record(self, *, with_reply: bool) -> dict[str, Any]:
        """The ``yuqing ingest`` record a board crawler would produce for this post (reply included or not)."""
        out: dict[str, Any] = {
            "id": self.doc_id, "source": SOURCE, "kind": "post", "title": self.title, "content": self.content,
            "author": self.user, "published_at": self.posted.isoformat(),
        }
        if self.likes is not None:
            out["likes"] = self.likes
        if with_reply and self.reply_text:
            out["reply"] = {"text": self.reply_text,
                            "time": self.reply_time.isoformat() if self.reply_time else None}
        return out


def _parse_time(text: str | None) -> datetime | None:
    text = (text or "").strip()
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=TZ)
        except ValueError:
            continue
    return None


def _clean_body(text: str) -> str:
    """What a board crawler would extract: the body without the scrape's ``_x000D_`` artefacts and outer padding;
    each line's indentation (the ``\\n\\t\\t`` runs) trimmed, the words untouched."""
    text = (text or "").replace("_x000D_", "\n")
    lines = [line.strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _likes(row: dict[str, str]) -> int | None:
    raw = (row.get("点赞数") or "").strip()
    return int(raw) if raw.isdigit() else None


def load_messages(data_dir: Path) -> tuple[list[Message], dict[str, Any]]:
    """Both CSVs as messages in time order (ties by number); a number seen twice is one post (the first file wins,
    so a post that has a reply keeps it). Also returns what was read and skipped."""
    seen: dict[str, Message] = {}
    stats: dict[str, Any] = {"files": {}, "duplicates": 0, "bad_time": 0, "reply_before_post": 0,
                             "reply_without_time": 0}
    for name in FILES:
        path = data_dir / "gov_messages" / name
        rows = 0
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                rows += 1
                number = (row.get("留言编号") or "").strip()
                posted = _parse_time(row.get("留言时间"))
                if not number or posted is None:
                    stats["bad_time"] += 1
                    continue
                if number in seen:
                    stats["duplicates"] += 1
                    continue
                reply_text = _clean_body(row.get("答复意见") or "") or None
                reply_time = _parse_time(row.get("答复时间")) if reply_text else None
                if reply_text and reply_time is None:
                    stats["reply_without_time"] += 1
                    reply_text = None  # we cannot know when it arrived; treat the post as unanswered
                if reply_time is not None and reply_time < posted:
                    stats["reply_before_post"] += 1
                seen[number] = Message(
                    number=number, file=name, user=(row.get("留言用户") or "").strip(),
                    title=" ".join((row.get("留言主题") or "").split()), content=_clean_body(row.get("留言详情") or ""),
                    posted=posted, reply_text=reply_text, reply_time=reply_time,
                    label=(row.get("一级标签") or "").strip() or None, likes=_likes(row))
        stats["files"][name] = rows
    messages = sorted(seen.values(), key=lambda m: (m.posted, int(m.number) if m.number.isdigit() else 0, m.number))
    stats["messages"] = len(messages)
    stats["with_reply"] = sum(1 for m in messages if m.reply_text)
    return messages, stats


# -- known issues and their bursts ---------------------------------------------------------------------------------
_SUFFIXES = ("廊桥|小区|花园|家园|公寓|大厦|广场|商城|市场|中学|小学|学校|大学|学院|幼儿园|医院|公司|集团|平台|银行|楼盘|"
             "新城|华府|华庭|名苑|佳苑|苑|府|湾|城(?![区市管乡])|村|大道|路|街(?!道)|桥|工业园|产业园|园区|项目|厂|矿|站|景区|公园")
_REGION = re.compile(r"[A-Z]\d*\s*[市区县]|西地省")
# Words that end a name from the left: verbs of asking and complaining, function words, punctuation.
_CUT = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]|关于|反映|投诉|举报|咨询|请问|建议|希望|要求|请求|恳请|强烈|再次|紧急|解决|"
                  r"反对|拆除|兴建|设置|调整|修建|建设|取消|开通|的|在|对|给|把|与|和|及|了|是|为|从|到|向|让|被|请|帮|"
                  r"要回|有关|问题|我们|我|何时|什么|怎么|能否|可否|为何|是否")
_NAME = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{2,8}(?:%s)" % _SUFFIXES)
_SUFFIX_AT = re.compile(r"(?:%s)" % _SUFFIXES)


# Towns, townships, sub-districts and communities (镇/乡/街道/社区) are areas holding many unrelated issues, so they
# are not suffixes here; a village or estate inside one is.
# Heads that name a kind of place, not one place (「火车站」, 「人民医院」, 「公交公司」 exist in every city).
GENERIC_HEADS = ("火车", "汽车", "高铁", "客运", "人民", "中心", "公交", "自来水", "供水", "供电", "燃气", "有限", "职业技术",
                 "村级", "公立", "私立", "民办", "农村", "城市", "城区", "高速", "国道", "省道", "乡村", "本村", "我村",
                 "小区", "社区", "配套", "公交车", "商业", "步行", "第一", "第二", "第三", "第四", "第五", "中等", "高等", "附属", "加油", "收费")


def title_entities(title: str) -> set[str]:
    """Names of places and organisations in a post title: the longest run of at most eight characters before a
    place/organisation suffix (小区, 公司, 医院, 路, 村, 桥, 平台 …), after cutting the title at district codes, verbs
    of complaint and function words. 「投诉J10县邦华小区西南物业违法锁电梯」 → {"邦华小区"}."""
    out = set()
    for piece in _CUT.split(_REGION.sub("|", title)):
        for m in _SUFFIX_AT.finditer(piece):
            head = piece[:m.end()]
            for k in range(len(head)):
                name = head[k:]
                if len(name) - len(m.group()) >= 2 and _NAME.fullmatch(name):
                    if name[:-len(m.group())] not in GENERIC_HEADS:
                        out.add(name)
                    break
    return out


@dataclass
class Issue:
    name: str
    posts: list[str]  # doc ids, in time order
    first: datetime
    last: datetime
    names: list[str] = field(default_factory=list)


def derive_issues(messages: list[Message], *, gap_days: int = ISSUE_GAP_DAYS, min_posts: int = ISSUE_MIN_POSTS
                  ) -> list[Issue]:
    """Known issues: posts naming the same place/organisation in their titles, chained while consecutive posts are
    at most ``gap_days`` apart, at least ``min_posts`` posts; groups that share a post are one issue (named by its
    largest group, then the shortest name). Deterministic: the same messages give the same issues in the same order."""
    by_name: dict[str, list[Message]] = defaultdict(list)
    for m in messages:
        for name in title_entities(m.title):
            by_name[name].append(m)
    groups: list[tuple[str, list[Message]]] = []
    for name in sorted(by_name):
        chain: list[Message] = []
        for m in by_name[name]:  # messages are in time order
            if chain and (m.posted - chain[-1].posted).days > gap_days:
                if len(chain) >= min_posts:
                    groups.append((name, chain))
                chain = []
            chain.append(m)
        if len(chain) >= min_posts:
            groups.append((name, chain))
    # Merge groups that share a post (union-find over group indices).
    parent = list(range(len(groups)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, (_, chain) in enumerate(groups):
        for m in chain:
            if m.doc_id in owner:
                parent[find(i)] = find(owner[m.doc_id])
            else:
                owner[m.doc_id] = i
    merged: dict[int, list[int]] = defaultdict(list)
    for i in range(len(groups)):
        merged[find(i)].append(i)
    issues = []
    for members in merged.values():
        posts: dict[str, Message] = {}
        for i in members:
            for m in groups[i][1]:
                posts[m.doc_id] = m
        ordered = sorted(posts.values(), key=lambda m: (m.posted, m.doc_id))
        names = sorted({groups[i][0] for i in members}, key=lambda n: (-len(by_name[n]), len(n), n))
        best = sorted(members, key=lambda i: (-len(groups[i][1]), len(groups[i][0]), groups[i][0]))[0]
        issues.append(Issue(name=groups[best][0], posts=[m.doc_id for m in ordered], first=ordered[0].posted,
                            last=ordered[-1].posted, names=names))
    issues.sort(key=lambda s: (-len(s.posts), s.first, s.name))
    return issues


@dataclass
class Burst:
    issue: str
    start: datetime  # the first post of the burst window
    posts: list[str]  # the issue's posts in [start, start + window)
    baseline: float  # expected posts in a window, from the preceding BURST_BASELINE_DAYS


def find_bursts(issue: Issue, posted: dict[str, datetime]) -> list[Burst]:
    """An issue's bursts: a window of BURST_WINDOW_DAYS starting at one of its posts that holds at least
    BURST_MIN_POSTS posts and at least BURST_FACTOR times its running baseline (the issue's posts in the preceding
    BURST_BASELINE_DAYS, scaled to the window). Windows of one burst do not overlap: the next is sought after it."""
    times = sorted((posted[d], d) for d in issue.posts)
    window = timedelta(days=BURST_WINDOW_DAYS)
    out: list[Burst] = []
    i = 0
    while i < len(times):
        start = times[i][0]
        inside = [d for t, d in times if start <= t < start + window]
        before = sum(1 for t, _ in times if start - timedelta(days=BURST_BASELINE_DAYS) <= t < start)
        baseline = before * BURST_WINDOW_DAYS / BURST_BASELINE_DAYS
        if len(inside) >= BURST_MIN_POSTS and len(inside) >= BURST_FACTOR * baseline:
            out.append(Burst(issue=issue.name, start=start, posts=inside, baseline=round(baseline, 2)))
            while i < len(times) and times[i][0] < start + window:
                i += 1
        else:
            i += 1
    return out


# -- negated / hypothetical keyword use ----------------------------------------------------------------------------
