"""Spiders generated from the configured sources (see :mod:`yuqing.crawlers.spiders.loader`)."""
