"""Benchmark the article extractor on the real saved pages in ../shared/data/news_pages.

References (tests/crawlers/fixtures_extract/references.json) were written by hand
from the rendered pages: title, publication date, and the main text given only by
a short start and end anchor. The reference main text is recomputed here from the
shared page itself (its visible text between the anchors), so no page text lives
in the repository. Character-F1 is a bag-of-characters F1 over non-whitespace
characters. ``yuqing bench extract`` runs :func:`evaluate_main`.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from .article import extract_article
from .charset import decode_html
from .dom import visible_lines

REFERENCES = Path(__file__).resolve().parents[2] / "tests" / "crawlers" / "fixtures_extract" / "references.json"
_WS = re.compile(r"\s+")


def nows(text: str | None) -> str:
    return _WS.sub("", text or "")


def char_f1(predicted: str, reference: str) -> float:
    """Bag-of-characters F1 over non-whitespace characters."""
    p, r = Counter(nows(predicted)), Counter(nows(reference))
    if not p and not r:
        return 1.0
    if not p or not r:
        return 0.0
    overlap = sum((p & r).values())
    if overlap == 0:
        return 0.0
    precision = overlap / sum(p.values())
    recall = overlap / sum(r.values())
    return 2 * precision * recall / (precision + recall)


def reference_text(html: str, ref: dict) -> str:
    """The page's own visible text between the reference anchors (whitespace removed)."""
    full = nows("".join(visible_lines(html)))
    pos = -1
    for _ in range(int(ref.get("start_nth", 1))):
        pos = full.find(ref["start"], pos + 1)
        if pos < 0:
            raise ValueError(f"参考起始锚点在页面中找不到：{ref['page']}")
    end = full.find(ref["end"], pos)
    if end < 0:
        raise ValueError(f"参考结束锚点在页面中找不到：{ref['page']}")
    return full[pos : end + len(ref["end"])]


def title_ok(predicted: str, ref: dict) -> bool:
    wanted = [nows(ref["title"])] + [nows(t) for t in ref.get("title_variants", [])]
    return nows(predicted) in wanted


_MOJIBAKE = re.compile(r"\ufffd|[ÃÂÆÐØåæçèéäö][\u0080-\u00ff]|锟斤拷|[\u0080-\u009f]")


def garbled(text: str, page_text: str = "") -> bool:
    """Mojibake signs (replacement characters, UTF-8 read as Latin-1/GBK) not already in the page itself."""
    return any(m.group(0) not in page_text for m in _MOJIBAKE.finditer(text))


def load_references(path: Path = REFERENCES) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def evaluate(pages_root: Path, extractor=None, references: list[dict] | None = None) -> dict:
    """Score ``extractor(html_bytes) -> dict`` on every reference page; return per-page rows and a summary."""
    extractor = extractor or (lambda raw, url=None: extract_article(raw, url))
    references = references if references is not None else load_references()
    rows = []
    for ref in references:
        raw = (pages_root / ref["page"]).read_bytes()
        html, _ = decode_html(raw)
        row = {"page": ref["page"]}
        try:
            want = reference_text(html, ref)
        except ValueError as exc:
            row.update(error=str(exc), f1=0.0, title_ok=False, date_ok=False, garbled=False, leaked=[])
            rows.append(row)
            continue
        t0 = time.perf_counter()
        try:
            got = extractor(raw)
        except Exception as exc:  # noqa: BLE001 - a comparison extractor may fail on a page
            got = {"title": "", "published_at": None, "content": "", "error": repr(exc)}
        row["seconds"] = time.perf_counter() - t0
        content = got.get("content") or ""
        row["f1"] = char_f1(content, want)
        row["title_ok"] = title_ok(got.get("title") or "", ref)
        row["title"] = got.get("title") or ""
        row["date"] = got.get("published_at")
        row["date_ok"] = bool(row["date"]) and str(row["date"])[:10] == ref["date"]
        page_text = "".join(visible_lines(html))
        row["garbled"] = garbled(content, page_text) or garbled(row["title"], page_text)
        row["leaked"] = [s for s in ref.get("exclude", []) if nows(s) in nows(content)]
        rows.append(row)
    n = len(rows)
    f1s = [r["f1"] for r in rows]
    summary = {
        "pages": n,
        "titles_ok": sum(r["title_ok"] for r in rows),
        "dates_ok": sum(r["date_ok"] for r in rows),
        "median_f1": statistics.median(f1s) if f1s else 0.0,
        "mean_f1": statistics.fmean(f1s) if f1s else 0.0,
        "garbled": sum(r["garbled"] for r in rows),
        "pages_with_leaks": sum(bool(r["leaked"]) for r in rows),
        "seconds_total": sum(r.get("seconds", 0.0) for r in rows),
    }
    return {"rows": rows, "summary": summary}


