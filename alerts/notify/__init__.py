"""Notification channels: one module per channel, built from ``[notifications.<type>]`` by class path."""
