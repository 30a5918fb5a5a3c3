"""All dashboard I/O: reads from the store, actions through the alerts service. Pages import only this package.

``queries`` and ``actions`` are plain functions of an :class:`yuqing.app.App` (the report CLI and the benchmark
use them without Streamlit); ``cached`` wraps the reads in short-lived ``st.cache_data`` entries keyed by filters.
"""
