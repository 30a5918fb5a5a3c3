"""One judgement of a crawl source's health, from the row the crawler stores and ``[crawl] failure_cycles``."""

from __future__ import annotations

import pytest

from yuqing.config import load_config
from yuqing.health import SourceState, failure_threshold, source_health


@pytest.mark.parametrize("row, state, attention, problems", [
    (None, SourceState.NEVER_RUN, False, []),
    ({}, SourceState.NEVER_RUN, False, []),
    ({"consecutive_failures": 0, "consecutive_empty": 0, "runs": 4}, SourceState.HEALTHY, False, []),
    ({"consecutive_failures": 2, "consecutive_empty": 0}, SourceState.LAST_FAILED, False, []),
    ({"consecutive_failures": 3, "consecutive_empty": 0}, SourceState.FAILING, True, ["连续 3 轮抓取失败"]),
    ({"consecutive_failures": 0, "consecutive_empty": 5}, SourceState.SILENT, True, ["连续 5 轮没有发现任何文章"]),
    ({"consecutive_failures": 4, "consecutive_empty": 3}, SourceState.FAILING, True,
     ["连续 4 轮抓取失败", "连续 3 轮没有发现"]),
    ({"consecutive_failures": None, "consecutive_empty": None, "runs": 1}, SourceState.HEALTHY, False, []),
])
def test_states_and_reasons(row, state, attention, problems):
    judged = source_health("city", row, 3)
    assert judged.state is state and judged.needs_attention is attention and judged.threshold == 3
    assert len(judged.problems) == len(problems)
    for text, expected in zip(judged.problems, problems):
        assert expected in text


def test_threshold_comes_from_crawl_failure_cycles(tmp_path):
    path = tmp_path / "yuqing.toml"
    path.write_text("[crawl]\nfailure_cycles = 5\n", encoding="utf-8")
    config = load_config(path, home=tmp_path)
    assert failure_threshold(config) == 5
    row = {"consecutive_failures": 4, "consecutive_empty": 0}
    assert source_health("city", row, failure_threshold(config)).state is SourceState.LAST_FAILED
    path.write_text("[crawl]\nqueue = \"local\"\n", encoding="utf-8")
    assert failure_threshold(load_config(path, home=tmp_path)) == 3
