"""Clocks for the sample web: real time, real time from a chosen start, or a clock that tests advance by hand."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Callable

from yuqing.clock import TZ

Clock = Callable[[], datetime]


class ManualClock:
    """A clock that only moves when told to, so tests can advance time."""

    def __init__(self, start: datetime | None = None):
        self._now = (start or datetime(2024, 11, 21, 10, 0, tzinfo=TZ)).astimezone(TZ)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when.astimezone(TZ)


class RunningClock:
    """Real time running from a chosen start (``--start``), so a demo can be replayed exactly."""

    def __init__(self, start: datetime):
        self._start = start.astimezone(TZ)
        self._t0 = time.monotonic()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


def real_clock() -> datetime:
    return datetime.now(TZ)
