"""The 传播路径 chart: each post as a point on a time × source plane, reposts joined to their originals, and the
posts per period below it with the moments heat jumped marked. Altair for the page; matplotlib (PNG) for the 专报."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from yuqing.eventviews import SpreadView

KIND_COLOURS = {"首发": "#d62728", "原帖": "#1f77b4", "转载/相似": "#ff7f0e"}


def _points(spread: SpreadView) -> list[dict[str, Any]]:
    first = spread.first.doc_id if spread.first else None
    return [{"时间": p.at.isoformat() if p.at else None, "来源": p.source, "编号": p.doc_id[:12],
             "类型": "首发" if p.doc_id == first else ("转载/相似" if p.repost_of else "原帖")}
            for p in spread.timeline]


def spread_chart(spread: SpreadView, *, height: int = 240) -> alt.VConcatChart:
    points = _points(spread)
    where = {p.doc_id: (p.at.isoformat() if p.at else None, p.source) for p in spread.timeline}
    links = []
    for i, p in enumerate(spread.timeline):
        if p.repost_of and p.repost_of in where:
            t0, s0 = where[p.repost_of]
            links += [{"时间": t0, "来源": s0, "链": i}, {"时间": p.at.isoformat() if p.at else None, "来源": p.source, "链": i}]
    df = pd.DataFrame(points or [{"时间": None, "来源": "", "编号": "", "类型": "原帖"}])
    scale = alt.Scale(domain=list(KIND_COLOURS), range=list(KIND_COLOURS.values()))
    dots = alt.Chart(df).mark_circle(size=90, opacity=0.9).encode(
        x=alt.X("时间:T", title="时间"), y=alt.Y("来源:N", title="来源"),
        color=alt.Color("类型:N", scale=scale, legend=alt.Legend(orient="top", title=None)),
        tooltip=["时间:T", "来源:N", "类型:N", "编号:N"])
    layers: list[Any] = [dots]
    if links:
        layers.insert(0, alt.Chart(pd.DataFrame(links)).mark_line(color="#ff7f0e", opacity=0.5).encode(
            x="时间:T", y="来源:N", detail="链:N"))
    plane = alt.layer(*layers).properties(width="container", height=height, title="帖子按来源的时间线（连线：转载/相似帖 → 原帖）")
    series = pd.DataFrame([{"时间": at.isoformat() if at else None, "帖子数": n} for at, n in spread.series]
                          or [{"时间": None, "帖子数": 0}])
    unit = "每小时" if spread.unit == "hour" else "每日"
    volume = alt.Chart(series).mark_bar(color="#9ecae1").encode(
        x=alt.X("时间:T", title="时间"), y=alt.Y("帖子数:Q", title=f"{unit}帖子数"), tooltip=["时间:T", "帖子数:Q"])
    jumps = pd.DataFrame([{"时间": at.isoformat() if at else None, "帖子数": n} for at, n, _ in spread.jumps])
    lower: Any = volume
    if not jumps.empty:
        lower = volume + alt.Chart(jumps).mark_point(color="#d62728", shape="triangle-up", size=120, filled=True
                                                      ).encode(x="时间:T", y="帖子数:Q", tooltip=["时间:T", "帖子数:Q"])
    return alt.vconcat(plane, lower.properties(width="container", height=140, title="热度跃升（▲）"))


def spread_png(spread: SpreadView) -> bytes | None:
    """The same chart as a PNG for documents (None when no CJK font is installed: the docx then says so)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties

    from yuqing.dashboard.fonts import find_cjk_font

    font = find_cjk_font()
    if font is None:
        return None
    prop = FontProperties(fname=str(font))
    sources = list(dict.fromkeys(p.source for p in spread.timeline))
    row = {s: i for i, s in enumerate(sources)}
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 4.8), height_ratios=[3, 2])
    at = {p.doc_id: p for p in spread.timeline}
    for p in spread.timeline:
        if p.repost_of in at and at[p.repost_of].at and p.at:
            o = at[p.repost_of]
            top.plot([o.at, p.at], [row[o.source], row[p.source]], color="#ff7f0e", alpha=0.5, linewidth=1)
    for p in spread.timeline:
        kind = "首发" if spread.first and p.doc_id == spread.first.doc_id else ("转载/相似" if p.repost_of else "原帖")
        top.scatter([p.at], [row[p.source]], color=KIND_COLOURS[kind], s=30, zorder=3)
    top.set_yticks(range(len(sources)), sources, fontproperties=prop)
    top.set_title("传播路径：帖子按来源的时间线（连线：转载/相似帖 → 原帖）", fontproperties=prop)
    times = [t for t, _ in spread.series]
    bottom.bar(times, [n for _, n in spread.series], width=(1 / 24 if spread.unit == "hour" else 0.8), color="#9ecae1")
    for t, n, _ in spread.jumps:
        bottom.scatter([t], [n], marker="^", color="#d62728", zorder=3)
    bottom.set_title("每小时帖子数与热度跃升（▲）" if spread.unit == "hour" else "每日帖子数与热度跃升（▲）",
                     fontproperties=prop)
    fig.autofmt_xdate()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
