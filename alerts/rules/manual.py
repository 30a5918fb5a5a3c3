"""Manual alerts raised by an officer: never fires by itself; gives manual alerts a rule name and level."""

from __future__ import annotations

from yuqing.alerts.rules.base import Rule


class ManualRule(Rule):
    type_name = "manual"
    scopable = False

    @classmethod
    def default_level(cls) -> int:
        return 2
