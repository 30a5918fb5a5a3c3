"""``yuqing run | demo``: the long-running scheduler and the one-command demo."""

from __future__ import annotations

import argparse


def cmd_run(args: argparse.Namespace) -> int:
    from yuqing.scheduler import run_forever

    return run_forever(args.config)


def cmd_demo(args: argparse.Namespace) -> int:
    from yuqing.demo import run_demo

    return run_demo(port=args.port, dashboard_port=args.dashboard_port, seed=args.seed)
