"""The search page (AppTest, store built by the real stages): the expression language, Traditional queries, the
parse error with its caret, the 分组写法 box, and near-duplicates folded under the first hit."""

from __future__ import annotations

import re

from tests.dashboard.pagekit import no_exception
from yuqing.query import parse
from yuqing.search import SearchSettings, search


def _open(as_user):
    at = as_user("officer1")
    at.switch_page("views/search.py").run()
    return at


def _found(at) -> int:
    found = [m for m in (re.search(r"找到 (\d+) 篇", c.value) for c in at.caption) if m]
    assert len(found) == 1
    return int(found[0].group(1))


def test_expression_and_traditional_query_find_the_same_posts(as_user, store):
    at = _open(as_user)
    at.text_input(key="s_query").input("小区 停水").run()
    no_exception(at)
    simplified = _found(at)
    expected = store.documents.search_query(parse("小区 停水"), limit=1)[0]
    assert simplified == expected > 0
    at.text_input(key="s_query").input("小區 停水").run()
    assert _found(at) == simplified
    at.text_input(key="s_query").input("小区 OR 停水").run()
    assert _found(at) > simplified


def test_a_bad_expression_shows_the_error_and_a_caret(as_user):
    at = _open(as_user)
    at.text_input(key="s_query").input("(供暖 OR 停水").run()
    no_exception(at)
    assert "第 10 个字符处：缺少右括号" in at.error[0].value
    code = at.code[0].value
    line, caret = code.split("\n")
    assert line == "(供暖 OR 停水" and caret == " " * 13 + "^"  # under the end, Chinese characters two columns wide
    assert not at.caption or "找到" not in at.caption[0].value


def test_group_shorthand_box(as_user, store):
    at = _open(as_user)
    at.text_area(key="s_groups").input("地域词：A3区 A5区\n事件词：物业、学位\n排除词：感谢").run()
    no_exception(at)
    expected = store.documents.search_query(parse("(A3区 OR A5区) (物业 OR 学位) NOT 感谢"), limit=1)[0]
    assert _found(at) == expected > 0
    assert "分组写法" in " ".join(c.value for c in at.caption)


def test_near_duplicates_are_folded_under_the_first_hit(as_user, store, dash_home):
    # The generated store holds reposts of the same notices (as a repost site copies them): find a query with some.
    from yuqing.app import App
    from tests.dashboard.conftest import CONFIG

    app = App.load(CONFIG, dash_home)
    settings = SearchSettings.from_config(app.config)
    words = ["供暖", "停水", "小区", "通知", "工作", "A市"]
    view = next((v for v in (search(store.documents, w, settings=settings, limit=10) for w in words)
                 if any(h.similar_ids for h in v.hits)), None)
    assert view is not None, "生成的样例数据中应有转载形成的近似重复帖"
    word = view.query
    at = _open(as_user)
    at.text_input(key="s_query").input(word).run()
    no_exception(at)
    assert any("相似帖折叠后" in c.value for c in at.caption)
    first = next(h for h in view.hits if h.similar_ids)
    labels = [e.label for e in at.expander]
    assert first.similar_label in labels
    assert view.total < view.matches
    folded = set(first.similar_ids)
    assert not folded & {h.id for h in view.hits}  # a folded post is not listed again
