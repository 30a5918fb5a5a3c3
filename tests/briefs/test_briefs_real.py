"""Event briefs and 传播路径 built by the real stages from real shared messages (tests/briefs/conftest.py)."""

from __future__ import annotations

import json
import re

from tests.briefs.conftest import PLANTED_ID, PLANTED_NAME, PLANTED_PHONE
from yuqing.model import document_id
from yuqing.eventviews import build_brief_view, build_spread_view, event_detail
from yuqing.privacy import mask_pii

DEMAND_WORDS = re.compile("希望|请求|要求|建议|恳请|恳求|呼吁|盼望|请")
DISTRICT = re.compile(r"(?<![A-Za-z0-9])([A-Z]\d{1,2}(?:区|县))")


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _events(app):
    return [e for e in app.store.documents.list_events(limit=1000, order="size") if e.doc_count >= 2]


def _posts(app, event):
    _, docs = app.store.documents.list_documents(limit=1000, event_id=event.id)
    return {d.id: d for d in docs}


def _text(doc) -> str:
    return mask_pii((doc.analysis or {}).get("text") or "")


def test_every_sentence_comes_from_one_of_the_events_posts(brief_app):
    events = _events(brief_app)
    assert len(events) >= 20  # the labelled groups are real multi-post issues
    checked = 0
    for event in events:
        brief = build_brief_view(event)
        assert brief is not None, event.id
        posts = _posts(brief_app, event)
        assert brief.sentences, event.title
        for s in brief.sentences:
            assert s.doc_id in posts, (event.title, s)  # links to a post of this event
            assert s.text in _text(posts[s.doc_id]), (event.title, s.text)  # … and is a sentence of that post
            checked += 1
    assert checked >= 3 * len(events)


def test_places_and_demands_in_the_posts_are_named(brief_app):
    with_district = with_demand = 0
    for event in _events(brief_app):
        brief = build_brief_view(event)
        posts = _posts(brief_app, event).values()
        districts = {d for p in posts for d in DISTRICT.findall(p.title or "")}
        if districts:
            with_district += 1
            assert districts & set(brief.places), (event.title, districts, brief.places)
        asks = [s for p in posts for s in re.split("[。！？!?；;\n]", _text(p))
                if re.search("希望|请求|恳请|要求", s) and len(s) >= 8]
        if asks:
            with_demand += 1
            assert brief.demands, (event.title, asks[:2])
        for d in brief.demands:
            assert DEMAND_WORDS.search(d.text), d.text
    assert with_district >= 10 and with_demand >= 10


def test_no_personal_data_in_any_output_of_the_brief(brief_app):
    reposted = [e for e in _events(brief_app)
                if any(d.source == "a_city_news" for d in _posts(brief_app, e).values())]
    assert len(reposted) == 1
    event = reposted[0]
    # The planted details are in the stored posts (so the brief had them to leak) …
    raw = " ".join(d.content for d in _posts(brief_app, event).values())
    assert PLANTED_PHONE in raw and PLANTED_ID in raw and PLANTED_NAME in raw
    detail = event_detail(brief_app.store, event.id)
    # … and the sentence planted with them is one a brief reads: the brief of a repost alone quotes it, masked.
    from yuqing.nlp.events.brief import build_brief

    repost = next(d for d in _posts(brief_app, event).values() if d.source == "a_city_news")
    alone = build_brief(event, [repost])
    assert any("希望有关部门尽快给出答复" in d["text"] for d in alone["demands"])
    outputs = [json.dumps(alone, ensure_ascii=False), json.dumps(detail.to_dict(), ensure_ascii=False),
               "\n".join(detail.brief.lines()), detail.brief.short()]
    for out in outputs:
        for secret in (PLANTED_PHONE, PLANTED_ID, PLANTED_NAME, PLANTED_PHONE[-8:], PLANTED_ID[6:14]):
            assert secret not in out


def test_spread_first_post_repost_links_and_shares(brief_app, brief_home):
    _, records, _ = brief_home
    event = next(e for e in _events(brief_app)
                 if any(d.source == "a_city_news" for d in _posts(brief_app, e).values()))
    posts = _posts(brief_app, event)
    spread = build_spread_view(event)
    earliest = min(posts.values(), key=lambda d: d.published_at)
    assert spread.first.doc_id == earliest.id and spread.first.source == "a_city_board"
    assert [p.at for p in spread.timeline] == sorted(p.at for p in spread.timeline)
    by_source = {p.source: p for p in spread.timeline}
    # The two reposts (same text plus a line) link to the original they copy.
    repost = posts[by_source["a_city_news"].doc_id]
    original = next(document_id(r["url"]) for r in records
                    if r["source"] == "a_city_board" and _squeeze(r["content"]) in _squeeze(repost.content))
    assert by_source["a_city_news"].repost_of == original and by_source["a_city_rss"].repost_of == original
    n = len(posts)
    shares = {name: (count, share) for name, count, share in spread.sources}
    assert shares["a_city_news"] == (1, round(1 / n, 3))
    types = {label: count for label, count, _ in spread.source_types}
    assert types == {"留言板": n - 2, "新闻网站": 1, "订阅源": 1}
    assert spread.reposts >= 2
    assert sum(c for _, c in spread.series) == n


def test_brief_is_rebuilt_when_the_event_changes(brief_app_copy):
    from datetime import timedelta

    from yuqing.model import Document
    from yuqing import jobs

    event = _events(brief_app_copy)[0]
    posts = _posts(brief_app_copy, event)
    first = min(posts.values(), key=lambda d: d.published_at)
    at = event.last_seen + timedelta(hours=1)
    copy = Document(url="https://news.example.cn/late-repost", source="a3_district_news", title=first.title,
                    content=first.content + "希望尽快落实整改措施并公开结果。", published_at=at)
    brief_app_copy.store.documents.upsert_documents([copy], at)
    jobs.process(brief_app_copy, at + timedelta(minutes=5))
    after = brief_app_copy.store.documents.get_event(event.id)
    assert after.doc_count == event.doc_count + 1
    assert after.state["brief"]["basis"]["doc_count"] == after.doc_count
    assert any(p["source"] == "a3_district_news" for p in after.state["spread"]["timeline"])
