"""AppTest of the 监测方案 page and 方案管理 on a store built by the real stages (``build_store``): what the page shows
is what the store's matches say, which are what the expression accepts (checked against a plain scan with
``Query.matches``); deep links; Chinese empty states; text is text; who may manage; saving audits and back-fills;
a parse error points at its position."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.dashboard.pagekit import button, no_exception, titles


def _scan(store, expression: str) -> dict[str, object]:
    """The documents the expression accepts, by a plain walk over every stored document (the reference)."""
    from yuqing.query import parse

    query = parse(expression)
    _, docs = store.documents.list_documents(limit=100_000)
    return {d.id: d for d in docs if query.matches(d)}


def _add(store, name: str, expression: str, **kw):
    from yuqing.clock import now
    from yuqing.model import Scheme
    from yuqing.scheme_matching import backfill
    from yuqing.schemes import add_scheme

    add_scheme(store, Scheme(name=name, expression=expression, **kw), actor="officer1", now=now())
    report = backfill(store.documents, name)
    assert report.done
    return report


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _open(at, scheme: str | None = None):
    if scheme is not None:
        at.query_params["scheme"] = scheme
    at.switch_page("views/scheme.py").run()
    no_exception(at)
    return at


def test_scheme_page_counts_exactly_the_documents_the_expression_accepts(as_user, store):
    expected = _scan(store, "拖欠 工资")
    assert len(expected) >= 5  # the generated board posts complain about unpaid wages
    _add(store, "欠薪", "拖欠 工资")
    _add(store, "物业", "物业 NOT 电梯")
    at = _open(as_user("officer1"), "欠薪")
    assert titles(at) == ["监测方案"]
    assert at.selectbox(key="sp_scheme").value == "欠薪"
    metrics = _metrics(at)
    assert metrics["累计匹配"] == f"{len(expected):,} 篇"
    # Matched posts: each one the expression accepts, newest first; the page's period is the last 30 days.
    from yuqing.dashboard.textfmt import escape_text

    _, every = store.documents.list_documents(limit=100_000)
    as_shown = {f"**{escape_text(d.title)}**": d.title for d in every}
    shown = [as_shown[m.value] for m in at.markdown if m.value in as_shown]
    assert shown, "matched posts listed"
    assert set(shown) <= {d.title for d in expected.values()}
    assert len(at.get("vega_lite_chart")) == 2  # the trend and one share chart
    regions = {d.region for d in expected.values() if d.region}
    for dimension, shown_as in (("媒体类型", {"留言板"}), ("地区", regions), ("情感", {"负面", "中性", "正面"})):
        at.segmented_control(key="sp_share").set_value(dimension).run()
        no_exception(at)
        captions = " ".join(c.value for c in at.caption)
        assert any(x in captions for x in shown_as), dimension
    events = at.dataframe[0].value
    assert len(events) >= 1 and list(events["热度"]) == sorted(events["热度"], reverse=True)
    # Picking another scheme changes the page and the address.
    at.selectbox(key="sp_scheme").set_value("物业").run()
    no_exception(at)
    assert at.query_params["scheme"] == ["物业"] or at.query_params["scheme"] == "物业"
    assert _metrics(at)["累计匹配"] == f"{len(_scan(store, '物业 NOT 电梯')):,} 篇"


def test_scheme_page_deep_link_opens_the_named_scheme_and_an_unknown_name_says_so(as_user, store):
    _add(store, "甲方案", "物业")
    _add(store, "乙方案", "拖欠 工资")
    at = _open(as_user("leader1"), "乙方案")
    assert at.selectbox(key="sp_scheme").value == "乙方案"
    at2 = _open(as_user("leader1"), "没有这个方案")
    assert any("不存在" in w.value for w in at2.warning)
    assert at2.selectbox(key="sp_scheme").value == store.documents.list_schemes()[0].name


def test_scheme_page_without_schemes_says_so_in_chinese(as_user):
    at = _open(as_user("leader1"))
    assert any("尚未建立监测方案" in i.value for i in at.info)
    at = _open(as_user("officer1"))
    assert any("方案管理" in i.value for i in at.info)


def test_scheme_page_empty_period_and_pending_backfill_are_explained(as_user, store):
    from yuqing.clock import now
    from yuqing.model import Scheme
    from yuqing.schemes import add_scheme

    # A scheme limited to last year: nothing in the page's 30 days; a second one not yet back-filled.
    t = now()
    _add(store, "去年", "物业", start=t - timedelta(days=400), end=t - timedelta(days=370))
    add_scheme(store, Scheme(name="待回溯", expression="物业"), actor="officer1", now=t)
    at = _open(as_user("officer1"), "去年")
    assert any("近30天没有与该方案匹配的帖子" in i.value for i in at.info)
    at = _open(as_user("officer1"), "待回溯")
    assert any("回溯" in i.value for i in at.info)


def test_matched_posts_are_masked_text(as_user, store):
    """The hostile post (markup, Markdown, a phone number) matched by a scheme shows as escaped, masked text."""
    _add(store, "珍珠泉", "珍珠泉")
    at = _open(as_user("officer1"), "珍珠泉")
    body = " ".join(m.value for m in at.markdown)
    assert "珍珠泉" in body
    assert "<script>" not in body and "<b>" not in body and "](http" not in body
    assert "13912345678" not in body


def test_scheme_page_lists_the_rules_scoped_to_it(as_user, store, tmp_path, monkeypatch):
    from tests.dashboard.conftest import CONFIG

    _add(store, "欠薪", "拖欠 工资")
    config = tmp_path / "yuqing.toml"
    config.write_text(CONFIG.read_text(encoding="utf-8") + """
