"""Synthetic, analysed documents, events, alerts and accounts for the dashboard's tests and benchmark.

Everything goes through the store API. Token lists are built with the text (we know the words we glued together),
so 200,000 documents load without running the NLP stage — this measures the dashboard, not the analyzer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterator

from yuqing.model import Alert, AlertStatus, Assignment, AuditEntry, Document, DocumentKind, Event, Reply, Response
from yuqing.storage.base import Store

TOPICS: dict[str, tuple[str, list[str]]] = {
    "城乡建设": ("A市住房和城乡建设局", ["小区", "物业", "停水", "供暖", "加装电梯", "违章建筑", "老旧小区改造", "燃气"]),
    "劳动和社会保障": ("A市人力资源和社会保障局", ["拖欠工资", "社保", "养老金", "医保报销", "劳动合同", "失业金"]),
    "教育文体": ("A市教育局", ["学位", "校车", "课后服务", "学区划分", "幼儿园", "食堂"]),
    "环境保护": ("A市生态环境局", ["噪音", "油烟", "污水", "垃圾焚烧", "扬尘", "异味"]),
    "交通运输": ("A市交通运输局", ["公交线路", "道路施工", "停车难", "出租车", "红绿灯", "地铁"]),
    "卫生计生": ("A市卫生健康委员会", ["医院挂号", "疫苗", "社区诊所", "急救", "药品价格"]),
    "商贸旅游": ("A市商务局", ["预付卡", "景区门票", "菜市场", "价格欺诈", "商场"]),
}
REGIONS = ["A市", "A1区", "A2区", "A3区"]
PLACES = ["幸福里", "锦绣花园", "阳光新城", "滨江路", "人民路", "学府街", "工业园", "东湖社区"]
MOODS = {
    "negative": ["反映强烈", "迟迟没有解决", "严重影响生活", "多次投诉无果", "希望尽快处理"],
    "neutral": ["咨询办理流程", "想了解相关政策", "请问何时实施", "询问具体安排"],
    "positive": ["感谢及时处理", "问题已经解决", "服务态度很好", "点赞工作人员"],
}
SENTIMENT_WEIGHTS = (("negative", 0.45), ("neutral", 0.4), ("positive", 0.15))


@dataclass
class SampleSet:
    documents: int = 0
    events: list[Event] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


def _choice_weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    x, acc = rng.random(), 0.0
    for value, w in pairs:
        acc += w
        if x <= acc:
            return value
    return pairs[-1][0]


def _documents(n: int, now: datetime, rng: random.Random, sources: list[str], days: int
               ) -> Iterator[tuple[Document, dict[str, Any], tuple[str, str, str]]]:
    topics = list(TOPICS)
    for i in range(n):
        topic = rng.choice(topics)
        department, issues = TOPICS[topic]
        issue, region, place = rng.choice(issues), rng.choice(REGIONS), rng.choice(PLACES)
        sentiment = _choice_weighted(rng, SENTIMENT_WEIGHTS)
        mood = rng.choice(MOODS[sentiment])
        # Recent days are busier, as on a real board.
        at = now - timedelta(days=min(days - 0.01, rng.expovariate(1 / (days / 4))), minutes=rng.randint(0, 59))
        title_words = [region, place, issue, "问题"]
        body_words = [region, place, issue, mood, "居民", "希望", "相关部门", "尽快", "处理"]
        content = f"{region}{place}{issue}{mood}，居民希望相关部门尽快处理。"
        if i % 50 == 0:
            content += "联系电话13812345678。"
        kind = DocumentKind.POST if i % 3 else DocumentKind.ARTICLE
        reply = None
        if kind is DocumentKind.POST and i % 4 == 0:
            reply = Reply(text=f"您好，关于{place}{issue}问题，我单位已安排专人核实处理。", department=department,
                          time=at + timedelta(days=2))
        doc = Document(url=f"http://sample.invalid/{i}", source=sources[i % len(sources)], title="".join(title_words),
                       content=content, kind=kind, published_at=at, fetched_at=at, author=f"网友{i % 997}",
                       region=region, reply=reply)
        keywords = [issue, place, region]
        analysis = {
            "text": content, "title_tokens": title_words, "content_words": body_words,
            "sentiment": {"label": sentiment, "score": {"negative": 0.1, "neutral": 0.5, "positive": 0.9}[sentiment]},
            "topic": {"label": topic, "score": 0.8}, "department": department, "department_reason": f"主题：{topic}",
            "keywords": keywords, "simhash": f"{i:016x}",
        }
        if reply:
            analysis["reply_quality"] = {"relevance": 0.8, "completeness": 0.6, "timeliness": 0.9, "template": 0.3,
                                         "score": 0.72, "reasons": ["答复提及了诉求中的地点与事项"]}
        yield doc, analysis, (topic, issue, region)


def populate(store: Store, now: datetime, *, documents: int = 600, events: int = 24, alerts: int = 12,
             days: int = 30, seed: int = 7, sources: list[str] | None = None, batch: int = 5000,
             progress: Any = None) -> SampleSet:
    """Load a consistent sample: documents (analysed and indexed), events over them, alerts in every status."""
    rng = random.Random(seed)
    sources = sources or ["a_city_board", "a_city_news", "a3_district_news"]
    out = SampleSet()
    groups: dict[tuple[str, str, str], list[tuple[str, Document, dict[str, Any]]]] = {}
    pending: list[tuple[Document, dict[str, Any], tuple[str, str, str]]] = []

    def flush() -> None:
        store.documents.upsert_documents([d for d, _, _ in pending], now)
        store.documents.save_analyses([(d.id, a) for d, a, _ in pending], now)
        for d, a, key in pending:
            group = groups.setdefault(key, [])
            if len(group) < 400:  # keep enough per group to build events, not all 200k in memory
                group.append((d.id, d, a))
        out.documents += len(pending)
        pending.clear()
        if progress:
            progress(out.documents)

    for item in _documents(documents, now, rng, sources, days):
        pending.append(item)
        if len(pending) >= batch:
            flush()
    if pending:
        flush()

    # Events: the biggest (topic, issue, region) groups.
    ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))[:events]
    links: dict[str, tuple[str | None, str | None]] = {}
    for rank, ((topic, issue, region), members) in enumerate(ranked):
        times = [d.published_at for _, d, _ in members]
        neg = sum(a["sentiment"]["label"] == "negative" for _, _, a in members)
        pos = sum(a["sentiment"]["label"] == "positive" for _, _, a in members)
        event = Event(
            id=f"ev{rank:04d}", title=f"{region}{issue}问题引发关注", keywords=[issue, region, topic], region=region,
            topic=topic, department=TOPICS[topic][0], first_seen=min(times), last_seen=max(times),
            doc_count=len(members), source_count=len({d.source for _, d, _ in members}), negative=neg,
            positive=pos, neutral=len(members) - neg - pos, heat=round(100 - rank * 3.5 + rng.random(), 2),
            heat_parts={"volume": 40.0 - rank, "negative": 20.0, "sources": 10.0, "velocity": 15.0},
        )
        out.events.append(event)
        for doc_id, _, _ in members:
            links[doc_id] = (event.id, None)
    store.documents.save_events(out.events, now)
    store.documents.link_documents(links)
    for e in out.events[:5]:
        store.documents.log_event_change(e.id, "created", {"docs": e.doc_count}, e.first_seen)

    # Alerts over the hottest events, in every workflow state, for several departments.
    statuses = [AlertStatus.NEW, AlertStatus.DISPATCHED, AlertStatus.ACCEPTED, AlertStatus.RESPONDED,
                AlertStatus.CLOSED, AlertStatus.RETURNED, AlertStatus.REOPENED]
    wf = store.workflow
    for i, event in enumerate(out.events[:alerts]):
        status = statuses[i % len(statuses)]
        created = now - timedelta(hours=6 + 7 * i)
        dispatched = created + timedelta(minutes=30) if status is not AlertStatus.NEW else None
        department = event.department if status is not AlertStatus.NEW else None
        due = (dispatched or created) + timedelta(hours=48 if i % 3 else 5)
        alert = Alert(id=f"AL{i:04d}", rule="heat" if i % 2 else "negative_surge", level=1 + i % 3,
                      title=f"{event.title}（热度 {event.heat:.0f}）",
                      reason=f"事件热度 {event.heat:.1f} 超过阈值 60；负面 {event.negative} 篇，来源 {event.source_count} 个",
                      status=status, event_id=event.id, department=department, policy="level2",
                      deadlines={"response": due}, details={"heat": event.heat, "heat_parts": event.heat_parts},
                      created_at=created, updated_at=created, dispatched_at=dispatched,
                      escalated=status is AlertStatus.REOPENED, rating="满意" if status is AlertStatus.CLOSED else None)
        wf.insert_alert(alert)
        wf.append_audit(AuditEntry(alert.id, "system", "create", created, None, "new", "规则触发"))
        if dispatched:
            wf.add_assignment(Assignment(alert.id, department, "officer", dispatched, note="请按时回应"))
            wf.append_audit(AuditEntry(alert.id, "officer", "dispatch", dispatched, "new", "dispatched", ""))
        if status in (AlertStatus.RESPONDED, AlertStatus.CLOSED):
            at = dispatched + timedelta(hours=3 + i)
            wf.add_response(Response(alert.id, department, f"{department}工作人员",
                                     f"已就{event.title}开展核查，将于三日内公布处理结果。", at,
                                     link="https://example.gov.cn/notice/1",
                                     rating="满意" if status is AlertStatus.CLOSED else None,
                                     rated_by="officer" if status is AlertStatus.CLOSED else None,
                                     rated_at=at + timedelta(hours=1) if status is AlertStatus.CLOSED else None))
        out.alerts.append(alert)
    return out
