"""Spiders generated from the configured sources (see :mod:`crawlers.spiders.loader`)."""
