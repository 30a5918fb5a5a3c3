"""A populated temp store per test (copied from one built per session), with one account per role."""

from __future__ import annotations

import shutil
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


def build_store(home: Path, documents: int = 400) -> None:
    from dashboard.sample import populate
    from yuqing.app import App
    from yuqing.clock import now
    from yuqing.model import Document
    from yuqing.users import create_user

    app = App.load(CONFIG, home)
    store = app.store
    populate(store, now(), documents=documents, events=20, alerts=14)
    for name, (role, dept) in ACCOUNTS.items():
        create_user(store.workflow, name, role, PASSWORD, department=dept, display_name=name)
    # Alerts raised through the alerts service, so each department has work waiting.
    officer = store.workflow.get_user("officer1")
    for i, dept in enumerate((DEPT, DEPT, OTHER_DEPT)):
        app.alerts.raise_manual(officer, f"人工预警{i}：{dept}辖区群众集中反映问题", "多名群众来电反映", level=2,
                                department=dept, now=now())
    # A hostile post: markup and Markdown in crawled text must show as text.
    doc = Document(url="http://sample.invalid/hostile", source="a_city_board",
                   title="<script>alert(1)</script>珍珠泉**加粗**[链接](http://evil.invalid)",
                   content="珍珠泉 <b>停水</b> 联系电话13912345678", published_at=now(), region="A市")
    store.documents.upsert_documents([doc], now())
    store.documents.save_analyses([(doc.id, {
        "text": doc.content, "title_tokens": ["珍珠泉", "加粗", "链接"], "content_words": ["珍珠泉", "停水"],
        "sentiment": {"label": "negative", "score": 0.1}, "topic": {"label": "城乡建设", "score": 0.9},
        "department": DEPT, "keywords": ["珍珠泉"]})], now())
    store.close()


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
