"""Every page of every role, rendered by AppTest on the real sample store, shows no 「None」/「nan」, no English
heat-part keys, no source ids where the source has a title and no Python reprs; the workbench and the department
desk with an alert open (its detail, heat and timeline included)."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import ACCOUNTS, CONFIG
from tests.dashboard.pagekit import no_exception
from tests.dashboard.rendered_text import problems, texts
from yuqing.dashboard import nav


def _source_titles() -> dict[str, str]:
    from yuqing.config import load_config

    return {s.name: s.title for s in load_config(CONFIG).sources if s.title and s.title != s.name}


ROLE_USERS = {role: name for name, (role, _) in reversed(list(ACCOUNTS.items()))}


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_every_page_of_every_role_speaks_chinese(as_user, store, role):
    from datetime import timedelta

    from yuqing.clock import now

    t = now()  # a silence on a source: its table names the source by title
    store.workflow.add_silence({"source": "a_city_board", "starts_at": t - timedelta(hours=1),
                                "ends_at": t + timedelta(hours=5), "created_by": "officer1", "reason": "已在处置"})
    at = as_user(ROLE_USERS[role])
    no_exception(at)
    titles = _source_titles()
    found = []
    for spec in nav.pages_for(role):
        at.switch_page(spec.path).run()
        no_exception(at)
        found += [f"{spec.title} · {p}" for p in problems(texts(at), titles)]
    assert not found, "\n".join(found)


def test_an_alert_with_its_event_speaks_chinese(as_user, store):
    from tests.dashboard.pagekit import _pick

    with_event = next(a for a in store.workflow.list_alerts(status="dispatched", limit=100)[1] if a.event_id)
    at = _pick(as_user("officer1"), "wb_pick", with_event.id)
    no_exception(at)
    found = problems(texts(at), _source_titles())
    assert not found, "\n".join(found)


def test_search_results_speak_chinese(as_user):
    at = as_user("officer1")
    at.switch_page("views/search.py").run()
    at.text_input(key="s_query").input("停水").run()
    no_exception(at)
    assert any("找到" in c.value for c in at.caption)
    shown = texts(at)
    assert any("A市领导留言板" in t for _, t in shown)  # the source by its title
    found = problems(shown, _source_titles())
    assert not found, "\n".join(found)
