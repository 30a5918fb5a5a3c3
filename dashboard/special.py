"""专报: a report an officer assembles from selected events — each event's brief, its 传播路径 chart, its alerts with
their deadlines and the departments' responses — with the 领导批示 fields, exported as docx.

``yuqing report special --event ID … --out F.docx`` and the 专报 page both build a :class:`SpecialReport` here from
the read model (masked views) and write it with :func:`write_special_docx`.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from yuqing.eventviews import EventDetailView, event_detail, source_titles
from yuqing.viewparts import fmt_local, masked
from yuqing.views import AlertView, ResponseView, build_response_view

MAX_EVENTS = 20


class SpecialReportError(ValueError):
    """Bad input for a 专报, in Chinese."""


@dataclass(frozen=True)
class Instruction:
    """领导批示: who, what, when (all typed by the officer; shown as text)."""

    leader: str = ""
    text: str = ""
    date: str = ""

    @property
    def empty(self) -> bool:
        return not (self.leader or self.text or self.date)


@dataclass(frozen=True)
class EventSection:
    detail: EventDetailView
    alerts: tuple[AlertView, ...]
    responses: tuple[tuple[str, ResponseView], ...]  # (alert id, response)
    chart: bytes | None  # the 传播路径 chart as PNG (None: no CJK font, or no spread yet)


@dataclass(frozen=True)
class SpecialReport:
    title: str
    generated_at: datetime
    author: str
    instruction: Instruction
    sections: tuple[EventSection, ...] = field(default_factory=tuple)


def _event_alerts(app: Any, event_id: str, first_seen: datetime | None) -> list[Any]:
    since = (first_seen - timedelta(days=1)) if first_seen else None
    _, alerts = app.store.workflow.list_alerts(since=since, limit=100_000)
    return [a for a in alerts if a.event_id == event_id]


def build_special(app: Any, event_ids: list[str], *, title: str = "", author: str = "",
                  instruction: Instruction | None = None, now: datetime, charts: bool = True) -> SpecialReport:
    """The 专报 of ``event_ids`` (in the order given); SpecialReportError names an unknown or missing id."""
    ids = list(dict.fromkeys(i.strip() for i in event_ids if i and i.strip()))
    if not ids:
        raise SpecialReportError("请至少选择一个事件（--event 事件编号，可用 yuqing events list 查看）")
    if len(ids) > MAX_EVENTS:
        raise SpecialReportError(f"一份专报最多 {MAX_EVENTS} 个事件，收到 {len(ids)} 个")
    titles = source_titles(app.config)
    sections = []
    for eid in ids:
        detail = event_detail(app.store, eid, posts=10, now=now, alert_view=app.alerts.alert_view, titles=titles)
        if detail is None:
            raise SpecialReportError(f"未找到事件 {eid}（用 yuqing events list 查看事件编号）")
        alerts = _event_alerts(app, eid, detail.event.first_seen)
        responses = tuple((a.id, build_response_view(r)) for a in alerts for r in app.store.workflow.responses_for(a.id))
        chart = None
        if charts and detail.spread is not None and detail.spread.timeline:
            from yuqing.dashboard.spread_chart import spread_png

            chart = spread_png(detail.spread)
        sections.append(EventSection(detail=detail, alerts=tuple(app.alerts.alert_view(a) for a in alerts),
                                     responses=responses, chart=chart))
    name = title.strip() or f"舆情专报（{now:%Y年%m月%d日}）"
    return SpecialReport(title=masked(name), generated_at=now, author=masked(author),
                         instruction=Instruction(*(masked(x.strip()) for x in (
                             (instruction or Instruction()).leader, (instruction or Instruction()).text,
                             (instruction or Instruction()).date))),
                         sections=tuple(sections))


_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    """A docx run's plain text: characters XML cannot hold (control characters from a crawled page) dropped."""
    return _XML_ILLEGAL.sub("", str(value))


