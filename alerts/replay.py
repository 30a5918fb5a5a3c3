"""Replay benchmark: ``yuqing bench replay [--days N] [--limit N] [--start YYYY-MM-DD] [--json]``.

Lives a city's year(s) again: the shared real message-board posts (``gov_messages/messages_with_replies.csv`` with
the departments' real reply times, and ``gov_messages/labeled_raw.csv``) are fed day by day, in-process, through the
kernel's own jobs — ``yuqing.jobs.ingest`` and ``yuqing.jobs.tick`` with ``now`` set to 18:00 (Asia/Shanghai) of each
simulated day — into a throw-away YUQING_HOME with notifications off. A post enters on the first tick after it was
written; a post with an official reply is ingested again, reply included, on the first tick after the reply's real
time, so the overdue-reply rules see what the city saw. Then it reads the alerts back from the store and measures
what an officer would have lived through:

- alerts per simulated day (median, max, total), by rule and level;
- the share of alerts that rest on one post (the posts of the alert's event, or its board post, when it fired);
- the share of keyword alerts whose every matched word sits in a negated, hypothetical or past-tense clause
  (「所幸无人员伤亡」, 「万一爆炸怎么办」, 「如果…」, 「没有…」, 「曾经…」) — judged by this module's own cue lists,
  independent of the rules under test;
- known issues split across alerts and events. Known issues are derived from the data, reproducibly: posts whose
  titles name the same place or organisation (a name ending in 小区/公司/医院/路/村/桥/平台 … , found by
  :func:`title_entities`), chained while consecutive posts are at most ``ISSUE_GAP_DAYS`` apart, kept with at least
  ``ISSUE_MIN_POSTS`` posts; groups sharing a post are merged;
- routing: department table, abstentions (no department, or sent to the officer as unsure), fallback routing;
- detection delay of each issue's bursts (:func:`find_bursts`): first alert covering a burst post minus burst start;
- overdue-reply alerts still open after the reply arrived;
- the most-liked posts no alert covered (the shared CSVs carry no like counts; the figure is given when a 点赞数
  column exists, and otherwise the report says so and lists the largest uncovered issues instead).

Alert figures depend on the code under test; everything else (messages, issues, bursts) depends only on the data, so
runs before and after a change are compared on the same footing. The output is deterministic (sorted everywhere, no
randomness, no wall-clock figures on stdout); progress and timings go to stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import statistics
import sys
import tempfile
import time
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path
from typing import Any, Callable

from yuqing.clock import TZ

SOURCE = "a_city_board"
TICK_AT = dtime(18, 0)
ISSUE_GAP_DAYS = 30
ISSUE_MIN_POSTS = 2
BURST_WINDOW_DAYS = 7
BURST_BASELINE_DAYS = 30
BURST_MIN_POSTS = 2
BURST_FACTOR = 3.0
FILES = ("messages_with_replies.csv", "labeled_raw.csv")


# -- the data ------------------------------------------------------------------------------------------------------
@dataclass
class Message:
    number: str  # 留言编号
    file: str
    user: str
    title: str
    content: str
    posted: datetime
    reply_text: str | None = None
    reply_time: datetime | None = None
    label: str | None = None  # 一级标签 (labeled_raw.csv)
    likes: int | None = None  # only when the CSV has a 点赞数 column

    @property
    def doc_id(self) -> str:
        return f"gov-{self.number}"

    def record(self, *, with_reply: bool) -> dict[str, Any]:
        """The ``yuqing ingest`` record a board crawler would produce for this post (reply included or not)."""
        out: dict[str, Any] = {
            "id": self.doc_id, "source": SOURCE, "kind": "post", "title": self.title, "content": self.content,
            "author": self.user, "published_at": self.posted.isoformat(),
        }
        if self.likes is not None:
            out["likes"] = self.likes
        if with_reply and self.reply_text:
            out["reply"] = {"text": self.reply_text,
                            "time": self.reply_time.isoformat() if self.reply_time else None}
        return out


def _parse_time(text: str | None) -> datetime | None:
    text = (text or "").strip()
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=TZ)
        except ValueError:
            continue
    return None


def _clean_body(text: str) -> str:
    """What a board crawler would extract: the body without the scrape's ``_x000D_`` artefacts and outer padding;
    each line's indentation (the ``\\n\\t\\t`` runs) trimmed, the words untouched."""
    text = (text or "").replace("_x000D_", "\n")
    lines = [line.strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _likes(row: dict[str, str]) -> int | None:
    raw = (row.get("点赞数") or "").strip()
    return int(raw) if raw.isdigit() else None


def load_messages(data_dir: Path) -> tuple[list[Message], dict[str, Any]]:
    """Both CSVs as messages in time order (ties by number); a number seen twice is one post (the first file wins,
    so a post that has a reply keeps it). Also returns what was read and skipped."""
    seen: dict[str, Message] = {}
    stats: dict[str, Any] = {"files": {}, "duplicates": 0, "bad_time": 0, "reply_before_post": 0,
                             "reply_without_time": 0}
    for name in FILES:
        path = data_dir / "gov_messages" / name
        rows = 0
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                rows += 1
                number = (row.get("留言编号") or "").strip()
                posted = _parse_time(row.get("留言时间"))
                if not number or posted is None:
                    stats["bad_time"] += 1
                    continue
                if number in seen:
                    stats["duplicates"] += 1
                    continue
                reply_text = _clean_body(row.get("答复意见") or "") or None
                reply_time = _parse_time(row.get("答复时间")) if reply_text else None
                if reply_text and reply_time is None:
                    stats["reply_without_time"] += 1
                    reply_text = None  # we cannot know when it arrived; treat the post as unanswered
                if reply_time is not None and reply_time < posted:
                    stats["reply_before_post"] += 1
                seen[number] = Message(
                    number=number, file=name, user=(row.get("留言用户") or "").strip(),
                    title=" ".join((row.get("留言主题") or "").split()), content=_clean_body(row.get("留言详情") or ""),
                    posted=posted, reply_text=reply_text, reply_time=reply_time,
                    label=(row.get("一级标签") or "").strip() or None, likes=_likes(row))
        stats["files"][name] = rows
    messages = sorted(seen.values(), key=lambda m: (m.posted, int(m.number) if m.number.isdigit() else 0, m.number))
    stats["messages"] = len(messages)
    stats["with_reply"] = sum(1 for m in messages if m.reply_text)
    return messages, stats


# -- known issues and their bursts ---------------------------------------------------------------------------------
_SUFFIXES = ("廊桥|小区|花园|家园|公寓|大厦|广场|商城|市场|中学|小学|学校|大学|学院|幼儿园|医院|公司|集团|平台|银行|楼盘|"
             "新城|华府|华庭|名苑|佳苑|苑|府|湾|城(?![区市管乡])|村|大道|路|街(?!道)|桥|工业园|产业园|园区|项目|厂|矿|站|景区|公园")
_REGION = re.compile(r"[A-Z]\d*\s*[市区县]|西地省")
# Words that end a name from the left: verbs of asking and complaining, function words, punctuation.
_CUT = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]|关于|反映|投诉|举报|咨询|请问|建议|希望|要求|请求|恳请|强烈|再次|紧急|解决|"
                  r"反对|拆除|兴建|设置|调整|修建|建设|取消|开通|的|在|对|给|把|与|和|及|了|是|为|从|到|向|让|被|请|帮|"
                  r"要回|有关|问题|我们|我|何时|什么|怎么|能否|可否|为何|是否")
