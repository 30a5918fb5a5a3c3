"""Fixtures for the alerts tests (the helpers live in alerts_testkit, importable from the test modules)."""

from alerts_testkit import http_receiver, make_app, smtp_sink  # noqa: F401  (pytest fixtures)
