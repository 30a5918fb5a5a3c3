"""Helpers shared by the kernel's command modules."""

from __future__ import annotations

import argparse
import json
from typing import Any


def load_app(args: argparse.Namespace):
    from yuqing.app import App

    return App.load(args.config)


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))