_NAME = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{2,8}(?:%s)" % _SUFFIXES)
_SUFFIX_AT = re.compile(r"(?:%s)" % _SUFFIXES)


# Towns, townships, sub-districts and communities (镇/乡/街道/社区) are areas holding many unrelated issues, so they
# are not suffixes here; a village or estate inside one is.
# Heads that name a kind of place, not one place (「火车站」, 「人民医院」, 「公交公司」 exist in every city).
GENERIC_HEADS = ("火车", "汽车", "高铁", "客运", "人民", "中心", "公交", "自来水", "供水", "供电", "燃气", "有限", "职业技术",
                 "村级", "公立", "私立", "民办", "农村", "城市", "城区", "高速", "国道", "省道", "乡村", "本村", "我村",
                 "小区", "社区", "配套", "公交车", "商业", "步行", "第一", "第二", "第三", "第四", "第五", "中等", "高等", "附属", "加油", "收费")


def title_entities(title: str) -> set[str]:
    """Names of places and organisations in a post title: the longest run of at most eight characters before a
    place/organisation suffix (小区, 公司, 医院, 路, 村, 桥, 平台 …), after cutting the title at district codes, verbs
    of complaint and function words. 「投诉J10县邦华小区西南物业违法锁电梯」 → {"邦华小区"}."""
    out = set()
    for piece in _CUT.split(_REGION.sub("|", title)):
        for m in _SUFFIX_AT.finditer(piece):
            head = piece[:m.end()]
            for k in range(len(head)):
                name = head[k:]
                if len(name) - len(m.group()) >= 2 and _NAME.fullmatch(name):
                    if name[:-len(m.group())] not in GENERIC_HEADS:
                        out.add(name)
                    break
    return out


@dataclass
class Issue:
    name: str
    posts: list[str]  # doc ids, in time order
    first: datetime
    last: datetime
    names: list[str] = field(default_factory=list)


