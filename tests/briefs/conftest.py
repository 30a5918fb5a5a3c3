"""A store of events built by the real stages (ingest, analysis, events, alert rules) from real shared messages.

The messages are the hand-labelled groups of ``tests/events/fixtures/gov_messages_labels.json`` (real 留言 that
tell one issue in several posts) from ../shared/data/gov_messages, posted on the city board. One of them is
reposted twice on other sources with personal details planted in the repost (a name after 「我叫」, a mobile number,
a resident ID number), so the brief, the spread and every output can be checked for them.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from yuqing.clock import TZ
from yuqing.paths import REPO_ROOT
from yuqing.privacy import id_check_digit

CONFIG = REPO_ROOT / "yuqing" / "default_config.toml"
LABELS = REPO_ROOT / "tests" / "events" / "fixtures" / "gov_messages_labels.json"
PLANTED_NAME = "王晓明"
PLANTED_PHONE = "13912345678"
PLANTED_ID = "11010119900307123" + id_check_digit("11010119900307123")
REPOSTED_GROUP = "g18413"


def real_records(shared: Path) -> tuple[list[dict], dict[str, str]]:
    """The labelled real messages as `yuqing ingest` records, and the planted reposts; plus message id → group."""
    from yuqing.nlp.events.evaluate import gov_records, load_gov_messages

    labels = json.loads(LABELS.read_text(encoding="utf-8"))["labels"]
    rows = load_gov_messages(shared)
    records = []
    for r in gov_records(rows[i] for i in labels):
        records.append({"url": f"https://gov.example.cn/message/{r['id']}", "source": "a_city_board", "kind": "post",
                        "title": r["title"], "content": r["content"],
                        "published_at": datetime.fromisoformat(r["published_at"]).replace(tzinfo=TZ).isoformat(),
                        "region": "A市", "author": "网友"})
    original = min((r for r in records if labels[r["url"].rsplit("/", 1)[1]] == REPOSTED_GROUP),
                   key=lambda r: r["published_at"])
    planted = (f"我叫{PLANTED_NAME}，联系电话{PLANTED_PHONE}，身份证号{PLANTED_ID}，"
               "希望有关部门尽快给出答复。")
    at = datetime.fromisoformat(original["published_at"])
    for n, source in enumerate(("a_city_news", "a_city_rss"), start=1):
        records.append({**original, "url": f"https://news.example.cn/repost/{n}", "source": source,
                        "kind": "article", "content": original["content"] + planted,
                        "published_at": (at + timedelta(hours=2 * n)).isoformat()})
    return records, {f"https://gov.example.cn/message/{k}": v for k, v in labels.items()}


@pytest.fixture(scope="session")
def brief_home(shared_data, tmp_path_factory):
    """(home, records, url → group): the store after ingest and one tick of the real stages."""
    from yuqing import jobs
    from yuqing.app import App

    home = tmp_path_factory.mktemp("briefs")
    records, groups = real_records(shared_data)
    now = max(datetime.fromisoformat(r["published_at"]) for r in records) + timedelta(hours=1)
    app = App.load(CONFIG, home)
    report = jobs.ingest(app, io.StringIO("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"), now)
    assert not report.bad
    jobs.tick(app, now)
    app.close()
    return home, records, groups


@pytest.fixture
def brief_app(brief_home, monkeypatch):
    from yuqing.app import App

    home, _, _ = brief_home
    monkeypatch.setenv("YUQING_HOME", str(home))
    monkeypatch.setenv("YUQING_CONFIG", str(CONFIG))
    app = App.load(CONFIG, home)
    yield app
    app.close()


@pytest.fixture
def brief_app_copy(brief_home, tmp_path, monkeypatch):
    """A copy of the store, for tests that change it (the session's store stays as the stages left it)."""
    import shutil

    from yuqing.app import App

    home = tmp_path / "home"
    home.mkdir()
    for f in brief_home[0].iterdir():
        if f.is_file():
            shutil.copy(f, home / f.name)
    monkeypatch.setenv("YUQING_HOME", str(home))
    monkeypatch.setenv("YUQING_CONFIG", str(CONFIG))
    app = App.load(CONFIG, home)
    yield app
    app.close()
