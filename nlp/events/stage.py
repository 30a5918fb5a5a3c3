"""The events stage of the running system: store → clusterer → store.

Each run takes the analysed documents that are in no event yet (oldest first), places them with the
clusterer restored from the events persisted in the store (``Event.state``: restarts continue where the
last run stopped), links documents to events, saves changed events, records merges and splits in the event
log, and recomputes the heat of recent events as of ``now``.

Ordering makes a crash harmless: events are saved before documents are linked, and placing a document an
event already holds is a no-op, so a re-run after a crash links the same documents to the same events.

An event merged into another keeps its record, marked ``state["merged_into"]`` with what it was before the
merge, and the event log says so; having no documents, it is no longer listed or counted by the store. This stage
only records the merge: the alerts stage moves an open alert on the merged-away event to the survivor at its next
tick (alerts/merges.py).
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from yuqing.nlp.events.briefing import refresh_briefs
from yuqing.nlp.events.cluster import EventClusterer
from yuqing.nlp.events.materialize import materialize
from yuqing.nlp.events.features import ClusterDoc, FeatureExtractor
from yuqing.nlp.events.heat import compute_heat
from yuqing.nlp.events.settings import EventSettings
from yuqing.nlp.events.spread import source_types
from yuqing.model import Document, Event
from yuqing.social import AccountList, account_key
from yuqing.vocab import zero_heat_parts

log = logging.getLogger(__name__)


def authority_map(sources: list[Any]) -> dict[str, float]:
    """Source name *and* title → authority (documents may carry either)."""
    out: dict[str, float] = {}
    for s in sources:
        out[s.name] = float(s.authority)
        if getattr(s, "title", None):
            out.setdefault(s.title, float(s.authority))
    return out


def known_places(config: Any) -> list[str]:
    """The place names the config knows (departments' and sources' regions): areas, never linking entities."""
    out = {r for d in getattr(config, "departments", []) or [] for r in (d.regions or [])}
    out.update(s.region for s in getattr(config, "sources", []) or [] if getattr(s, "region", None))
    return sorted(out)


def survivor(merged_into: dict[str, str], event_id: str) -> str:
    """The event ``event_id`` ended up in, following the clusterer's (public) merge map through merges of merges."""
    while event_id in merged_into:
        event_id = merged_into[event_id]
    return event_id


def doc_time(doc: Document) -> datetime:
    a = doc.analysis or {}
    return doc.published_at or doc.fetched_at or a.get("first_seen") or a.get("analyzed_at")


def to_cluster_doc(doc: Document) -> ClusterDoc:
    a = doc.analysis or {}
    return ClusterDoc.from_analysis(doc.id, a, doc_time(doc), title=doc.title, source=doc.source, region=doc.region,
                                    likes=doc.likes, dislikes=doc.dislikes, replies=doc.replies, reposts=doc.reposts)


def with_heat(event: Event, settings: EventSettings, authority: dict[str, float], now: datetime | None) -> Event:
    heat, parts, inputs = compute_heat(event.state.get("members", {}).values(), settings, authority,
                                       now.timestamp() if now else None)
    event.heat, event.heat_parts = heat, parts
    event.state["heat_inputs"] = inputs
    # Emotion mix of the event: share of each emotion among the members that have one (yuqing.nlp.emotion).
    emotions = Counter(m["em"] for m in event.state.get("members", {}).values() if m.get("em"))
    if emotions:
        n = sum(emotions.values())
        event.state["emotions"] = {k: round(v / n, 3) for k, v in emotions.most_common()}
    return event


