"""Keeps each event's brief and spread (``Event.state["brief"]`` / ``["spread"]``) in step with its posts.

The events stage calls :func:`refresh_briefs` with the events a pass touched, after they are saved: an event whose
posts changed gets a new brief and spread, read from its own posts in the store. One event failing is logged and
skipped; its old brief stays until the next change.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Iterable, Mapping

from yuqing.model import Event
from yuqing.nlp.events.brief import build_brief, pick_posts
from yuqing.nlp.events.spread import build_spread

log = logging.getLogger(__name__)


def brief_is_current(event: Event) -> bool:
    """Whether the stored brief was built from the event as it is now (same size, same last post)."""
    basis = ((event.state or {}).get("brief") or {}).get("basis") or {}
    last = event.last_seen.isoformat() if event.last_seen else None
    return basis.get("doc_count") == event.doc_count and basis.get("last_seen") == last and "spread" in event.state


def brief_event(store: Any, event: Event, source_types: Mapping[str, str] | None = None, writer: Any = None) -> Event:
    """``event`` with its brief and spread rebuilt from its posts in ``store`` (the documents half); ``writer``: the
    optional LLM writer (:class:`yuqing.nlp.events.llm.LLMWriter`), whose rewrite is kept beside the brief."""
    docs = store.get_documents(pick_posts(event))
    brief = build_brief(event, docs)
    rewritten = writer.rewrite(event.title, brief) if writer is not None else None
    if rewritten:
        brief["rewritten"] = rewritten
    event.state["brief"] = brief
    event.state["spread"] = build_spread(event, source_types)
    return event


def refresh_briefs(store: Any, event_ids: Iterable[str], now: datetime,
                   source_types: Mapping[str, str] | None = None, writer: Any = None) -> int:
    """Rebuild the brief and spread of each listed event that changed since its brief; returns how many."""
    changed = []
    for eid in dict.fromkeys(event_ids):
        event = store.get_event(eid)
        if event is None or not (event.state or {}).get("members") or event.state.get("merged_into"):
            continue
        if brief_is_current(event):
            continue
        try:
            changed.append(brief_event(store, event, source_types, writer))
        except Exception:  # one event's brief must not stop the pass; the next change retries it
            log.exception("事件 %s 的简报生成失败，保留原简报", eid)
    if changed:
        store.save_events(changed, now)
    return len(changed)
