"""Query.matches on the real citizen messages of ../shared/data/gov_messages, checked against plain-Python scans of
the CSV (no folding, no parser), and in Traditional Chinese (the messages converted with OpenCC s2t here)."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timezone

import pytest

from yuqing.model import Document
from yuqing.query import FoldedDocument, parse


@pytest.fixture(scope="module")
def messages(shared_data):
    path = shared_data / "gov_messages" / "messages_with_replies.csv"
    if not path.is_file():
        pytest.skip("共享数据中没有 gov_messages/messages_with_replies.csv")
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 2000
    return [Document(url=f"https://board.example.gov.cn/m/{r['留言编号']}", source="gov_board",
                     title=r["留言主题"], content=r["留言详情"], kind="post",
                     published_at=datetime(2019, 1, 1, tzinfo=timezone.utc)) for r in rows]


@pytest.fixture(scope="module")
def traditional(messages):
    import opencc

    s2t = opencc.OpenCC("s2t")
    return [Document(url=d.url, source=d.source, title=s2t.convert(d.title), content=s2t.convert(d.content))
            for d in messages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _has(doc: Document, word: str) -> bool:
    return word in _flat(doc.title) or word in _flat(doc.content)


_FOLDED: dict[int, FoldedDocument] = {}


def _ids(docs, expr: str) -> set[str]:
    query = parse(expr)
    out = set()
    for d in docs:  # each document folded once for all the queries of the module (as schemes do)
        folded = _FOLDED.get(id(d))
        if folded is None:
            folded = _FOLDED[id(d)] = FoldedDocument(d)
        if query.matches(folded):
            out.add(d.id)
    return out


PAIRS = [("小区", "物业"), ("拆迁", "补偿"), ("学校", "收费"), ("噪音", "扰民"), ("公积金", "提取")]


@pytest.mark.parametrize("a, b", PAIRS)
def test_and_finds_exactly_the_messages_holding_both(messages, a, b):
    expected = {d.id for d in messages if _has(d, a) and _has(d, b)}
    assert expected, f"共享数据中应有同时含「{a}」「{b}」的留言"
    assert _ids(messages, f"{a} AND {b}") == expected
    assert _ids(messages, f"{a} {b}") == expected  # implicit AND
    assert _ids(messages, f"{a} OR {b}") == {d.id for d in messages if _has(d, a) or _has(d, b)}
    assert _ids(messages, f"{a} NOT {b}") == {d.id for d in messages if _has(d, a) and not _has(d, b)}


@pytest.mark.parametrize("a, b", PAIRS)
def test_traditional_queries_and_texts_find_the_same_set(messages, traditional, a, b):
    import opencc

    s2t = opencc.OpenCC("s2t")
    expected = _ids(messages, f"{a} AND {b}")
    trad_query = f"{s2t.convert(a)} AND {s2t.convert(b)}"
    assert _ids(messages, trad_query) == expected  # Traditional query, Simplified posts
    assert _ids(traditional, f"{a} AND {b}") == expected  # Simplified query, Traditional posts
    assert _ids(traditional, trad_query) == expected


def test_near_counts_characters_between_the_words(messages):
    text_of = {d.id: (_flat(d.title), _flat(d.content)) for d in messages}
    for distance in (0, 5, 20):
        pattern = re.compile(f"拆迁.{{0,{distance}}}补偿|补偿.{{0,{distance}}}拆迁")
        expected = {i for i, (t, c) in text_of.items() if pattern.search(t) or pattern.search(c)}
        assert expected
        assert _ids(messages, f"拆迁 NEAR/{distance} 补偿") == expected
    assert _ids(messages, "拆迁 NEAR/0 补偿") < _ids(messages, "拆迁 NEAR/20 补偿") < _ids(messages, "拆迁 补偿")


def test_field_scopes(messages):
    assert _ids(messages, "标题:物业") == {d.id for d in messages if "物业" in _flat(d.title)}
    assert _ids(messages, "正文:物业 NOT 标题:物业") == {
        d.id for d in messages if "物业" in _flat(d.content) and "物业" not in _flat(d.title)}
    assert _ids(messages, "来源:gov_board 标题:物业") == _ids(messages, "标题:物业")
    assert not _ids(messages, "来源:city_news 物业")
    query = parse("来源:政务留言板 物业")
    doc = messages[0]
    titles = {"gov_board": "政务留言板"}
    assert query.matches(Document(url=doc.url, source="gov_board", title="物业", content=""), source_titles=titles)
    assert not query.matches(Document(url=doc.url, source="gov_board", title="物业", content=""))


def test_group_shorthand_is_or_inside_and_between(messages):
    expr = "地域词：A市 A5区\n事件词：噪音，扰民、施工\n排除词：物业"
    expected = {d.id for d in messages
                if any(_has(d, w) for w in ("A市", "A5区")) and any(_has(d, w) for w in ("噪音", "扰民", "施工"))
                and not _has(d, "物业")}
    assert expected
    assert _ids(messages, expr) == expected
    assert _ids(messages, str(parse(expr))) == expected  # its canonical expression means the same


def test_case_and_width_folding():
    doc = Document(url="https://x.example/1", source="s", title="关于ＡＰＰ缴费的问题", content="App闪退，１２３４５热线")
    assert parse("app 12345").matches(doc)
    assert parse('"APP缴费"').matches(doc)
    assert not parse("app NOT 缴费").matches(doc)
