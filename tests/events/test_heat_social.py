"""Heat from social fields (issue 19): shares stored with a document reach the interaction part, and a listed
account (``[[accounts]]``: 官方账号/重点账号/媒体) raises the authority part, once per account, explained in words."""

from __future__ import annotations

from datetime import timedelta

from yuqing.model import Document
from yuqing.nlp.events.heat import compute_heat, explain
from yuqing.nlp.events.settings import EventSettings
from yuqing.nlp.events.stage import EventStage
from yuqing.social import Account, AccountList
from yuqing.storage.base import Store
from yuqing.storage.sqlite import SQLiteStore
from yuqing.vocab import HeatPart, heat_part_label
from events_kit import HEATING_A, HEATING_B, T0, quick_analysis, rec


def _run(tmp_path, name: str, accounts: AccountList | None, reposts: int):
    db = SQLiteStore(tmp_path / f"{name}.db")
    records = [rec(1, *HEATING_A, source="weibo"), rec(2, *HEATING_B, 1, source="weibo"),
               rec(3, *HEATING_A, 2, source="weibo")]
    authors = [("A市发布", "1001"), ("市民甲", "7"), ("A市发布", "1001")]  # the same official account twice
    docs = [Document(url=f"https://weibo.example/{r['id']}", source="weibo", title=r["title"], content=r["content"],
                     published_at=T0 + timedelta(hours=i), author=a, author_id=uid, likes=5, reposts=reposts)
            for i, (r, (a, uid)) in enumerate(zip(records, authors))]
    db.upsert_documents(docs, T0)
    results = []
    for d, r in zip(docs, records):
        a = quick_analysis(r)
        a.update(sentiment={"label": "negative", "score": 0.9}, topic={"label": "城乡建设", "score": 0.9},
                 department="A3区住房和城乡建设局", keywords=["供暖"])
        results.append((d.id, a))
    db.save_analyses(results, T0)
    EventStage(Store(db, db), EventSettings(), {"weibo": 1.0}, accounts=accounts).run(T0 + timedelta(hours=3))
    event = db.get_event(db.get_document(docs[0].id).event_id)
    db.close()
    return event


def test_listed_account_raises_authority_once_and_reposts_raise_interaction(tmp_path):
    listed = AccountList((Account("official", 3.0, name="A市发布", source="weibo"),))
    plain = _run(tmp_path, "plain", None, reposts=0)
    official = _run(tmp_path, "official", listed, reposts=0)
    shared = _run(tmp_path, "shared", None, reposts=400)
    assert plain.doc_count == official.doc_count == shared.doc_count >= 2
    a = HeatPart.AUTHORITY.value
    assert official.heat_parts[a] > plain.heat_parts[a] and official.heat > plain.heat
    inputs = official.state["heat_inputs"]
    assert (inputs["accounts"], inputs["account_authority"]) == (1, 3.0)  # two posts, one account: counted once
    assert inputs["authority_sum"] == 1.0 + 3.0
    assert "账号 1 个" in explain(official.heat, official.heat_parts, inputs, EventSettings())
    assert json_free_of_names(official.state)  # members keep a pseudonym, never the author's name or id
    i = HeatPart.INTERACTION.value
    assert shared.heat_parts[i] > plain.heat_parts[i] and shared.state["heat_inputs"]["reposts"] > 0
    assert heat_part_label(i) == "互动" and heat_part_label(a) == "来源权威度"


def json_free_of_names(state) -> bool:
    import json

    text = json.dumps(state, ensure_ascii=False)
    return "A市发布" not in text and '"1001"' not in text


def test_compute_heat_counts_each_account_once_at_its_highest_weight():
    base = {"t": T0.timestamp(), "s": "weibo", "i": [0, 0, 0, 0]}
    members = [{**base, "a": ["k1", 2.0]}, {**base, "a": ["k1", 3.0]}, {**base, "a": ["k2", 1.5]}, dict(base)]
    _, parts, inputs = compute_heat(members, EventSettings(), {"weibo": 1.0})
    _, bare, _ = compute_heat([dict(base)] * 4, EventSettings(), {"weibo": 1.0})
    assert (inputs["accounts"], inputs["account_authority"], inputs["authority_sum"]) == (2, 4.5, 5.5)
    assert parts[HeatPart.AUTHORITY.value] > bare[HeatPart.AUTHORITY.value]
