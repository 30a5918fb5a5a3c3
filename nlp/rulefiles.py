"""Rule files under nlp/data (boilerplate.txt, doc_headers.txt): one regular expression per line, in sections."""

from __future__ import annotations

import re
from pathlib import Path


def read_rule_sections(path: Path, names: tuple[str, ...]) -> dict[str, re.Pattern]:
    """One alternation per ``[section]`` of a rule file (one regular expression per line)."""
    sections: dict[str, list[str]] = {name: [] for name in names}
    current = None
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.strip() in {f"[{name}]" for name in names}:
                current = line.strip()[1:-1]
                continue
            if current is None:
                allowed = " 或 ".join(f"[{name}]" for name in names)
                raise ValueError(f"{path}: 规则“{line}”不在 {allowed} 段内")
            sections[current].append(line)
    # An empty section matches nothing (an empty alternation would match everything).
    return {
        name: re.compile("|".join(f"(?:{p})" for p in rules) if rules else r"(?!x)x", re.IGNORECASE)
        for name, rules in sections.items()
    }
