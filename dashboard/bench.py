"""``yuqing bench dashboard [--json] [--docs N] [--home DIR]``: render time of every page against a large store.

Runs the real stages (ingest, analysis, events, alert rules, workflow actions) on a few thousand generated posts and
copies the analysed posts up to N documents (default 200,000; ``yuqing.dashboard.sample``), adds one 监测方案
back-filled over all of them by the schemes core (its time is printed), then renders each page with AppTest, as the
role that uses it: cold (every st.cache_data entry cleared first, the keyword-cloud picture included — what the first
viewer after the cache expires waits for) and warm (a rerun within the cache lifetime, what the live board's
refreshes cost). Each figure is the median of ``--repeat`` renders (shared, noisy machine). Target (issue 17): every
page ≤ 0.5 s cold at 200,000 documents. A page that does not show its own title (an error, the login page) stops the
bench rather than reporting a fast non-render. ``--json`` maps page name → cold seconds, plus "<page>（缓存命中）" →
warm. ``--home DIR`` builds the store there and keeps it; a later run with the same ``--home`` renders against it
without rebuilding.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from yuqing.paths import REPO_ROOT

PASSWORD = "bench-password-1"
TARGET_SECONDS = 0.5
WARM_SUFFIX = "（缓存命中）"
ROLES = {"admin": "bench_admin", "officer": "bench_officer", "leader": "bench_leader", "department": "bench_dept"}


SEED_POSTS = 3000  # run through the real stages; the rest of --docs are copies of these at other times


def _load(home: Path, docs: int, progress: bool) -> float:
    """Build the store; returns the seconds the scheme's back-fill took."""
    from datetime import timedelta

    from yuqing.dashboard.sample import TOPICS, populate, posts, replicate
    from yuqing.app import App
    from yuqing.clock import now
    from yuqing.users import create_user

    app = App.load(REPO_ROOT / "yuqing" / "default_config.toml", home)
    for role, name in ROLES.items():
        create_user(app.store.workflow, name, role, PASSWORD,
                    department=next(iter(TOPICS.values()))[0] if role == "department" else None)
    wf = app.store.workflow
    dept_users = {}
    for i, (department, _) in enumerate(list(TOPICS.values())[:3]):
        name = f"bench_dept{i}"
        if department != wf.get_user(ROLES["department"]).department:
            create_user(wf, name, "department", PASSWORD, department=department)
        else:
            name = ROLES["department"]
        dept_users[department] = wf.get_user(name)
    started = time.perf_counter()
    at = now() - timedelta(hours=6)  # the workflow actions follow a minute apart, all before the pages' clock
    seed = min(docs, SEED_POSTS)
    if progress:
        print(f"运行采集后各阶段（分析、事件、预警、办理）处理 {seed:,} 篇生成的留言…", file=sys.stderr)
    populate(app, posts(seed, at), at, officer=wf.get_user(ROLES["officer"]), department_users=dept_users)

    def report(n: int) -> None:
        if progress:
            rate = n / max(time.perf_counter() - started, 1e-9)
            print(f"\r已载入 {seed + n:,}/{docs:,} 篇（{rate:,.0f} 篇/秒）", end="", file=sys.stderr, flush=True)

    started = time.perf_counter()
    replicate(app.store, docs - seed, at, batch=10_000, progress=report)
    if progress:
        print(file=sys.stderr)
    backfill_seconds = _add_scheme(app, progress)
    app.close()
    return backfill_seconds


BENCH_SCHEME = ("供暖停水", "事件词：供暖 停水 物业\n排除词：招聘")  # an officer's shorthand over the whole store


def _add_scheme(app, progress: bool) -> float:
    """The scheme the 监测方案 pages show, back-filled over the whole store by the schemes core (timed)."""
    from yuqing.clock import now
    from yuqing.model import Scheme
    from yuqing.scheme_matching import backfill
    from yuqing.schemes import add_scheme

    name, expression = BENCH_SCHEME
    add_scheme(app.store, Scheme(name=name, expression=expression, owner=ROLES["officer"]), actor=ROLES["officer"],
               now=now())
    titles = {s.name: s.title for s in app.config.sources if s.title}
    started = time.perf_counter()

    def report(r) -> None:
        if progress:
            print(f"\r回溯方案「{name}」：已检查 {r.examined:,} 篇，匹配 {r.matched:,} 篇", end="", file=sys.stderr, flush=True)

    result = backfill(app.store.documents, name, source_titles=titles, batch=2000, progress=report)
    if progress:
        print(file=sys.stderr)
    if not result.done:
        raise RuntimeError(f"方案「{name}」回溯未完成")
    return time.perf_counter() - started


