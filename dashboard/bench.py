"""``yuqing bench dashboard [--json] [--docs N]``: render time of every page against a large generated store.

Loads N (default 200,000) synthetic analysed documents into a temp store through the store API, then renders
each page once cold (caches cleared) with AppTest, as the role that uses it. Target: every page ≤ 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from yuqing.paths import REPO_ROOT

PASSWORD = "bench-password-1"
TARGET_SECONDS = 2.0
ROLES = {"admin": "bench_admin", "officer": "bench_officer", "leader": "bench_leader", "department": "bench_dept"}


def _load(home: Path, docs: int, progress: bool) -> None:
    from dashboard.sample import TOPICS, populate
    from yuqing.app import App
    from yuqing.clock import now
    from yuqing.users import create_user

    app = App.load(REPO_ROOT / "yuqing" / "default_config.toml", home)
    started = time.perf_counter()

    def report(n: int) -> None:
        if progress:
            rate = n / max(time.perf_counter() - started, 1e-9)
            print(f"\r已载入 {n:,}/{docs:,} 篇（{rate:,.0f} 篇/秒）", end="", file=sys.stderr, flush=True)

    populate(app.store, now(), documents=docs, events=300, alerts=200, batch=10_000, progress=report)
    if progress:
        print(file=sys.stderr)
    for role, name in ROLES.items():
        create_user(app.store.workflow, name, role, PASSWORD,
                    department=next(iter(TOPICS.values()))[0] if role == "department" else None)
    app.store.close()


def _render_times(home: Path) -> dict[str, float]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboard import nav

    os.environ["YUQING_HOME"] = str(home)
    os.environ["YUQING_CONFIG"] = str(REPO_ROOT / "yuqing" / "default_config.toml")
    results: dict[str, float] = {}
    for spec in nav.PAGES:
        role = next(r for r in ("leader", "officer", "admin", "department") if r in spec.roles)
        at = AppTest.from_file(str(REPO_ROOT / "dashboard" / "app.py"), default_timeout=120).run()
        at.text_input(key="login_name").input(ROLES[role])
        at.text_input(key="login_password").input(PASSWORD)
        at.button[0].click().run()
        st.cache_data.clear()  # cold: what the first viewer after the cache expires waits for
        at.switch_page(spec.path)
        t0 = time.perf_counter()
        at.run()
        results[spec.title] = round(time.perf_counter() - t0, 3)
        if at.exception:
            raise RuntimeError(f"页面「{spec.title}」渲染出错：{at.exception[0].message}")
        if spec.path == "views/search.py":  # an empty search box renders nothing: time a real query too
            at.text_input(key="s_query").input("供暖 停水")
            st.cache_data.clear()
            t0 = time.perf_counter()
            at.run()
            results["全文检索（查询）"] = round(time.perf_counter() - t0, 3)
    return results


def bench_dashboard_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yuqing bench dashboard", description="看板各页面渲染耗时")
    parser.add_argument("--json", action="store_true", help="输出 JSON：页面名 → 秒")
    parser.add_argument("--docs", type=int, default=200_000, help="生成的文档数（默认 200000）")
    args = parser.parse_args(argv)
    if args.docs < 1:
        print("--docs 应为正整数", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-dashboard-") as tmp:
        home = Path(tmp)
        t0 = time.perf_counter()
        _load(home, args.docs, progress=not args.json)
        load_seconds = time.perf_counter() - t0
        results = _render_times(home)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print(f"载入 {args.docs:,} 篇文档用时 {load_seconds:.1f} 秒")
        for page, seconds in results.items():
            mark = "✓" if seconds <= TARGET_SECONDS else "✗ 超过 2 秒"
            print(f"  {page:<14} {seconds:6.3f} 秒  {mark}")
        slow = [p for p, s in results.items() if s > TARGET_SECONDS]
        print("全部页面达标（≤ 2 秒）" if not slow else f"未达标：{'、'.join(slow)}")
    return 0
