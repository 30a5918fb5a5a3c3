"""监测方案: one scheme's trend, shares, regions, hot events, word cloud, matched posts and the alert rules scoped to
it. Deep link: ``?scheme=NAME``. Figures from the store's aggregations of the scheme's matches (services.schemes)."""

from datetime import timedelta

import streamlit as st

from yuqing.dashboard import charts
from yuqing.dashboard.board import cloud_weights
from yuqing.dashboard.common import page_context, paginate, show_table
from yuqing.dashboard.services import cached, schemes
from yuqing.dashboard.services.queries import SENTIMENT_LABELS
from yuqing.dashboard.textfmt import escape_label, escape_text, fmt_time

ctx = page_context(__file__)
names = schemes.scheme_names(ctx.app)
if not names:
    who = "可在「方案管理」中新建" if ctx.user.role.value in ("officer", "admin") else "请舆情专员在「方案管理」中新建"
    st.info(f"尚未建立监测方案。{who}：例如「地域词：A市　事件词：供暖 停暖　排除词：招聘」。")
    st.stop()

wanted = st.query_params.get("scheme")
if wanted and wanted not in names:
    st.warning(f"监测方案「{escape_label(wanted)}」不存在，已显示其他方案")
if wanted in names and st.session_state.get("sp_linked") != wanted:  # a link opened: show what it names
    st.session_state["sp_scheme"] = wanted
elif st.session_state.get("sp_scheme") not in names:
    st.session_state["sp_scheme"] = names[0]
c1, c2 = st.columns([3, 2])
name = c1.selectbox("监测方案", names, key="sp_scheme")
days = c2.segmented_control("时间范围", [7, 30, 90], default=30, format_func=lambda d: f"近{d}天", key="sp_days") or 30
if st.query_params.get("scheme") != name:
    st.query_params["scheme"] = name  # the address bar names the scheme shown: copy it to share the page
st.session_state["sp_linked"] = name

until = ctx.minute().replace(hour=0, minute=0) + timedelta(days=1)
since = until - timedelta(days=days)
ov = cached.scheme_overview(ctx.key, name, since, until, until - timedelta(days=min(days, 7)))
if ov is None:
    st.warning("该方案刚被删除，请刷新页面")
    st.stop()
sm = ov.scheme

st.code(sm.expression, language=None, wrap_lines=True)
st.caption(escape_label(f"来源：{'、'.join(sm.sources) or '全部'} · 地区：{'、'.join(sm.regions) or '全部'} · "
                        f"时段：{sm.period} · 负责人：{sm.owner or '—'} · 更新于 {fmt_time(sm.updated_at) or '—'}"))
if not sm.backfill_done:
    st.info(f"{sm.backfill}。以下数字会随回溯进度增加。")

m = st.columns(4)
m[0].metric("累计匹配", f"{sm.matched:,} 篇")
m[1].metric(f"近{days}天", f"{ov.total:,} 篇")
m[2].metric("负面占比", "—" if ov.negative_share is None else f"{ov.negative_share:.1%}")
m[3].metric("涉及热点事件", f"{len(ov.events)} 个" if len(ov.events) < 10 else "10 个以上")

if not ov.total:
    st.info(f"近{days}天没有与该方案匹配的帖子。可放宽时间范围，或在「方案管理」中调整表达式、来源和地区。")
else:
    left, right = st.columns([3, 2])
    with left:
        st.subheader("声量与情感走势")
        st.altair_chart(charts.volume_chart(list(ov.trend)), width="stretch")
    with right:
        # One share at a time (a picker rather than tabs: tabs would build all four charts on every render).
        shares = {"来源": ov.sources, "媒体类型": ov.media, "地区": ov.regions, "情感": ov.sentiments}
        label = st.segmented_control("分布", list(shares), default="来源", key="sp_share") or "来源"
        st.altair_chart(charts.bar_chart([(r.label, r.count) for r in shares[label]], label), width="stretch")
        st.caption(escape_label("；".join(f"{r.label} {r.share:.1%}" for r in shares[label][:6])))

    st.subheader("热点事件")
    show_table([{"事件": e.title, "热度": round(e.heat, 1), "文档数": e.doc_count, "负面": e.negative,
                 "主题": e.topic or "—", "地区": e.region or "—", "责任部门": e.department or "—",
                 "最近出现": fmt_time(e.last_seen)} for e in ov.events], key="sp_events")

    st.subheader(f"关键词云（近{min(days, 7)}天）")
    pairs = list(ov.keywords)
    png = cached.wordcloud_png(cloud_weights(pairs), False, 720, 300)  # a scheme's few dozen words: a smaller canvas
    if png is not None:
        st.image(png)
    elif pairs:
        st.altair_chart(charts.keyword_bubbles(pairs), width="stretch")
    else:
        st.info("暂无关键词")

st.subheader("匹配的帖子")
page_size = ctx.settings.page_size
page = int(st.session_state.get("sp_page", 1) or 1)
total, posts = cached.scheme_posts(ctx.key, name, since, until, page_size, (page - 1) * page_size)
if not total:
    st.info(f"近{days}天暂无匹配的帖子")
for v in posts:
    with st.container(border=True):
        st.markdown(f"**{escape_text(v.title or '（无标题）')}**", unsafe_allow_html=True)  # crawled text: text
        body = v.snippet[len(v.title):].lstrip() if v.title and v.snippet.startswith(v.title) else v.snippet
        st.markdown(escape_text(body), unsafe_allow_html=True)
        meta = " · ".join(x for x in (fmt_time(v.published_at), schemes.source_titles(ctx.app).get(v.source, v.source),
                                      SENTIMENT_LABELS.get(v.sentiment or "", ""), v.topic or "", v.region or "") if x)
        st.markdown(f"<small>{escape_text(meta)} · {escape_text(v.url)}</small>", unsafe_allow_html=True)
paginate(total, page_size, key="sp_page")

st.subheader("本方案的预警规则")
if ov.rules_error:
    st.warning(escape_label(f"预警规则暂时无法读取：{ov.rules_error}"))
if ov.rules:
    show_table([{"规则": r.name, "类型": r.type_label, "级别": r.level_label, "条件": r.condition} for r in ov.rules],
               key="sp_rules")
else:
    st.info(escape_label(f"尚无限定于本方案的预警规则。在配置的 [[alerts.rules]] 中加 scheme = \"{name}\" 即可让规则只看"
                         "本方案；类型 scheme_volume 按本方案的匹配篇数预警（见 docs/alerts.md）"))
