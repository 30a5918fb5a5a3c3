"""Does a crawl source need an operator's attention? One answer for the crawler's report (``yuqing sources``), the
``source_health`` alert rule and the dashboard's sources page.

Input is the health row the crawler records in the store (``WorkflowStore.source_health()``: consecutive failed
passes, consecutive passes that found no links); the threshold is ``[crawl] failure_cycles``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Mapping

#: ``[crawl] failure_cycles`` when the file does not set it.
DEFAULT_FAILURE_CYCLES = 3


class SourceState(enum.Enum):
    NEVER_RUN = "never_run"  # no pass recorded yet
    HEALTHY = "healthy"
    LAST_FAILED = "last_failed"  # the latest pass failed, fewer than the threshold in a row
    FAILING = "failing"  # failed ``threshold`` passes in a row
    SILENT = "silent"  # ``threshold`` passes in a row found no article or post (site redesigned, list page gone?)


@dataclass(frozen=True)
class SourceHealth:
    source: str
    state: SourceState
    consecutive_failures: int
    consecutive_empty: int
    threshold: int

    @property
    def needs_attention(self) -> bool:
        return self.state in (SourceState.FAILING, SourceState.SILENT)

    @property
    def problems(self) -> list[str]:
        """Why the source needs attention, in Chinese (failures first); empty when it does not."""
        out = []
        if self.consecutive_failures >= self.threshold:
            out.append(f"连续 {self.consecutive_failures} 轮抓取失败")
        if self.consecutive_empty >= self.threshold:
            out.append(f"连续 {self.consecutive_empty} 轮没有发现任何文章或留言（网站改版或列表页失效？）")
        return out


def failure_threshold(config: Any) -> int:
    """``[crawl] failure_cycles`` of a loaded configuration."""
    return int(config.crawl.get("failure_cycles", DEFAULT_FAILURE_CYCLES))


def source_health(source: str, row: Mapping[str, Any] | None, threshold: int) -> SourceHealth:
    """Judge one source from its stored health row (None or empty: it has never run)."""
    failures = int((row or {}).get("consecutive_failures") or 0)
    empty = int((row or {}).get("consecutive_empty") or 0)
    if not row:
        state = SourceState.NEVER_RUN
    elif failures >= threshold:
        state = SourceState.FAILING
    elif empty >= threshold:
        state = SourceState.SILENT
    elif failures:
        state = SourceState.LAST_FAILED
    else:
        state = SourceState.HEALTHY
    return SourceHealth(source, state, failures, empty, threshold)
