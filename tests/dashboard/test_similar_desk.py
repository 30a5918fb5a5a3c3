"""AppTest of 类案参考 on the department desk: similar replied cases for the chosen alert, with reply time, template
flag and evaluation, and a prefilled, editable reply draft; personal data masked and crawled text shown as text."""

from __future__ import annotations

from datetime import timedelta

from tests.dashboard.conftest import DEPT
from tests.dashboard.pagekit import _pick, no_exception


def _event_alert(store):
    return next(a for a in store.workflow.list_alerts(department=DEPT, limit=100)[1]
                if a.event_id and a.status.value in ("dispatched", "accepted", "reopened"))  # on the desk's 待办


def _draft_area(at, alert_id):
    return at.text_area(key=f"similar_draft_{alert_id}")


def _service_view(store, alert_id):
    from yuqing.app import App
    from yuqing.similar import similar_for_alert

    app = App.load()
    try:
        return similar_for_alert(app, store.workflow.get_user("dept1"), alert_id)
    finally:
        app.close()


def test_desk_shows_similar_cases_and_a_prefilled_draft(as_user, store):
    alert = _event_alert(store)
    at = _pick(as_user("dept1"), "dd_pick", alert.id)
    no_exception(at)
    assert "类案参考" in [h.value for h in at.subheader]
    expected = _service_view(store, alert.id)
    assert expected.local, "the sample store has replied posts similar to its event alerts"
    table = next(t.value for t in at.dataframe if "答复用时" in t.value.columns)
    assert list(table["标题"]) == [c.title for c in expected.local]
    assert {"模板答复", "评价", "答复部门"} <= set(table.columns)
    assert set(table["模板答复"]) <= {"是（套话）", "否", "未评估"}
    area = _draft_area(at, alert.id)
    assert area.value == expected.draft and area.value.startswith("您好！")
    area.set_value("我局已派人核实，将于三日内答复。").run()  # editable; nothing is submitted by editing
    no_exception(at)
    assert store.workflow.responses_for(alert.id) == [] or all(
        r.text != "我局已派人核实，将于三日内答复。" for r in store.workflow.responses_for(alert.id))


def test_similar_replies_are_masked_and_shown_as_text(as_user, store):
    from yuqing.clock import now
    from yuqing.model import Document, DocumentKind, Reply

    alert = _event_alert(store)
    own = store.documents.list_documents(event_id=alert.event_id, limit=1)[1][0]
    view = _service_view(store, alert.id)
    terms = list(view.terms)  # a past post holding every query term (and the alert's topic, the filter) ranks first
    at_time = now() - timedelta(days=30)
    hostile = Document(url="http://sample.invalid/similar-hostile", source="a_city_board", kind=DocumentKind.POST,
                       title=f"<b>{own.title}</b>", content="，".join(terms), published_at=at_time,
                       reply=Reply("经核实，**已处理**<script>x</script>，联系人张三，电话13912345678，请来电。",
                                   DEPT, at_time + timedelta(days=2)))
    store.documents.upsert_documents([hostile], at_time)
    store.documents.save_analyses([(hostile.id, {**own.analysis, "content_words": terms, "reply_quality": {"template": False, "score": 99.0},
                                                   **({"topic": {"label": view.topic, "score": 1.0}} if view.topic else {})})],
                                  at_time)
    at = _pick(as_user("dept1"), "dd_pick", alert.id)
    no_exception(at)
    table = next(t.value for t in at.dataframe if "答复用时" in t.value.columns)
    assert f"<b>{own.title}</b>" in list(table["标题"])  # markup is a title's text, not formatting
    shown = " ".join(m.value for m in at.markdown)
    assert "13912345678" not in shown and "139&#42;&#42;&#42;&#42;5678" in shown  # masked, then escaped
    assert "<script>" not in shown and "&#60;script&#62;" in shown
    assert "&#42;&#42;已处理&#42;&#42;" in shown  # Markdown in a reply is shown as its characters
    draft = at.text_area(key=f"similar_draft_{alert.id}").value
    assert "13912345678" not in draft and "张三" not in draft  # the best-rated reply is used, masked
    assert "139****5678" in draft
