"""What the admin pages' forms share: the checker's Chinese message shown at the field it names, after a rerun."""

from __future__ import annotations

from typing import Any

import streamlit as st

from yuqing.dashboard import alert_view
from yuqing.dashboard.textfmt import escape_label

_KEY = "_admin_outcome"


def finish(form: str, outcome: Any) -> None:
    """Keep the outcome for the rerun: success as the page's flash, an error at its field (or the form's top)."""
    if outcome.ok:
        st.session_state[alert_view.FLASH] = (True, outcome.message)
        st.session_state.pop(f"{_KEY}:{form}", None)
        for key in [k for k in st.session_state if str(k).startswith(f"{form}_")]:
            del st.session_state[key]  # the form shows the stored values again (an add form: empty)
    else:
        st.session_state[f"{_KEY}:{form}"] = outcome
    st.rerun()


def field_error(form: str, field: str) -> None:
    """Under a form field: the last refused change's message, if the checker named this field."""
    outcome = st.session_state.get(f"{_KEY}:{form}")
    if outcome is not None and outcome.field == field:
        st.error(escape_label(outcome.message))


def form_error(form: str, fields: set[str]) -> None:
    """At the top of a form: the last refused change's message when it names none of the form's fields."""
    outcome = st.session_state.get(f"{_KEY}:{form}")
    if outcome is not None and outcome.field not in fields:
        st.error(escape_label(outcome.message))
