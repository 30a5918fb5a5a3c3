"""Distributed crawling (``crawl.queue = "redis"``): several crawl workers split one pass of a source.

scrapy-redis holds the request queue and the duplicate filter in Redis, under keys specific to the source and the
pass (``yuqing:{source}:{pass_id}:…``): a new pass starts with an empty filter, so list pages and open board posts are
fetched again on every pass, while within a pass no URL is fetched twice by any worker.

* Seeding: the first worker to ``SETNX`` the pass's ``seeded`` key yields the start requests; the others (helpers)
  take their work from the shared queue.
* Completion: an idle worker closes when the shared queue has stayed empty for ``YUQING_REDIS_IDLE_SECONDS`` and
  no other worker has work in hand (see SharedQueueIdle). A worker busy on a page keeps running, so nothing it
  discovers is lost.
* Source health: every worker adds its figures to the pass in Redis; the last worker to finish records the merged
  pass once (one run per pass, not one per worker).
* The queue and filter persist (``SCHEDULER_PERSIST``) so the first worker to finish does not flush them under the
  others; every key of a pass expires after ``KEY_TTL`` seconds.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections import Counter
from typing import Any

from scrapy.exceptions import DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter
from twisted.internet.task import LoopingCall

from yuqing.crawlers.crawl_extension import CrawlExtension
from yuqing.crawlers.extensions import MAX_ERROR_URLS
from yuqing.clock import now as clock_now

log = logging.getLogger(__name__)

KEY_TTL = 7 * 24 * 3600
IDLE_SECONDS = 1.0
PASS_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def new_pass_id() -> str:
    return f"{clock_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def check_pass_id(pass_id: str) -> str:
    if not PASS_ID.match(pass_id or ""):
        raise ValueError(f"轮次标识 {pass_id!r} 无效：只能用字母、数字、点、下划线和连字符，最长 64 个字符")
    return pass_id


def key(source: str, pass_id: str, part: str) -> str:
    return f"yuqing:{source}:{pass_id}:{part}"


def redis_settings(redis_url: str, pass_id: str, idle_seconds: float = IDLE_SECONDS) -> dict[str, Any]:
    """Scrapy settings that put a crawl child's scheduler and duplicate filter in Redis for one pass."""
    check_pass_id(pass_id)
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "yuqing.crawlers.distributed.PassDupeFilter",
        "SCHEDULER_PERSIST": True,  # the first worker to finish must not flush the queue under the others
        "SCHEDULER_QUEUE_KEY": key("%(spider)s", pass_id, "requests"),
        "SCHEDULER_DUPEFILTER_KEY": key("%(spider)s", pass_id, "dupefilter"),
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "REDIS_URL": redis_url,
        "YUQING_QUEUE": "redis",
        "YUQING_PASS_ID": pass_id,
        "YUQING_REDIS_IDLE_SECONDS": idle_seconds,
        "EXTENSIONS": {"yuqing.crawlers.extensions.CrawlHealth": 500, "yuqing.crawlers.distributed.SharedQueueIdle": 510,
                       "scrapy.extensions.telnet.TelnetConsole": None},
    }


def is_distributed(settings: Any) -> bool:
    return settings.get("YUQING_QUEUE") == "redis"


def redis_client(settings: Any):
    from scrapy_redis.connection import get_redis_from_settings

    return get_redis_from_settings(settings)


class PassDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared filter, reporting redirect loops.

    Requests go through the filter in distributed mode, so the second visit of a redirect loop is dropped here;
    it is reported as ``redirect_loop`` (as in local mode) instead of vanishing.
    """

    def log(self, request, spider):
        chain = request.meta.get("redirect_urls") or []
        if request.url in chain and hasattr(spider, "report"):
            spider.report("redirect_loop", chain[0], f"重定向回到已访问的地址 {request.url}",
                          start=request.meta.get("start", False))
        super().log(request, spider)


class PassRun:
    """A spider's view of its distributed pass: seeding, worker count and the merged health record."""

    def __init__(self, settings: Any, source: str):
        self.pass_id = settings.get("YUQING_PASS_ID")
        self.source = source
        self.redis = redis_client(settings)

    def k(self, part: str) -> str:
        return key(self.source, self.pass_id, part)

    def join(self) -> bool:
        """Register this worker; True if it won the seeding (it yields the start requests)."""
        pipe = self.redis.pipeline()
        pipe.incr(self.k("workers"))
        pipe.expire(self.k("workers"), KEY_TTL)
        pipe.set(self.k("seeded"), str(uuid.uuid4()), nx=True, ex=KEY_TTL)
        _, _, seeded = pipe.execute()
        return bool(seeded)

    def finish(self, run: dict[str, Any]) -> dict[str, Any] | None:
        """Add this worker's figures; the last worker to finish gets the merged pass (others get None)."""
        pipe = self.redis.pipeline()
        pipe.rpush(self.k("runs"), json.dumps(run, ensure_ascii=False, default=str))
        pipe.expire(self.k("runs"), KEY_TTL)
        pipe.incr(self.k("done"))
        pipe.expire(self.k("done"), KEY_TTL)
        pipe.get(self.k("workers"))
        _, _, done, _, workers = pipe.execute()
        if int(done) < int(workers or 0):
            return None
        if not self.redis.set(self.k("recorded"), "1", nx=True, ex=KEY_TTL):
            return None  # a worker that joined after the pass was recorded
        runs = [json.loads(r) for r in self.redis.lrange(self.k("runs"), 0, -1)]
        return merge_runs(runs)


