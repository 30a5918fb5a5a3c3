"""Built-in rule types; configuration maps a ``type`` name to a class path (see ``RULE_TYPES``)."""

RULE_TYPES = {
    "heat": "alerts.rules.heat.HeatRule",
    "spike": "alerts.rules.spike.SpikeRule",
    "keywords": "alerts.rules.keywords.KeywordRule",
    "negative_share": "alerts.rules.negative.NegativeShareRule",
    "unanswered": "alerts.rules.unanswered.UnansweredPostRule",
    "manual": "alerts.rules.manual.ManualRule",
    "source_health": "alerts.rules.source_health.SourceHealthRule",
    "engagement": "alerts.rules.engagement.EngagementRule",
}
