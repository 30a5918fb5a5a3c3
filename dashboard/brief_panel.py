"""The event brief where other pages show an event: the alert page (brief + a link to 事件详情) and the heat board
(a link from its event list to 事件详情). Layout only; the brief comes from :mod:`yuqing.dashboard.services.events`."""

from __future__ import annotations

from typing import Any

import streamlit as st

from yuqing.dashboard import nav
from yuqing.dashboard.textfmt import escape_text

EVENT_PAGE = "views/event.py"


def may_open_event_page(user: Any) -> bool:
    spec = nav.spec_for(EVENT_PAGE)
    return spec is not None and user.role.value in spec.roles


def show_brief(ctx: Any, event_id: str) -> None:
    """The event's brief in an expander, each sentence with the id of the post it came from."""
    from yuqing.dashboard.services.events import event_brief

    brief = event_brief(ctx.app, event_id)
    if brief is None:
        return
    with st.expander("事件简报", expanded=True):
        for line in brief.facts():
            st.markdown(escape_text(line), unsafe_allow_html=True)
        for s in brief.sentences:
            tag = "要点" if s.kind == "key" else "诉求"
            st.markdown(f"**{tag}**：{escape_text(s.text)}〔帖子 {escape_text(s.doc_id[:8])}〕", unsafe_allow_html=True)
        if may_open_event_page(ctx.user):
            st.page_link(EVENT_PAGE, label="事件详情与传播路径", icon=":material/article:",
                         query_params={"event": event_id})


def event_links(ctx: Any, rows: list[dict[str, Any]], *, key: str = "board_event_link") -> None:
    """Under an event table: pick one of its events and open its 事件详情."""
    ids = [r["id"] for r in rows if r.get("id")]
    if not ids or not may_open_event_page(ctx.user):
        return
    names = {r["id"]: str(r.get("事件") or r["id"]) for r in rows}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    picked = left.selectbox("查看事件详情", ids, format_func=lambda i: names.get(i, i), key=key)
    with right:
        st.page_link(EVENT_PAGE, label="打开事件详情", icon=":material/article:", query_params={"event": picked})
