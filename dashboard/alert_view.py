"""One alert on screen (workbench and department desk): facts, deadlines, timeline, posts, responses, actions.

Layout only: the detail comes from the alerts service and each button calls :mod:`yuqing.dashboard.services.actions`.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from yuqing.dashboard import corrections_view
from yuqing.dashboard import brief_panel
from yuqing.dashboard.common import PageContext
from yuqing.dashboard.services import actions, cached, documents, queries
from yuqing.dashboard.textfmt import COLOUR_BADGES, countdown, escape_label, escape_text, fmt_time, pct
from yuqing.vocab import audit_action_label, describe_event_change, heat_part_label
from yuqing.workdays import provisional_note
from yuqing.workflow import ACTIONS, RATINGS

FLASH = "alert_flash"


def flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        ok, text = message
        (st.success if ok else st.error)(escape_label(text))  # messages may quote what the user typed


def pick(ctx: PageContext, label: str, ids: list[str], titles: dict[str, str], *, key: str) -> str:
    """The alert to show: the one in the address (``?alert=…``, a deep link or the one just acted on) even when it
    has left the list (closed, returned, filtered out), else the list's first. The choice goes back into the address,
    so F5 or a shared link opens the same alert."""
    from yuqing.dashboard.textfmt import one_line

    wanted = str(st.query_params.get("alert") or "").strip()
    titles = dict(titles)
    if wanted and wanted not in titles:
        try:
            title = queries.alert_detail(ctx.app, ctx.user, wanted).alert.title
        except Exception:  # noqa: BLE001  (not this user's or no such alert: render() says so in Chinese)
            title = "（无法查看）"
        ids = [wanted, *ids]
        titles[wanted] = one_line(f"{wanted} · {title}（不在当前列表中）")
    index = ids.index(wanted) if wanted in ids else 0
    chosen = st.selectbox(label, ids, index=index, format_func=titles.get, key=key)
    if chosen != wanted:
        st.query_params["alert"] = chosen
    return chosen


FACTS_CSS = ("display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.5rem;margin:.25rem 0 .75rem")
FACT_CSS = "border:1px solid rgba(128,128,128,.3);border-radius:.5rem;padding:.4rem .7rem;overflow-wrap:anywhere"


def facts(*pairs: tuple[str, object]) -> None:
    """Label/value cards that wrap instead of cutting text off (st.metric truncates 「A3区住…」「剩余 4小…」)."""
    cards = "".join(f"<div style='{FACT_CSS}'><div style='font-size:.8rem;opacity:.7'>{escape_text(label)}</div>"
                    f"<div style='font-size:1.15rem;font-weight:600'>{escape_text(str(value))}</div></div>"
                    for label, value in pairs)
    st.markdown(f"<div class='yq-facts' style='{FACTS_CSS}'>{cards}</div>", unsafe_allow_html=True)


def show_text(text: str | None) -> None:
    """Crawled or user-written text: escaped, never interpreted."""
    st.markdown(escape_text(text or ""), unsafe_allow_html=True)


def render(ctx: PageContext, alert_id: str) -> None:
    now = ctx.now
    try:
        detail = queries.alert_detail(ctx.app, ctx.user, alert_id, now=now)
    except Exception as exc:  # PermissionDenied / WorkflowError / AlertsUnavailable carry Chinese messages
        st.error(escape_label(exc))
        return
    alert = detail.alert
    st.markdown(f"### {escape_text(alert.title)}", unsafe_allow_html=True)
    row = queries.alert_row(alert, now)
    facts(("级别", row["级别"]), ("状态", row["状态"]), ("责任部门", row["责任部门"]),
          ("时限", row["时限"].split(" ", 1)[-1]), ("督办", "是" if alert.escalated else "否"))
    st.markdown("**触发原因**")
    show_text(alert.reason)
    _deadlines(alert, now)
    for r in alert.returns:
        st.markdown(f"**退单**（{escape_text(r.department)} · {escape_text(r.by)} · {fmt_time(r.at)}）："
                    f"{escape_text(r.reason)}", unsafe_allow_html=True)
    if detail.event is not None:
        _heat(detail.event)
        brief_panel.show_brief(ctx, detail.event.id)
    tabs = st.tabs(["代表性帖文", "办理过程", "回应与评价", "通知投递"])
    with tabs[0]:
        _documents(detail.documents)
    with tabs[1]:
        _timeline(detail)
    with tabs[2]:
        _responses(detail.responses)
    with tabs[3]:
        rows = [{"渠道": d.channel, "对象": d.target, "类型": d.kind, "状态": d.status, "尝试": d.attempts,
                 "错误": d.last_error, "时间": fmt_time(d.created_at)} for d in detail.deliveries]
        st.dataframe(rows, hide_index=True) if rows else st.caption("暂无通知记录")
    if detail.can_reveal:
        _reveal(ctx, alert.id)
    corrections_view.render_for_alert(ctx, detail)  # 更正 (officers and admins): applies at once, audited
    _actions(ctx, detail)


def _reveal(ctx: PageContext, alert_id: str) -> None:
    """「查看原文」: unmasked text for 舆情专员/管理员, with a reason, audited; shown for this run only."""
    with st.expander("查看原文（未脱敏，须说明理由，记入审计日志）", expanded=False):
        with st.form(f"reveal_{alert_id}", clear_on_submit=True):
            why = st.text_input("查看理由（必填）", placeholder="例如：需回电核实诉求人联系方式", key=f"reveal_why_{alert_id}")
            submitted = st.form_submit_button("查看原文")
        if not submitted:
            return
        ok, result = actions.reveal(ctx.app, ctx.user, alert_id, why, now=ctx.now)
        if not ok:
            st.error(escape_label(result))
            return
        st.warning(f"以下为原文，含个人信息，仅供办理使用；本次查看已记入审计日志（理由：{escape_label(result.why)}）")
        st.markdown("**标题**")
        show_text(result.title)
        st.markdown("**原因**")
        show_text(result.reason)
        for d in result.documents:
            st.markdown(f"**帖文**：{escape_text(d.title)}（作者：{escape_text(d.author or '匿名')}）",
                        unsafe_allow_html=True)
            show_text(d.text[:3000])
            if d.reply:
                st.markdown("**官方答复**")
                show_text(d.reply[:2000])
        for text in result.responses:
            st.markdown("**部门回应**")
            show_text(text)
        for text in result.returns:
            st.markdown("**退单理由**")
            show_text(text)


def _deadlines(alert: Any, now: Any) -> None:
    if not alert.deadlines:
        return
    done = alert.status not in queries.AWAITING
    parts = []
    for d in alert.deadlines:
        colour, text = countdown(d.due, now, done=done)
        parts.append(f"{COLOUR_BADGES[colour]} {escape_text(d.label)}：{fmt_time(d.due)}（{text}）"
                     + escape_text(provisional_note(d.provisional_years)))
    st.markdown("**办理时限**　" + "　".join(parts), unsafe_allow_html=True)
    ext = queries.extension_view(alert)
    if ext:
        st.markdown(escape_text(
            f"依申请公开延期：{ext['状态']}（{ext['申请人']} 申请，理由：{ext['理由']}"
            + (f"；{ext['审批人']} 审批" if ext["审批人"] else "")
            + (f"：{ext['审批意见']}" if ext["审批意见"] else "") + "）"), unsafe_allow_html=True)


def _heat(event: Any) -> None:
    with st.expander(f"事件：{escape_label(event.title)} · 热度 {event.heat:.1f}", expanded=False):
        st.caption(f"文档 {event.doc_count} 篇 · 来源 {event.source_count} 个 · 负面 {event.negative} · "
                   f"首次 {fmt_time(event.first_seen)} · 最近 {fmt_time(event.last_seen)}")
        if event.emotions:
            st.caption("情绪：" + "、".join(f"{k} {pct(v)}" for k, v in event.emotions.items()))
        if event.heat_parts:
            st.bar_chart({heat_part_label(k): v for k, v in event.heat_parts.items()}, horizontal=True,
                         height=200)


def _documents(docs: Any) -> None:
    if not docs:
        st.caption("暂无关联帖文")
        return
    for doc in docs:
        v = documents.document_view(doc)
        label = f"{v['time']} · {v['source']} · {v['sentiment'] or '未分析'} · {v['title']}"
        with st.expander(escape_label(label)):
            st.markdown(f"作者：{escape_text(v['author'] or '匿名')} · 原文：{escape_text(v['url'])}",
                        unsafe_allow_html=True)
            show_text(v["text"][:3000])
            if v["reply"]:
                st.markdown(f"**官方答复**（{escape_text(v['reply_department'] or '')}）", unsafe_allow_html=True)
                show_text(v["reply"][:2000])
                _reply_quality(v["reply_quality"])


def _reply_quality(q: Any) -> None:
    if not q:
        return
    cols = st.columns(5)
    for col, (key, label) in zip(cols, (("score", "综合"), ("relevance", "相关性"), ("completeness", "完整性"),
                                        ("timeliness", "及时性"), ("template", "模板化"))):
        value = q.get(key)
        col.metric(f"答复质量·{label}", f"{value:.2f}" if isinstance(value, (int, float)) else "—")
    reasons = q.get("reasons") or []
    if reasons:
        st.markdown(escape_text("；".join(map(str, reasons))), unsafe_allow_html=True)


def _timeline(detail: Any) -> None:
    from yuqing.model import STATUS_LABELS, AlertStatus

    def status(s: str | None) -> str:
        try:
            return STATUS_LABELS[AlertStatus(s)] if s else ""
        except ValueError:
            return s or ""

    rows = [{"时间": fmt_time(a.at), "操作人": a.actor, "操作": audit_action_label(a.action),
             "状态变化": f"{status(a.from_status)} → {status(a.to_status)}" if a.to_status else "", "说明": a.note}
            for a in detail.audit]
    rows += [{"时间": fmt_time(s.assigned_at), "操作人": s.assigned_by, "操作": "分派", "状态变化": "",
              "说明": f"分派至 {s.department}" + ("（当前）" if s.active else "") + (f"：{s.note}" if s.note else "")}
             for s in detail.assignments]
    for e in detail.event_log:
        label, note = describe_event_change(e.action, e.details)
        rows.append({"时间": fmt_time(e.at), "操作人": "系统", "操作": label, "状态变化": "", "说明": note})
    rows.sort(key=lambda r: r["时间"])
    st.dataframe(rows, hide_index=True, width="stretch") if rows else st.caption("暂无记录")


def _responses(responses: Any) -> None:
    if not responses:
        st.caption("部门尚未回应")
    for r in responses:
        st.markdown(f"**{escape_text(r.department)}** · {escape_text(r.author)} · {fmt_time(r.created_at)}"
                    + (f" · 评价：{escape_text(r.rating)}" if r.rating else ""), unsafe_allow_html=True)
        show_text(r.text)
        if r.link:
            st.markdown(f"公开链接：{escape_text(r.link)}", unsafe_allow_html=True)


def _done(ok: bool, message: str) -> None:
    st.session_state[FLASH] = (ok, message)
    if ok:
        cached.clear()
    st.rerun()


def _actions(ctx: PageContext, detail: Any) -> None:
    alert = detail.alert
    available = [(name, ACTIONS[name].label) for name in detail.actions]
    if not available:
        st.caption("当前状态下您没有可执行的操作")
        return
    st.markdown("#### 办理")
    labels = dict(available)
    choice = st.radio("操作", list(labels), format_func=labels.get, horizontal=True, key=f"act_{alert.id}")
    departments = queries.department_names(ctx.app)
    with st.form(f"form_{alert.id}_{choice}", clear_on_submit=False):
        fields: dict[str, Any] = {}
        if choice in ("dispatch", "reassign"):
            default = departments.index(alert.department) if alert.department in departments else 0
            fields["department"] = st.selectbox("责任部门", departments, index=default)
            fields["note"] = st.text_input("说明（可选）")
        elif choice == "return":
            fields["note"] = st.text_area("退单理由（必填）", placeholder="例如：该事项属于区级职责，请改派 A3区人民政府")
        elif choice == "respond":
            fields["text"] = st.text_area("回应内容（必填）", height=140)
            fields["link"] = st.text_input("公开回应链接（可选）", placeholder="https://…")
        elif choice == "evaluate":
            _evaluation_context(detail)
            fields["rating"] = st.radio("评价", RATINGS, horizontal=True)
            fields["note"] = st.text_input("评价说明（可选）")
        elif choice == "extend":
            ext = queries.extension_view(alert) or {}
            st.caption("依申请公开答复期限可延长一次，最长 20 个工作日（政府信息公开条例第三十三条），"
                       "须经信息公开工作机构负责人同意并告知申请人。")
            fields["text"] = st.text_area("延期理由（必填）", placeholder="例如：需书面征求第三方意见")
        elif choice in ("approve_extension", "reject_extension"):
            ext = queries.extension_view(alert) or {}
            st.markdown(escape_text(f"{ext.get('申请人', '')} 于 {ext.get('申请时间', '')} 申请延期 {ext.get('延长工作日', '')} 个工作日："
                                    f"原答复期限 {ext.get('原答复期限', '')}，批准后 {ext.get('延期后期限', '')}"),
                        unsafe_allow_html=True)
            show_text(f"理由：{ext.get('理由', '')}")
            fields["note"] = st.text_input("审批意见" + ("（必填）" if choice == "reject_extension" else "（可选）"))
        elif choice == "silence":
            fields["hours"] = float(st.number_input("静默时长（小时）", min_value=0.5, max_value=720.0, value=24.0, step=0.5))
            fields["note"] = st.text_input("静默原因（必填）")
        elif choice == "supervise":  # the supervising office's 督办意见, sent to the responsible department
            fields["text"] = st.text_area("督办意见（必填）", placeholder="例如：请于明日 12 时前报送处置进展")
        elif choice in ("reopen", "close"):
            fields["note"] = st.text_input("理由" + ("（必填）" if choice == "reopen" or alert.status != "responded" else "（可选）"))
        else:
            fields["note"] = st.text_input("说明（可选）")
        submitted = st.form_submit_button(f"确认{labels[choice]}", type="primary")
    if submitted:
        if choice == "return" and not (fields.get("note") or "").strip():
            st.error("退单必须填写理由")
            return
        if choice == "extend" and not (fields.get("text") or "").strip():
            st.error("申请延期必须填写理由")
            return
        if choice == "reject_extension" and not (fields.get("note") or "").strip():
            st.error("驳回延期申请必须填写理由")
            return
        if choice == "respond" and not (fields.get("text") or "").strip():
            st.error("回应内容不能为空")
            return
        ok, message = actions.act(ctx.app, ctx.user, alert.id, choice, now=ctx.now, expected_version=alert.version,
                                  **fields)
        _done(ok, message)


def _evaluation_context(detail: Any) -> None:
    """What the officer weighs: the department's answer and, for board posts, the measured reply quality."""
    for doc in detail.documents:
        if doc.reply_quality:
            st.markdown(escape_text(f"留言「{doc.title[:40]}」的官方答复质量："), unsafe_allow_html=True)
            _reply_quality(doc.reply_quality)