def _trafilatura_extractor():
    try:
        import trafilatura  # optional comparison only, never a dependency
    except ImportError:
        return None

    def run(raw: bytes, url=None) -> dict:
        html, _ = decode_html(raw)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # as_dict deprecation noise across trafilatura versions
            out = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, as_dict=True)
        if out is None:
            return {"title": "", "published_at": None, "content": ""}
        if not isinstance(out, dict):
            out = out.as_dict()
        return {"title": out.get("title") or "", "published_at": out.get("date"), "content": out.get("text") or ""}

    return run


def _print_report(name: str, result: dict, verbose: bool) -> None:
    s = result["summary"]
    print(f"== {name}")
    if verbose:
        print(f"{'页面':<34}{'F1':>6}  标题 日期 乱码  泄漏")
        for r in result["rows"]:
            mark = lambda ok: "✓" if ok else "✗"  # noqa: E731
            leak = ",".join(r.get("leaked", []))[:40]
            extra = r.get("error", "")
            print(f"{r['page']:<34}{r['f1']:6.3f}  {mark(r['title_ok'])}    {mark(r['date_ok'])}    {'是' if r['garbled'] else '否'}   {leak}{extra}")
    n = s["pages"]
    print(
        f"页面 {n}：标题正确 {s['titles_ok']}/{n}，日期正确 {s['dates_ok']}/{n}（{s['dates_ok'] / max(1, n):.1%}），"
        f"正文字符 F1 中位数 {s['median_f1']:.3f}（均值 {s['mean_f1']:.3f}），乱码 {s['garbled']} 页，"
        f"正文含样板片段 {s['pages_with_leaks']} 页，总耗时 {s['seconds_total']:.2f} 秒"
    )


def evaluate_main(argv: list[str] | None = None) -> int:
    """``yuqing bench extract``: per-page results and summary, optionally beside trafilatura."""
    parser = argparse.ArgumentParser(prog="yuqing bench extract", description="在真实保存的新闻页面上评测正文抽取")
    parser.add_argument("--pages", type=Path, default=None, help="news_pages 目录（默认 ../shared/data/news_pages）")
    parser.add_argument("--quiet", action="store_true", help="只打印汇总")
    parser.add_argument("--no-trafilatura", action="store_true", help="不与 trafilatura 对比")
    args = parser.parse_args(argv)
    pages = args.pages
    if pages is None:
        from yuqing.paths import shared_data_dir

        shared = shared_data_dir()
        if shared is None:
            print("找不到共享数据目录 ../shared/data；请用 --pages 指定 news_pages 目录。", file=sys.stderr)
            return 2
        pages = shared / "news_pages"
    if not pages.is_dir():
        print(f"页面目录不存在：{pages}", file=sys.stderr)
        return 2
    ours = evaluate(pages)
    _print_report("本项目抽取器 yuqing.crawlers.extract", ours, not args.quiet)
    if not args.no_trafilatura:
        traf = _trafilatura_extractor()
        if traf is None:
            print("（未安装 trafilatura，跳过对比）")
        else:
            theirs = evaluate(pages, traf)
            _print_report("trafilatura（对比）", theirs, not args.quiet)
            ratio = theirs["summary"]["seconds_total"] / max(1e-9, ours["summary"]["seconds_total"])
            print(f"速度：trafilatura 耗时 / 本项目耗时 = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(evaluate_main())
