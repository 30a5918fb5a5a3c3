"""Daily and weekly 舆情简报: top events, alerts and responses, the department table, trend and topic charts.

Written as Word (python-docx) or Excel (openpyxl); the charts are matplotlib PNGs drawn with a CJK font found on
the machine (``yuqing.dashboard.fonts``). ``yuqing report daily|weekly --date D --out FILE`` calls :func:`report_main`.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from yuqing.dashboard.services import board, queries
from yuqing.dashboard.services.events import period_briefs
from yuqing.dashboard.special import special_main
from yuqing.dashboard.textfmt import PERCENT_COLUMNS
from yuqing.clock import TZ, day_start, now as clock_now
from yuqing.views import build_event_view

KIND_LABELS = {"daily": "日报", "weekly": "周报"}


class ReportError(ValueError):
    pass


@dataclass
class Brief:
    kind: str
    start: datetime
    end: datetime  # exclusive
    generated_at: datetime
    summary: dict[str, Any]
    events: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    responses: list[dict[str, Any]]
    departments: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    topics: list[tuple[str, int]]
    event_briefs: list[str] = field(default_factory=list)  # the top events' briefs (services/events.period_briefs)
    font_missing: bool = False
    charts: dict[str, bytes] = field(default_factory=dict)
    scheme: str | None = None  # a 监测方案's brief: only its documents, events and alerts (dashboard/scheme_report.py)

    @property
    def title(self) -> str:
        last = (self.end - timedelta(days=1)).date()
        span = f"{self.start:%Y年%m月%d日}" if self.kind == "daily" else f"{self.start:%Y年%m月%d日}—{last:%m月%d日}"
        return f"{f'「{self.scheme}」' if self.scheme else ''}舆情{KIND_LABELS[self.kind]}（{span}）"


def default_day(now: datetime) -> date:
    """The day a 日报 covers when none is given, for the command line and the dashboard alike: yesterday, the last
    complete day. A report of today would change with every hour it is generated at; 日报 are written in the morning
    about the day before (a 周报 then covers the 7 days up to yesterday)."""
    return now.astimezone(TZ).date() - timedelta(days=1)


def period_events(app: Any, start: datetime, end: datetime, limit: int = 10, *,
                  scheme: str | None = None) -> list[tuple[Any, int]]:
    """The hottest events with posts inside the period, with their post count in it: an event active only after
    the period (or long before it) is not one of its 热点事件, nor is one an officer marked 「不是问题」. Raw events
    (the caller builds the views: the event table and the briefs)."""
    from yuqing.correction_effects import not_issue
    from yuqing.storage.base import DocumentFilter

    candidates = app.store.documents.list_events(limit=max(100, limit * 10), since=start, order="heat", scheme=scheme)
    counts = app.store.documents.event_daily_counts([e.id for e in candidates],
                                                    DocumentFilter(since=start, until=end, scheme=scheme))
    out = []
    for e in candidates:
        n = sum(c for _, c in counts.get(e.id, []))
        if n > 0 and not_issue(app.store, event_id=e.id) is None:
            out.append((e, n))
        if len(out) == limit:
            break
    return out


def period(kind: str, day: date) -> tuple[datetime, datetime]:
    if kind not in KIND_LABELS:
        raise ReportError(f"简报类型「{kind}」无效，可选：daily（日报）、weekly（周报）")
    end = day_start(day) + timedelta(days=1)
    return end - timedelta(days=1 if kind == "daily" else 7), end


def build_brief(app: Any, kind: str, day: date, now: datetime | None = None, *, scheme: str | None = None) -> Brief:
    from yuqing.dashboard import scheme_report

    start, end = period(kind, day)
    now = now or clock_now()
    unknown = scheme_report.unknown_scheme(app, scheme) if scheme else None
    if unknown:
        raise ReportError(unknown)
    trend = board.trend(app, end - timedelta(days=30), end, scheme=scheme)
    in_period = [r for r in trend if start.date().isoformat() <= r["day"] < end.date().isoformat()]
    total = sum(r["total"] for r in in_period)
    negative = sum(r["negative"] for r in in_period)
    # Rows come from the read model (masked views), like every other output.
    n_alerts, alerts, responses = queries.report_alerts(app, start, end)
    if scheme:
        n_alerts, alerts, responses = scheme_report.scope_alerts(app, scheme, alerts, responses)
    alert_rows = [{k: v for k, v in queries.alert_row(a, now).items() if not k.startswith("_")} for a in alerts]
    titles = {a.id: a.title for a in alerts}
    response_rows = [{"预警编号": r_alert, "预警": titles.get(r_alert, ""), "部门": r.department, "回应人": r.author,
                      "回应时间": r.created_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M"), "回应内容": r.text[:300],
                      "公开链接": r.link or "", "评价": r.rating or ""} for r_alert, r in responses]
    hot = period_events(app, start, end, scheme=scheme)
    views = [(build_event_view(e), n) for e, n in hot]
    event_rows = [{"排名": i, "事件": e.title, "热度": round(e.heat, 1), "本期文档数": n, "累计文档数": e.doc_count,
                   "负面": e.negative, "主题": e.topic or "—", "地区": e.region or "—", "责任部门": e.department or "—",
                   "关键词": "、".join(e.keywords[:5])} for i, (e, n) in enumerate(views, 1)]
    counts = scheme_report.open_counts(app, scheme, now) if scheme else queries.alert_counts(app, now)
    summary = {
        "舆情总量": total, "负面数量": negative, "负面占比": f"{negative / total:.1%}" if total else "—",
        "新增预警": n_alerts, "其中一级预警": sum(a.level == 1 for a in alerts),
        "已回应": sum(a.status in ("responded", "closed") for a in alerts),
        "当前未办结": counts["open"], "当前超期": counts["overdue"], "热点事件": len(event_rows),
    }
    brief = Brief(kind=kind, start=start, end=end, generated_at=now, summary=summary, events=event_rows,
                  alerts=alert_rows, responses=response_rows, trend=trend, scheme=scheme,
                  departments=scheme_report.departments(alerts, now) if scheme else board.league(app, start),
                  topics=board.distribution(app, "topic", start, end, 12, scheme=scheme),
                  event_briefs=period_briefs([e for e, _ in hot]))
    brief.charts, brief.font_missing = render_charts(brief)
    return brief


def narrative(brief: Brief) -> str:
    s = brief.summary
    text = (f"本期共监测到相关舆情 {s['舆情总量']} 条，其中负面 {s['负面数量']} 条（占比 {s['负面占比']}）；"
            f"新增预警 {s['新增预警']} 条（一级 {s['其中一级预警']} 条），已回应 {s['已回应']} 条；"
            f"截至生成时，未办结预警 {s['当前未办结']} 条，其中超期 {s['当前超期']} 条。")
    text += "".join(brief.event_briefs)
    return text


# -- charts -------------------------------------------------------------------------------------------------------
def render_charts(brief: Brief) -> tuple[dict[str, bytes], bool]:
    """PNG bytes for the trend and topic charts; the flag says no CJK font was found (labels may show boxes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    from yuqing.dashboard.fonts import find_cjk_font

    font = find_cjk_font()
    prop = None
    if font is not None:
        font_manager.fontManager.addfont(str(font))
        prop = font_manager.FontProperties(fname=str(font))
    plt.rcParams["axes.unicode_minus"] = False
    out: dict[str, bytes] = {}

    def save(fig: Any, name: str) -> None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
        plt.close(fig)
        out[name] = buf.getvalue()

    fig, ax = plt.subplots(figsize=(8, 3.2))
    days = [r["day"][5:] for r in brief.trend]
    ax.plot(days, [r["total"] for r in brief.trend], label="总量", color="#4c78a8", linewidth=2)
    ax.plot(days, [r["negative"] for r in brief.trend], label="负面", color="#d62728", linewidth=2)
    ax.set_title("近30天舆情量走势", fontproperties=prop)
    ax.legend(prop=prop)
    ax.set_xticks(range(0, len(days), max(1, len(days) // 10)))
    ax.set_xticklabels(days[::max(1, len(days) // 10)], fontproperties=prop)
    ax.grid(alpha=0.3)
    save(fig, "trend")

    fig, ax = plt.subplots(figsize=(8, 3.6))
    topics = list(reversed(brief.topics)) or [("无数据", 0)]
    ax.barh([t for t, _ in topics], [n for _, n in topics], color="#4c78a8")
    ax.set_title("本期主题分布", fontproperties=prop)
    for label in ax.get_yticklabels():
        if prop is not None:
            label.set_fontproperties(prop)
    save(fig, "topics")
    return out, font is None


# -- writers ------------------------------------------------------------------------------------------------------
SECTIONS = (("events", "一、热点事件"), ("alerts", "二、预警与处置"), ("responses", "三、部门回应"),
            ("departments", "四、部门回应排行"))


_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _cell(value: Any, column: str = "") -> str:
    """A docx cell's plain text (python-docx writes it as a run: never a field, link or formula). Characters XML
    cannot hold (control characters from a crawled page) are dropped rather than failing the whole report. Ratios are
    known by their column (textfmt.PERCENT_COLUMNS), not guessed from the value: 1.0 is 「100.0%」, never 「1.0」."""
    from yuqing.dashboard.textfmt import cell

    return _XML_ILLEGAL.sub("", str(cell(column, value)))


def write_docx(brief: Brief, path: Path) -> None:
    from docx import Document as Docx
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt

    doc = Docx()
    style = doc.styles["Normal"]
    style.font.name = "Microsoft YaHei"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "微软雅黑")
    style.font.size = Pt(10.5)
    doc.add_heading(brief.title, level=0)
    doc.add_paragraph(f"生成时间：{brief.generated_at:%Y-%m-%d %H:%M}")
    doc.add_heading("概要", level=1)
    doc.add_paragraph(_cell(narrative(brief)))
    table = doc.add_table(rows=1, cols=2, style="Light Grid Accent 1")
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "指标", "数值"
    for k, v in brief.summary.items():
        cells = table.add_row().cells
        cells[0].text, cells[1].text = k, _cell(v)
    if brief.font_missing:
        from yuqing.dashboard.fonts import NO_FONT_MESSAGE

        doc.add_paragraph(NO_FONT_MESSAGE)
    for key, heading in SECTIONS:
        doc.add_heading(heading, level=1)
        rows = getattr(brief, key)
        if key == "events" and "topics" in brief.charts:
            doc.add_picture(io.BytesIO(brief.charts["trend"]), width=Inches(6.2))
            doc.add_picture(io.BytesIO(brief.charts["topics"]), width=Inches(6.2))
        if not rows:
            doc.add_paragraph("本期无。")
            continue
        cols = list(rows[0])
        t = doc.add_table(rows=1, cols=len(cols), style="Light Grid Accent 1")
        for cell, col in zip(t.rows[0].cells, cols):
            cell.text = col
        for r in rows:
            for cell, col in zip(t.add_row().cells, cols):
                cell.text = _cell(r.get(col), col)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))


def _append(sheet: Any, values: list[Any]) -> None:
    """One row; every string cell typed as a string (a title starting with = is text, never a formula)."""
    from yuqing.dashboard.textfmt import xlsx_value

    row = sheet.max_row + 1 if sheet.max_row > 1 or sheet.cell(1, 1).value is not None else 1
    for col, value in enumerate(values, 1):
        if isinstance(value, (list, tuple)):
            value = "、".join(map(str, value))
        xlsx_value(sheet.cell(row=row, column=col), value)


def write_xlsx(brief: Brief, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image as XlImage
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "概要"
    _append(ws, [brief.title])
    ws["A1"].font = Font(size=16, bold=True)
    _append(ws, [f"生成时间：{brief.generated_at:%Y-%m-%d %H:%M}"])
    _append(ws, [narrative(brief)])
    _append(ws, [None])
    _append(ws, ["指标", "数值"])
    for k, v in brief.summary.items():
        _append(ws, [k, v])
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 14
    anchor_row = ws.max_row + 2
    for name in ("trend", "topics"):
        if name in brief.charts:
            img = XlImage(io.BytesIO(brief.charts[name]))
            img.width, img.height = img.width * 0.7, img.height * 0.7
            ws.add_image(img, f"A{anchor_row}")
            anchor_row += int(img.height / 20) + 2
    sheets = (("热点事件", brief.events), ("预警", brief.alerts), ("部门回应", brief.responses),
              ("部门排行", brief.departments), ("每日走势", [
                  {"日期": r["day"], "总量": r["total"], "负面": r["negative"], "中性": r["neutral"], "正面": r["positive"]}
                  for r in brief.trend]), ("主题分布", [{"主题": t, "篇数": n} for t, n in brief.topics]))
    for title, rows in sheets:
        sheet = wb.create_sheet(title)
        if not rows:
            _append(sheet, ["本期无"])
            continue
        cols = list(rows[0])
        _append(sheet, cols)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r in rows:
            _append(sheet, [r.get(c) for c in cols])
        for i, col in enumerate(cols, 1):
            if col in PERCENT_COLUMNS:  # numbers stay numbers, shown as 50.0% like everywhere else
                for (c,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    c.number_format = "0.0%"
        for i, col in enumerate(cols, 1):
            width = max(len(str(col)), *(len(str(r.get(col) or "")) for r in rows[:200]))
            sheet.column_dimensions[get_column_letter(i)].width = min(60, max(8, width * 1.6))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))


def write_report(brief: Brief, path: str | Path) -> Path:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        write_docx(brief, path)
    elif suffix == ".xlsx":
        write_xlsx(brief, path)
    else:
        raise ReportError(f"输出文件「{path}」的扩展名应为 .docx（Word）或 .xlsx（Excel）")
    return path


def report_bytes(brief: Brief, suffix: str) -> bytes:
    """For the dashboard's download button."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = write_report(brief, Path(tmp) / f"brief{suffix}")
        return path.read_bytes()


def report_main(argv: list[str], app: Any) -> int:
    if argv[:1] == ["special"]:  # 专报: selected events (dashboard/special.py)
        return special_main(argv[1:], app)
    parser = argparse.ArgumentParser(prog="yuqing report", description="生成舆情简报（Word 或 Excel）")
    parser.add_argument("kind", choices=sorted(KIND_LABELS), help="daily（日报）或 weekly（周报，截至 --date 的 7 天）")
    parser.add_argument("--date", help="简报日期 YYYY-MM-DD（默认昨天，即最近一个完整的日子；周报为截至该日的 7 天）")
    parser.add_argument("--out", required=True, help="输出文件，扩展名 .docx 或 .xlsx")
    parser.add_argument("--now", help="生成时间（ISO 8601，默认当前时间），用于计算超期")
    parser.add_argument("--scheme", help="只统计该监测方案匹配的帖子、事件与预警（方案名，见 yuqing schemes list）")
    args = parser.parse_args(argv)
    try:
        now = clock_now(args.now)
        day = date.fromisoformat(args.date) if args.date else default_day(now)
    except ValueError:
        print(f"日期无效：{args.date or args.now}（--date 应为 YYYY-MM-DD，--now 应为 ISO 8601 时间）", file=sys.stderr)
        return 2
    if not date(1990, 1, 1) <= day <= date(2999, 12, 31):
        print(f"日期 {day} 超出范围（应在 1990-01-01 至 2999-12-31 之间）", file=sys.stderr)
        return 2
    if Path(args.out).suffix.lower() not in (".docx", ".xlsx"):
        print(f"输出文件「{args.out}」的扩展名应为 .docx（Word）或 .xlsx（Excel）", file=sys.stderr)
        return 2
    out = Path(args.out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        print(f"输出文件夹「{folder}」不存在，请先创建它或换一个 --out 路径", file=sys.stderr)
        return 2
    if out.is_dir():
        print(f"「{out}」是一个文件夹，--out 应为文件路径（.docx 或 .xlsx）", file=sys.stderr)
        return 2
    try:
        brief = build_brief(app, args.kind, day, now, scheme=args.scheme)
    except ReportError as exc:
        print(exc, file=sys.stderr)
        return 2
    if brief.font_missing:
        from yuqing.dashboard.fonts import NO_FONT_MESSAGE

        print(f"警告：{NO_FONT_MESSAGE}", file=sys.stderr)
    try:
        path = write_report(brief, out)
    except OSError as exc:
        from yuqing.checker import os_error_text

        print(f"无法写入「{out}」：{os_error_text(exc)}；请换一个可写的 --out 路径", file=sys.stderr)
        return 1
    print(f"已生成{brief.title}：{path}（舆情 {brief.summary['舆情总量']} 条，预警 {brief.summary['新增预警']} 条）")
    return 0
