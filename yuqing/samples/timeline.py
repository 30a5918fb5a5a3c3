"""Deterministic generator of the sample web's content, with ground truth for evaluation.

Everything is a pure function of (seed, start time, options) plus the current time ``now``:
historical posts lie before ``start``; live posts appear after it on a fixed schedule (one every
``live_interval`` seconds, plus a burst of angry posts about one issue ``burst_delay`` seconds in);
a post's status moves 未回复 → 办理中 → 已回复 at times fixed when it is generated. So the same seed
and clock always give the same pages, and advancing the clock only adds what was scheduled.

Ground truth per post is described in ``yuqing.samples.posts``.
"""

from __future__ import annotations

import bisect
import itertools
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterator

from yuqing.clock import TZ

from .articles import Article, Repost, make_article, make_repost, response_article
from .posts import POST_ID_BASE, Post, duplicate_post, make_issue, make_post
from .problems import PROBLEMS


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
        burst_problem = next(p for p in PROBLEMS if p["key"] == "heating")
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
            issue = make_issue(rng, rng.choice([p for p in PROBLEMS if p.get("place") == "estate"]))
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