def _median_render(at, *, cold: bool, repeat: int) -> float:
    import streamlit as st

    times = []
    for _ in range(repeat):
        if cold:
            st.cache_data.clear()
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 3)


def _render_times(home: Path, repeat: int = 3) -> tuple[dict[str, float], dict[str, float]]:
    """(cold, warm) seconds per page."""
    from streamlit.testing.v1 import AppTest

    from yuqing.dashboard import nav

    os.environ["YUQING_HOME"] = str(home)
    os.environ["YUQING_CONFIG"] = str(REPO_ROOT / "yuqing" / "default_config.toml")
    cold: dict[str, float] = {}
    warm: dict[str, float] = {}
    for spec in nav.PAGES:
        role = next(r for r in ("leader", "officer", "admin", "department") if r in spec.roles)
        at = AppTest.from_file(str(REPO_ROOT / "dashboard" / "app.py"), default_timeout=120).run()
        at.text_input(key="login_name").input(ROLES[role])
        at.text_input(key="login_password").input(PASSWORD)
        at.button[0].click().run()
        at.switch_page(spec.path)
        cold[spec.title] = _median_render(at, cold=True, repeat=repeat)
        if at.exception:
            raise RuntimeError(f"页面「{spec.title}」渲染出错：{at.exception[0].message}")
        shown = [t.value for t in at.title]
        if spec.title not in shown:
            raise RuntimeError(f"页面「{spec.title}」没有渲染出来（页面标题：{'、'.join(shown) or '无'}）")
        warm[spec.title] = _median_render(at, cold=False, repeat=repeat)
        if spec.path == "views/search.py":  # an empty search box renders nothing: time a real query too
            at.text_input(key="s_query").input("供暖 停水")
            cold["全文检索（查询）"] = _median_render(at, cold=True, repeat=repeat)
            warm["全文检索（查询）"] = _median_render(at, cold=False, repeat=repeat)
    return cold, warm


def bench_dashboard_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yuqing bench dashboard", description="看板各页面渲染耗时")
    parser.add_argument("--json", action="store_true", help="输出 JSON：页面名 → 秒")
    parser.add_argument("--docs", type=int, default=200_000, help="生成的文档数（默认 200000）")
    parser.add_argument("--repeat", type=int, default=3, help="每个页面渲染次数，取中位数（默认 3）")
    parser.add_argument("--home", help="在此文件夹建库并保留（已建过则直接复用，只测渲染）；默认用临时文件夹，结束即删")
    args = parser.parse_args(argv)
    if args.docs < 1:
        print("--docs 应为正整数", file=sys.stderr)
        return 2
    if args.repeat < 1:
        print("--repeat 应为正整数", file=sys.stderr)
        return 2
    kept = Path(args.home).expanduser() if args.home else None
    if kept is not None and kept.exists() and not kept.is_dir():
        print(f"--home「{kept}」不是文件夹", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-dashboard-") as tmp:
        home = kept or Path(tmp)
        reuse = kept is not None and (kept / "ready").exists()
        t0 = time.perf_counter()
        backfill_seconds = 0.0 if reuse else _load(home, args.docs, progress=not args.json)
        load_seconds = time.perf_counter() - t0 - backfill_seconds
        if kept is not None:
            (kept / "ready").write_text(str(args.docs), encoding="utf-8")
        results, warm = _render_times(home, args.repeat)
    if args.json:
        print(json.dumps({**results, **{p + WARM_SUFFIX: s for p, s in warm.items()}}, ensure_ascii=False, indent=2))
    else:
        if reuse:
            print(f"复用 {kept} 中已建的库（{(kept / 'ready').read_text(encoding='utf-8')} 篇文档）")
        else:
            print(f"载入 {args.docs:,} 篇文档用时 {load_seconds:.1f} 秒（{args.docs / load_seconds:,.0f} 篇/秒）")
            print(f"监测方案「{BENCH_SCHEME[0]}」回溯 {args.docs:,} 篇用时 {backfill_seconds:.1f} 秒"
                  f"（{args.docs / max(backfill_seconds, 1e-9):,.0f} 篇/秒）")
        print(f"各页面渲染耗时（{args.repeat} 次中位数；冷＝清空缓存，热＝缓存命中）")
        for page, seconds in results.items():
            mark = "✓" if seconds <= TARGET_SECONDS else f"✗ 超过 {TARGET_SECONDS:g} 秒"
            print(f"  {page:<14} 冷 {seconds:6.3f} 秒  热 {warm[page]:6.3f} 秒  {mark}")
        slow = [p for p, s in results.items() if s > TARGET_SECONDS]
        print(f"全部页面达标（≤ {TARGET_SECONDS:g} 秒）" if not slow else f"未达标（> {TARGET_SECONDS:g} 秒）：{'、'.join(slow)}")
    return 0
