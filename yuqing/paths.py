"""Where things live on disk: the project's home directory and the shared training data.

Everything under YUQING_HOME holds citizens' posts and contact details, so it is private to the service user:
folders 0700, files 0600 (:func:`private_umask`, :func:`secure_home`, :func:`create_private_file`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def yuqing_home() -> Path:
    """Directory holding the database, crawl state and logs (``YUQING_HOME``, default ``./var``)."""
    return Path(os.environ.get("YUQING_HOME", "var")).resolve()


PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_umask() -> None:
    """From now on this process creates files 0600 and folders 0700 (SQLite's -wal/-shm files, logs, reports,
    the scheduler's job store, files of crawler child processes). Only ever tightens the current umask."""
    old = os.umask(0o077)
    os.umask(old | 0o077)


def make_private(path: Path) -> None:
    """chmod an existing folder to 0700 or regular file to 0600, if this user owns it (a symlink is left alone)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if st.st_uid != os.getuid():
        return
    if stat.S_ISDIR(st.st_mode):
        mode = PRIVATE_DIR_MODE
    elif stat.S_ISREG(st.st_mode):
        mode = PRIVATE_FILE_MODE
    else:
        return
    if stat.S_IMODE(st.st_mode) & ~mode:
        os.chmod(path, stat.S_IMODE(st.st_mode) & mode)


def secure_home(home: Path) -> Path:
    """Create the home folder 0700 if needed, and make it and what it directly holds private (an installation
    made before this rule had 0755/0644). Deeper files need no walk: nobody else can enter a 0700 folder."""
    home.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    make_private(home)
    for child in home.iterdir():
        make_private(child)
    return home


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (then only tighten its mode), whatever the umask:
    SQLite then opens the empty file as a new database and creates its -wal/-shm files with the same mode."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        make_private(path)


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
