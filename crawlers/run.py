"""Running crawls: ``crawl()`` for the scheduler and ``yuqing crawl``, ``sources_main`` for ``yuqing sources``.

Each crawl runs in a child process (``python -m yuqing.crawlers.run``): Twisted's reactor cannot be restarted inside one
process, and the scheduler crawls again and again. The child prints one ``@@yuqing {json}`` line per progress tick
and per finished source; its logs go to ``YUQING_HOME/logs/``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from yuqing.clock import iso, now as clock_now
from yuqing.config import Config, ConfigError, load_config
from yuqing.health import failure_threshold, source_health
from yuqing.paths import REPO_ROOT

PROGRESS_PREFIX = "@@yuqing "


# ------------------------------------------------------------------------------------------------ child process

def crawler_settings(config: Config, home: Path, *, progress: bool = True, log_level: str = "INFO",
                     pass_id: str | None = None):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "yuqing.crawlers.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    settings.set("YUQING_CONFIG", str(config.path), priority="cmdline")
    settings.set("YUQING_HOME", str(home), priority="cmdline")
    settings.set("YUQING_PROGRESS", progress, priority="cmdline")
    settings.set("USER_AGENT", config.crawl["user_agent"], priority="cmdline")
    settings.set("LOG_FILE", str(logs / f"crawl-{clock_now():%Y%m%d}.log"), priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    if config.crawl["queue"] == "redis":
        from yuqing.crawlers.distributed import redis_settings

        if not pass_id:
            raise ConfigError(config.path, "crawl.queue", "为 redis 时每个采集进程都需要轮次标识（--pass-id）")
        for name, value in redis_settings(config.crawl["redis_url"], pass_id).items():
            settings.set(name, value, priority="cmdline")
    return settings


def child_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yuqing.crawlers.run")
    parser.add_argument("--config", required=True)
    parser.add_argument("--home", required=True)
    parser.add_argument("--source", action="append", required=True)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--pass-id", default=None)
    args = parser.parse_args(argv)
    home = Path(args.home)
    os.environ["YUQING_HOME"] = str(home)
    config = load_config(args.config, home)
    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess(crawler_settings(config, home, log_level=args.log_level, pass_id=args.pass_id),
                             install_root_handler=True)
    for name in args.source:
        config.source(name)  # unknown name → ConfigError before anything starts
        process.crawl(name)
    process.start()
    return 0


# ----------------------------------------------------------------------------------------------- parent side

def enabled_sources(config: Config, names: list[str] | None) -> list[str]:
    if names:
        return [config.source(n).name for n in names]  # raises ConfigError naming the configured ones
    return [s.name for s in config.sources if s.settings.get("enabled", True)]


def crawl(config: Config, source_names: list[str] | None = None, *, home: Path | None = None,
          progress: Callable[[dict[str, Any]], None] | None = None, timeout: float | None = None,
          log_level: str = "INFO", workers: int = 1, pass_id: str | None = None) -> dict[str, dict[str, Any]]:
    """Crawl the sources (default: all enabled) in a child process; returns {source: pass figures}.

    Figures: pages, inserted, updated, unchanged, items, listed, errors {kind: n}, error_urls, failed,
    fetched_urls. A source whose child died is recorded as failed in health and returned with ``error``.

    With ``crawl.queue = "redis"`` the pass runs in ``workers`` child processes sharing the Redis queue and
    duplicate filter under ``pass_id`` (new one if not given; other machines join the same pass by passing the same
    id). The figures are then the sum over this machine's workers, with each worker's own under ``workers``.
    """
    names = enabled_sources(config, source_names)
    if not names:
        return {}
    if workers < 1:
        raise ValueError("workers 至少为 1")
    distributed = config.crawl["queue"] == "redis"
    if workers > 1 and not distributed:
        raise ConfigError(config.path, "crawl.queue", "多个采集进程（--workers）需要设置为 \"redis\"（共享队列与去重）")
    if distributed:
        from yuqing.crawlers.distributed import check_pass_id, new_pass_id

        pass_id = check_pass_id(pass_id) if pass_id else new_pass_id()
    home = Path(home or config.home).resolve()
    cmd = [sys.executable, "-m", "yuqing.crawlers.run", "--config", str(Path(config.path).resolve()), "--home", str(home),
           "--log-level", log_level]
    if distributed:
        cmd += ["--pass-id", pass_id]
    for name in names:
        cmd += ["--source", name]
    env = {**os.environ, "YUQING_HOME": str(home)}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    lock = threading.Lock()

    def report(event: dict[str, Any]) -> None:
        if progress:
            with lock:
                progress(event)

    runs: list[tuple[dict[str, dict[str, Any]], int, list[str]]] = [({}, 0, []) for _ in range(workers)]

    def run_one(i: int) -> None:
        runs[i] = _run_child(cmd, env, report, timeout)

    threads = [threading.Thread(target=run_one, args=(i,), daemon=True) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results = runs[0][0] if workers == 1 else _merge_workers([r for r, _, _ in runs], names)
    missing = [n for n in names if n not in results]
    if missing:
        code, stderr_tail = next(((c, tail) for r, c, tail in runs if any(n not in r for n in missing)), runs[0][1:])
        detail = "".join(stderr_tail[-8:]).strip() or f"子进程退出码 {code}"
        _record_dead(config, missing, detail, results)
    return results


def _run_child(cmd: list[str], env: dict[str, str], progress: Callable[[dict[str, Any]], None],
               timeout: float | None) -> tuple[dict[str, dict[str, Any]], int, list[str]]:
    """One crawl child: (its "done" events by source, exit code, the tail of its stderr)."""
    results: dict[str, dict[str, Any]] = {}
    stderr_tail: list[str] = []
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            errors="replace", cwd=str(REPO_ROOT), env=env)

    def drain_stderr() -> None:
        for line in proc.stderr:
            stderr_tail.append(line)
            del stderr_tail[:-40]

    reader = threading.Thread(target=drain_stderr, daemon=True)
    reader.start()
    timer = threading.Timer(timeout, proc.kill) if timeout else None
    if timer:
        timer.start()
    try:
        for line in proc.stdout:
            if not line.startswith(PROGRESS_PREFIX):
                continue
            try:
                event = json.loads(line[len(PROGRESS_PREFIX):])
            except ValueError:
                continue
            if event.get("event") == "done":
                results[event["source"]] = event
            progress(event)
        code = proc.wait()
    finally:
        if timer:
            timer.cancel()
    reader.join(timeout=5)
    return results, code, stderr_tail


def _merge_workers(per_worker: list[dict[str, dict[str, Any]]], names: list[str]) -> dict[str, dict[str, Any]]:
    """A source's figures over this machine's workers of one distributed pass (each worker's kept in ``workers``)."""
    from yuqing.crawlers.distributed import merge_runs

    out: dict[str, dict[str, Any]] = {}
    for name in names:
        parts = [r[name] for r in per_worker if name in r]
        if len(parts) < len(per_worker):
            continue  # a worker died: reported as a crashed source
        merged = merge_runs(parts)
        merged.update(source=name, event="done", pass_id=parts[0].get("pass_id"),
                      finished_at=max(p.get("finished_at") or "" for p in parts),
                      fetched_urls=[u for p in parts for u in p.get("fetched_urls") or []],
                      workers=parts)
        out[name] = merged
    return out


def _record_dead(config: Config, names: list[str], detail: str, results: dict[str, dict[str, Any]]) -> None:
    from yuqing.storage import open_store

    store = open_store(config)
    try:
        for name in names:
            run = {"finished_at": clock_now(), "pages": 0, "items": 0, "errors": {"crawler_crashed": 1},
                   "error_urls": [], "failed": True, "error": detail[-2000:]}
            store.workflow.record_crawl(name, run)
            results[name] = {**run, "finished_at": iso(run["finished_at"]), "source": name, "fetched_urls": []}
    finally:
        store.close()


def _summary(stats: dict[str, Any]) -> str:
    from yuqing.crawlers.extensions import error_label

    errors = stats.get("errors") or {}
    err = "，".join(f"{error_label(k)} {v}" for k, v in sorted(errors.items())) or "无"
    return (f"抓取页面 {stats.get('pages', 0)}，新增 {stats.get('inserted', 0)}，更新 {stats.get('updated', 0)}，"
            f"未变 {stats.get('unchanged', 0)}；错误：{err}")


def crawl_main(argv: list[str] | None, app: Any) -> int:
    """``yuqing crawl [--source NAME ...] [--json]``."""
    parser = argparse.ArgumentParser(prog="yuqing crawl", description="抓取已配置的来源")
    parser.add_argument("--source", action="append", help="只抓取指定来源（可重复）")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出每个来源的结果")
    parser.add_argument("--timeout", type=float, default=None, help="整次抓取的最长秒数")
    parser.add_argument("--workers", type=int, default=1,
                        help="本机并行的采集进程数（需要 crawl.queue = \"redis\"，共享队列与去重）")
    parser.add_argument("--pass-id", default=None,
                        help="分布式采集的轮次标识：其他机器用同一标识加入同一轮（默认新建一轮）")
    args = parser.parse_args(argv)
    config = app.config
    if args.workers < 1:
        print("错误：--workers 至少为 1", file=sys.stderr)
        return 2
    if config.crawl["queue"] != "redis" and (args.workers > 1 or args.pass_id):
        print("错误：--workers 大于 1 或 --pass-id 需要在配置文件中设置 crawl.queue = \"redis\"", file=sys.stderr)
        return 2
    if config.crawl["queue"] == "redis":
        from yuqing.crawlers.distributed import check_pass_id, ping

        try:
            if args.pass_id:
                check_pass_id(args.pass_id)
            ping(config.crawl["redis_url"])
        except ValueError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
    try:
        names = enabled_sources(config, args.source)
    except ConfigError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if not names:
        print("没有启用的来源；请在配置文件的 [[sources]] 中添加来源或设置 enabled = true", file=sys.stderr)
        return 2
    out = sys.stderr if args.json else sys.stdout
    print(f"开始抓取 {len(names)} 个来源：{'、'.join(names)}（日志：{config.home / 'logs'}）", file=out, flush=True)

    def show(event: dict[str, Any]) -> None:
        if event.get("event") == "progress":
            print(f"  [{event['source']}] 已抓取 {event['pages']} 页，新增 {event.get('inserted', 0)} 条，"
                  f"错误 {event.get('errors', 0)} 个", file=out, flush=True)
        elif event.get("event") == "done":
            print(f"完成 [{event['source']}] {_summary(event)}", file=out, flush=True)

    results = crawl(config, names, home=config.home, progress=show, timeout=args.timeout, workers=args.workers,
                    pass_id=args.pass_id)
    for name, stats in results.items():
        if stats.get("error"):
            print(f"失败 [{name}] 抓取进程异常退出：{stats['error'][-300:]}", file=out)
    if args.json:
        print(json.dumps({n: {k: v for k, v in s.items() if k not in ("fetched_urls", "workers")}
                          for n, s in results.items()},
                         ensure_ascii=False, indent=2, default=str))
    failed = [n for n, s in results.items() if s.get("failed")]
    if failed:
        print(f"以下来源本轮失败：{'、'.join(failed)}；详情见 yuqing sources 或日志目录 {config.home / 'logs'}",
              file=sys.stderr)
    return 1 if failed and len(failed) == len(results) else 0


# ------------------------------------------------------------------------------------------------ health view

def source_report(config: Config, store: Any) -> list[dict[str, Any]]:
    """Each configured source's configuration and health, flagged when it needs an operator's attention."""
    health = {h["source"]: h for h in store.workflow.source_health()}
    cycles = failure_threshold(config)
    out = []
    for s in config.sources:
        h = health.get(s.name) or {}
        judged = source_health(s.name, h, cycles)
        blind, failures = judged.consecutive_empty, judged.consecutive_failures
        reasons = judged.problems
        last = h.get("last_run_stats") or {}
        out.append({
            "name": s.name, "title": s.title, "type": s.type, "interval_minutes": s.interval_minutes,
            "start_urls": s.start_urls, "enabled": s.settings.get("enabled", True),
            "last_run": iso(h.get("last_run")) if isinstance(h.get("last_run"), datetime) else h.get("last_run"),
            "last_success": iso(h.get("last_success")) if isinstance(h.get("last_success"), datetime) else None,
            "runs": h.get("runs", 0), "pages_fetched": h.get("pages_fetched", 0),
            "items_stored": h.get("items_stored", 0), "errors": h.get("errors", {}),
            "consecutive_failures": failures, "consecutive_empty": h.get("consecutive_empty", 0),
            "passes_without_links": blind,
            "last_pass": {k: last.get(k) for k in ("pages", "inserted", "updated", "unchanged", "listed", "errors",
                                                   "failed")} if last else None,
            "last_error_urls": (last.get("error_urls") or [])[:50] if last else [],
            "needs_attention": bool(reasons),
            "attention_reason": "；".join(reasons) or None,
        })
    return out


def sources_main(argv: list[str] | None, app: Any) -> int:
    """``yuqing sources [--json]``: configured sources with their crawl health."""
    from yuqing.crawlers.extensions import error_label

    if argv and argv[0] == "test":  # `yuqing sources test NAME`: one page of a JSON API source, mapped and masked
        from yuqing.crawlers.sourcetest import source_test_main

        return source_test_main(argv[1:], app)
    parser = argparse.ArgumentParser(prog="yuqing sources", description="查看来源配置与抓取健康状况（test NAME：试抓接口来源）")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = source_report(app.config, app.store)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return 0
    for r in report:
        flag = f"  ⚠ 需要关注：{r['attention_reason']}" if r["needs_attention"] else ""
        print(f"{r['name']}（{r['title']}，类型 {r['type']}，每 {r['interval_minutes']} 分钟）{flag}")
        print(f"  起始网址：{'、'.join(r['start_urls'])}")
        if not r["runs"]:
            print("  尚未抓取")
            continue
        errors = "，".join(f"{error_label(k)} {v}" for k, v in sorted(r["errors"].items())) or "无"
        print(f"  最近抓取：{r['last_run']}，最近成功：{r['last_success'] or '从未'}；累计 {r['runs']} 轮，"
              f"页面 {r['pages_fetched']}，入库 {r['items_stored']}；累计错误：{errors}")
        for e in r["last_error_urls"][:10]:
            print(f"    {error_label(e['kind'])}：{e['url']}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(child_main())
    except ConfigError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        sys.exit(2)
