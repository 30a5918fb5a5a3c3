"""A notification channel that lives outside the project, as a deployment's own would: one module, switched on by
class path in ``[notifications.channels]``. It "delivers" by appending one JSON line per message to a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from yuqing.alerts.notify.base import Channel, DeliveryError, subject_for
from yuqing.config import Checker


class ToyChannel(Channel):
    type_name = "toy"
    contact_keys = ("toy_room",)  # a department's duty room, e.g. toy_room = "a3-duty"
    formats = ("generic", "shout")

    @classmethod
    def parse_options(cls, c: Checker) -> dict[str, Any]:
        c.reject_unknown({"inbox", "prefix"})
        return {"inbox": c.get("inbox", str), "prefix": c.get("prefix", str, "")}

    @classmethod
    def parse_contact(cls, c: Checker) -> dict[str, str]:
        contact = super().parse_contact(c)
        if not contact["toy_room"].endswith("-duty"):
            raise c.fail("toy_room", f"「{contact['toy_room']}」不是值班室名称（应以 -duty 结尾）")
        return contact

    def send(self, target: str, items: list[dict[str, Any]], fmt: str = "generic", *, key: str | None = None) -> str:
        if target == "closed-duty":
            raise DeliveryError("值班室未开门")
        subject = self.options["prefix"] + subject_for(items)
        line = {"room": target, "key": key, "format": fmt, "subject": subject.upper() if fmt == "shout" else subject,
                "kinds": [i["kind"] for i in items], "alerts": [i["alert"]["id"] for i in items]}
        with Path(self.options["inbox"]).open("a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
        return "ok"
