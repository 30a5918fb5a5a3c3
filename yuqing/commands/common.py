"""Helpers shared by the kernel's command modules."""

from __future__ import annotations

import argparse
import json
from typing import Any


def load_app(args: argparse.Namespace):
    from yuqing.app import App

    app = App.load(args.config)
    app.refresh()  # the configuration in force: the file plus the dashboard's stored changes (yuqing.config_store)
    return app


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))
