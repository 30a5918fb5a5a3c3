"""``yuqing demo`` (what ``make demo`` runs): the whole loop on one machine with the generated sample sites.

Starts the sample sites, creates one demo account per role with a random password, runs a first crawl and
processing cycle, then the scheduler and the dashboard. Ctrl-C stops every process it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from yuqing.clock import now as clock_now
from yuqing.config import DEFAULT_CONFIG
from yuqing.model import Role
from yuqing.paths import REPO_ROOT
from yuqing.plugins import load_object
from yuqing.users import create_user, hash_password, random_password

DEMO_ACCOUNTS = [
    ("admin", Role.ADMIN, None),
    ("officer", Role.OFFICER, None),
    ("leader", Role.LEADER, None),
    ("a3_zhujian", Role.DEPARTMENT, "A3区住房和城乡建设局"),
    ("zhujian", Role.DEPARTMENT, "A市住房和城乡建设局"),
    ("jiaoyu", Role.DEPARTMENT, "A市教育局"),
    ("duchashi", Role.DEPARTMENT, "A市人民政府督查室"),
]


def demo_config(home: Path, port: int) -> Path:
    """The packaged sample-site configuration, pointed at the chosen port."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    if port != 8600:
        text = text.replace("127.0.0.1:8600", f"127.0.0.1:{port}")
    path = home / "demo.toml"
    path.write_text(text, encoding="utf-8")
    return path


def reset_demo_accounts(app) -> list[tuple[str, str, str, str]]:
    """Demo mode only: every run gets fresh random passwords (no fixed default passwords anywhere)."""
    store = app.store.workflow
    known = {d.name for d in app.config.departments}
    accounts = []
    for name, role, department in DEMO_ACCOUNTS:
        if department and department not in known:
            continue
        password = random_password()
        user = store.get_user(name)
        if user is None:
            create_user(store, name, role.value, password, department=department, now=clock_now())
        else:
            user.password_hash = hash_password(password)
            user.role, user.department, user.active = role, department, True
            store.update_user(user)
        accounts.append((name, password, role.value, department or ""))
    return accounts


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def run_demo(port: int = 8600, dashboard_port: int = 8501, seed: int = 42) -> int:
    from yuqing import jobs
    from yuqing.app import App
    from yuqing.scheduler import build_scheduler
    import yuqing.scheduler as scheduler_module

    # SIGTERM (e.g. from `timeout` or a service manager) must stop everything we started, like Ctrl-C does.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    home = Path(os.environ.get("YUQING_HOME", REPO_ROOT / "var" / "demo")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["YUQING_HOME"] = str(home)
    config_path = demo_config(home, port)
    os.environ["YUQING_CONFIG"] = str(config_path)
    os.environ["YUQING_DEMO"] = "1"
    # Demo only: `yuqing alerts act|raise --now` may replay the loop at chosen times (refused everywhere else).
    os.environ["YUQING_ALLOW_CLOCK_OVERRIDE"] = "1"

    serve = load_object("crawlers.sample_sites.server.serve")
    print(f"[1/5] 启动样例站点 http://127.0.0.1:{port}/ …", flush=True)
    sites = serve(host="127.0.0.1", port=port, seed=seed, live=True)
    sites.start()

    app = App.load(config_path, home)
    scheduler_module._app = app
    accounts = reset_demo_accounts(app)
    print("[2/5] 演示账号（每次运行随机生成密码）：", flush=True)
    for name, password, role, department in accounts:
        print(f"      {name:<12} 密码 {password:<14} 角色 {role:<10} {department}", flush=True)

    print(f"[3/5] 启动看板 http://127.0.0.1:{dashboard_port}/ …", flush=True)
    streamlit_command = load_object("dashboard.cli.streamlit_command")
    dashboard = subprocess.Popen(streamlit_command(dashboard_port, "127.0.0.1"), env=os.environ.copy(),
                                 start_new_session=True)

    scheduler = None
    try:
        print("[4/5] 首轮采集与分析 …", flush=True)
        crawl = app.component("crawl")
        crawl(app.config)
        report = jobs.tick(app, clock_now())
        stats = app.store.stats()
        print(f"      文档 {stats['documents']} 篇，事件 {stats['events']} 个，预警 {stats['alerts']} 条 "
              f"（本轮新预警 {len(report['alerts'])} 条）", flush=True)
        print("[5/5] 启动调度器：按间隔持续采集、分析、预警、检查时限。按 Ctrl-C 停止全部进程。", flush=True)
        scheduler = build_scheduler(app, blocking=False)
        scheduler.start()
        while dashboard.poll() is None:
            time.sleep(1)
        print("看板进程已退出", flush=True)
        return dashboard.returncode or 0
    except KeyboardInterrupt:
        print("\n正在停止 …", flush=True)
        return 0
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if dashboard.poll() is None:
            os.killpg(dashboard.pid, signal.SIGTERM)
            try:
                dashboard.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(dashboard.pid, signal.SIGKILL)
        sites.stop()
        app.close()
        print("已停止样例站点、调度器和看板", flush=True)
