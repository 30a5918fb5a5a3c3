"""Request parameters of the sample web: a bad one is a 400 with a Chinese message (HTML or JSON by path)."""

from __future__ import annotations


class BadRequest(Exception):
    pass


def _page_param(query: dict, name: str = "page", default: int = 1, low: int = 1, high: int = 10**6) -> int:
    raw = query.get(name, [str(default)])[0]
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"参数 {name} 必须是整数，收到「{raw}」") from None
    if not low <= value <= high:
        raise BadRequest(f"参数 {name} 必须在 {low} 到 {high} 之间，收到 {value}")
    return value
