"""方案管理: 新建/编辑/删除 监测方案 (officers and admins). Saved through the schemes core (checked, audited); the
history is back-filled in short slices here and by the scheduler, and the page shows where it stands."""

from datetime import datetime, time, timedelta

import streamlit as st

from yuqing.clock import TZ
from yuqing.dashboard.common import page_context, show_table
from yuqing.dashboard.services import cached, scheme_admin, schemes
from yuqing.dashboard.textfmt import escape_label

HELP = """**表达式写法**（与「全文检索」和 `yuqing schemes` 相同）

- 空格或 `AND`（`与`、`+`）表示同时包含：`供暖 不热`；`OR`（`或`、`|`）表示任一：`供暖 OR 暖气`；
  `NOT`（`非`，或紧贴词前的 `-`）表示排除：`供暖 NOT 招聘`、`供暖 -广告`。优先级 NOT > AND > OR，可用括号 `( )`。
- 引号内为整词短语：`"供暖不热"`、`“供暖不热”`、`「供暖不热」`。
- 邻近：`供暖 NEAR/10 不热`（两词相距不超过 10 个字，顺序不限）。
- 限定字段：`标题:停水`、`正文:停水`、`来源:市长信箱`（冒号可用全角）。
- 也可直接粘贴其他系统的分组写法，每组一行，组内任一、组间同时、排除词排除：

```text
地域词：A市 A3区
主体词：小区 物业
事件词：停水 停暖
排除词：招聘
```

繁体与简体、全角与半角、大小写都视为相同；NOT 必须与要找的词同时出现（不能只写 `NOT 广告`）。"""

NEW = "＋ 新建方案"

ctx = page_context(__file__)
now = ctx.now
summaries = schemes.list_schemes(ctx.app)
if summaries:
    show_table([{"方案": s.name, "表达式": s.expression, "负责人": s.owner or "—", "来源": "、".join(s.sources) or "全部",
                 "地区": "、".join(s.regions) or "全部", "时段": s.period, "匹配篇数": s.matched, "历史回溯": s.backfill}
                for s in summaries], key="sa_table")
else:
    st.info("尚无监测方案：在下方新建第一个。")

flash = st.session_state.pop("sa_flash", None)
if flash:
    st.success(flash)

by_name = {s.name: s for s in ctx.app.store.documents.list_schemes()}
chosen = st.session_state.pop("sa_select", None)  # set by a save or a delete on the run before
if chosen is not None:
    st.session_state["sa_target"] = chosen if chosen in by_name else NEW
target = st.selectbox("选择要编辑的方案", [NEW, *by_name], key="sa_target")
current = by_name.get(target)
titles = schemes.source_titles(ctx.app)
regions = sorted({*(r for d in ctx.app.config.departments for r in d.regions),
                  *(s.region for s in ctx.app.config.sources if s.region),
                  *cached.filter_options(ctx.key)["region"], *(current.regions if current else ())})

with st.expander("表达式写法", expanded=current is None):
    st.markdown(HELP)

form_key = f"sa_form_{target}"
with st.form(form_key):
    name = st.text_input("方案名称", value=current.name if current else "", disabled=current is not None,
                         placeholder="例如：A市供暖", key=f"{form_key}_name")
    expression = st.text_area("表达式", value=current.expression if current else "", height=140,
                              placeholder="地域词：A市\n事件词：供暖 停暖 不热\n排除词：招聘", key=f"{form_key}_expr",
                              help="写法见上方「表达式写法」")
    c1, c2 = st.columns(2)
    sources = c1.multiselect("来源（不选为全部）", list(titles), default=list(current.sources) if current else [],
                             format_func=lambda n: titles.get(n, n), key=f"{form_key}_sources",
                             placeholder="全部来源")
    picked_regions = c2.multiselect("地区（不选为全部）", regions, default=list(current.regions) if current else [],
                                    key=f"{form_key}_regions", placeholder="全部地区")
    c3, c4, c5 = st.columns([1, 1, 1])
    limited = c3.checkbox("限定时段", value=bool(current and (current.start or current.end)), key=f"{form_key}_limited")
    today = now.astimezone(TZ).date()
    start_day = c4.date_input("开始日期", value=(current.start.astimezone(TZ).date() if current and current.start
                                                else today - timedelta(days=30)), key=f"{form_key}_start")
    end_day = c5.date_input("结束日期（含当天）", value=(current.end.astimezone(TZ).date() - timedelta(days=1)
                                                   if current and current.end else today + timedelta(days=365)),
                            key=f"{form_key}_end")
    owner = st.text_input("负责人", value=(current.owner or "") if current else ctx.user.name, key=f"{form_key}_owner")
    submitted = st.form_submit_button("保存方案", type="primary")

if submitted:
    start = datetime.combine(start_day, time.min, TZ) if limited else None
    end = datetime.combine(end_day, time.min, TZ) + timedelta(days=1) if limited else None
    with st.spinner("正在保存并回溯历史数据…"):
        result = scheme_admin.save_scheme(
            ctx.app, ctx.user, name=current.name if current else name, expression=expression, owner=owner,
            sources=sources, regions=picked_regions, start=start, end=end, now=now, existing=current is not None)
    if result.ok:
        cached.clear_schemes()
        st.session_state["sa_flash"] = result.message
        st.session_state["sa_select"] = current.name if current else name.strip()
        st.rerun()
    st.error(result.message)
    if result.pointer:
        st.code(result.pointer, language=None)


@st.fragment(run_every=5)
def backfill_status(scheme_name: str) -> None:
    """Where the back-fill of the scheme being edited stands; refreshes itself until it is done."""
    scheme = ctx.app.store.documents.get_scheme(scheme_name)
    if scheme is None:
        return
    matched = ctx.app.store.documents.scheme_match_counts().get(scheme_name, 0)
    text = f"{schemes.backfill_text(scheme)}；已匹配 {matched:,} 篇"
    (st.success if scheme.backfill_done else st.info)(escape_label(text))
    st.page_link("views/scheme.py", label=f"查看方案「{scheme_name}」的页面", icon=":material/monitoring:",
                 query_params={"scheme": scheme_name})


if current is not None:
    backfill_status(current.name)
    with st.expander(f"删除方案「{current.name}」"):
        confirm = st.checkbox(f"确认删除方案「{current.name}」及其全部匹配记录（操作记入审计日志）", key=f"sa_confirm_{current.name}")
        if st.button("删除方案", disabled=not confirm, key=f"sa_delete_{current.name}"):
            result = scheme_admin.delete_scheme(ctx.app, ctx.user, current.name, now=ctx.now)
            if result.ok:
                cached.clear_schemes()
                st.session_state["sa_flash"] = result.message
                st.session_state["sa_select"] = NEW
                st.rerun()
            st.error(result.message)

