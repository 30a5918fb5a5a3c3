"""Reading JSON-lines input (``yuqing ingest``, ``analyze``, ``cluster``): one bad line never stops the rest.

Every line is read, decoded and parsed on its own, and whatever is wrong with it becomes a Chinese message for that
line number, never an exception:

- a line longer than ``MAX_LINE`` (20 MB from a byte stream, 20 million characters from a text stream) is refused
  without being held or parsed whole: the reader reads up to the limit and skips the rest of the line in chunks;
- bytes that are not UTF-8 are refused (a byte stream is decoded line by line, strictly); a UTF-8 byte-order mark at
  the start of the input and the ``\\r`` of CRLF line ends are accepted;
- ``NaN``, ``Infinity``, numbers that overflow to infinity (``1e999``) and integers of more than 18 digits are
  refused when parsed (Python would otherwise build a huge ``int`` or an ``inf`` the store cannot keep);
- nesting deeper than ``MAX_DEPTH`` is refused, including nesting so deep that the parser itself gives up;
- strings (keys and values) holding a lone UTF-16 surrogate (``"\\ud800"``) or a NUL character are refused, naming
  the field. We refuse rather than replace: such a string means the producer is broken, a replaced character would
  silently change what a citizen wrote, and the message tells the operator which line to fix.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Iterable, Iterator

MAX_LINE = 20 * 1024 * 1024
MAX_DEPTH = 20
MAX_INT_DIGITS = 18

_BAD_CHARS = re.compile("[\ud800-\udfff\x00]")
_SKIP_CHUNK = 1 << 20


class _ValueRefused(ValueError):
    """Raised from inside the JSON parser for a value we do not accept; the message is Chinese."""


def _refuse_constant(name: str) -> Any:
    raise _ValueRefused(f"不接受 {name}（JSON 不允许非数值，请改为数字或 null）")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        shown = text if len(text) <= 24 else text[:24] + "…"
        raise _ValueRefused(f"整数 {shown} 超出范围（最多 {MAX_INT_DIGITS} 位）")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _ValueRefused(f"数值 {text if len(text) <= 24 else text[:24] + '…'} 超出范围")
    return value


def _describe(path: list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(整行)"


def check_value(value: Any, max_depth: int = MAX_DEPTH) -> str | None:
    """Why a parsed JSON value is refused (too deep, a lone surrogate or NUL in a string), or None. Iterative, so a
    deep value cannot exhaust the stack here."""
    stack: list[tuple[Any, list[Any], int]] = [(value, [], 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            bad = _BAD_CHARS.search(item)
            if bad:
                what = "NUL 字符（\\u0000）" if bad.group() == "\x00" else f"孤立的代理项（\\u{ord(bad.group()):04x}）"
                return f"字段 {_describe(path)} 含有无效字符：{what}，不是有效的 Unicode 文本"
        elif isinstance(item, (dict, list)):
            if depth > max_depth:
                return f"嵌套层数超过 {max_depth} 层（位置 {_describe(path)}）"
            if isinstance(item, dict):
                for key, child in item.items():
                    if _BAD_CHARS.search(key):
                        return f"字段名 {key.encode('unicode_escape').decode('ascii')!r} 含有无效字符（孤立代理项或 NUL）"
                    stack.append((child, [*path, key], depth + 1))
            else:
                stack.extend((child, [*path, i], depth + 1) for i, child in enumerate(item))
    return None


def parse_line(text: str, max_depth: int = MAX_DEPTH) -> tuple[Any, str | None]:
    """(value, None) or (None, Chinese reason) for one line of JSON."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_int=_parse_int, parse_float=_parse_float)
    except json.JSONDecodeError as exc:
        return None, f"不是有效的 JSON（{exc.msg}，第 {exc.colno} 列）"
    except _ValueRefused as exc:
        return None, str(exc)
    except RecursionError:
        return None, f"嵌套层数过多（超过 {max_depth} 层）"
    except ValueError as exc:  # anything else the parser refuses (e.g. Python's own integer size limit)
        return None, f"不是有效的 JSON（{exc}）"
    problem = check_value(value, max_depth)
    return (None, problem) if problem else (value, None)


def _raw_lines(lines: Any, max_line: int) -> Iterator[tuple[int, str | bytes | None, str | None]]:
    """(line number, raw line or None, error) — a too-long line is skipped in chunks, never held whole."""
    readline = getattr(lines, "readline", None)
    number = 0
    if readline is None:  # a list or generator of strings
        for number, line in enumerate(lines, start=1):
            if len(line) > max_line:
                yield number, None, f"该行过长（{len(line)} 个字符，上限 {max_line}），未解析"
            else:
                yield number, line, None
        return
    while True:
        line = readline(max_line + 1)
        if not line:
            return
        number += 1
        newline = b"\n" if isinstance(line, bytes) else "\n"
        if len(line) > max_line and not line.endswith(newline):
            size = len(line)
            while True:
                rest = readline(_SKIP_CHUNK)
                size += len(rest)
                if not rest or rest.endswith(newline):
                    break
            unit = "字节" if isinstance(line, bytes) else "个字符"
            yield number, None, f"该行过长（{size} {unit}，上限 {max_line}），未解析"
            continue
        yield number, line, None


def read_json_lines(lines: Iterable[str] | Any, *, max_line: int = MAX_LINE, max_depth: int = MAX_DEPTH
                    ) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, parsed value or None, Chinese error or None) for each non-blank line.

    ``lines`` is a binary stream (decoded here, strictly, line by line), a text stream or any iterable of strings.
    """
    for number, line, error in _raw_lines(lines, max_line):
        if error is not None:
            yield number, None, error
            continue
        if isinstance(line, bytes):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, None, f"不是有效的 UTF-8 文本（第 {exc.start + 1} 个字节起无法解码）"
                continue
        elif number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        if not line.strip():
            continue
        value, error = parse_line(line, max_depth)
        yield number, value, error
