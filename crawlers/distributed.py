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

from crawlers.crawl_extension import CrawlExtension
from crawlers.extensions import MAX_ERROR_URLS
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
        "DUPEFILTER_CLASS": "crawlers.distributed.PassDupeFilter",
        "SCHEDULER_PERSIST": True,  # the first worker to finish must not flush the queue under the others
        "SCHEDULER_QUEUE_KEY": key("%(spider)s", pass_id, "requests"),
        "SCHEDULER_DUPEFILTER_KEY": key("%(spider)s", pass_id, "dupefilter"),
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "REDIS_URL": redis_url,
        "YUQING_QUEUE": "redis",
        "YUQING_PASS_ID": pass_id,
        "YUQING_REDIS_IDLE_SECONDS": idle_seconds,
        "EXTENSIONS": {"crawlers.extensions.CrawlHealth": 500, "crawlers.distributed.SharedQueueIdle": 510,
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


# ------------------------------------------------------------------------------------------------------ benchmark

def add_latency(sites, seconds: float):
    """Make every sample-site response take ``seconds`` longer (server threads sleep in parallel), like a remote
    site: the crawl is then bound by waiting, which extra workers can share, not by this machine's CPU."""
    route = sites.route

    def slow_route(handler):
        if sites.stop_event.wait(seconds):
            return None
        return route(handler)

    sites.route = slow_route
    return sites


BENCH_SOURCE = "board"
BENCH_SITE_OPTIONS = dict(history=160, city_articles=20, a3_articles=10, live=False)


def _bench_config(home, sites, redis_url: str, concurrency: int):
    from pathlib import Path

    from yuqing.config import load_config

    src = next(s for s in sites.sources() if s["name"] == BENCH_SOURCE)
    path = Path(home) / "yuqing.toml"
    path.write_text(
        f'[crawl]\nqueue = "redis"\nredis_url = "{redis_url}"\n\n'
        f'[[sources]]\nname = "{BENCH_SOURCE}"\ntype = "{src["type"]}"\nstart_urls = {json.dumps(src["start_urls"])}\n'
        f"politeness = {{ delay = 0.0, concurrency = {concurrency} }}\n", encoding="utf-8")
    return load_config(path, Path(home))


def clear_pass(redis_url: str, source: str, pass_id: str) -> None:
    """Delete a finished pass's keys (they would expire after KEY_TTL anyway)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=key(source, pass_id, "*")))
    if keys:
        client.delete(*keys)


def bench_distributed(redis_url: str, *, workers: int = 2, latency: float = 0.25, concurrency: int = 2,
                      rounds: int = 3, progress=None) -> dict[str, Any]:
    """One worker vs ``workers`` workers over the same board site in the same run, each on a fresh store.

    The time of a crawl is the longest worker's active time (open to last page handled; process start-up and the
    idle wait before closing excluded, the same for both). Rounds alternate the two set-ups; the speed-up is the
    median of the per-round ratios (same-load pairs on a shared machine).
    """
    import statistics
    import tempfile
    from pathlib import Path

    from crawlers.run import crawl
    from crawlers.sample_sites.server import serve

    say = progress or (lambda msg: None)
    ping(redis_url)
    per_round = []
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-dist-") as tmp, \
            serve(port=0, seed=42, **BENCH_SITE_OPTIONS) as sites:
        add_latency(sites, latency)
        expected = sum(1 for r in sites.expected()["records"] if "/board/post/" in r["url"])
        for r in range(1, rounds + 1):
            row: dict[str, Any] = {}
            for n in (1, workers):
                home = Path(tempfile.mkdtemp(prefix=f"w{n}-", dir=tmp))
                config = _bench_config(home, sites, redis_url, concurrency)
                pass_id = new_pass_id()
                started = time.perf_counter()
                try:
                    result = crawl(config, [BENCH_SOURCE], home=home, workers=n, pass_id=pass_id,
                                   log_level="WARNING")[BENCH_SOURCE]
                    wall = time.perf_counter() - started
                finally:
                    clear_pass(redis_url, BENCH_SOURCE, pass_id)
                if result.get("error") or result.get("failed") or result.get("inserted") != expected:
                    raise RuntimeError(f"{n} 个采集进程的抓取结果不对：入库 {result.get('inserted')} 条"
                                       f"（应为 {expected}），错误 {result.get('error') or result.get('errors')}")
                parts = result.get("workers") or [result]
                seconds = max(float(p.get("active_seconds") or 0) for p in parts)
                row[f"w{n}_seconds"] = round(seconds, 3)
                row[f"w{n}_wall_seconds"] = round(wall, 3)
                row[f"w{n}_pages"] = int(result["pages"])
            row["speedup"] = round(row["w1_seconds"] / row[f"w{workers}_seconds"], 3)
            row["wall_speedup"] = round(row["w1_wall_seconds"] / row[f"w{workers}_wall_seconds"], 3)
            per_round.append(row)
            say(f"第 {r}/{rounds} 轮：1 个进程 {row['w1_seconds']:.2f} 秒（{row['w1_pages']} 页），"
                f"{workers} 个进程 {row[f'w{workers}_seconds']:.2f} 秒（{row[f'w{workers}_pages']} 页），"
                f"活动时间加速比 {row['speedup']:.2f}；含进程启动与空闲等待的总耗时 {row['w1_wall_seconds']:.2f} / "
                f"{row[f'w{workers}_wall_seconds']:.2f} 秒，加速比 {row['wall_speedup']:.2f}")
    return {"workers": workers, "latency_s": latency, "concurrency_per_worker": concurrency, "posts": expected,
            "speedup": round(statistics.median(r["speedup"] for r in per_round), 3),
            "wall_speedup": round(statistics.median(r["wall_speedup"] for r in per_round), 3), "rounds": per_round}


def bench_distributed_main(argv: list[str] | None = None) -> int:
    import argparse
    import os
    import sys

    parser = argparse.ArgumentParser(prog="python -m crawlers.distributed",
                                     description="比较 1 个与多个采集进程（共享 Redis 队列）抓取同一留言板的耗时")
    parser.add_argument("--redis-url", default=os.environ.get("YUQING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.25, help="示例站点每个响应额外延迟的秒数（默认 0.25）")
    parser.add_argument("--concurrency", type=int, default=2, help="来源配置的每进程并发数 politeness.concurrency（默认 2）")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.workers < 2 or args.rounds < 1:
        print("错误：--workers 至少为 2，--rounds 至少为 1", file=sys.stderr)
        return 2
    out = sys.stderr if args.json else sys.stdout
    try:
        result = bench_distributed(args.redis_url, workers=args.workers, latency=args.latency,
                                   concurrency=args.concurrency, rounds=args.rounds,
                                   progress=lambda m: print(m, file=out, flush=True))
    except (ValueError, RuntimeError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"中位数加速比（{args.workers} 个进程对 1 个进程）：活动时间 {result['speedup']:.2f}，"
              f"含进程启动与空闲等待的总耗时 {result['wall_speedup']:.2f}"
              f"（每个响应延迟 {args.latency:g} 秒，每进程并发 {args.concurrency}，留言 {result['posts']} 条）")
    return 0


if __name__ == "__main__":
    raise SystemExit(bench_distributed_main())
