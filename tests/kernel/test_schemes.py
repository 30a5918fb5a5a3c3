"""监测方案 end to end on a store built by the real stages from the real citizen messages of ../shared/data:
back-fill gives exactly what a plain scan with ``Query.matches`` accepts, new documents are matched as they are
analysed (in the same write), a changed scheme is re-back-filled, a deleted one's matches go, and sources, regions
and period are honoured."""

from __future__ import annotations

import csv
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from yuqing.app import App
from yuqing.jobs import ingest, process
from yuqing.model import Scheme, SchemeError
from yuqing.paths import REPO_ROOT
from yuqing.query import parse
from yuqing.scheme_matching import backfill
from yuqing.schemes import add_scheme, delete_scheme, edit_scheme
from yuqing.storage.base import DocumentFilter

CONFIG = REPO_ROOT / "yuqing" / "default_config.toml"
NOW = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
SOURCES = ("a_city_board", "a3_district_news")
REGIONS = ("A市", "A3区", "A5区")
MESSAGES = 300
ACTOR = "officer-test"


def _records(shared_data: Path) -> list[dict]:
    path = shared_data / "gov_messages" / "messages_with_replies.csv"
    if not path.is_file():
        pytest.skip("共享数据中没有 gov_messages/messages_with_replies.csv")
    with path.open(encoding="utf-8") as fh:
        rows = [r for r, _ in zip(csv.DictReader(fh), range(MESSAGES))]
    return [{"id": f"msg{r['留言编号']}", "source": SOURCES[i % 2], "kind": "post", "title": r["留言主题"],
             "content": r["留言详情"].strip(), "region": REGIONS[i % 3],
             "published_at": (NOW - timedelta(days=60) + timedelta(hours=4 * i)).isoformat()}
            for i, r in enumerate(rows)]


def _lines(records: list[dict]) -> list[str]:
    import json

    return [json.dumps(r, ensure_ascii=False) + "\n" for r in records]


@pytest.fixture(scope="module")
def template(shared_data, tmp_path_factory) -> Path:
    """A store of real messages, ingested and analysed by the real stages (built once, copied per test)."""
    home = tmp_path_factory.mktemp("schemes_template")
    app = App.load(CONFIG, home)
    report = ingest(app, _lines(_records(shared_data)), NOW)
    assert report.inserted == MESSAGES and not report.bad
    assert process(app, NOW)["analysed"] == MESSAGES
    app.close()
    return home


