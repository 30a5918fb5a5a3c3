"""The Streamlit dashboard (officers' workbench, leaders' heat board, department desk) and the 舆情简报 reports.

Pages hold layout only; every query and action goes through :mod:`yuqing.dashboard.services`.
"""
