"""The replay's figures: :func:`measure` turns the traces of a run (:class:`AlertTrace`) into the report's numbers."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from yuqing.clock import TZ
from yuqing.alerts.replay.data import (BURST_BASELINE_DAYS, BURST_FACTOR, BURST_MIN_POSTS, BURST_WINDOW_DAYS, ISSUE_GAP_DAYS,
                                ISSUE_MIN_POSTS, Message, derive_issues, find_bursts)
from yuqing.alerts.replay.judge import CONTEXTS, _segmenter, keyword_context


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
