"""Where things live on disk: the project's home directory and the shared training data."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def yuqing_home() -> Path:
    """Directory holding the database, crawl state and logs (``YUQING_HOME``, default ``./var``)."""
    return Path(os.environ.get("YUQING_HOME", "var")).resolve()


def shared_data_dir() -> Path | None:
    """The shared labelled data (``YUQING_SHARED_DATA`` or ``../shared/data`` beside the repo).

    Returns None when it is absent, as on a user's fresh machine.
    """
    candidates = []
    if os.environ.get("YUQING_SHARED_DATA"):
        candidates.append(Path(os.environ["YUQING_SHARED_DATA"]))
    candidates.append(REPO_ROOT.parent / "shared" / "data")
    for path in candidates:
        if path.is_dir():
            return path
    return None
