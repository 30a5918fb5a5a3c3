"""The ``[events]`` configuration section: clustering thresholds and heat-index weights, validated."""

from __future__ import annotations

from dataclasses import dataclass, field

from yuqing.config import Checker
from yuqing.vocab import WEIGHTED_HEAT_PARTS


@dataclass
class EventSettings:
    # Clustering
    window_days: float = 7.0  # an event idle longer than this takes no new documents
    dedup_hamming: int = 3  # SimHash bits that may differ between a repost and its original
    dedup_min_words: int = 5  # shorter texts give unreliable fingerprints: never called duplicates
    # A repost of a post at most this old joins (and reopens) the original's event even after the event went
    # idle: spam sites and aggregators repost weeks later. Also bounds the fingerprints kept in memory.
    repost_lookback_days: float = 30.0
    join_similarity: float = 0.38  # cosine of problem terms to join an event on wording alone
    place_similarity: float = 0.08  # … when the post names the same place (estate, road, school …)
    place_bonus: float = 0.3
    near_identical: float = 0.8  # wording this close joins even when the places named differ
    merge_similarity: float = 0.5  # two events whose centroids are this close become one
    split_similarity: float = 0.1  # an event whose two halves are this far apart is split
    split_min_docs: int = 3  # each half must hold at least this many posts
    # Entities (a named estate, platform, school, road, village, bridge … see yuqing.nlp.events.features.extract_entities):
    # a post naming a distinctive entity is a candidate for any event naming it whose last post is at most
    # ``entity_window_days`` old (even one gone idle: it reopens), and joins it when the wording overlaps at least
    # ``entity_similarity``. An entity named by ``entity_max_events`` or more distinct events within the window is
    # generic (document frequency, counted over events) and links nothing.
    entity_window_days: float = 30.0
    entity_similarity: float = 0.05
    entity_max_events: int = 6
    # Heat
    half_life_hours: float = 24.0
    growth_window_hours: float = 24.0
    growth_baseline_windows: int = 3
    volume_reference: float = 100.0  # docs (duplicates weighted) that give a full volume score
    duplicate_weight: float = 0.5  # a repost counts as half a new voice
    interaction_reference: float = 2000.0  # weighted interactions that give a full interaction score
    authority_reference: float = 5.0  # summed authority of distinct sources that gives a full score
    growth_reference: float = 8.0  # recent/baseline ratio that gives a full growth score
    weights: dict[str, float] = field(default_factory=lambda: {
        "volume": 0.4, "interaction": 0.25, "authority": 0.15, "growth": 0.2})
    interaction_weights: dict[str, float] = field(default_factory=lambda: {
        "likes": 1.0, "dislikes": 1.0, "replies": 2.0, "reposts": 3.0})
    default_authority: float = 1.0

    @classmethod
    def from_section(cls, c: Checker) -> "EventSettings":
        d = cls()
        c.reject_unknown(d.__dataclass_fields__)
        s = cls(
            window_days=c.get("window_days", float, d.window_days, minimum=0.01),
            dedup_hamming=c.get("dedup_hamming", int, d.dedup_hamming, minimum=0, maximum=3),
            dedup_min_words=c.get("dedup_min_words", int, d.dedup_min_words, minimum=1),
            repost_lookback_days=c.get("repost_lookback_days", float, d.repost_lookback_days, minimum=0,
                                       maximum=366),
            join_similarity=c.get("join_similarity", float, d.join_similarity, minimum=0, maximum=1),
            place_similarity=c.get("place_similarity", float, d.place_similarity, minimum=0, maximum=1),
            place_bonus=c.get("place_bonus", float, d.place_bonus, minimum=0, maximum=1),
            near_identical=c.get("near_identical", float, d.near_identical, minimum=0, maximum=1),
            merge_similarity=c.get("merge_similarity", float, d.merge_similarity, minimum=0, maximum=1),
            split_similarity=c.get("split_similarity", float, d.split_similarity, minimum=0, maximum=1),
            split_min_docs=c.get("split_min_docs", int, d.split_min_docs, minimum=2),
            entity_window_days=c.get("entity_window_days", float, d.entity_window_days, minimum=0, maximum=366),
            entity_similarity=c.get("entity_similarity", float, d.entity_similarity, minimum=0, maximum=1),
            entity_max_events=c.get("entity_max_events", int, d.entity_max_events, minimum=2, maximum=1000),
            half_life_hours=c.get("half_life_hours", float, d.half_life_hours, minimum=0.1),
            growth_window_hours=c.get("growth_window_hours", float, d.growth_window_hours, minimum=0.1),
            growth_baseline_windows=c.get("growth_baseline_windows", int, d.growth_baseline_windows, minimum=1,
                                          maximum=60),
            volume_reference=c.get("volume_reference", float, d.volume_reference, minimum=1),
            duplicate_weight=c.get("duplicate_weight", float, d.duplicate_weight, minimum=0, maximum=1),
            interaction_reference=c.get("interaction_reference", float, d.interaction_reference, minimum=1),
            authority_reference=c.get("authority_reference", float, d.authority_reference, minimum=0.1),
            growth_reference=c.get("growth_reference", float, d.growth_reference, minimum=1.5),
            default_authority=c.get("default_authority", float, d.default_authority, minimum=0),
        )
        weights = c.section("weights", {})
        weights.reject_unknown(set(WEIGHTED_HEAT_PARTS))
        s.weights = {k: weights.get(k, float, v, minimum=0) for k, v in d.weights.items()}
        if sum(s.weights.values()) <= 0:
            raise weights.fail("volume", "热度各部分权重之和必须大于 0")
        iw = c.section("interaction_weights", {})
        iw.reject_unknown(set(d.interaction_weights))
        s.interaction_weights = {k: iw.get(k, float, v, minimum=0) for k, v in d.interaction_weights.items()}
        return s
