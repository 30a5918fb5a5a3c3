"""Shared posts and helpers of the events tests: hand-written posts about one estate, and real board messages
clustered by the real events stage."""

from __future__ import annotations

from datetime import datetime, timedelta

from yuqing.nlp.events.cluster import EventClusterer
from yuqing.nlp.events.prepare import doc_from_record, quick_analysis
from yuqing.nlp.events.settings import EventSettings
from yuqing.clock import TZ

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=TZ)

HEATING_A = ("锦绣花园供暖温度严重不达标", "我家住在A3区锦绣花园，今年供暖开始以后家里暖气一直是温的，室内温度只有12度左右。"
             "暖气费一分没少交，暖气片摸上去是凉的。请供热主管部门督促供热公司尽快整改。")
HEATING_B = ("锦绣花园暖气不热，谁来管？", "A3区锦绣花园好多住户家里冻得待不住，老人孩子都感冒了。打供热公司电话说在排查，"
             "排查了三个星期暖气还是不热，室内温度太低。要求到小区实地测温，退还供暖费。")
PARKING_A = ("锦绣花园停车位只售不租", "A3区锦绣花园地下车库的车位开发商只卖不租，一个车位要价十五万元。不买车位就不让车进小区，"
             "只能停在外面马路上，经常被贴罚单。请相关部门核查车位销售是否合规。")
HEATING_OTHER_DISTRICT = ("翠湖小区供暖温度不达标", "我家住在A5区翠湖小区，今年供暖开始以后家里暖气一直是温的，室内温度只有12度左右。"
                          "暖气费一分没少交，暖气片摸上去是凉的。请供热主管部门督促供热公司尽快整改。")
# As a spam 转载站 appends it (the sample sites' format): a "related" line of anchor texts and URLs.
LINK_FARM = "相關推薦：\n" + "\n".join(f"{w} http://www.{10001 + i}.spam.invalid/"
                                       for i, w in enumerate(["代開發票", "高仿手錶", "特價機票", "刷單返利"]))


def rec(i, title, content, hours=0.0, **kw):
    r = {"id": str(i), "title": title, "content": content, "published_at": (T0 + timedelta(hours=hours)).isoformat(),
         "source": kw.pop("source", "board")}
    r.update(kw)
    return r


def docs_of(records):
    return [doc_from_record(r, quick_analysis(r)) for r in records]


def run(records, settings=None):
    cl = EventClusterer(settings or EventSettings())
    out = {}
    for d in sorted(docs_of(records), key=lambda d: d.at):
        out[d.id] = cl.add(d)
    return cl, out


def put_records(db, rs):
    """Store records as analysed documents (the analysis as the NLP stage would save it)."""
    from yuqing.model import Document

    docs = [Document(url=f"http://x/{r['id']}", source=r["source"], title=r["title"], content=r["content"],
                     published_at=datetime.fromisoformat(r["published_at"]), likes=5) for r in rs]
    db.upsert_documents(docs, T0)
    results = []
    for d, r in zip(docs, rs):
        a = quick_analysis(r)
        a.update(sentiment={"label": "negative", "score": 0.9}, topic={"label": "城乡建设", "score": 0.9},
                 department="A3区住房和城乡建设局", keywords=["供暖"])
        results.append((d.id, a))
    db.save_analyses(results, T0)
    return docs


def store_messages(db, records: list[dict], now: datetime) -> None:
    """Real messages as analysed documents (the quick analysis the events benchmarks use)."""
    from yuqing.model import Document

    docs = [Document(url=f"https://gov.example.cn/message/{r['id']}", source=r["source"], title=r["title"],
                     content=r["content"], published_at=datetime.fromisoformat(r["published_at"]).replace(tzinfo=TZ))
            for r in records]
    db.upsert_documents(docs, now)
    db.save_analyses([(d.id, quick_analysis(r)) for d, r in zip(docs, records)], now)


def cluster_real_messages(shared_data, path, messages: int, settings: EventSettings, chunk: int = 200):
    """The first ``messages`` shared board messages, stored and clustered batch after batch by the real events stage
    as the scheduler would run it; returns (the SQLite store, the stage's summed stats, the number of messages)."""
    from pathlib import Path

    from yuqing.nlp.events.evaluate import gov_records, load_gov_messages
    from yuqing.nlp.events.stage import EventStage
    from yuqing.storage.base import Store
    from yuqing.storage.sqlite import SQLiteStore

    records = sorted(gov_records(load_gov_messages(Path(shared_data)).values()), key=lambda r: r["published_at"])
    records = records[:messages]
    db = SQLiteStore(path)
    store = Store(db, db)
    totals: dict[str, int] = {}
    for start in range(0, len(records), chunk):
        part = records[start:start + chunk]
        now = datetime.fromisoformat(part[-1]["published_at"]).replace(tzinfo=TZ) + timedelta(hours=1)
        store_messages(db, part, now)
        for key, value in EventStage(store, settings, batch_size=chunk).run(now).items():
            totals[key] = totals.get(key, 0) + value
    return db, totals, len(records)
