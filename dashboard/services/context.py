"""The application object behind the dashboard: one per configuration file and home directory."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from yuqing.app import App
from yuqing.config import config_path
from yuqing.paths import yuqing_home


@st.cache_resource(show_spinner=False)
def _open_app(path: str, home: str) -> App:
    app = App.load(path, Path(home))
    app.store  # open (and migrate) now, so the first page does not pay for it
    return app


def app_key() -> str:
    """Identifies the store in cache keys, so two stores in one process (tests, bench) never share entries."""
    return f"{config_path()}|{yuqing_home()}"


def get_app() -> App:
    return _open_app(str(config_path()), str(yuqing_home()))


def env_now_override() -> str | None:
    # Demos and tests may pin the clock (same as every CLI command's --now).
    return os.environ.get("YUQING_NOW") or None
