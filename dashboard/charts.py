"""Charts for the pages (altair, rendered by the browser) and the keyword cloud (wordcloud + a CJK font)."""

from __future__ import annotations

import io
from typing import Any

import altair as alt
import pandas as pd

from yuqing.dashboard.fonts import find_cjk_font

SENTIMENT_COLOURS = {"负面": "#d62728", "中性": "#9e9e9e", "正面": "#2ca02c"}


def _theme(chart: alt.Chart, dark: bool) -> alt.Chart:
    if not dark:
        return chart
    return chart.configure(background="#0a1428").configure_axis(
        labelColor="#e8f0ff", titleColor="#e8f0ff", labelFontSize=16, titleFontSize=16, gridColor="#1f3a6b"
    ).configure_legend(labelColor="#e8f0ff", titleColor="#e8f0ff", labelFontSize=16).configure_view(stroke=None)


def volume_chart(rows: list[dict[str, Any]], *, dark: bool = False, height: int = 260) -> alt.Chart:
    """Stacked daily volume by sentiment."""
    records = [{"日期": r["day"], "情感": label, "篇数": r[key]}
               for r in rows for key, label in (("negative", "负面"), ("neutral", "中性"), ("positive", "正面"))]
    df = pd.DataFrame(records or [{"日期": "", "情感": "中性", "篇数": 0}])
    chart = alt.Chart(df).mark_area(opacity=0.85).encode(
        x=alt.X("日期:T", title="日期", axis=alt.Axis(format="%m-%d")),
        y=alt.Y("篇数:Q", stack=True, title="篇数"),
        color=alt.Color("情感:N", scale=alt.Scale(domain=list(SENTIMENT_COLOURS), range=list(SENTIMENT_COLOURS.values())),
                        legend=alt.Legend(orient="top", title=None)),
        tooltip=["日期:T", "情感:N", "篇数:Q"],
    ).properties(height=height)
    return _theme(chart, dark)


def bar_chart(pairs: list[tuple[str, int]], label: str, *, dark: bool = False, height: int = 260) -> alt.Chart:
    df = pd.DataFrame(pairs or [("无数据", 0)], columns=[label, "篇数"])
    # Every label shown in full: no overlap thinning (it dropped every other region), no truncation (「劳动和社会…」).
    height = max(height, (30 if dark else 22) * len(df))
    chart = alt.Chart(df).mark_bar(color="#4c78a8").encode(
        x=alt.X("篇数:Q", title="篇数"),
        y=alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelOverlap=False, labelLimit=0)),
        tooltip=[f"{label}:N", "篇数:Q"]).properties(height=height)
    return _theme(chart, dark)


def keyword_bubbles(pairs: list[tuple[str, int]], *, dark: bool = False, height: int = 300) -> alt.Chart:
    """Fallback when no CJK font is installed for the image cloud: the browser draws the Chinese itself."""
    import math

    rows = []
    cols = 8
    for i, (word, n) in enumerate(pairs[:48]):
        rows.append({"关键词": word, "次数": n, "x": i % cols + (0.5 if (i // cols) % 2 else 0), "y": -(i // cols)})
    df = pd.DataFrame(rows or [{"关键词": "无数据", "次数": 1, "x": 0, "y": 0}])
    top = max(df["次数"].max(), 1)
    df["字号"] = [12 + 22 * math.sqrt(n / top) for n in df["次数"]]
    base = alt.Chart(df).encode(x=alt.X("x:Q", axis=None), y=alt.Y("y:Q", axis=None), tooltip=["关键词:N", "次数:Q"])
    chart = (base.mark_circle(opacity=0.25, color="#4c78a8").encode(size=alt.Size("次数:Q", legend=None, scale=alt.Scale(range=[200, 4000])))
             + base.mark_text().encode(text="关键词:N", size=alt.Size("字号:Q", legend=None, scale=None))
             ).properties(height=height)
    return _theme(chart, dark)


def wordcloud_png(pairs: list[tuple[str, int]], *, dark: bool = False, width: int = 900, height: int = 420) -> bytes | None:
    """PNG of the keyword cloud, or None when no CJK font is installed (callers fall back to the bubbles)."""
    font = find_cjk_font()
    if font is None or not pairs:
        return None
    from wordcloud import WordCloud

    # Lay out on a half-size canvas and draw the words at twice the size: the layout (font metrics per trial size,
    # free-space search) is most of the cost and shrinks with the canvas; the picture keeps its full resolution.
    cloud = WordCloud(font_path=str(font), width=max(width // 2, 1), height=max(height // 2, 1), scale=2, font_step=2,
                      background_color="#0a1428" if dark else "white", colormap="YlOrRd" if dark else "tab10",
                      prefer_horizontal=0.95, max_words=80, random_state=7)
    image = cloud.generate_from_frequencies(dict(pairs)).to_image()
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def sparkline_column(label: str = "走势") -> Any:
    import streamlit as st

    return st.column_config.LineChartColumn(label, width="small", y_min=0)