def derive_issues(messages: list[Message], *, gap_days: int = ISSUE_GAP_DAYS, min_posts: int = ISSUE_MIN_POSTS
                  ) -> list[Issue]:
    """Known issues: posts naming the same place/organisation in their titles, chained while consecutive posts are
    at most ``gap_days`` apart, at least ``min_posts`` posts; groups that share a post are one issue (named by its
    largest group, then the shortest name). Deterministic: the same messages give the same issues in the same order."""
    by_name: dict[str, list[Message]] = defaultdict(list)
    for m in messages:
        for name in title_entities(m.title):
            by_name[name].append(m)
    groups: list[tuple[str, list[Message]]] = []
    for name in sorted(by_name):
        chain: list[Message] = []
        for m in by_name[name]:  # messages are in time order
            if chain and (m.posted - chain[-1].posted).days > gap_days:
                if len(chain) >= min_posts:
                    groups.append((name, chain))
                chain = []
            chain.append(m)
        if len(chain) >= min_posts:
            groups.append((name, chain))
    # Merge groups that share a post (union-find over group indices).
    parent = list(range(len(groups)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, (_, chain) in enumerate(groups):
        for m in chain:
            if m.doc_id in owner:
                parent[find(i)] = find(owner[m.doc_id])
            else:
                owner[m.doc_id] = i
    merged: dict[int, list[int]] = defaultdict(list)
    for i in range(len(groups)):
        merged[find(i)].append(i)
    issues = []
    for members in merged.values():
        posts: dict[str, Message] = {}
        for i in members:
            for m in groups[i][1]:
                posts[m.doc_id] = m
        ordered = sorted(posts.values(), key=lambda m: (m.posted, m.doc_id))
        names = sorted({groups[i][0] for i in members}, key=lambda n: (-len(by_name[n]), len(n), n))
        best = sorted(members, key=lambda i: (-len(groups[i][1]), len(groups[i][0]), groups[i][0]))[0]
        issues.append(Issue(name=groups[best][0], posts=[m.doc_id for m in ordered], first=ordered[0].posted,
                            last=ordered[-1].posted, names=names))
    issues.sort(key=lambda s: (-len(s.posts), s.first, s.name))
    return issues


@dataclass
class Burst:
    issue: str
    start: datetime  # the first post of the burst window
    posts: list[str]  # the issue's posts in [start, start + window)
    baseline: float  # expected posts in a window, from the preceding BURST_BASELINE_DAYS


def find_bursts(issue: Issue, posted: dict[str, datetime]) -> list[Burst]:
    """An issue's bursts: a window of BURST_WINDOW_DAYS starting at one of its posts that holds at least
    BURST_MIN_POSTS posts and at least BURST_FACTOR times its running baseline (the issue's posts in the preceding
    BURST_BASELINE_DAYS, scaled to the window). Windows of one burst do not overlap: the next is sought after it."""
    times = sorted((posted[d], d) for d in issue.posts)
    window = timedelta(days=BURST_WINDOW_DAYS)
    out: list[Burst] = []
    i = 0
    while i < len(times):
        start = times[i][0]
        inside = [d for t, d in times if start <= t < start + window]
        before = sum(1 for t, _ in times if start - timedelta(days=BURST_BASELINE_DAYS) <= t < start)
        baseline = before * BURST_WINDOW_DAYS / BURST_BASELINE_DAYS
        if len(inside) >= BURST_MIN_POSTS and len(inside) >= BURST_FACTOR * baseline:
            out.append(Burst(issue=issue.name, start=start, posts=inside, baseline=round(baseline, 2)))
            while i < len(times) and times[i][0] < start + window:
                i += 1
        else:
            i += 1
    return out


# -- negated / hypothetical keyword use ----------------------------------------------------------------------------
_CLAUSE = re.compile(r"[，,。！？!?；;：:、\s…]+")
WINDOW = 10  # characters before the word that a cue may stand in
# 「无人员伤亡」, 「未造成人员伤亡」, 「没有发生爆炸」: a negation right before the word, with at most a verb and a noun between.
_NEGATED = re.compile(r"(?:无|没有?|未|不曾|从未|并未|并无|尚无|暂无|未曾|均无)(?:造成|发生|出现|引起|导致|有)?(?:任何|重大|较大)?"
                      r"(?:人员|人身|财产)?$")
NEGATION_CUES = ("所幸", "幸好", "幸亏", "万幸", "避免", "防止", "杜绝", "以免", "谨防", "严防", "不会", "不至于")
# Conditionals govern their whole clause (「一旦失误极容易引起火灾和爆炸事故」); the others the WINDOW before the word.
CONDITIONAL_CUES = ("如果", "万一", "一旦", "假如", "假若", "倘若", "要是", "如若", "若是", "假设", "如若")
HYPOTHETICAL_CUES = ("若", "担心", "害怕", "生怕", "恐怕", "唯恐", "隐患", "可能", "会不会", "随时", "预防", "防范", "以防",
                     "难免", "将会", "易引发")
PAST_CUES = ("曾经", "曾", "去年", "前年", "以前", "过去", "当年", "多年前", "年前", "之前", "历史上")
_AFTER = re.compile(r"^[^，。！？；]{0,4}(?:怎么办|谁负责|谁来负责|的(?:风险|隐患|危险|可能)|隐患)")
# Words that contain a cue but are no cue (若干 = several, 不曾想 is still a negation, 曾某 a surname is rare).
_NOT_CUES = re.compile(r"若干|过去了")
CONTEXTS = ("substring", "negated", "hypothetical", "past", "plain")


def _crosses_tokens(tokens: list[str], start: int, length: int) -> bool:
    """True when text[start:start+length] is neither whole tokens nor inside one token (「引起|火灾」 holds 起火 across
    the boundary); a word inside a compound token (伤亡 in 「人员伤亡」) is a real use of the word."""
    end, pos = start + length, 0
    bounds = {0}
    for token in tokens:
        if pos <= start and end <= pos + len(token):
            return False  # inside one token, or the token itself
        pos += len(token)
        bounds.add(pos)
    return not (start in bounds and end in bounds)


def keyword_context(text: str, word: str, segment: Callable[[str], list[str]] | None = None) -> list[str]:
    """For each occurrence of ``word`` in ``text``: "substring" (with ``segment``: the word is not one of the clause's
    tokens, e.g. 起火 inside 「引起火灾」), "negated", "hypothetical", "past" or "plain" (an affirmative mention).

    A cue counts when it stands in the same clause within WINDOW characters before the word (a negation: right
    before it), or when the clause goes on with 「怎么办」「谁负责」「…的隐患」."""
    out = []
    start = 0
    while True:
        at = text.find(word, start)
        if at < 0:
            return out
        start = at + len(word)
        left = text[:at]
        cut = max((m.end() for m in _CLAUSE.finditer(left)), default=0)
        clause = left[cut:]
        near = _NOT_CUES.sub("＿", clause[-WINDOW:])
        right_end = _CLAUSE.search(text, start)
        right = text[start:right_end.start() if right_end else len(text)]
        if segment is not None and _crosses_tokens(segment(clause + word + right), len(clause), len(word)):
            out.append("substring")
        elif _NEGATED.search(near) or any(c in near for c in NEGATION_CUES):
            out.append("negated")
        elif any(c in clause for c in CONDITIONAL_CUES) or any(c in near for c in HYPOTHETICAL_CUES) \
                or _AFTER.match(right):
            out.append("hypothetical")
        elif any(c in near for c in PAST_CUES):
            out.append("past")
        else:
            out.append("plain")


# -- the replay ----------------------------------------------------------------------------------------------------
def replay_config(home: Path, config_path: Path | None = None) -> Any:
    """The configuration under test (the packaged default unless given) with storage moved into ``home`` (SQLite)
    and notifications switched off, so nothing leaves the machine."""
    from yuqing.config import DEFAULT_CONFIG, parse_config

    path = Path(config_path) if config_path else DEFAULT_CONFIG
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    data["storage"] = {**data.get("storage", {}), "documents": "sqlite", "workflow": "sqlite",
                       "sqlite_path": "replay.db"}
    data["notifications"] = {**data.get("notifications", {}), "enabled": False}
    data["privacy"] = {**data.get("privacy", {}), "retention_days": 0}
    return parse_config(data, path, home)


@dataclass
class AlertTrace:
    id: str
    created: datetime
    rule: str
    rule_type: str
    level: int
    department: str | None
    route: str
    event_id: str | None
    fired_docs: list[str]  # the posts it rested on when it fired
    covered: set[str] = field(default_factory=set)  # every post it ever covered (firing, raises, final event)
    hits: dict[str, int] = field(default_factory=dict)
    status: str = ""
    title: str = ""
    details_keys: list[str] = field(default_factory=list)


def _alert_docs(alert: Any, store: Any) -> list[str]:
    if alert.event_id:
        # An alert covers its event's posts and those of the follow-up events that joined it (后续帖子并入).
        ids: set[str] = set()
        for eid in [alert.event_id, *((alert.details or {}).get("followup_events") or [])]:
            _, docs = store.documents.list_documents(event_id=eid, limit=10_000)
            ids.update(d.id for d in docs)
        return sorted(ids)
    details = alert.details or {}
    ids = list(details.get("doc_ids") or [])
    if details.get("doc_id"):
        ids.append(details["doc_id"])
    return sorted(set(ids))


def _hits(details: dict[str, Any]) -> dict[str, int]:
    """Matched keywords of a keyword finding (also when several rules' numbers were merged under "rules")."""
    hits: dict[str, int] = {}
    for d in [details, *((details.get("rules") or {}).values() if isinstance(details.get("rules"), dict) else [])]:
        found = d.get("hits") if isinstance(d, dict) else None
        if isinstance(found, dict):  # word → documents (or → a richer record: counted once)
            for w, n in found.items():
                hits[str(w)] = hits.get(str(w), 0) + (int(n) if isinstance(n, (int, float)) and not isinstance(n, bool) else 1)
        elif isinstance(found, list):  # a plain list of matched words
            for w in found:
                if isinstance(w, str):
                    hits[w] = hits.get(w, 0) + 1
    return hits


def _trace(alert: Any, store: Any) -> AlertTrace:
    details = alert.details or {}
    docs = _alert_docs(alert, store)
    return AlertTrace(id=alert.id, created=alert.created_at, rule=alert.rule, rule_type=str(details.get("rule_type") or alert.rule),
                      level=alert.level, department=alert.department, route=str(details.get("route") or ""),
                      event_id=alert.event_id, fired_docs=docs, covered=set(docs), hits=_hits(details),
                      title=alert.title, details_keys=sorted(details))


def _all_alerts(wf: Any) -> list[Any]:
    out, offset = [], 0
    while True:
        total, page = wf.list_alerts(limit=500, offset=offset)
        out.extend(page)
        offset += len(page)
        if not page or offset >= total:
            return out


def _segmenter() -> Callable[[str], list[str]]:
    """jieba's default word segmentation (the same library the NLP stage uses; this module keeps its own view)."""
    import jieba

    jieba.setLogLevel(60)
    return lambda text: jieba.lcut(text)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_replay(data_dir: Path, *, days: int | None = None, limit: int | None = None, start: date | None = None,
               config_path: Path | None = None, progress: Callable[[str], None] | None = _say,
               keep_home: Path | None = None) -> dict[str, Any]:
    """Replay the shared messages day by day through ingest and tick; returns the measured figures (a dict that
    :func:`format_report` prints and ``--json`` dumps)."""
    from yuqing import jobs
    from yuqing.app import App

    say = progress or (lambda _m: None)
    messages, data_stats = load_messages(data_dir)
    if start is not None:
        messages = [m for m in messages if m.posted.date() >= start]
    if limit is not None:
        messages = messages[:limit]
    if not messages:
        raise ValueError("所选范围内没有留言")
    first_day = start or messages[0].posted.date()
    last_day = messages[-1].posted.date()
    if days is not None:
        last_day = min(last_day, first_day + timedelta(days=days - 1))
        messages = [m for m in messages if m.posted.date() <= last_day]
    n_days = (last_day - first_day).days + 1
    tick_times = [datetime.combine(first_day + timedelta(days=i), TICK_AT, tzinfo=TZ) for i in range(n_days)]
    # A post written after the day's 18:00 tick enters on the next day's tick (the last post's day gets no
    # later tick: it enters the day after, so one more day is lived when needed).
    if messages[-1].posted > tick_times[-1]:
        tick_times.append(tick_times[-1] + timedelta(days=1))
    arrivals: dict[int, list[tuple[Message, bool]]] = defaultdict(list)  # tick index → (message, with reply)
    reingested = 0  # replies that arrive after their post, on a later tick
    t0 = tick_times[0]
    for m in messages:
        i = max(0, -(-(m.posted - t0) // timedelta(days=1)))  # first tick at or after the post
        replied = m.reply_time is not None and m.reply_time <= tick_times[i]
        arrivals[i].append((m, replied))
        if m.reply_text and not replied and m.reply_time is not None:
            j = max(i + 1, -(-(m.reply_time - t0) // timedelta(days=1)))
            if j < len(tick_times):
                arrivals[j].append((m, True))
                reingested += 1
    posted = {m.doc_id: m.posted for m in messages}
    by_id = {m.doc_id: m for m in messages}

    old_home = os.environ.get("YUQING_HOME")
    tmp = tempfile.TemporaryDirectory(prefix="yuqing-replay-")
    home = Path(keep_home) if keep_home else Path(tmp.name)
    os.environ["YUQING_HOME"] = str(home)
    started = time.monotonic()
    traces: dict[str, AlertTrace] = {}
    per_day: list[int] = []
    post_days: set[int] = set()  # ticks at which new posts (not only replies) arrived
    arrived: set[str] = set()
    bad_records: list[str] = []
    records = 0
    try:
        app = App(replay_config(home, config_path))
        supervisors = frozenset(d.name for d in app.config.departments if d.supervisor)
        store = app.store
        say(f"回放 {len(messages)} 条留言，{first_day} 至 {tick_times[-1].date()}，共 {len(tick_times)} 个模拟日"
            f"（每日 18:00 运行 ingest + tick；数据目录 {home}）")
        last_note = time.monotonic()
        for i, now in enumerate(tick_times):
            batch = arrivals.get(i, [])
            if batch:
                lines = [json.dumps(m.record(with_reply=r), ensure_ascii=False) for m, r in batch]
                report = jobs.ingest(app, lines, now)
                bad_records.extend(f"{batch[n - 1][0].doc_id}：{e}" for n, e in report.bad)
                records += len(batch)
            result = jobs.tick(app, now)
            new = 0
            for alert_id in result.get("alerts", []):
                alert = store.workflow.get_alert(alert_id)
                if alert is None:
                    continue
                if alert_id not in traces:
                    traces[alert_id] = _trace(alert, store)
                    new += 1
                else:  # raised: it now rests on what its event holds
                    trace = traces[alert_id]
                    trace.covered |= set(_alert_docs(alert, store))
                    trace.level = min(trace.level, alert.level)
                    trace.hits = {**trace.hits, **_hits(alert.details or {})}
            # Alerts no rule reported this tick (operator alerts from the audit check, digests reopened …).
            per_day.append(new)
            if any(m.doc_id not in arrived for m, _ in batch):
                post_days.add(i)
                arrived.update(m.doc_id for m, _ in batch)
            if progress and (time.monotonic() - last_note > 10 or i == len(tick_times) - 1 or i == 0):
                last_note = time.monotonic()
                say(f"  {now.date()}：第 {i + 1}/{len(tick_times)} 天，已送入 {records} 条记录，"
                    f"预警 {len(traces)} 条，用时 {time.monotonic() - started:.0f} 秒")
        elapsed = time.monotonic() - started
        # Reconcile with the store: every alert there is counted, including ones no tick reported.
        final = _all_alerts(store.workflow)
        unreported = 0
        for alert in final:
            if alert.id not in traces:
                traces[alert.id] = _trace(alert, store)
                unreported += 1
                day = (alert.created_at.astimezone(TZ).date() - first_day).days if alert.created_at else -1
                if 0 <= day < len(per_day):
                    per_day[day] += 1
            trace = traces[alert.id]
            trace.status = alert.status.value
            if alert.event_id:
                trace.covered |= set(_alert_docs(alert, store))
        _, stored_docs = store.documents.list_documents(limit=len(messages) + 100)
        doc_event = {d.id: d.event_id for d in stored_docs}
        doc_reply = {d.id: d.reply for d in stored_docs}
        stats = store.documents.document_stats()
        app.close()
    finally:
        if old_home is None:
            os.environ.pop("YUQING_HOME", None)
        else:
            os.environ["YUQING_HOME"] = old_home
        tmp.cleanup()
    say(f"回放完成：{len(tick_times)} 个模拟日，用时 {elapsed:.0f} 秒")
    data_stats = {**data_stats, "with_reply": sum(1 for m in messages if m.reply_text)}
    return measure(messages=messages, data_stats=data_stats, tick_times=tick_times, per_day=per_day,
                   traces=traces, doc_event=doc_event, doc_reply=doc_reply, by_id=by_id, posted=posted,
                   bad_records=bad_records, unreported=unreported, post_days=post_days, supervisors=supervisors, store_alerts=len(final), store_stats=stats,
                   reingested=reingested)


# -- the figures ---------------------------------------------------------------------------------------------------
def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _hours(later: datetime | None, earlier: datetime) -> float | None:
    return round((later - earlier).total_seconds() / 3600, 1) if later else None


def _iso(t: datetime | None) -> str | None:
    return t.astimezone(TZ).isoformat() if t else None


def measure(*, messages: list[Message], data_stats: dict[str, Any], tick_times: list[datetime], per_day: list[int],
            traces: dict[str, AlertTrace], doc_event: dict[str, str | None], doc_reply: dict[str, Any],
            by_id: dict[str, Message], posted: dict[str, datetime], bad_records: list[str], unreported: int,
            post_days: set[int], supervisors: frozenset[str] = frozenset(),
            store_alerts: int, store_stats: dict[str, int], reingested: int) -> dict[str, Any]:
    alerts = sorted(traces.values(), key=lambda a: (a.created or datetime.min.replace(tzinfo=TZ), a.id))
    total = len(alerts)
    # Alerts per day
    per_day_stats = {"days": len(per_day), "total": sum(per_day), "median": statistics.median(per_day) if per_day else 0,
                     "max": max(per_day, default=0), "days_with_alerts": sum(1 for n in per_day if n)}
    on_post_days = [per_day[i] for i in sorted(post_days) if i < len(per_day)]
    per_day_stats["days_with_posts"] = len(on_post_days)
    per_day_stats["median_on_days_with_posts"] = statistics.median(on_post_days) if on_post_days else 0
    last_year = per_day[-365:]
    per_day_stats["last_365_days"] = {"total": sum(last_year), "median": statistics.median(last_year) if last_year else 0,
                                      "max": max(last_year, default=0)}
    busiest = sorted(((n, tick_times[i].date().isoformat()) for i, n in enumerate(per_day) if n), key=lambda x: (-x[0], x[1]))[:5]
    per_day_stats["busiest"] = [{"date": d, "alerts": n} for n, d in busiest]
    # One-post alerts
    one = [a for a in alerts if len(a.fired_docs) == 1]
    by_rule = Counter(a.rule_type for a in alerts)
    one_by_rule = Counter(a.rule_type for a in one)
    levels = Counter(a.level for a in alerts)
    # Keyword alerts: is every matched word a token, and affirmed (not negated, hypothetical or past)?
    kw = [a for a in alerts if a.rule_type == "keywords" or a.hits]  # also keyword hits merged into another rule's alert
    segment = _segmenter() if kw else None
    kw_rows = []
    for a in kw:
        contexts: Counter[str] = Counter()
        first_odd: tuple[str, str, str] | None = None  # (context, word, snippet) of the first non-affirmative use
        for doc_id in a.fired_docs:
            m = by_id.get(doc_id)
            if m is None:
                continue
            text = f"{m.title}\n{m.content}"
            for word in sorted(a.hits):
                found = keyword_context(text, word, segment)
                contexts.update(found)
                odd = next((c for c in found if c != "plain"), None)
                if odd and first_odd is None:
                    at = text.find(word)
                    first_odd = (odd, word, " ".join(text[max(0, at - 16):at + len(word) + 10].split()))
        kw_rows.append((a, contexts, first_odd))
    not_plain = [(a, c, f) for a, c, f in kw_rows if c and not c["plain"]]
    any_not_plain = [(a, c, f) for a, c, f in kw_rows if sum(v for k, v in c.items() if k != "plain")]
    by_context = Counter(max(CONTEXTS[:-1], key=lambda k: (c[k], -CONTEXTS.index(k))) for _, c, _ in not_plain)
    occurrences = Counter()
    for _, c, _ in kw_rows:
        occurrences.update(c)
    kw_examples = [{"alert": a.id, "word": f[1], "context": f[0], "contexts": dict(sorted(c.items())),
                    "snippet": f[2]} for a, c, f in not_plain[:10] if f]
    # Coverage: which alerts cover which posts
    covering: dict[str, list[AlertTrace]] = defaultdict(list)
    for a in alerts:
        for d in a.covered:
            covering[d].append(a)
    # Known issues
    issues = derive_issues(messages)
    issue_rows = []
    for s in issues:
        ids = set(s.posts)
        al = sorted({a.id for d in s.posts for a in covering.get(d, [])})
        event_al = sorted({a.id for d in s.posts for a in covering.get(d, []) if a.event_id})
        events = Counter(doc_event.get(d) for d in s.posts if doc_event.get(d))
        best = events.most_common(1)[0][1] if events else 0
        depts = sorted({a.department or "（无）" for d in s.posts for a in covering.get(d, [])})
        issue_rows.append({"issue": s.name, "names": s.names, "posts": len(ids), "first": s.first.date().isoformat(),
                           "last": s.last.date().isoformat(), "alerts": len(al), "alert_ids": al, "event_alerts": len(event_al),
                           "events": len(events), "unclustered": sum(1 for d in s.posts if not doc_event.get(d)),
                           "best_event_share": round(best / len(ids), 4),
                           "covered_posts": sum(1 for d in s.posts if covering.get(d)), "departments": depts})
    split = [r for r in issue_rows if r["alerts"] > 1]
    split_events = [r for r in issue_rows if r["event_alerts"] > 1]
    # Bursts and detection delay
    burst_rows = []
    for s in issues:
        for b in find_bursts(s, posted):
            # A post counts as covered from the later of the alert's creation and the post's arrival.
            times = [(max(a.created, posted[d]), a) for d in b.posts for a in covering.get(d, [])]
            first = min((t for t, _ in times), default=None)
            first_event = min((t for t, a in times if a.rule_type != "unanswered"), default=None)
            burst_rows.append({"issue": b.issue, "start": _iso(b.start), "posts": len(b.posts), "baseline": b.baseline,
                               "first_alert": _iso(first), "delay_hours": _hours(first, b.start),
                               "first_event_alert": _iso(first_event), "event_delay_hours": _hours(first_event, b.start)})
    detected = [r["delay_hours"] for r in burst_rows if r["delay_hours"] is not None]
    detected_event = [r["event_delay_hours"] for r in burst_rows if r["event_delay_hours"] is not None]
    # Routing
    departments = Counter(a.department or "（无）" for a in alerts)
    no_dept = [a for a in alerts if not a.department]
    unsure_words = ("待人工", "不确定", "专员", "置信度不足", "候选")
    unsure = [a for a in alerts if a.department and (
        any(w in a.route for w in unsure_words) or a.department in supervisors
        or any("candidate" in k or "abstain" in k for k in a.details_keys))]
    fallback = [a for a in alerts if "兜底" in a.route]
    # Overdue-reply alerts still open after the reply arrived
    unanswered = [a for a in alerts if a.rule_type == "unanswered"]
    stale = []
    for a in unanswered:
        if a.status == "closed":
            continue
        replied = [d for d in a.covered if doc_reply.get(d) is not None]
        if replied and len(replied) == len(a.covered):
            stale.append(a.id)
    # Uncovered posts and the most-liked ones
    without_reply_data = [a for a in unanswered if a.covered and all(
        by_id[d].reply_text is None for d in a.covered if d in by_id)]
    uncovered = [m for m in messages if not covering.get(m.doc_id)]
    has_likes = any(m.likes is not None for m in messages)
    top_liked = sorted((m for m in uncovered if m.likes), key=lambda m: (-(m.likes or 0), m.doc_id))[:5] if has_likes else []
    uncovered_issues = [r for r in issue_rows if r["covered_posts"] == 0]
    return {
        "data": {**data_stats, "days": len(tick_times), "first_day": tick_times[0].date().isoformat(),
                 "last_day": tick_times[-1].date().isoformat(), "replayed_messages": len(messages),
                 "reply_arrivals": reingested, "bad_records": bad_records, "stored_documents": store_stats.get("documents")},
        "alerts": {"total": total, "in_store": store_alerts, "not_reported_by_tick": unreported,
                   "per_day": per_day_stats, "by_rule": dict(sorted(by_rule.items())),
                   "by_level": {str(k): v for k, v in sorted(levels.items())}},
        "one_post": {"alerts": len(one), "share": _share(len(one), total), "by_rule": dict(sorted(one_by_rule.items())),
                     "level_1_2": sum(1 for a in one if a.level <= 2)},
        "keywords": {"alerts": len(kw), "all_negated_or_hypothetical": len(not_plain),
                     "share": _share(len(not_plain), len(kw)),
                     "some_negated_or_hypothetical": len(any_not_plain),
                     "share_some": _share(len(any_not_plain), len(kw)), "examples": kw_examples,
                     "by_context": {k: by_context.get(k, 0) for k in CONTEXTS[:-1]},
                     "occurrences": {k: occurrences.get(k, 0) for k in CONTEXTS},
                     "words": dict(sorted(Counter(w for a in kw for w in a.hits).items(), key=lambda kv: (-kv[1], kv[0])))},
        "issues": {"definition": f"标题中同名地点/机构（小区、公司、医院、路、村、桥、平台等结尾的名称），相邻两帖间隔不超过 "
                                 f"{ISSUE_GAP_DAYS} 天，至少 {ISSUE_MIN_POSTS} 帖",
                   "count": len(issue_rows), "split_across_alerts": len(split),
                   "split_across_event_alerts": len(split_events),
                   "uncovered": len(uncovered_issues), "list": issue_rows},
        "bursts": {"definition": f"某议题 {BURST_WINDOW_DAYS} 天窗口内至少 {BURST_MIN_POSTS} 帖，且不少于此前 "
                                 f"{BURST_BASELINE_DAYS} 天基线（折算到窗口）的 {BURST_FACTOR:g} 倍；延迟 = 首个覆盖该窗口帖子的预警 − 窗口首帖时间",
                   "count": len(burst_rows), "detected": len(detected), "missed": len(burst_rows) - len(detected),
                   "median_delay_hours": round(statistics.median(detected), 1) if detected else None,
                   "max_delay_hours": max(detected) if detected else None,
                   "detected_by_event_alert": len(detected_event),
                   "median_event_delay_hours": round(statistics.median(detected_event), 1) if detected_event else None,
                   "list": burst_rows},
        "routing": {"departments": dict(sorted(departments.items(), key=lambda kv: (-kv[1], kv[0]))),
                    "no_department": len(no_dept), "unsure_to_officer": len(unsure),
                    "abstentions": len(no_dept) + len(unsure), "abstention_share": _share(len(no_dept) + len(unsure), total),
                    "fallback_department": len(fallback)},
        "overdue_reply": {"alerts": len(unanswered), "open_after_reply": len(stale),
                          "on_posts_without_reply_in_data": len(without_reply_data),
                          "share": _share(len(stale), len(unanswered))},
        "uncovered": {"posts": len(uncovered), "share": _share(len(uncovered), len(messages)), "likes_available": has_likes,
                      "top_liked": [{"doc_id": m.doc_id, "likes": m.likes, "title": m.title} for m in top_liked],
                      "largest_uncovered_issues": [{"issue": r["issue"], "posts": r["posts"]} for r in uncovered_issues[:5]]},
    }


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def format_report(r: dict[str, Any]) -> str:
    d, a = r["data"], r["alerts"]
    lines = [
        "回放基准：共享真实留言逐日经 ingest + tick",
        f"数据：{d['replayed_messages']} 条留言（{'、'.join(f'{k} {v} 行' for k, v in d['files'].items())}；重复编号 "
        f"{d['duplicates']} 条合并），其中 {d['with_reply']} 条有官方答复；{d['first_day']} 至 {d['last_day']}，"
        f"{d['days']} 个模拟日；答复按真实时间到达 {d['reply_arrivals']} 次；入库文档 {d['stored_documents']} 篇"
        + (f"；拒收 {len(d['bad_records'])} 条" if d["bad_records"] else ""),
        "",
        f"一、预警数量：共 {a['total']} 条（库中 {a['in_store']} 条）；每日中位数 {a['per_day']['median']:g}，"
        f"最多 {a['per_day']['max']}，有预警的日子 {a['per_day']['days_with_alerts']} 天；有新留言的 "
        f"{a['per_day']['days_with_posts']} 天里每日中位数 {a['per_day']['median_on_days_with_posts']:g}；最后 365 天共 "
        f"{a['per_day']['last_365_days']['total']} 条，每日中位数 {a['per_day']['last_365_days']['median']:g}，"
        f"最多 {a['per_day']['last_365_days']['max']}",
        "  按规则：" + "，".join(f"{k} {v}" for k, v in a["by_rule"].items()),
        "  按级别：" + "，".join(f"{k} 级 {v}" for k, v in a["by_level"].items()),
    ]
    if a["per_day"]["busiest"]:
        lines.append("  最多的日子：" + "，".join(f"{x['date']} {x['alerts']} 条" for x in a["per_day"]["busiest"]))
    o = r["one_post"]
    lines += ["", f"二、只依据一篇帖子的预警：{o['alerts']} 条，占 {_pct(o['share'])}（其中一、二级 {o['level_1_2']} 条）；"
                  "按规则：" + ("，".join(f"{k} {v}" for k, v in o["by_rule"].items()) or "无")]
    k = r["keywords"]
    names = {"substring": "子串误配（不是分词后的词）", "negated": "否定", "hypothetical": "假设/担忧", "past": "过去"}
    lines += ["", f"三、敏感词预警 {k['alerts']} 条：命中词每一处都不是肯定陈述（子串误配、否定、假设或过去）的 "
                  f"{k['all_negated_or_hypothetical']} 条，占 {_pct(k['share'])}（"
                  + "，".join(f"{names[c]} {n}" for c, n in k["by_context"].items()) + "）；"
                  f"至少一处如此的 {k['some_negated_or_hypothetical']} 条（{_pct(k['share_some'])}）",
              "  命中处：" + "，".join(f"{names.get(c, '肯定陈述')} {n}" for c, n in k["occurrences"].items())]
    if k["words"]:
        lines.append("  命中词（预警数）：" + "，".join(f"{w} {n}" for w, n in list(k["words"].items())[:15]))
    for ex in k["examples"][:6]:
        lines.append(f"  例：{ex['alert']}「{ex['word']}」{names[ex['context']]}：「…{ex['snippet']}…」")
    s = r["issues"]
    lines += ["", f"四、已知议题（{s['definition']}）：{s['count']} 个；被拆成多条预警的 {s['split_across_alerts']} 个，"
                  f"其中事件预警多于一条的 {s['split_across_event_alerts']} 个（逐帖的超期未答复预警除外），完全没有预警的 {s['uncovered']} 个"]
    for row in s["list"]:
        lines.append(f"  {row['issue']}：{row['posts']} 帖（{row['first']}—{row['last']}），预警 {row['alerts']} 条，"
                     f"事件 {row['events']} 个（未聚类 {row['unclustered']} 帖），最佳事件占 {_pct(row['best_event_share'])}，"
                     f"被覆盖 {row['covered_posts']} 帖" + (f"，部门：{'、'.join(row['departments'])}" if row["departments"] else ""))
    b = r["bursts"]
    lines += ["", f"五、突发（{b['definition']}）：{b['count']} 次，发现 {b['detected']} 次，漏报 {b['missed']} 次；"
                  f"延迟中位数 {b['median_delay_hours'] if b['median_delay_hours'] is not None else '—'} 小时，"
                  f"最大 {b['max_delay_hours'] if b['max_delay_hours'] is not None else '—'} 小时；"
                  f"其中由事件类预警（超期未答复以外）发现 {b['detected_by_event_alert']} 次，延迟中位数 "
                  f"{b['median_event_delay_hours'] if b['median_event_delay_hours'] is not None else '—'} 小时"]
    for row in b["list"]:
        found = "未发现" if row["delay_hours"] is None else f"延迟 {row['delay_hours']} 小时" + (
            f"（事件类预警 {row['event_delay_hours']} 小时）" if row["event_delay_hours"] is not None else "（仅超期未答复预警）")
        lines.append(f"  {row['issue']}：{row['start'][:16]} 起 {row['posts']} 帖（基线 {row['baseline']}），{found}")
    rt = r["routing"]
    lines += ["", f"六、路由：弃权（无部门或以“不确定”交专员）{rt['abstentions']} 条，占 {_pct(rt['abstention_share'])}"
                  f"（无部门 {rt['no_department']}，不确定 {rt['unsure_to_officer']}）；交兜底部门 {rt['fallback_department']} 条",
              "  部门分布：" + "，".join(f"{k} {v}" for k, v in rt["departments"].items())]
    od = r["overdue_reply"]
    lines += ["", f"七、超期未答复预警 {od['alerts']} 条，其中答复已到仍未关闭 {od['open_after_reply']} 条（{_pct(od['share'])}）；"
                  f"{od['on_posts_without_reply_in_data']} 条针对数据中没有答复记录的留言（labeled_raw.csv 不含答复）"]
    u = r["uncovered"]
    lines += ["", f"八、没有任何预警覆盖的留言 {u['posts']} 条（{_pct(u['share'])}）"]
    if u["likes_available"]:
        lines.append("  点赞最多而未被覆盖：" + ("；".join(f"{x['likes']} 赞「{x['title'][:30]}」" for x in u["top_liked"]) or "无"))
    else:
        lines.append("  共享数据没有点赞数列，无法列出点赞最多而未被覆盖的帖子；最大的未覆盖议题："
                     + ("；".join(f"{x['issue']}（{x['posts']} 帖）" for x in u["largest_uncovered_issues"]) or "无"))
    return "\n".join(lines)


def _day(text: str) -> date:
    """An argparse type: a calendar day YYYY-MM-DD (argparse reports the message under the option's name)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为日期 YYYY-MM-DD（如 2018-11-15），收到 {text!r}") from None


def bench_replay_main(argv: list[str] | None = None) -> int:
    from yuqing.config import ConfigError
    from yuqing.paths import shared_data_dir

    parser = argparse.ArgumentParser(prog="yuqing bench replay",
                                     description="回放基准：把共享真实留言按日经 ingest + tick 回放，统计预警质量")
    parser.add_argument("--data", help="共享数据目录（默认 ../shared/data）")
    parser.add_argument("--config", help="被测配置（默认内置配置；存储与通知由基准接管）")
    parser.add_argument("--start", type=_day, help="从该日开始（YYYY-MM-DD；默认第一条留言之日）")
    parser.add_argument("--days", type=int, help="只回放开头 N 个模拟日")
    parser.add_argument("--limit", type=int, help="只回放最早的 N 条留言")
    parser.add_argument("--json", action="store_true", help="输出 JSON")
    args = parser.parse_args(argv)
    for name in ("days", "limit"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} 必须为正整数")
    data = Path(args.data) if args.data else shared_data_dir()
    if data is None or not (data / "gov_messages" / FILES[0]).is_file():
        print(f"找不到共享数据 {data or '../shared/data'}/gov_messages/{FILES[0]}；请用 --data 指定共享数据目录",
              file=sys.stderr)
        return 2
    try:
        result = run_replay(data, days=args.days, limit=args.limit, start=args.start,
                            config_path=Path(args.config) if args.config else None)
    except (ConfigError, ValueError, OSError) as exc:
        print(f"回放失败：{exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_report(result))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(bench_replay_main())
