"""``yuqing dashboard [--port P] [--host H]``: run the Streamlit app on this machine."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"


def streamlit_command(port: int, host: str) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port), "--server.address", host,
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            # Users are officers, not developers: no Deploy/Rerun developer menu.
            "--client.toolbarMode", "viewer"]


def dashboard_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yuqing dashboard", description="启动 Streamlit 看板")
    parser.add_argument("--port", type=int, default=8501, help="端口（默认 8501）")
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，仅本机可访问）")
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        print(f"端口 {args.port} 无效（应为 1–65535）", file=sys.stderr)
        return 2
    print(f"看板地址：http://{args.host}:{args.port}/ （大屏模式：http://{args.host}:{args.port}/?screen=1）；Ctrl-C 退出",
          flush=True)
    try:
        return subprocess.call(streamlit_command(args.port, args.host), env=dict(os.environ))
    except KeyboardInterrupt:
        return 0
