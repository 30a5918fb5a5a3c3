"""Full-text search over all documents, with filters; matches highlighted on escaped text."""

from datetime import datetime, time, timedelta

import streamlit as st

from yuqing.dashboard.common import csv_button, page_context, paginate, source_label
from yuqing.dashboard.services import cached, queries
from yuqing.dashboard.textfmt import escape_text, highlight
from yuqing.clock import TZ

ctx = page_context(__file__)
options = cached.filter_options(ctx.key)
query = st.text_input("关键词", placeholder="例如：供暖 停水 拖欠工资", key="s_query")
with st.expander("筛选条件", expanded=False):
    c1, c2, c3 = st.columns(3)
    any_ = lambda v: "全部" if v is None else v  # noqa: E731
    source = c1.selectbox("来源", [None, *options["source"]], format_func=lambda v: source_label(ctx.app, v),
                          key="s_source")
    topic = c2.selectbox("主题", [None, *options["topic"]], format_func=any_, key="s_topic")
    department = c3.selectbox("责任部门", [None, *options["department"]], format_func=any_, key="s_department")
    c4, c5, c6 = st.columns(3)
    region = c4.selectbox("地区", [None, *options["region"]], format_func=any_, key="s_region")
    sentiment = c5.selectbox("情感", [None, "negative", "neutral", "positive"],
                             format_func=lambda v: "全部" if v is None else queries.SENTIMENT_LABELS[v], key="s_sentiment")
    period = c6.date_input("发布时间", value=(), key="s_period")
since = until = None
if isinstance(period, (tuple, list)) and len(period) == 2:
    since = datetime.combine(period[0], time.min, TZ)
    until = datetime.combine(period[1], time.min, TZ) + timedelta(days=1)

if not query.strip():
    st.info("请输入关键词开始检索")
    st.stop()

page_size = ctx.settings.page_size
page = int(st.session_state.get("s_page", 1) or 1)
args = (query.strip(), source, topic, department, region, sentiment, since, until)
total, hits = cached.search(ctx.key, *args, page_size, (page - 1) * page_size)
st.caption(f"找到 {total} 篇相关文档")
for hit in hits:
    with st.container(border=True):
        st.markdown(f"**{highlight(hit['title'], hit['terms'])}**", unsafe_allow_html=True)
        st.markdown(highlight(hit["snippet"], hit["terms"]), unsafe_allow_html=True)
        meta = " · ".join(x for x in (hit["time"], hit["source"], hit["sentiment"], hit["topic"], hit["department"],
                                      hit["region"]) if x)
        st.markdown(f"<small>{escape_text(meta)} · {escape_text(hit['url'])}</small>", unsafe_allow_html=True)
paginate(total, page_size, key="s_page")
csv_button([{k: v for k, v in h.items() if k != "terms"} for h in hits], "检索结果.csv", key="s_csv",
           label="导出本页 CSV")
