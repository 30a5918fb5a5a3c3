"""``yuqing run``: APScheduler 3.x with a persistent job store under YUQING_HOME.

Crawls run per source on the source's interval (in a small pool of their own: each is a subprocess); processing,
alert evaluation and deadline checks run one at a time on a single worker, so they never race each other. Every job
reads what it needs from the store, so a scheduler killed at any point simply carries on when started again.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any

from yuqing.app import App
from yuqing.clock import now as clock_now
from yuqing.paths import yuqing_home

log = logging.getLogger(__name__)

_app: App | None = None
_app_lock = threading.Lock()
_scheduler: Any = None  # the running scheduler, whose crawl jobs follow live source changes


def _get_app() -> App:
    global _app
    with _app_lock:
        if _app is None:
            _app = App.load(os.environ.get("YUQING_CONFIG"))
        if _app.refresh() and _scheduler is not None:  # a change made in the dashboard: new, paused, edited sources
            sync_crawl_jobs(_scheduler, _app)
        return _app


# Job functions are module-level so the persistent job store can reference them by name.
def job_crawl(source_name: str) -> None:
    app = _get_app()
    source = next((s for s in app.config.sources if s.name == source_name), None)
    if source is None or not source.settings.get("enabled", True):
        return  # removed or paused since this run was scheduled
    crawl = app.component("crawl")  # [components] crawl, default in yuqing/app.py
    try:
        stats = crawl(app.config, [source_name])
        log.info("采集 %s 完成：%s", source_name, stats)
    except Exception:
        log.exception("采集 %s 失败", source_name)


def job_process() -> None:
    from yuqing import jobs

    result = jobs.process(_get_app(), clock_now())
    if result["analysed"] or result["failed"]:
        log.info("分析 %s 篇，失败 %s 篇", result["analysed"], result["failed"])


def job_alerts() -> None:
    alerts = _get_app().alerts.evaluate(clock_now())
    if alerts:
        log.info("新预警 %s 条", len(alerts))


def job_deadlines() -> None:
    app = _get_app()
    now = clock_now()
    app.alerts.check_deadlines(now)
    app.alerts.check_audit(now)  # a broken audit chain becomes an operator alert (once per break)
    app.alerts.deliver(now)


def job_retention() -> None:
    from yuqing import jobs

    result = jobs.retention(_get_app(), clock_now())
    if result and result["purged"]:
        log.info("保留期 %s 天：%s 篇较早文档的原文已替换为脱敏文本", result["days"], result["purged"])


def build_scheduler(app: App, *, blocking: bool = True) -> Any:
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    home = app.config.home
    home.mkdir(parents=True, exist_ok=True)
    jobstore = SQLAlchemyJobStore(url=f"sqlite:///{home / 'scheduler.db'}")
    cls = BlockingScheduler if blocking else BackgroundScheduler
    grace = app.config.scheduler["misfire_grace_seconds"]
    scheduler = cls(
        jobstores={"default": jobstore},
        executors={"default": ThreadPoolExecutor(1), "crawl": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
        timezone="Asia/Shanghai",
    )
    every = app.config.scheduler
    sync_crawl_jobs(scheduler, app, restart=True)
    scheduler.add_job(job_process, "interval", seconds=every["process_every_seconds"], id="process",
                      name="分析与聚类", replace_existing=True, next_run_time=clock_now())
    scheduler.add_job(job_alerts, "interval", seconds=every["alerts_every_seconds"], id="alerts",
                      name="预警规则", replace_existing=True)
    scheduler.add_job(job_deadlines, "interval", seconds=every["deadlines_every_seconds"], id="deadlines",
                      name="时限检查与通知", replace_existing=True)
    if app.config.privacy["retention_days"] > 0:
        scheduler.add_job(job_retention, "interval", hours=1, id="retention", name="原文保留期清理",
                          replace_existing=True, next_run_time=clock_now())
    elif scheduler.get_job("retention"):
        scheduler.remove_job("retention")  # retention switched off since the job store was written
    return scheduler


def sync_crawl_jobs(scheduler: Any, app: App, *, restart: bool = False) -> None:
    """One crawl job per enabled source, on its interval; jobs for sources removed or paused (in the file or in the
    dashboard) must not linger in the persistent store. At start-up (``restart``) every source is crawled at once;
    later (a live change) only new sources and changed intervals are rescheduled."""
    configured = {f"crawl:{s.name}" for s in app.config.sources if s.settings.get("enabled", True)}
    for source in app.config.sources:
        if f"crawl:{source.name}" not in configured:
            continue
        job = None if restart else scheduler.get_job(f"crawl:{source.name}")
        if job is not None and getattr(job.trigger, "interval", None) is not None \
                and job.trigger.interval.total_seconds() == source.interval_minutes * 60:
            continue  # unchanged: keep its next run time
        scheduler.add_job(job_crawl, "interval", args=[source.name], minutes=source.interval_minutes,
                          id=f"crawl:{source.name}", name=f"采集 {source.title}", executor="crawl",
                          replace_existing=True, next_run_time=clock_now())
    for job in scheduler.get_jobs():
        if job.id.startswith("crawl:") and job.id not in configured:
            job.remove()


def run_forever(config_path: str | None = None) -> int:
    global _app, _scheduler
    if config_path:
        os.environ["YUQING_CONFIG"] = config_path
    _app = App.load(config_path)
    _app.refresh()
    scheduler = _scheduler = build_scheduler(_app, blocking=True)
    (yuqing_home() / "logs").mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    print(f"调度器已启动：{len(_app.config.sources)} 个来源，数据目录 {_app.config.home}。按 Ctrl-C 停止。", flush=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    print("调度器已停止", flush=True)
    return 0
