"""The search expression language: what parses to what (canonical form), and where and why bad input fails."""

from __future__ import annotations

import pytest

from yuqing.query import And, Near, Not, Or, QueryError, Term, fold, parse

# (typed, canonical form)
CANONICAL = [
    ("供暖", "供暖"),
    ("供暖 停水", "供暖 AND 停水"),
    ("供暖 AND 停水", "供暖 AND 停水"),
    ("供暖 and 停水", "供暖 AND 停水"),
    ("供暖 与 停水", "供暖 AND 停水"),
    ("供暖+停水", "供暖 AND 停水"),
    ("供暖 OR 停水", "供暖 OR 停水"),
    ("供暖 or 停水", "供暖 OR 停水"),
    ("供暖 或 停水", "供暖 OR 停水"),
    ("供暖|停水", "供暖 OR 停水"),
    ("供暖 NOT 广告", "供暖 AND NOT 广告"),
    ("供暖 非 广告", "供暖 AND NOT 广告"),
    ("供暖 -广告", "供暖 AND NOT 广告"),
    ("供暖 -(广告 OR 招聘)", "供暖 AND NOT (广告 OR 招聘)"),
    ("COVID-19 疫苗", "COVID-19 AND 疫苗"),
    ("(供暖 OR 暖气) 不热", "(供暖 OR 暖气) AND 不热"),
    ("（供暖 OR 暖气）不热", "(供暖 OR 暖气) AND 不热"),
    ("a OR b AND c", "a OR (b AND c)"),
    ("a AND b OR c", "(a AND b) OR c"),
    ("NOT a AND b", "NOT a AND b"),
    ("a NOT (b OR c) d", "a AND NOT (b OR c) AND d"),
    ('"供暖 不热"', '"供暖 不热"'),
    ("“供暖不热”", '"供暖不热"'),
    ("「供暖不热」", '"供暖不热"'),
    ('"AND"', '"AND"'),
    ('"供暖(A区)"', '"供暖(A区)"'),
    ("供暖 NEAR/10 不热", "供暖 NEAR/10 不热"),
    ("供暖 near/0 不热", "供暖 NEAR/0 不热"),
    ('"集中供暖" NEAR/5 “温度不达标”', '"集中供暖" NEAR/5 "温度不达标"'),
    ("标题:供暖", "标题:供暖"),
    ("标题：供暖", "标题:供暖"),
    ("title:供暖", "标题:供暖"),
    ("TITLE:供暖", "标题:供暖"),
    ("標題:供暖", "标题:供暖"),
    ("正文:供暖", "正文:供暖"),
    ("内容:供暖", "正文:供暖"),
    ("content:供暖", "正文:供暖"),
    ("来源:市长信箱", "来源:市长信箱"),
    ("source:city_board", "来源:city_board"),
    ("标题:(供暖 OR 暖气)", "标题:供暖 OR 标题:暖气"),
    ("标题:(供暖 NOT 广告)", "标题:供暖 AND NOT 标题:广告"),
    ("正文:(供暖 NEAR/3 不热)", "正文:(供暖 NEAR/3 不热)"),
    ("标题:供暖 停水", "标题:供暖 AND 停水"),
    ("时间12:30", '"时间12:30"'),  # a colon after something not a field name is text
    ("标题: 供暖", "标题:供暖"),
    ('他说"好"', '他说 AND "好"'),
    ('“他说"好"”', '“他说"好"”'),
    ("地域词：长沙 岳麓区\n主体词：市政府、住建局\n事件词：供暖，停水\n排除词：广告 招聘",
     "(长沙 OR 岳麓区) AND (市政府 OR 住建局) AND (供暖 OR 停水) AND NOT (广告 OR 招聘)"),
    ("地域词:长沙\n事件词:供暖", "长沙 AND 供暖"),
    ("事件词：供暖+不热 停水", "(供暖 AND 不热) OR 停水"),
    ("事件词：供暖\n事件词：停水\n排除词：", "供暖 OR 停水"),
    ('关键词："供暖 不热"；停水', '"供暖 不热" OR 停水'),
    ("事件词：AND OR", '"AND" OR "OR"'),
    ("\n  地域词：长沙\n\n", "长沙"),
]


@pytest.mark.parametrize("typed, expected", CANONICAL)
def test_canonical_form_and_round_trip(typed, expected):
    query = parse(typed)
    assert str(query) == expected
    assert parse(str(query)) == query  # the canonical form parses back to the same query