@pytest.fixture
def app(template, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(template, home)
    application = App.load(CONFIG, home)
    yield application
    application.close()


def _all_documents(app):
    docs = app.store.documents
    return docs.get_documents(docs.document_ids(limit=100_000))


def _scan(app, scheme: Scheme) -> set[str]:
    """The reference: every stored document checked one by one (no store query, no back-fill code)."""
    query = parse(scheme.expression)
    titles = {s.name: s.title for s in app.config.sources}
    return {d.id for d in _all_documents(app) if scheme.admits(d) and query.matches(d, source_titles=titles)}


def _matched(app, name: str) -> set[str]:
    total, docs = app.store.documents.list_documents(DocumentFilter(scheme=name), limit=100_000)
    assert total == len(docs)
    return {d.id for d in docs}


def _add(app, name: str, expression: str, **kw) -> Scheme:
    return add_scheme(app.store, Scheme(name=name, expression=expression, **kw), actor=ACTOR, now=NOW,
                      known_sources=[s.name for s in app.config.sources])


@pytest.mark.parametrize("expression", [
    "小区 AND (噪音 OR 扰民)",
    "学校 OR 幼儿园 NOT 收费",
    "标题:物业",
    "停车 NEAR/10 小区",
    "地域词：A5区 A3区\n事件词：噪音 停车 物业\n排除词：咨询",
    "來源:A市领导留言板 (學校 OR 小區)",  # Traditional words find the Simplified posts
])
def test_backfill_gives_exactly_what_a_plain_scan_accepts(app, expression):
    scheme = _add(app, "检验", expression)
    report = backfill(app.store.documents, "检验", batch=37, source_titles={s.name: s.title for s in app.config.sources})
    assert report.done and report.examined == MESSAGES
    expected = _scan(app, scheme)
    assert 0 < len(expected) < MESSAGES  # a real selection, not everything or nothing
    assert _matched(app, "检验") == expected
    assert app.store.documents.get_scheme("检验").backfill_done


def test_a_simple_scheme_agrees_with_substring_search_without_the_parser(app):
    _add(app, "小区", "小区 OR 物业")
    backfill(app.store.documents, "小区")
    plain = {d.id for d in _all_documents(app)
             if any(w in (d.title + d.content).replace(" ", "").replace("\n", "") for w in ("小区", "物业"))}
    assert plain and _matched(app, "小区") == plain


def test_sources_regions_and_period_are_honoured(app):
    start, end = NOW - timedelta(days=40), NOW - timedelta(days=20)
    scheme = _add(app, "限定", "小区 OR 社区 OR 问题", sources=("a_city_board",), regions=("A5区", "A3区"),
                  start=start, end=end)
    backfill(app.store.documents, "限定", batch=50)
    got = {d.id: d for d in app.store.documents.get_documents(sorted(_matched(app, "限定")))}
    assert got and set(got) == _scan(app, scheme)
    for d in got.values():
        assert d.source == "a_city_board" and d.region in ("A5区", "A3区") and start <= d.published_at < end
    # Wider without the limits.
    wide = _add(app, "不限", "小区 OR 社区 OR 问题")
    backfill(app.store.documents, "不限")
    assert _matched(app, "不限") == _scan(app, wide) > set(got)


def test_a_new_document_is_matched_when_analysed_and_only_then(app):
    _add(app, "噪音", "噪音 OR 扰民", regions=("A市",))
    backfill(app.store.documents, "噪音")
    before = _matched(app, "噪音")
    new = [{"id": "new-1", "source": "a_city_board", "region": "A市", "title": "夜间施工噪音扰民",
            "content": "工地凌晨两点还在施工，噪音很大", "published_at": NOW.isoformat()},
           {"id": "new-2", "source": "a_city_board", "region": "A3区", "title": "夜间施工噪音扰民",
            "content": "另一个地区的同样问题", "published_at": NOW.isoformat()},
           {"id": "new-3", "source": "a_city_board", "region": "A市", "title": "路灯不亮",
            "content": "路口路灯坏了一周", "published_at": NOW.isoformat()}]
    ingest(app, _lines(new), NOW)
    assert _matched(app, "噪音") == before  # stored, not yet analysed: not matched
    process(app, NOW + timedelta(minutes=1))
    docs = {d.id: d for d in _all_documents(app)}
    new_id = next(i for i, d in docs.items() if d.title == "夜间施工噪音扰民" and d.region == "A市")
    assert _matched(app, "噪音") == before | {new_id}


def test_analysis_and_matches_commit_together(app, monkeypatch):
    """A failure while matching (as a SIGKILL would) leaves the batch unanalysed and unmatched: nothing half-done."""
    _add(app, "路灯", "路灯")
    backfill(app.store.documents, "路灯")
    ingest(app, _lines([{"id": "lamp", "source": "a_city_board", "title": "路灯不亮", "content": "路口路灯坏了",
                         "published_at": NOW.isoformat()}]), NOW)
    from yuqing import scheme_matching

    def boom(self, docs):
        raise RuntimeError("killed while matching")

    monkeypatch.setattr(scheme_matching.SchemeMatcher, "match", boom)
    with pytest.raises(RuntimeError):
        process(app, NOW)
    pending = app.store.documents.pending_documents()
    assert [d.title for d in pending] == ["路灯不亮"] and pending[0].analysis is None
    monkeypatch.undo()
    process(app, NOW)
    assert pending[0].id in _matched(app, "路灯")


def test_a_changed_scheme_is_back_filled_again_and_old_matches_go(app):
    _add(app, "变更", "物业")
    backfill(app.store.documents, "变更")
    first = _matched(app, "变更")
    changed = edit_scheme(app.store, "变更", actor=ACTOR, now=NOW, expression="停车 OR 车位")
    assert changed.version == 2 and not changed.backfill_done
    assert _matched(app, "变更") == set()  # old matches dropped with the change
    backfill(app.store.documents, "变更")
    second = _matched(app, "变更")
    assert second == _scan(app, changed) and second != first
    # Only the owner changed: same version, matches kept.
    same = edit_scheme(app.store, "变更", actor=ACTOR, now=NOW, owner="张科长")
    assert same.version == 2 and same.backfill_done and _matched(app, "变更") == second


def test_backfill_resumes_after_a_kill_with_the_same_matches(app):
    scheme = _add(app, "续跑", "小区 OR 学校")
    steps = []

    def killed(report):
        steps.append(report.examined)
        if len(steps) == 3:
            raise KeyboardInterrupt  # the process dies after three committed batches

    batch = 40
    with pytest.raises(KeyboardInterrupt):
        backfill(app.store.documents, "续跑", batch=batch, progress=killed)
    stored = app.store.documents.get_scheme("续跑")
    assert not stored.backfill_done and stored.backfill_cursor
    partial = _matched(app, "续跑")
    report = backfill(app.store.documents, "续跑", batch=batch)
    assert report.done and report.examined == MESSAGES - 3 * batch
    assert _matched(app, "续跑") == _scan(app, scheme) >= partial
    assert backfill(app.store.documents, "续跑").examined == 0  # done: a rerun does nothing


def test_process_advances_pending_backfills(app):
    """A scheme made in the dashboard is filled in by the scheduler's process job (no page waits for it)."""
    scheme = _add(app, "后台", "医院 OR 医疗")
    out = process(app, NOW)
    assert out["schemes"] == [{"scheme": "后台", "version": 1, "examined": MESSAGES,
                               "matched": len(_scan(app, scheme)), "done": True}]
    assert _matched(app, "后台") == _scan(app, scheme)
    assert "schemes" not in process(app, NOW)


def test_deleting_a_scheme_removes_its_matches_and_audits(app):
    _add(app, "删除", "小区")
    backfill(app.store.documents, "删除")
    assert _matched(app, "删除")
    delete_scheme(app.store, "删除", actor=ACTOR, now=NOW)
    assert app.store.documents.get_scheme("删除") is None
    assert _matched(app, "删除") == set() and "删除" not in app.store.documents.scheme_match_counts()
    assert [e.action for e in app.store.workflow.audit_for("scheme:删除")] == ["scheme_add", "scheme_delete"]
    with pytest.raises(SchemeError, match="不存在"):
        delete_scheme(app.store, "删除", actor=ACTOR, now=NOW)


def test_bad_schemes_are_refused_in_chinese(app):
    with pytest.raises(SchemeError) as info:
        _add(app, "坏", "供暖 AND (停水")
    assert info.value.position is not None and "第" in str(info.value)
    with pytest.raises(SchemeError, match="来源「nowhere」不存在"):
        _add(app, "坏", "供暖", sources=("nowhere",))
    _add(app, "重名", "供暖")
    with pytest.raises(SchemeError, match="已存在"):
        _add(app, "重名", "停水")
    assert [s.name for s in app.store.documents.list_schemes()] == ["重名"]