def merge_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One pass from the workers' figures: counts add up, a pass fails if any worker's start failed."""
    out: dict[str, Any] = {"workers": len(runs)}
    for field in ("pages", "items", "inserted", "updated", "unchanged", "listed"):
        out[field] = sum(int(r.get(field) or 0) for r in runs)
    errors: Counter[str] = Counter()
    for r in runs:
        errors.update(r.get("errors") or {})
    out["errors"] = dict(errors)
    out["error_urls"] = [e for r in runs for e in r.get("error_urls") or []][:MAX_ERROR_URLS]  # as one worker keeps
    seeders = [r for r in runs if not r.get("helper")]
    out["failed"] = any(r.get("failed") for r in runs) or out["pages"] == 0 or not seeders
    out["reason"] = ",".join(sorted({str(r.get("reason")) for r in runs}))
    out["elapsed_seconds"] = max((float(r.get("elapsed_seconds") or 0) for r in runs), default=0.0)
    out["active_seconds"] = max((float(r.get("active_seconds") or 0) for r in runs), default=0.0)
    return out


class SharedQueueIdle(CrawlExtension):
    """Keeps a worker open while the shared queue may still get work; polls it quickly while idle.

    Scrapy closes a spider whose scheduler is empty and checks the scheduler only every 5 s once idle; a helper
    waiting for the seeder's first list page would lose seconds per poll. So the engine is nudged every ``POLL``
    seconds. Each worker also keeps an entry in the pass's ``busy`` hash while it has work in hand (refreshed, with
    an expiry so a crashed worker does not hold the others forever). An idle worker closes once the shared queue
    has stayed empty for the idle time (longer than a poll: covers a request another worker has just popped but
    not yet marked) and no other worker is busy (it may still push requests). A worker with work in hand never
    closes, so whatever it discovers is fetched: the busy hash only decides how long idle workers stay to help.
    """

    POLL = 0.2
    BUSY_TTL = 120.0
    SIGNALS = ("spider_opened", "spider_idle", "response_received", "spider_closed")

    def __init__(self, crawler):
        self.crawler = crawler
        self.idle_seconds = crawler.settings.getfloat("YUQING_REDIS_IDLE_SECONDS", IDLE_SECONDS)
        self.empty_since: float | None = None
        self.worker_id = uuid.uuid4().hex
        self._busy_until = 0.0  # when our busy entry expires (0: no entry)
        self._loop: LoopingCall | None = None
        self._run: PassRun | None = None

    @classmethod
    def enabled(cls, settings) -> bool:
        return is_distributed(settings)

    def spider_opened(self, spider):
        self._run = getattr(spider, "pass_run", None) or PassRun(self.crawler.settings, spider.name)
        self._mark_busy()  # until its first idle moment: the seeder is about to push the start requests
        self._loop = LoopingCall(self._tick)
        self._loop.start(self.POLL, now=False)

    def _mark_busy(self) -> None:
        now = time.time()
        if self._busy_until - now > self.BUSY_TTL / 2:
            return
        self._busy_until = now + self.BUSY_TTL
        pipe = self._run.redis.pipeline()
        pipe.hset(self._run.k("busy"), self.worker_id, self._busy_until)
        pipe.expire(self._run.k("busy"), KEY_TTL)
        pipe.execute()

    def _clear_busy(self) -> None:
        if self._busy_until:
            self._busy_until = 0.0
            self._run.redis.hdel(self._run.k("busy"), self.worker_id)

    def _others_busy(self) -> bool:
        now = time.time()
        entries = self._run.redis.hgetall(self._run.k("busy"))
        return any(float(until) > now for worker, until in entries.items()
                   if (worker.decode() if isinstance(worker, bytes) else worker) != self.worker_id)

    def _tick(self) -> None:
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if slot is None:
            return
        if not engine.spider_is_idle():
            self._mark_busy()
        slot.nextcall.schedule()

    def response_received(self, response, request, spider):
        self.empty_since = None  # this worker is busy: the idle time counts from the end of its own work

    def spider_idle(self, spider):
        scheduler = self.crawler.engine._slot.scheduler
        if len(scheduler) > 0:
            self.empty_since = None
            raise DontCloseSpider
        self._clear_busy()
        now = time.monotonic()
        if self.empty_since is None:
            self.empty_since = now
        if now - self.empty_since < self.idle_seconds or self._others_busy():
            raise DontCloseSpider

    def spider_closed(self, spider, reason):
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self._run is not None:
            self._clear_busy()


def ping(redis_url: str) -> None:
    """Raises ValueError with what to do when the Redis of ``crawl.redis_url`` cannot be reached."""
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except (redis.RedisError, ValueError) as exc:
        raise ValueError(f"无法连接 crawl.redis_url 指定的 Redis（{redis_url}）：{exc}；请启动 Redis 或检查配置") from exc


def clear_pass(redis_url: str, source: str, pass_id: str) -> None:
    """Delete a finished pass's keys (they would expire after KEY_TTL anyway)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=key(source, pass_id, "*")))
    if keys:
        client.delete(*keys)
