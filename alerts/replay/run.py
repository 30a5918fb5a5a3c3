"""Runs the replay: feeds the posts day by day through ``yuqing.jobs.ingest`` and ``yuqing.jobs.tick`` into a
throw-away home, then reads the alerts back as :class:`~yuqing.alerts.replay.measure.AlertTrace` s and measures them."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from yuqing.clock import TZ
from yuqing.alerts.replay.data import TICK_AT, Message, load_messages
from yuqing.alerts.replay.measure import AlertTrace, measure


def replay_config(home: Path, config_path: Path | None = None) -> Any:
    """The configuration under test (the packaged default unless given) with storage moved into ``home`` (SQLite)
    and notifications switched off, so nothing leaves the machine."""
    from yuqing.config import DEFAULT_CONFIG, parse_config

    path = Path(config_path) if config_path else DEFAULT_CONFIG
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    data["storage"] = {**data.get("storage", {}), "documents": "sqlite", "workflow": "sqlite",
                       "sqlite_path": "replay.db"}
    data["notifications"] = {**data.get("notifications", {}), "enabled": False}
    data["privacy"] = {**data.get("privacy", {}), "retention_days": 0}
    return parse_config(data, path, home)


def _alert_docs(alert: Any, store: Any) -> list[str]:
    if alert.event_id:
        # An alert covers its event's posts and those of the follow-up events that joined it (后续帖子并入).
        ids: set[str] = set()
        for eid in [alert.event_id, *((alert.details or {}).get("followup_events") or [])]:
            _, docs = store.documents.list_documents(event_id=eid, limit=10_000)
            ids.update(d.id for d in docs)
        return sorted(ids)
    details = alert.details or {}
    ids = list(details.get("doc_ids") or [])
    if details.get("doc_id"):
        ids.append(details["doc_id"])
    return sorted(set(ids))


def _hits(details: dict[str, Any]) -> dict[str, int]:
    """Matched keywords of a keyword finding (also when several rules' numbers were merged under "rules")."""
    hits: dict[str, int] = {}
    for d in [details, *((details.get("rules") or {}).values() if isinstance(details.get("rules"), dict) else [])]:
        found = d.get("hits") if isinstance(d, dict) else None
        if isinstance(found, dict):  # word → documents (or → a richer record: counted once)
            for w, n in found.items():
                hits[str(w)] = hits.get(str(w), 0) + (int(n) if isinstance(n, (int, float)) and not isinstance(n, bool) else 1)
        elif isinstance(found, list):  # a plain list of matched words
            for w in found:
                if isinstance(w, str):
                    hits[w] = hits.get(w, 0) + 1
    return hits


def _trace(alert: Any, store: Any) -> AlertTrace:
    details = alert.details or {}
    docs = _alert_docs(alert, store)
    return AlertTrace(id=alert.id, created=alert.created_at, rule=alert.rule, rule_type=str(details.get("rule_type") or alert.rule),
                      level=alert.level, department=alert.department, route=str(details.get("route") or ""),
                      event_id=alert.event_id, fired_docs=docs, covered=set(docs), hits=_hits(details),
                      title=alert.title, details_keys=sorted(details))


def _all_alerts(wf: Any) -> list[Any]:
    out, offset = [], 0
    while True:
        total, page = wf.list_alerts(limit=500, offset=offset)
        out.extend(page)
        offset += len(page)
        if not page or offset >= total:
            return out



def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_replay(data_dir: Path, *, days: int | None = None, limit: int | None = None, start: date | None = None,
               config_path: Path | None = None, progress: Callable[[str], None] | None = _say,
               keep_home: Path | None = None) -> dict[str, Any]:
    """Replay the shared messages day by day through ingest and tick; returns the measured figures (a dict that
    :func:`format_report` prints and ``--json`` dumps)."""
    from yuqing import jobs
    from yuqing.app import App

    say = progress or (lambda _m: None)
    messages, data_stats = load_messages(data_dir)
    if start is not None:
        messages = [m for m in messages if m.posted.date() >= start]
    if limit is not None:
        messages = messages[:limit]
    if not messages:
        raise ValueError("所选范围内没有留言")
    first_day = start or messages[0].posted.date()
    last_day = messages[-1].posted.date()
    if days is not None:
        last_day = min(last_day, first_day + timedelta(days=days - 1))
        messages = [m for m in messages if m.posted.date() <= last_day]
    n_days = (last_day - first_day).days + 1
    tick_times = [datetime.combine(first_day + timedelta(days=i), TICK_AT, tzinfo=TZ) for i in range(n_days)]
    # A post written after the day's 18:00 tick enters on the next day's tick (the last post's day gets no
    # later tick: it enters the day after, so one more day is lived when needed).
    if messages[-1].posted > tick_times[-1]:
        tick_times.append(tick_times[-1] + timedelta(days=1))
    arrivals: dict[int, list[tuple[Message, bool]]] = defaultdict(list)  # tick index → (message, with reply)
    reingested = 0  # replies that arrive after their post, on a later tick
    t0 = tick_times[0]
    for m in messages:
        i = max(0, -(-(m.posted - t0) // timedelta(days=1)))  # first tick at or after the post
        replied = m.reply_time is not None and m.reply_time <= tick_times[i]
        arrivals[i].append((m, replied))
        if m.reply_text and not replied and m.reply_time is not None:
            j = max(i + 1, -(-(m.reply_time - t0) // timedelta(days=1)))
            if j < len(tick_times):
                arrivals[j].append((m, True))
                reingested += 1
    posted = {m.doc_id: m.posted for m in messages}
    by_id = {m.doc_id: m for m in messages}

    old_home = os.environ.get("YUQING_HOME")
    tmp = tempfile.TemporaryDirectory(prefix="yuqing-replay-")
    home = Path(keep_home) if keep_home else Path(tmp.name)
    os.environ["YUQING_HOME"] = str(home)
    started = time.monotonic()
    traces: dict[str, AlertTrace] = {}
    per_day: list[int] = []
    post_days: set[int] = set()  # ticks at which new posts (not only replies) arrived
    arrived: set[str] = set()
    bad_records: list[str] = []
    records = 0
    try:
        app = App(replay_config(home, config_path))
        supervisors = frozenset(d.name for d in app.config.departments if d.supervisor)
        store = app.store
        say(f"回放 {len(messages)} 条留言，{first_day} 至 {tick_times[-1].date()}，共 {len(tick_times)} 个模拟日"
            f"（每日 18:00 运行 ingest + tick；数据目录 {home}）")
        last_note = time.monotonic()
        for i, now in enumerate(tick_times):
            batch = arrivals.get(i, [])
            if batch:
                lines = [json.dumps(m.record(with_reply=r), ensure_ascii=False) for m, r in batch]
                report = jobs.ingest(app, lines, now)
                bad_records.extend(f"{batch[n - 1][0].doc_id}：{e}" for n, e in report.bad)
                records += len(batch)
            result = jobs.tick(app, now)
            new = 0
            for alert_id in result.get("alerts", []):
                alert = store.workflow.get_alert(alert_id)
                if alert is None:
                    continue
                if alert_id not in traces:
                    traces[alert_id] = _trace(alert, store)
                    new += 1
                else:  # raised: it now rests on what its event holds
                    trace = traces[alert_id]
                    trace.covered |= set(_alert_docs(alert, store))
                    trace.level = min(trace.level, alert.level)
                    trace.hits = {**trace.hits, **_hits(alert.details or {})}
            # Alerts no rule reported this tick (operator alerts from the audit check, digests reopened …).
            per_day.append(new)
            if any(m.doc_id not in arrived for m, _ in batch):
                post_days.add(i)
                arrived.update(m.doc_id for m, _ in batch)
            if progress and (time.monotonic() - last_note > 10 or i == len(tick_times) - 1 or i == 0):
                last_note = time.monotonic()
                say(f"  {now.date()}：第 {i + 1}/{len(tick_times)} 天，已送入 {records} 条记录，"
                    f"预警 {len(traces)} 条，用时 {time.monotonic() - started:.0f} 秒")
        elapsed = time.monotonic() - started
        # Reconcile with the store: every alert there is counted, including ones no tick reported.
        final = _all_alerts(store.workflow)
        unreported = 0
        for alert in final:
            if alert.id not in traces:
                traces[alert.id] = _trace(alert, store)
                unreported += 1
                day = (alert.created_at.astimezone(TZ).date() - first_day).days if alert.created_at else -1
                if 0 <= day < len(per_day):
                    per_day[day] += 1
            trace = traces[alert.id]
            trace.status = alert.status.value
            if alert.event_id:
                trace.covered |= set(_alert_docs(alert, store))
        _, stored_docs = store.documents.list_documents(limit=len(messages) + 100)
        doc_event = {d.id: d.event_id for d in stored_docs}
        doc_reply = {d.id: d.reply for d in stored_docs}
        stats = store.documents.document_stats()
        app.close()
    finally:
        if old_home is None:
            os.environ.pop("YUQING_HOME", None)
        else:
            os.environ["YUQING_HOME"] = old_home
        tmp.cleanup()
    say(f"回放完成：{len(tick_times)} 个模拟日，用时 {elapsed:.0f} 秒")
    data_stats = {**data_stats, "with_reply": sum(1 for m in messages if m.reply_text)}
    return measure(messages=messages, data_stats=data_stats, tick_times=tick_times, per_day=per_day,
                   traces=traces, doc_event=doc_event, doc_reply=doc_reply, by_id=by_id, posted=posted,
                   bad_records=bad_records, unreported=unreported, post_days=post_days, supervisors=supervisors, store_alerts=len(final), store_stats=stats,
                   reingested=reingested)


# -- the figures ---------------------------------------------------------------------------------------------------
