"""Yuqing kernel: domain model, configuration, storage, scheduler and command line."""

__version__ = "0.1.0"
