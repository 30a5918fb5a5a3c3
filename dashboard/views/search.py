"""Search by expression (the language of 监测方案: AND/OR/NOT, phrases, NEAR, field scopes, 分组写法), Traditional and
Simplified alike, near-duplicates folded under the first hit; a bad expression is shown with a caret at its place."""

from datetime import datetime, time, timedelta

import streamlit as st

from yuqing.clock import TZ
from yuqing.dashboard.common import csv_button, page_context, paginate
from yuqing.dashboard.services import cached, documents, queries
from yuqing.dashboard.textfmt import escape_label, escape_text, fmt_time, highlight
from yuqing.query import QueryError, parse
from yuqing.search import error_caret

ctx = page_context(__file__)
options = cached.filter_options(ctx.key)
query = st.text_input("检索表达式", placeholder="例如：(供暖 OR 暖气) 不热 NOT 广告　或　公積金 NEAR/10 提取", key="s_query",
                      help="空格或 AND/与/+ 表示同时包含；OR/或/| 表示任一；NOT/非/-词 表示排除；括号分组；\"引号\" 内为短语；"
                           "A NEAR/10 B 表示两词相距不超过 10 个字；标题:、正文:、来源: 限定范围。繁体、简体、全角、大小写通查。")
with st.expander("分组写法（从其他舆情系统粘贴：地域词、主体词、事件词、排除词）", expanded=False):
    groups = st.text_area("每行一组，组内词用空格、逗号或顿号分隔；组内任一、组间同时、排除词排除", key="s_groups",
                          placeholder="地域词：长沙 岳麓区\n主体词：市政府、住建局\n事件词：供暖 不热，停水\n排除词：广告 招聘")
with st.expander("筛选条件", expanded=False):
    c1, c2, c3 = st.columns(3)
    any_ = lambda v: "全部" if v is None else v  # noqa: E731
    source = c1.selectbox("来源", [None, *options["source"]], format_func=any_, key="s_source")
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

text = groups if groups.strip() else query
if not text.strip():
    st.info("请输入检索表达式，或在「分组写法」中粘贴地域词、主体词、事件词")
    st.stop()
if groups.strip():
    st.caption("正在按分组写法检索（清空分组写法即改用上方的表达式）")
try:
    parsed = parse(text)
except QueryError as exc:
    line, caret = error_caret(text, exc)
    st.error(f"查询有误：{exc}")
    st.code(f"{line}\n{caret}", language=None)  # a code block: the typed text is shown as text, the caret aligned
    st.stop()

page_size = ctx.settings.page_size
page = int(st.session_state.get("s_page", 1) or 1)
args = (str(parsed), source, topic, department, region, sentiment, since, until)
view = cached.search(ctx.key, *args, page_size, (page - 1) * page_size)
folded = view.matches - view.total
st.caption(f"找到 {view.matches} 篇相关文档" + (f"，相似帖折叠后 {view.total} 条" if folded > 0 else "")
           + f" · 检索式：{escape_label(view.query)}")
for hit in view.hits:
    with st.container(border=True):
        terms = list(hit.terms)
        st.markdown(f"**{highlight(hit.title, terms)}**", unsafe_allow_html=True)
        st.markdown(highlight(hit.snippet, terms), unsafe_allow_html=True)
        meta = " · ".join(x for x in (fmt_time(hit.published_at), hit.source_title,
                                      queries.SENTIMENT_LABELS.get(hit.sentiment or "", ""), hit.topic or "",
                                      hit.department or "", hit.region or "") if x)
        st.markdown(f"<small>{escape_text(meta)} · {escape_text(hit.url)}</small>", unsafe_allow_html=True)
        if hit.similar_ids:
            with st.expander(hit.similar_label):
                for post in documents.similar_posts(ctx.app, list(hit.similar_ids)):
                    st.markdown(f"<small>{escape_text(post['time'])} · {escape_text(post['source'])} · "
                                f"{escape_text(post['title'])} · {escape_text(post['url'])}</small>",
                                unsafe_allow_html=True)
paginate(view.total, page_size, key="s_page")
csv_button([{"标题": h.title, "摘要": h.snippet, "时间": fmt_time(h.published_at), "来源": h.source_title,
             "相似帖数": len(h.similar_ids), "链接": h.url} for h in view.hits], "检索结果.csv", key="s_csv",
           label="导出本页 CSV")
