"""AppTest of the event page (事件详情): brief with links to its posts, 传播路径 chart, posts, deep link ?event=ID."""

from __future__ import annotations

import pytest

from tests.dashboard.pagekit import no_exception, titles


def _hottest_with_brief(store):
    return next(e for e in store.documents.list_events(limit=50) if e.state.get("brief") and e.doc_count >= 2)


def test_event_page_shows_brief_spread_and_posts(as_user, store):
    event = _hottest_with_brief(store)
    at = as_user("officer1")
    at.switch_page("views/event.py")
    at.query_params["event"] = event.id
    at.run()
    no_exception(at)
    assert titles(at) == ["事件详情"]
    assert at.selectbox(key="event_pick").value == event.id
    text = "\n".join(m.value for m in at.markdown)
    brief = event.state["brief"]
    quoted = [s["text"] for s in brief["key_sentences"] + brief["demands"]]
    assert quoted
    # Each quoted sentence is on the page (escaped as text) with a link to its post.
    _, docs = store.documents.list_documents(limit=500, event_id=event.id)
    urls = {d.id: d.url for d in docs}
    for s in brief["key_sentences"] + brief["demands"]:
        assert f"〔原帖 {s['doc_id'][:8]}〕" in text
        assert urls[s["doc_id"]].split("//", 1)[1].split("/", 1)[0] in text  # the post's address is the link
    assert "传播路径" in text and "首发" in text
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert at.dataframe and len(at.dataframe[-1].value) == min(event.doc_count, 30)


def test_unknown_event_in_the_address_is_a_clear_message(as_user):
    at = as_user("leader1")
    at.switch_page("views/event.py")
    at.query_params["event"] = "ev-doesnotexist"
    at.run()
    no_exception(at)
    assert any("未找到事件 ev-doesnotexist" in e.value for e in at.error)


def test_department_cannot_open_the_event_page(as_user):
    at = as_user("dept1")
    with pytest.raises(ValueError):  # not in a department's navigation
        at.switch_page("views/event.py")


@pytest.mark.parametrize("name", ["admin1", "leader1"])
def test_without_a_deep_link_the_hottest_event_is_shown(as_user, store, name):
    at = as_user(name)
    at.switch_page("views/event.py").run()
    no_exception(at)
    hottest = store.documents.list_events(limit=1)[0]
    assert at.selectbox(key="event_pick").value == hottest.id
    assert at.query_params["event"] == [hottest.id] or at.query_params["event"] == hottest.id


def test_alert_page_shows_the_events_brief_and_links_to_the_event_page(as_user, store):
    from tests.dashboard.pagekit import _pick

    at = as_user("officer1")
    listed = [o.split(" · ", 1)[0] for o in at.selectbox(key="wb_pick").options]  # the workbench's queue
    alert = next(a for a in map(store.workflow.get_alert, listed)
                 if a.event_id and (store.documents.get_event(a.event_id).state or {}).get("brief"))
    brief = store.documents.get_event(alert.event_id).state["brief"]
    at = _pick(at, "wb_pick", alert.id)
    no_exception(at)
    assert any(e.label == "事件简报" for e in at.expander)
    text = "\n".join(m.value for m in at.markdown)
    for s in brief["key_sentences"] + brief["demands"]:
        assert f"〔帖子 {s['doc_id'][:8]}〕" in text
    links = [el for el in at.get("page_link") if "事件详情" in el.proto.label]
    assert links and links[0].proto.page.endswith("event")


def test_heat_board_links_its_events_to_the_event_page(as_user, store):
    at = as_user("leader1")
    no_exception(at)
    picker = at.selectbox(key="board_event_link")
    assert picker.options
    links = [el for el in at.get("page_link") if el.proto.label == "打开事件详情"]
    assert len(links) == 1


def test_special_report_page_builds_a_docx_with_the_instruction(as_user, store):
    import io

    from docx import Document

    events = [e for e in store.documents.list_events(limit=5) if e.state.get("brief")][:2]
    at = as_user("officer1")
    at.switch_page("views/special_report.py").run()
    no_exception(at)
    at.multiselect(key="sp_events").set_value([e.id for e in events]).run()
    at.text_input(key="sp_leader").input("王副市长")
    at.text_area(key="sp_instruction").input("请住建局牵头，三日内答复群众")
    at.button(key="sp_build").click().run()
    no_exception(at)
    assert at.get("download_button")
    doc = Document(io.BytesIO(at.session_state["sp_built"]["docx"]))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert "王副市长" in text and "请住建局牵头，三日内答复群众" in text
    for e in events:
        assert e.state["brief"]["key_sentences"][0]["text"][:15] in text or not e.state["brief"]["key_sentences"]


@pytest.mark.parametrize("name", ["admin1", "leader1"])
def test_special_report_page_renders_for_each_role_that_has_it(as_user, name):
    at = as_user(name)
    at.switch_page("views/special_report.py").run()
    no_exception(at)
    assert titles(at) == ["舆情专报"]
    assert at.multiselect(key="sp_events").options
    assert at.button(key="sp_build").disabled  # nothing selected yet
