"""Reading JSON-lines input (``yuqing ingest``, ``analyze``, ``cluster``): one bad line never stops the rest."""

from __future__ import annotations

import json
from typing import Any, Iterable, Iterator


def read_json_lines(lines: Iterable[str]) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, parsed value or None, Chinese error or None) for each non-blank line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line), None
        except json.JSONDecodeError as exc:
            yield number, None, f"不是有效的 JSON（{exc.msg}，第 {exc.colno} 列）"
