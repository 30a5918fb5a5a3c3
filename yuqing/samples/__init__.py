"""Synthetic content written by our own code: board posts, news articles, reposts, with ground truth.

Pure functions of a seed and a clock, used by the sample web sites (``crawlers/sample_sites``), the demo, the
benchmarks and the evaluations. ``timeline`` is the entry point (``Timeline``, ``generate``, ``generate_posts``,
``iter_posts``); ``posts`` and ``articles`` make single items; ``corpus`` and ``problems`` hold the wording.
"""