def write_special_docx(report: SpecialReport, path: Path) -> Path:
    from docx import Document as Docx
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt

    doc = Docx()
    style = doc.styles["Normal"]
    style.font.name = "Microsoft YaHei"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "微软雅黑")
    style.font.size = Pt(10.5)
    doc.add_heading(_text(report.title), level=0)
    doc.add_paragraph(_text(f"生成时间：{fmt_local(report.generated_at)}" + (f"　编报：{report.author}" if report.author else "")))
    doc.add_heading("领导批示", level=1)
    box = doc.add_table(rows=3, cols=2, style="Table Grid")
    for row, (label, value) in zip(box.rows, (("批示领导", report.instruction.leader),
                                              ("批示意见", report.instruction.text), ("批示日期", report.instruction.date))):
        row.cells[0].text, row.cells[1].text = label, _text(value) if value else ""
    for n, section in enumerate(report.sections, 1):
        d = section.detail
        doc.add_heading(_text(f"{n}. {d.event.title}"), level=1)
        doc.add_heading("事件简报", level=2)
        if d.brief is None:
            doc.add_paragraph("（该事件的简报尚未生成）")
        else:
            for line in d.brief.facts():
                doc.add_paragraph(_text(line))
            for s in d.brief.sentences:
                doc.add_paragraph(_text(f"{'要点' if s.kind == 'key' else '诉求'}：{s.text}（原帖 {s.doc_id[:12]}）"),
                                  style="List Bullet")
        doc.add_heading("传播路径", level=2)
        sp = d.spread
        if sp is None or sp.first is None:
            doc.add_paragraph("（该事件的传播路径尚未生成）")
        else:
            doc.add_paragraph(_text(f"首发：{fmt_local(sp.first.at)} {sp.first.source}「{sp.first_title}」；"
                                    f"转载/相似帖 {sp.reposts} 条；来源："
                                    + "、".join(f"{s}（{c} 条，{share:.0%}）" for s, c, share in sp.sources[:6])))
            for at, posts, before in sp.jumps:
                doc.add_paragraph(_text(f"热度跃升：{fmt_local(at)} {posts} 条（此前平均 {before:g} 条）"), style="List Bullet")
            if section.chart:
                doc.add_picture(io.BytesIO(section.chart), width=Inches(6.2))
            else:
                from yuqing.dashboard.fonts import NO_FONT_MESSAGE

                doc.add_paragraph(NO_FONT_MESSAGE)
        doc.add_heading("预警与回应", level=2)
        if not section.alerts:
            doc.add_paragraph("该事件没有预警。")
        for a in section.alerts:
            due = "；".join(f"{x.label} {x.text}" for x in a.deadlines)
            doc.add_paragraph(_text(f"预警 {a.id}：{a.title}（{a.level_label}，{a.status_label}，"
                                    f"{a.department or '未派发'}）" + (f"；时限：{due}" if due else "")))
        for alert_id, r in section.responses:
            doc.add_paragraph(_text(f"{r.department} 于 {fmt_local(r.created_at)} 回应（预警 {alert_id}）：{r.text}"
                                    + (f"；评价：{r.rating}" if r.rating else "")), style="List Bullet")
    doc.save(str(path))
    return path


def special_bytes(report: SpecialReport) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return write_special_docx(report, Path(tmp) / "special.docx").read_bytes()


def special_main(argv: list[str], app: Any) -> int:
    """``yuqing report special --event ID [ID …] --out F.docx [--title T --leader L --instruction I --date D]``."""
    from yuqing.clock import TimeFormatError, now as clock_now

    parser = argparse.ArgumentParser(prog="yuqing report special", description="生成舆情专报（Word）：所选事件的简报、传播路径、预警与回应")
    parser.add_argument("--event", nargs="+", action="extend", required=True, metavar="事件编号", help="事件编号，可给多个")
    parser.add_argument("--out", required=True, help="输出文件（.docx）")
    parser.add_argument("--title", default="", help="专报标题（默认「舆情专报（日期）」）")
    parser.add_argument("--author", default="", help="编报人")
    parser.add_argument("--leader", default="", help="批示领导")
    parser.add_argument("--instruction", default="", help="批示意见")
    parser.add_argument("--date", default="", help="批示日期")
    parser.add_argument("--now", help="生成时间（ISO 8601，默认当前时间）")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if out.suffix.lower() != ".docx":
        print(f"输出文件「{args.out}」的扩展名应为 .docx（专报为 Word 文档）", file=sys.stderr)
        return 2
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir() or out.is_dir():
        print(f"无法写入「{out}」：文件夹不存在或该路径是文件夹，请换一个 --out 路径", file=sys.stderr)
        return 2
    try:
        now = clock_now(args.now)
        report = build_special(app, args.event, title=args.title, author=args.author,
                               instruction=Instruction(args.leader, args.instruction, args.date), now=now)
    except (SpecialReportError, TimeFormatError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        write_special_docx(report, out)
    except OSError as exc:
        from yuqing.checker import os_error_text

        print(f"无法写入「{out}」：{os_error_text(exc)}；请换一个可写的 --out 路径", file=sys.stderr)
        return 1
    print(f"已生成{report.title}：{out}（{len(report.sections)} 个事件）")
    return 0
