"""Built-in rule types; configuration maps a ``type`` name to a class path (see ``RULE_TYPES``)."""

RULE_TYPES = {
    "heat": "yuqing.alerts.rules.heat.HeatRule",
    "spike": "yuqing.alerts.rules.spike.SpikeRule",
    "keywords": "yuqing.alerts.rules.keywords.KeywordRule",
    "negative_share": "yuqing.alerts.rules.negative.NegativeShareRule",
    "unanswered": "yuqing.alerts.rules.unanswered.UnansweredPostRule",
    "manual": "yuqing.alerts.rules.manual.ManualRule",
    "source_health": "yuqing.alerts.rules.source_health.SourceHealthRule",
    "engagement": "yuqing.alerts.rules.engagement.EngagementRule",
    "scheme_volume": "yuqing.alerts.rules.scheme_volume.SchemeVolumeRule",
}