# (typed, 0-based position, words the message must contain)
ERRORS = [
    ("", 0, "查询为空"),
    ("   ", 0, "查询为空"),
    ("(供暖 OR 暖气", 9, "缺少右括号"),
    ("((供暖) 停水", 8, "第 1 个字符处的左括号"),
    ("供暖)", 2, "多余的右括号"),
    ("供暖 停水 )", 6, "多余的右括号"),
    ("()", 0, "括号内为空"),
    ("供暖 ()", 3, "括号内为空"),
    ("AND 供暖", 0, "「AND」前面缺少词"),
    ("OR 供暖", 0, "「OR」前面缺少词"),
    ("供暖 AND", 3, "「AND」后面缺少词"),
    ("供暖 OR", 3, "「OR」后面缺少词"),
    ("供暖 OR OR 停水", 3, "「OR」后面缺少词"),
    ("供暖 AND OR 停水", 3, "「AND」后面缺少词"),
    ("(供暖 OR) 停水", 4, "「OR」后面缺少词"),
    ("供暖 NOT", 3, "「NOT」后面缺少要排除的词"),
    ("供暖 -", 3, "「-」后面缺少要排除的词"),
    ("供暖 - 广告", 3, "「-」后面缺少要排除的词"),
    ("NOT 广告", 0, "不能单独成立"),
    ("-广告", 0, "不能单独成立"),
    ("供暖 OR NOT 广告", 6, "不能单独成立"),
    ("供暖 OR (停水 AND 不热) OR -广告", 21, "不能单独成立"),
    ("供暖 NEAR 不热", 3, "需要写明距离"),
    ("供暖 NEAR/ 不热", 8, "距离须是"),
    ("供暖 NEAR/十 不热", 8, "距离须是"),
    ("供暖 NEAR/501 不热", 8, "最多 500"),
    ("NEAR/3 供暖", 0, "前面缺少词"),
    ("供暖 NEAR/3", 3, "两侧须是词"),
    ("供暖 NEAR/3 (不热)", 3, "两侧须是词"),
    ("(供暖) NEAR/3 不热", 5, "两侧须是词"),
    ("a NEAR/3 b NEAR/3 c", 11, "只能连接两个词"),
    ('"供暖 不热', 0, "引号 \" 没有闭合"),
    ("供暖 “不热", 3, "没有闭合"),
    ('""', 0, "引号内为空"),
    ("标题:", 0, "后面缺少要限定的词"),
    ("标题:来源:x", 3, "不能嵌套"),
    ("标题:(正文:x)", 7, "不能嵌套"),
    ("地域词：长沙\n随便写一行", 7, "无法识别这一行"),
    ("地域词：长沙\n  主体：市政府", 9, "无法识别这一行"),
    ("排除词：广告", 0, "至少需要一组"),
    ("地域词：\n排除词：广告", 0, "至少需要一组"),
    ("事件词：\"供暖", 4, "没有闭合"),
    ("x" * 2001, 2000, "查询太长"),
    ("(" * 13 + "a" + ")" * 13, 12, "嵌套太深"),
    ("NOT " * 12 + "x", 0, "不能单独成立"),
    (" ".join(f"w{i}" for i in range(101)), 390, "词太多"),
    ("事件词：" + "、".join(f"w{i}" for i in range(101)), 0, "词太多"),
]


@pytest.mark.parametrize("typed, position, words", ERRORS)
def test_errors_name_the_position_in_chinese(typed, position, words):
    with pytest.raises(QueryError) as info:
        parse(typed)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.position == position, str(err)
    assert str(err).startswith(f"第 {position + 1} 个字符处：")
    assert words in str(err)


def test_not_a_string_is_a_query_error():
    with pytest.raises(QueryError):
        parse(None)  # type: ignore[arg-type]


def test_the_tree_and_positions():
    query = parse("标题:供暖 NOT (广告 OR 招聘)")
    assert query.root == And((Term("供暖", False, "title"), Not(Or((Term("广告"), Term("招聘"))))))
    assert query.root.children[1].pos == 6  # the NOT
    assert parse("供暖 NEAR/4 “不 热”").root == Near(Term("供暖"), Term("不 热", True), 4)


def test_terms_are_the_positive_folded_title_and_body_terms():
    query = parse("公積金 OR ＡＰＰ 标题:提取 来源:市长信箱 NOT 广告 供暖 NEAR/5 不熱")
    assert query.terms() == ["公积金", "app", "提取", "供暖", "不热"]
    assert parse("地域词：長沙\n排除词：廣告").terms() == ["长沙"]


def test_fold():
    assert fold("關於冬季供暖的問題") == "关于冬季供暖的问题"
    assert fold("ＡＢＣ１２３ Hello") == "abc123 hello"
    assert fold("供暖\n\t 不热") == "供暖不热"
    assert fold("two   words\nhere") == "two words here"
    assert fold("") == ""


def test_equal_queries_hash_alike():
    assert parse("a b") == parse("a AND b")
    assert hash(parse("a b")) == hash(parse("a  and  b"))
    assert parse("a b") != parse("a OR b")
