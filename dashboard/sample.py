"""A store for the dashboard's tests and benchmark, filled by running the real stages — never by hand-written rows.

``populate`` ingests records in the ``yuqing ingest`` format (generated demo posts or real messages), runs one
``tick`` (the NLP stages, the events stage with its heat parts and event log, the alert rules), then walks the
alerts it raised through the response loop with real workflow actions of real accounts, so every status, audit
entry, response and evaluation on the pages is one the services wrote. A renamed key in any stage therefore
reaches the page tests as it would reach a user.

For the benchmark's volume (``yuqing bench dashboard``, 200,000 documents) the stages run on a seed of generated
posts (:func:`posts`: raw input as a crawler would store it, never analysis) and :func:`replicate` then copies the
analysed posts — with the analyses the NLP stage wrote, linked to the events the events stage made — at other times.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

from yuqing.model import Alert, User

# The loop's states, each reached by the actions a department and the office would take (in this order).
PLAN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dispatched", ("dispatch",)),
    ("accepted", ("dispatch", "accept")),
    ("responded", ("dispatch", "accept", "respond")),
    ("closed", ("dispatch", "respond", "evaluate")),
    ("new", ()),
    ("returned", ("dispatch", "return")),
    ("reopened", ("dispatch", "respond", "evaluate_unsatisfied", "escalate")),
)

# Raw posts for the benchmark's seed: what citizens write on a board, in a city's words.
TOPICS: dict[str, tuple[str, list[str]]] = {
    "城乡建设": ("A市住房和城乡建设局", ["小区物业不作为", "小区停水", "供暖不热", "加装电梯", "违章建筑", "燃气管道老化"]),
    "劳动和社会保障": ("A市人力资源和社会保障局", ["拖欠工资", "社保断缴", "养老金发放", "医保报销难", "失业金申领"]),
    "教育文体": ("A市教育局", ["学位紧张", "校车安全", "课后服务收费", "学区划分", "幼儿园收费"]),
    "环境保护": ("A市生态环境局", ["夜间施工噪音", "餐馆油烟扰民", "河道污水", "工地扬尘", "工厂异味"]),
    "交通运输": ("A市交通运输局", ["公交线路调整", "道路施工拥堵", "停车难", "红绿灯设置不合理", "出租车拒载"]),
}
REGIONS = ["A市", "A1区", "A2区", "A3区"]
PLACES = ["幸福里小区", "锦绣花园", "阳光新城", "滨江路", "人民路", "学府街", "工业园", "东湖社区"]
MOODS = ["反映多次迟迟没有解决，严重影响生活，希望相关部门尽快处理。", "想咨询一下办理流程和相关政策，请问何时实施？",
         "问题已经解决，感谢相关部门及时处理，工作人员服务态度很好。", "居民意见很大，多次投诉无果，恳请领导重视。"]


def posts(n: int, now: datetime, *, days: float = 30.0, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` board posts in the ``yuqing ingest`` format over the ``days`` before ``now`` (recent days busier)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        topic = rng.choice(list(TOPICS))
        issue, region, place = rng.choice(TOPICS[topic][1]), rng.choice(REGIONS), rng.choice(PLACES)
        at = now - timedelta(days=min(days - 0.01, rng.expovariate(4 / days)), minutes=rng.randint(0, 59))
        record = {"url": f"http://board.sample.invalid/post/{seed}/{i}", "source": "a_city_board", "kind": "post",
                  "title": f"{region}{place}{issue}问题", "content": f"{region}{place}{issue}，{rng.choice(MOODS)}",
                  "published_at": at.isoformat(), "region": region, "likes": rng.randint(0, 30),
                  "replies": rng.randint(0, 5), "author": f"网友{i % 997}"}
        if i % 4 == 0:
            record["reply"] = {"text": f"您好，关于{place}{issue}问题，我单位已安排专人核实处理，将尽快反馈。",
                               "department": TOPICS[topic][0], "time": (at + timedelta(days=2)).isoformat()}
        out.append(record)
    return out


def replicate(store: Any, copies: int, now: datetime, *, days: float = 30.0, seed: int = 7, batch: int = 5000,
              progress: Any = None) -> int:
    """Add ``copies`` documents, each a copy of an analysed document already in the store (its analysis as the NLP
    stage wrote it, linked to its event) at another time in the ``days`` before ``now``. Returns how many."""
    from dataclasses import replace

    rng = random.Random(seed)
    _, originals = store.documents.list_documents(limit=100_000)
    originals = [d for d in originals if d.analysis]
    if not originals or copies <= 0:
        return 0
    made, events = 0, set()
    while made < copies:
        chunk = []
        for _ in range(min(batch, copies - made)):
            d = rng.choice(originals)
            at = now - timedelta(days=rng.uniform(0, days))
            url = f"{d.url}{'&' if '?' in d.url else '?'}copy={made + len(chunk)}"  # a fragment would be dropped
            chunk.append((replace(d, url=url, id="", published_at=at, fetched_at=at,
                                  analysis=None, event_id=None), d))
        store.documents.upsert_documents([c for c, _ in chunk], now)
        store.documents.save_analyses([(c.id, d.analysis) for c, d in chunk], now)
        store.documents.link_documents({c.id: (d.event_id, None) for c, d in chunk if d.event_id})
        events.update(d.event_id for _, d in chunk if d.event_id)
        made += len(chunk)
        if progress:
            progress(made)
    store.documents.recount_events(sorted(events), now)
    return made


@dataclass
class SampleSet:
    documents: int = 0
    alerts: list[Alert] = field(default_factory=list)
    tick: dict[str, Any] = field(default_factory=dict)


def _step(app: Any, alert: Alert, step: str, at: datetime, officer: User, dept_user: User, department: str) -> None:
    svc = app.alerts
    if step == "dispatch":
        svc.act(officer, alert.id, "dispatch", department=department, note="请核实并按时回应", now=at)
    elif step == "accept":
        svc.act(dept_user, alert.id, "accept", now=at)
    elif step == "return":
        svc.act(dept_user, alert.id, "return", note="该事项不属于本部门职责，请改派", now=at)
    elif step == "respond":
        svc.act(dept_user, alert.id, "respond", text=f"已就「{alert.title[:20]}」开展核查，将于三日内公布处理结果。",
                link="https://example.gov.cn/notice/1", now=at)
    elif step == "evaluate":
        svc.act(officer, alert.id, "evaluate", rating="满意", now=at)
    elif step == "evaluate_unsatisfied":
        svc.act(officer, alert.id, "evaluate", rating="不满意", note="答复未说明整改时限", now=at)
    elif step == "escalate":
        svc.act(officer, alert.id, "escalate", note="请加快办理", now=at)
    else:
        raise ValueError(f"未知的办理步骤：{step}")


def populate(app: Any, records: Iterable[dict[str, Any]], now: datetime, *, officer: User,
             department_users: dict[str, User], manual_level1: int = 2) -> SampleSet:
    """Ingest ``records`` at ``now``, run one tick, raise ``manual_level1`` level-1 alerts by hand (the rules rarely
    reach level 1 on a small sample), and walk the alerts through :data:`PLAN`, spread over the departments of
    ``department_users`` (department → that department's account). Actions are timed a minute apart after
    ``now``, so call with ``now`` well before the wall clock if pages will be rendered at the wall clock."""
    from yuqing import jobs

    out = SampleSet()
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    report = jobs.ingest(app, io.StringIO("\n".join(lines) + "\n"), now)
    if report.bad:
        raise ValueError(f"样本数据有 {len(report.bad)} 条无法入库：{report.bad[:3]}")
    out.documents = len(lines)
    out.tick = jobs.tick(app, now)
    departments = list(department_users)
    for i in range(manual_level1):
        app.alerts.raise_manual(officer, f"重大舆情（人工）{i + 1}：多名群众集中反映同一问题", "多名群众来电反映，情况紧急",
                                level=1, now=now)
    _, alerts = app.store.workflow.list_alerts(status="new", limit=100_000)
    # Event alerts first: the pages show an alert's event, heat parts and posts.
    alerts.sort(key=lambda a: (a.event_id is None, a.created_at or now, a.id))
    at = now
    for i, alert in enumerate(alerts):
        _, steps = PLAN[i % len(PLAN)]
        department = departments[i % len(departments)]  # PLAN's length is odd: every state in every department
        for step in steps:
            at += timedelta(minutes=1)
            _step(app, app.store.workflow.get_alert(alert.id), step, at, officer, department_users[department],
                  department)
        out.alerts.append(app.store.workflow.get_alert(alert.id))
    return out
