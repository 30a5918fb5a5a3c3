"""Every change the events stage logs reads in Chinese on the alert page (it showed 「事件reopened」 before)."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard.services.actions import EVENT_ACTIONS, EVENT_DETAIL_KEYS, describe_event_change

EVENTS = Path(__file__).resolve().parents[2] / "nlp" / "events"
CLUSTERER = [EVENTS / "cluster.py", EVENTS / "reshape.py"]  # the clusterer and its reopen/merge/split mixin


def _logged():
    """(actions, detail keys) the events stage writes to the event log, read from its source."""
    source = "\n".join(path.read_text(encoding="utf-8") for path in CLUSTERER)
    logged = set(re.findall(r'"action": "([a-z_]+)"', source))
    keys = set()
    for block in re.findall(r'"details": (\{[^}]*\})', source):
        keys |= set(re.findall(r'"([a-z_]+)":', block))
    for block in re.findall(r'detail = (\{[^}]*\})', source):
        keys |= set(re.findall(r'"([a-z_]+)":', block))
    return logged, keys


def test_every_logged_event_change_has_a_label():
    logged, keys = _logged()
    assert {"merge", "merged_into", "split", "split_from", "reopened"} <= logged  # the parser still sees them
    assert logged <= set(EVENT_ACTIONS), logged - set(EVENT_ACTIONS)
    assert keys <= set(EVENT_DETAIL_KEYS), keys - set(EVENT_DETAIL_KEYS)


def test_describe_event_change_reads_as_chinese():
    label, note = describe_event_change("reopened", {"by": "d1", "duplicate_of": "d0", "idle_days": 12.5})
    assert label == "事件因转载重新活跃" and note == "触发文档=d1；原帖=d0；沉寂天数=12.5"
    assert describe_event_change("future_action", None) == ("事件future_action", "")
