"""Alerts and the response loop: rules → alerts → dispatch with legal deadlines → 督办 → evaluation.

Public entry point: :class:`yuqing.alerts.service.AlertService`. Stages talk through the store; nothing here imports
the crawlers or the NLP stage.
"""
