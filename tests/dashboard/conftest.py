"""A populated temp store per test (copied from one built per session), with one account per role."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from yuqing.paths import REPO_ROOT

CONFIG = REPO_ROOT / "yuqing" / "default_config.toml"
APP = str(REPO_ROOT / "dashboard" / "app.py")
PASSWORD = "correct-horse-9"
DEPT = "A市住房和城乡建设局"
OTHER_DEPT = "A市交通运输局"
ACCOUNTS = {"admin1": ("admin", None), "officer1": ("officer", None), "leader1": ("leader", None),
            "dept1": ("department", DEPT), "dept2": ("department", OTHER_DEPT)}


# A hostile post: markup and Markdown in crawled text must show as text, its phone number masked.
HOSTILE = {"url": "http://sample.invalid/hostile", "source": "a_city_board", "kind": "post",
           "title": "<script>alert(1)</script>珍珠泉**加粗**[链接](http://evil.invalid)",
           "content": "珍珠泉 <b>停水</b> 小区停水三天无人处理 联系电话13912345678", "region": "A市"}


def sample_records(now, n: int = 400) -> list[dict]:
    """Generated demo posts (our own generator, as ``make demo`` serves them) over the last 20 days, plus HOSTILE."""
    from yuqing.samples.timeline import generate_posts

    posts = generate_posts(seed=7, n=n, start=now - timedelta(days=20), days=20, labels=False, now=now)
    return [*posts, {**HOSTILE, "published_at": (now - timedelta(hours=1)).isoformat()}]


def build_store(home: Path, documents: int = 400) -> None:
    """Real stages all the way: ingest, one tick (NLP, events, alert rules), then real workflow actions."""
    from yuqing.dashboard.sample import populate
    from yuqing.app import App
    from yuqing.clock import now
    from yuqing.users import create_user

    app = App.load(CONFIG, home)
    store = app.store
    for name, (role, dept) in ACCOUNTS.items():
        create_user(store.workflow, name, role, PASSWORD, department=dept, display_name=name)
    at = now() - timedelta(hours=3)  # the loop's actions follow at one-minute steps, all before the pages' clock
    populate(app, sample_records(at, documents), at, officer=store.workflow.get_user("officer1"),
             department_users={DEPT: store.workflow.get_user("dept1"), OTHER_DEPT: store.workflow.get_user("dept2")})
    # Alerts raised through the alerts service, so each department has work waiting.
    officer = store.workflow.get_user("officer1")
    for i, dept in enumerate((DEPT, DEPT, OTHER_DEPT)):
        app.alerts.raise_manual(officer, f"人工预警{i}：{dept}辖区群众集中反映问题", "多名群众来电反映", level=2,
                                department=dept, now=now())
    app.close()


@pytest.fixture(scope="session")
def template_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("dash_template")
    build_store(home)
    return home


@pytest.fixture
def dash_home(template_home, tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    for f in template_home.iterdir():
        if f.is_file():
            shutil.copy(f, home / f.name)
    monkeypatch.setenv("YUQING_HOME", str(home))
    monkeypatch.setenv("YUQING_CONFIG", str(CONFIG))
    monkeypatch.delenv("YUQING_NOW", raising=False)
    return home


@pytest.fixture
def store(dash_home):
    from yuqing.app import App

    app = App.load(CONFIG, dash_home)
    yield app.store
    app.store.close()


def login(name: str, password: str = PASSWORD):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120).run()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    return at


@pytest.fixture
def as_user(dash_home):
    return login
