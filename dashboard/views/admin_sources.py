"""Sources: crawl health, add and edit, pause and resume, and 「试采」 (one page through the real extractor).

Changes are stored as a new configuration version (checked like the file, audited) and used from the crawlers'
and the scheduler's next cycle, without a restart; the TOML file stays the seed (`yuqing config export`)."""

import streamlit as st

from yuqing.dashboard import alert_view
from yuqing.dashboard.adminforms import field_error, finish, form_error
from yuqing.dashboard.common import csv_button, page_context, show_table
from yuqing.dashboard.services import admin, queries
from yuqing.dashboard.textfmt import escape_label

ctx = page_context(__file__)
alert_view.flash()
rows = queries.sources_table(ctx.app, ctx.now)
bad = queries.sources_needing_attention(ctx.app)
if bad:
    st.error(escape_label("以下来源需要处理：" + "、".join(bad)))
show_table(rows, key="sources")
csv_button(rows, "来源健康.csv", key="sources_csv")
st.caption(f"连续失败或无新内容达 {ctx.app.config.crawl.get('failure_cycles', 3)} 轮即标红/标橙（配置项 crawl.failure_cycles）。"
           "在此修改的来源在下一轮采集起生效，无需重启。")

FIELDS = {"name", "title", "type", "start_urls", "interval_minutes", "authority", "region"}


def source_form(form: str, entry: dict, original: str | None) -> None:
    with st.form(form):
        form_error(form, FIELDS)
        name = st.text_input("来源代码（字母、数字、- 和 _，同时是爬虫名）", value=entry.get("name", ""),
                             key=f"{form}_name", disabled=original is not None)
        field_error(form, "name")
        title = st.text_input("来源名称", value=entry.get("title", ""), key=f"{form}_title")
        field_error(form, "title")
        types = list(admin.SOURCE_TYPE_LABELS)
        kind = st.selectbox("类型", types, index=types.index(entry.get("type", "news")) if entry.get("type") in types else 0,
                            format_func=admin.SOURCE_TYPE_LABELS.get, key=f"{form}_type")
        urls = st.text_area("起始网址（每行一个）", value="\n".join(entry.get("start_urls", [])), key=f"{form}_urls")
        field_error(form, "start_urls")
        interval = st.number_input("采集间隔（分钟）", min_value=1, max_value=43200,
                                   value=int(entry.get("interval_minutes", 30)), key=f"{form}_interval")
        field_error(form, "interval_minutes")
        authority = st.number_input("来源权威度（热度权重）", min_value=0.0, value=float(entry.get("authority", 1.0)),
                                    step=0.1, key=f"{form}_authority")
        region = st.text_input("所属地区（可空）", value=entry.get("region") or "", key=f"{form}_region")
        if st.form_submit_button("保存修改" if original else "新增来源", type="primary"):
            values = {"name": entry.get("name") if original else name.strip(), "title": title.strip(), "type": kind,
                      "start_urls": urls, "interval_minutes": int(interval), "authority": float(authority),
                      "region": region.strip()}
            finish(form, admin.save_source(ctx.app, ctx.user, ctx.now, original, values))


add_tab, edit_tab, pause_tab = st.tabs(["新增来源", "修改来源", "暂停与恢复"])
names = {s.name: s.title for s in ctx.app.config.sources}
with add_tab:
    source_form("source_new", {"type": "news", "interval_minutes": 30, "authority": 1.0}, None)
with edit_tab:
    if names:
        target = st.selectbox("选择来源", list(names), format_func=lambda n: f"{names[n]}（{n}）", key="source_edit_pick")
        source_form(f"source_edit_{target}", admin.source_entry(ctx.app, target), target)
with pause_tab:
    if names:
        target = st.selectbox("选择来源", list(names), format_func=lambda n: f"{names[n]}（{n}）", key="source_pause_pick")
        enabled = ctx.app.config.source(target).settings.get("enabled", True)
        st.write("当前状态：" + ("采集中" if enabled else "已暂停"))
        if enabled and st.button("暂停采集", key="source_pause"):
            finish("source_pause", admin.set_source_enabled(ctx.app, ctx.user, ctx.now, target, False))
        if not enabled and st.button("恢复采集", key="source_resume"):
            finish("source_pause", admin.set_source_enabled(ctx.app, ctx.user, ctx.now, target, True))
        form_error("source_pause", set())
st.header("试采")
st.caption("抓取一个网页，用采集时的正文抽取器预览将抽取到的标题、时间、正文和链接（不入库）。")
with st.form("trial"):
    url = st.text_input("网址", key="trial_url")
    if st.form_submit_button("试采", type="primary"):
        with st.spinner("正在抓取与抽取……"):
            st.session_state["trial_result"] = admin.trial_crawl(url)
result = st.session_state.get("trial_result")
if result is not None:
    view, error = result
    if view is None:
        st.error(escape_label(error))
    else:
        st.text("\n".join([f"网址：{view.url}", f"标题：{view.title or '（未找到）'}",
                            f"发布时间：{view.published_at or '（未找到）'}", f"来源：{view.source or '（未找到）'}",
                            f"作者：{view.author or '（未找到）'}", f"正文：{len(view.content)} 字",
                            f"文章链接：{len(view.article_links)} 个，下一页链接：{len(view.next_links)} 个"]))
        st.subheader("正文")
        st.text(view.content or "（未找到正文：可能是列表页，见下方链接）")
        if view.article_links or view.next_links:
            st.subheader("将跟随的链接")
            show_table([{"类型": "文章", "链接": u} for u in view.article_links]
                       + [{"类型": "下一页", "链接": u} for u in view.next_links], key="trial_links")