[[alerts.rules]]
name = "欠薪声量"
type = "scheme_volume"
scheme = "欠薪"
window_hours = 48
min_count = 5
""", encoding="utf-8")
    monkeypatch.setenv("YUQING_CONFIG", str(config))
    at = _open(as_user("officer1"), "欠薪")
    rules = at.dataframe[-1].value
    assert list(rules["规则"]) == ["欠薪声量"]
    assert list(rules["类型"]) == ["方案声量"]
    assert "近 48 小时匹配 ≥ 5 篇" in rules["条件"][0]


# -- 方案管理 ------------------------------------------------------------------------------------------------------
def test_only_officers_and_admins_manage_schemes(as_user):
    at = as_user("leader1")
    with pytest.raises(ValueError):
        at.switch_page("views/scheme_admin.py")
    at = as_user("dept1")
    for page in ("views/scheme_admin.py", "views/scheme.py"):
        with pytest.raises(ValueError):
            at.switch_page(page)


def _form(at):
    target = at.selectbox(key="sa_target").value
    return f"sa_form_{target}"


def test_creating_a_scheme_in_the_dashboard_stores_audits_and_backfills_it(as_user, store):
    at = as_user("officer1")
    at.switch_page("views/scheme_admin.py").run()
    no_exception(at)
    form = _form(at)
    at.text_input(key=f"{form}_name").input("A4区欠薪")
    at.text_area(key=f"{form}_expr").input("地域词：A4区\n事件词：拖欠 欠薪")
    at.multiselect(key=f"{form}_regions").set_value([])
    button(at, "保存方案").click().run()
    no_exception(at)
    assert any("已新建监测方案「A4区欠薪」" in s.value and "回溯已完成" in s.value for s in at.success)
    scheme = store.documents.get_scheme("A4区欠薪")
    assert scheme is not None and scheme.owner == "officer1" and scheme.backfill_done
    expected = _scan(store, "地域词：A4区\n事件词：拖欠 欠薪")
    assert store.documents.scheme_match_counts().get("A4区欠薪", 0) == len(expected) > 0
    audit = store.workflow.audit_for("scheme:A4区欠薪")
    assert [(e.actor, e.action) for e in audit] == [("officer1", "scheme_add")]
    # The page now edits the new scheme and shows its back-fill status.
    assert at.selectbox(key="sa_target").value == "A4区欠薪"
    assert any("回溯已完成" in s.value for s in at.success)


def test_a_bad_expression_is_refused_with_its_position(as_user, store):
    at = as_user("admin1")
    at.switch_page("views/scheme_admin.py").run()
    form = _form(at)
    at.text_input(key=f"{form}_name").input("坏方案")
    at.text_area(key=f"{form}_expr").input("供暖 AND (停水")
    button(at, "保存方案").click().run()
    no_exception(at)
    assert any("第 11 个字符处" in e.value and "括号" in e.value for e in at.error)
    pointer = at.code[-1].value
    line, caret = pointer.split("\n")
    assert line == "供暖 AND (停水" and caret == " " * 14 + "^"  # under the end: CJK characters are two columns
    assert store.documents.get_scheme("坏方案") is None


def test_editing_a_scheme_rebackfills_and_deleting_is_refused_while_a_rule_uses_it(as_user, store):
    _add(store, "欠薪", "拖欠 工资")
    at = as_user("officer1")
    at.switch_page("views/scheme_admin.py").run()
    at.selectbox(key="sa_target").set_value("欠薪").run()
    form = _form(at)
    at.text_area(key=f"{form}_expr").input("拖欠 OR 欠薪")
    button(at, "保存方案").click().run()
    no_exception(at)
    scheme = store.documents.get_scheme("欠薪")
    assert scheme.version == 2 and scheme.backfill_done
    assert store.documents.scheme_match_counts()["欠薪"] == len(_scan(store, "拖欠 OR 欠薪"))
    assert [e.action for e in store.workflow.audit_for("scheme:欠薪")] == ["scheme_add", "scheme_edit"]
    # Delete: confirmed, audited, matches gone.
    at.checkbox(key="sa_confirm_欠薪").check().run()
    at.button(key="sa_delete_欠薪").click().run()
    no_exception(at)
    assert store.documents.get_scheme("欠薪") is None
    assert "欠薪" not in store.documents.scheme_match_counts()
    assert any("已删除监测方案「欠薪」" in s.value for s in at.success)


def test_delete_is_refused_while_a_rule_is_scoped_to_the_scheme(as_user, store, dash_home, tmp_path, monkeypatch):
    from yuqing.app import App
    from yuqing.clock import now
    from yuqing.dashboard.services.scheme_admin import delete_scheme
    from tests.dashboard.conftest import CONFIG

    _add(store, "欠薪", "拖欠 工资")
    config = tmp_path / "yuqing.toml"
    config.write_text(CONFIG.read_text(encoding="utf-8") + '\n[[alerts.rules]]\nname = "欠薪声量"\ntype = '
                      '"scheme_volume"\nscheme = "欠薪"\n', encoding="utf-8")
    app = App.load(config, dash_home)
    try:
        result = delete_scheme(app, app.store.workflow.get_user("officer1"), "欠薪", now=now())
        assert not result.ok and "欠薪声量" in result.message
        assert app.store.documents.get_scheme("欠薪") is not None
        leader = delete_scheme(app, app.store.workflow.get_user("leader1"), "欠薪", now=now())
        assert not leader.ok and "舆情专员或管理员" in leader.message
    finally:
        app.close()
