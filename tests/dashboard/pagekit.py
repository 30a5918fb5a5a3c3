"""Helpers the dashboard page tests share (Streamlit AppTest widgets by label, one workflow action)."""

from __future__ import annotations


def titles(at) -> list[str]:
    return [t.value for t in at.title]


def no_exception(at) -> None:
    assert not at.exception, [e.message for e in at.exception]


def table(at, index: int = 0):
    return at.dataframe[index].value


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def find(widgets, label_prefix: str):
    return next(w for w in widgets if w.label.startswith(label_prefix))


def _pick(at, key: str, alert_id: str):
    at.selectbox(key=key).set_value(alert_id).run()
    return at


def _act(at, alert_id: str, action: str, **inputs):
    at.radio(key=f"act_{alert_id}").set_value(action).run()
    for label, value in inputs.items():
        widgets = [*at.text_input, *at.text_area, *at.selectbox, *at.radio, *at.number_input]
        find(reversed(widgets), label).set_value(value)  # the form's widgets come after the filters
    next(b for b in at.button if b.label.startswith("确认")).click().run()
    no_exception(at)
    return at