class EventStage:
    def __init__(self, store: Any, settings: EventSettings | None = None, authority: dict[str, float] | None = None,
                 *, batch_size: int = 2000, max_batches: int = 50, known_places: list[str] | None = None,
                 source_types: dict[str, str] | None = None, brief_writer: Any = None,
                 accounts: AccountList | None = None):
        self.store = store
        self.brief_writer = brief_writer  # optional LLM rewrite of the briefs ([brief] llm_url)
        self.source_types = dict(source_types or {})  # source → news/board/feed, for the 传播路径's type share
        self.accounts = accounts or AccountList()  # [[accounts]]: authority of official, media and key accounts
        self.known_places = list(known_places or [])  # districts/counties the config names: never entities
        self.settings = settings or EventSettings()
        self.authority = authority or {}
        self.batch_size = batch_size
        self.max_batches = max_batches
        self._extractor: FeatureExtractor | None = None
        self._last_refresh: datetime | None = None

    @classmethod
    def from_config(cls, config: Any, store: Any) -> "EventStage":
        settings = EventSettings.from_section(config.section("events"))
        from yuqing.nlp.events.llm import LLMWriter

        return cls(store, settings, authority_map(config.sources), known_places=known_places(config),
                   source_types=source_types(config), brief_writer=LLMWriter.from_config(config),
                   accounts=config.accounts)

    def _transaction(self):
        tx = getattr(self.store.documents, "transaction", None)
        return tx() if tx else contextlib.nullcontext()

    def run(self, now: datetime) -> dict[str, Any]:
        docs_store = self.store.documents
        s = self.settings
        stats = {"documents": 0, "new_events": 0, "duplicates": 0, "merges": 0, "splits": 0, "reopened": 0,
                 "events_saved": 0, "heat_refreshed": 0, "skipped": 0, "recounted": 0, "briefs": 0}
        briefed: list[str] = []
        if self._extractor is None:
            self._extractor = FeatureExtractor(known_places=self.known_places)
        clusterer: EventClusterer | None = None
        seen: set[str] = set()
        for _ in range(self.max_batches):
            docs = [d for d in docs_store.unclustered_documents(self.batch_size) if d.id not in seen]
            if not docs:
                break
            seen.update(d.id for d in docs)
            if clusterer is None:
                earliest = min((doc_time(d) for d in docs if doc_time(d)), default=now)
                clusterer = EventClusterer(s, self._extractor)
                clusterer.id_taken = lambda eid: docs_store.get_event(eid) is not None
                # Idle events within the repost look-back too: a late repost of one of their posts reopens them.
                back = max(s.window_days, s.repost_lookback_days, s.entity_window_days)
                clusterer.restore(docs_store.active_events(min(earliest, now) - timedelta(days=back)))
            links: dict[str, tuple[str | None, str | None]] = {}
            for doc in sorted(docs, key=lambda d: (doc_time(d) or now, d.id)):
                if doc_time(doc) is None or not doc.analysis:
                    stats["skipped"] += 1
                    continue
                a = clusterer.add(to_cluster_doc(doc))
                emotion = doc.analysis.get("emotion")  # kept on the member for the event's emotion mix
                placed = clusterer.get(clusterer._resolve(a.event_id)) if a.event_id else None
                if isinstance(emotion, dict) and emotion.get("label") and placed and doc.id in placed.members:
                    placed.members[doc.id]["em"] = str(emotion["label"])
                account = self.accounts.match(doc)  # a listed (or platform-official) author: heat's authority part
                if account is not None and account.weight > 0 and placed and doc.id in placed.members:
                    placed.members[doc.id]["a"] = [account_key(doc), account.weight]
                links[doc.id] = (a.event_id, a.duplicate_of)
                stats["documents"] += 1
                stats["new_events"] += a.new_event
                stats["duplicates"] += a.duplicate_of is not None
            changes, moved, touched = clusterer.collect_changes()
            for doc_id, eid in moved.items():
                root = clusterer.root_of.get(doc_id, doc_id)
                links[doc_id] = (eid, None if root == doc_id else root)
            links = {d: (survivor(clusterer.merged_into, e) if e else e, dup) for d, (e, dup) in links.items()}
            merged = {ch["event_id"]: ch for ch in changes if ch["action"] == "merged_into"}
            events = []
            for eid in touched:
                ev = clusterer.get(eid)
                if ev is not None:
                    events.append(with_heat(materialize(ev, entities=clusterer.event_entities(ev)), s,
                                            self.authority, now))
                elif eid in clusterer.merged_into:
                    events.append(self._tombstone(eid, survivor(clusterer.merged_into, eid), merged.get(eid), now))
            with self._transaction():
                docs_store.save_events(events, now)
                for ch in changes:
                    docs_store.log_event_change(ch["event_id"], ch["action"], ch["details"],
                                                datetime.fromtimestamp(ch["at"], tz=now.tzinfo))
                docs_store.link_documents(links)
                # Counts from the documents just linked, in the same transaction: a merge or split never leaves an
                # event whose doc_count disagrees with its documents (on the heat board or in the alert rules).
                recount = {e.id for e in events} | {eid for eid, _ in links.values() if eid}
                for eid, n in docs_store.recount_events(sorted(recount), now).items():
                    log.warning("事件 %s 的文档数与其文档不一致，已按文档重新计数为 %d", eid, n)
                    stats["recounted"] += 1
            stats["events_saved"] += len(events)
            briefed += [e.id for e in events]
            stats["merges"] += sum(c["action"] == "merge" for c in changes)
            stats["splits"] += sum(c["action"] == "split" for c in changes)
            stats["reopened"] += sum(c["action"] == "reopened" for c in changes)
        # Briefs after the batches: an event touched by several batches is read once, with all its posts linked.
        stats["briefs"] = refresh_briefs(docs_store, briefed, now, self.source_types, self.brief_writer)
        stats["heat_refreshed"] = self.refresh_heat(now)
        return stats

    def _tombstone(self, eid: str, into: str, change: dict[str, Any] | None, now: datetime) -> Event:
        """A merged-away event's record: marked merged into its survivor, with what it was before the merge
        (title, size, time span, heat), and no documents, so lists, counts and the heat board leave it out
        (``active_events`` too: it has no last_seen)."""
        old = self.store.documents.get_event(eid)
        info = (change or {}).get("details") or {}
        title = (old.title if old else "") or info.get("title") or ""
        before = {"title": title, "doc_count": old.doc_count if old else info.get("moved_docs"),
                  "first_seen": old.first_seen.isoformat() if old and old.first_seen else info.get("first_seen"),
                  "last_seen": old.last_seen.isoformat() if old and old.last_seen else info.get("last_seen"),
                  "heat": old.heat if old else None}
        at = datetime.fromtimestamp(change["at"], tz=now.tzinfo) if change else now
        return Event(id=eid, title=f"（已并入 {into}）{title}", keywords=old.keywords if old else [],
                     region=old.region if old else None, topic=old.topic if old else None,
                     department=old.department if old else None,
                     first_seen=old.first_seen if old else None, last_seen=None, doc_count=0, heat=0.0,
                     heat_parts=zero_heat_parts(),
                     state={"v": 1, "merged_into": into, "merged_at": at.isoformat(), "before_merge": before})

    # With no new documents, heat is recomputed at most this often (of the job's clock): the scheduler runs
    # ``process`` every few seconds, and five minutes move heat by under 0.25 % at the default 24 h half-life.
    IDLE_REFRESH = timedelta(minutes=5)

    def refresh_heat_if_due(self, now: datetime) -> int:
        """``refresh_heat`` for a pass with nothing new, unless one ran less than ``IDLE_REFRESH`` away from ``now``
        (either way: a replay may tick backwards). Returns how many events were written."""
        last = self._last_refresh
        if last is not None and abs(now - last) < self.IDLE_REFRESH:
            return 0
        return self.refresh_heat(now)

    def refresh_heat(self, now: datetime) -> int:
        """Recompute heat as of ``now`` for every event seen within the window plus ten half-lives (older ones
        were refreshed when their heat had already decayed below 0.1 % of its peak). Run by every events pass and,
        when nothing new arrived, by every ``process``/``tick`` on its own, so heat decays and re-ranks with the
        clock. Only events whose heat or parts changed are written. Returns how many were written."""
        s = self.settings
        horizon = now - timedelta(days=s.window_days, hours=10 * s.half_life_hours)
        changed = []
        for e in self.store.documents.active_events(horizon):
            if not e.state.get("members"):
                continue
            before = (e.heat, dict(e.heat_parts or {}), (e.state.get("heat_inputs") or {}).get("hours_since_last"))
            with_heat(e, s, self.authority, now)
            if (e.heat, e.heat_parts, e.state["heat_inputs"].get("hours_since_last")) != before:
                changed.append(e)
        if changed:
            self.store.documents.save_events(changed, now)
        self._last_refresh = now
        return len(changed)
