"""Alerts whose routing is unsure wait for the officer, unassigned, with the three candidate departments and why."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from datetime import timedelta

import pytest

from yuqing.alerts.service import AlertService
from alerts_testkit import DEPT_A3, T0, alerts_as
from yuqing.nlp.pipeline import Analyzer, settings_from_config
from yuqing.jobs import analyzer_input
from yuqing.model import AlertStatus, Document, DocumentKind

UNANSWERED_L2 = {"rules": [{"name": "留言超期", "type": "unanswered", "working_days": 3, "level": 2}],
                 "auto_dispatch_max_level": 2}


def _post(n: int, title: str, content: str, posted) -> Document:
    return Document(url=f"http://board.example/p/{n}", source="a_city_board", title=title, content=content,
                    kind=DocumentKind.POST, published_at=posted, region="A市", category="投诉")


def _analyse(app, docs, now):
    """The NLP stage over the stored posts, as ``yuqing process`` runs it (default departments and models)."""
    analyzer = Analyzer.from_settings(settings_from_config(app.config))
    results = []
    for doc in app.store.documents.get_documents([d.id for d in docs]):
        record = analyzer_input(doc)
        out = analyzer.analyze(record)
        results.append((doc.id, {k: v for k, v in out.items() if k not in record}))
    app.store.documents.save_analyses(results, now)


def test_below_the_floor_the_alert_is_not_dispatched_and_carries_three_candidates(make_app):
    app = make_app(alerts=UNANSWERED_L2)
    posted = T0 - timedelta(days=7)
    unsure = _post(1, "反映一个情况", "我们村口那块空地最近被人圈起来了，也不知道要干什么，问了几个人都说不清楚，希望有关部门来看看。",
                   posted)
    sure = _post(2, "A3区幸福小区物业乱收费", "A3区幸福小区物业今年物业费涨了一倍，业主多次反映，住建局一直不管。", posted)
    app.store.documents.upsert_documents([unsure, sure], posted)
    _analyse(app, [unsure, sure], posted)
    svc = AlertService.from_config(app.config, app.store)
    alerts = {a.details["doc_id"]: a for a in svc.evaluate(T0)}
    assert set(alerts) == {unsure.id, sure.id}

    held = alerts[unsure.id]
    assert held.level == 2  # a level auto-dispatch would send on its own
    assert held.status is AlertStatus.NEW and held.department is None and held.dispatched_at is None
    cands = held.details["route_candidates"]
    assert len(cands) == 3 and all(c["department"] and c["reasons"] for c in cands)
    assert cands[0]["confidence"] >= cands[1]["confidence"] >= cands[2]["confidence"]
    assert "路由待专员确认" in held.reason and all(c["department"] in held.reason for c in cands)
    assert [e.action for e in app.store.workflow.audit_for(held.id)] == ["create"]
    stored = app.store.documents.get_document(unsure.id).analysis  # what routing said is kept with the analysis
    assert stored["department"] is None and stored["department_candidates"] == cands
    assert stored["topic_detail"]["model_label"] and len(stored["topic_detail"]["candidates"]) == 3

    routed = alerts[sure.id]
    assert routed.status is AlertStatus.DISPATCHED and routed.department == DEPT_A3
    assert "住建局" in routed.details["route"] and "路由待专员确认" not in routed.reason
    assert "route_candidates" not in routed.details  # only an alert left to the officer carries candidates

    # The officer sees the candidates in `alerts show` and dispatches by hand.
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert alerts_as(["show", held.id], app) == 0
    assert cands[0]["department"] in buf.getvalue()
    svc.act(svc.current_user(app.store.workflow.get_user("officer")), held.id, "dispatch", department=cands[0]["department"],
            now=T0 + timedelta(minutes=5))
    assert app.store.workflow.get_alert(held.id).department == cands[0]["department"]


def test_an_official_notice_posted_on_the_board_is_left_to_the_officer(make_app):
    app = make_app(alerts=UNANSWERED_L2)
    posted = T0 - timedelta(days=7)
    notice = _post(3, "关于开展根治欠薪冬季专项行动的通知",
                   "各区人民政府，各委、局：为切实保障农民工工资支付，市人社局部署开展根治欠薪冬季专项行动。现将有关事项通知如下。", posted)
    app.store.documents.upsert_documents([notice], posted)
    _analyse(app, [notice], posted)
    (alert,) = AlertService.from_config(app.config, app.store).evaluate(T0)
    assert alert.status is AlertStatus.NEW and alert.department is None
    assert "政府文件" in alert.reason
    assert alert.details["route_candidates"][0]["department"] == "A市人力资源和社会保障局"


# --- officers' corrections ------------------------------------------------------------------------------------------
def _config_file(tmp_path, app) -> str:
    """The default configuration on disk, pointing at the test's database (for the command line)."""
    from yuqing.config import DEFAULT_CONFIG

    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        'sqlite_path = "yuqing.db"', f'sqlite_path = "{app.config.storage.sqlite_path.as_posix()}"', 1)
    path = tmp_path / "routing.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_corrections_are_stored_audited_and_read_as_training_data(make_app, tmp_path, capsys):
    from yuqing.nlp.train.topic import officer_corrections
    from yuqing.cli import main
    from yuqing.corrections import CorrectionError, record_corrections
    from yuqing.users import system_operator

    app = make_app(alerts=UNANSWERED_L2)
    posted = T0 - timedelta(days=7)
    post = _post(4, "反映一个情况", "我们村口那块空地最近被人圈起来了，也不知道要干什么，电话13812345678，希望有关部门来看看。", posted)
    app.store.documents.upsert_documents([post], posted)
    _analyse(app, [post], posted)
    (alert,) = AlertService.from_config(app.config, app.store).evaluate(T0)
    assert alert.department is None
    config = _config_file(tmp_path, app)

    # The officer's correction of the alert's department (and the post's topic) from the command line.
    assert main(["--config", config, "correct", "--alert", alert.id, "--department", "A市自然资源和规划局",
                 "--topic", "城乡建设", "--now", (T0 + timedelta(minutes=3)).isoformat()]) == 0
    assert "已记录 2 条更正" in capsys.readouterr().out
    rows = app.store.workflow.list_corrections()
    assert [(r["field"], r["new_value"], r["doc_id"], r["alert_id"]) for r in rows] == [
        ("topic", "城乡建设", post.id, alert.id), ("department", "A市自然资源和规划局", post.id, alert.id)]
    assert rows[1]["old_value"] is None  # routing had abstained
    assert "13812345678" not in rows[0]["text"] and "村口那块空地" in rows[0]["text"]
    assert app.store.workflow.audit_for(alert.id)[-1].action == "correct"

    # Bad input: a Chinese message naming what was wrong, nothing stored.
    assert main(["--config", config, "correct", post.id, "--topic", "天气"]) == 1
    assert "不在分类中" in capsys.readouterr().err
    with pytest.raises(CorrectionError, match="不在配置中"):
        record_corrections(app.store, system_operator(), now=T0, doc_id=post.id, department="火星局",
                           departments=["A市教育局"])
    assert len(app.store.workflow.list_corrections()) == 2

    # A later correction of the same post supersedes; 「其他」 is not one of the model's categories.
    record_corrections(app.store, system_operator(), now=T0 + timedelta(minutes=9), doc_id=post.id, topic="环境保护",
                       topics=["城乡建设", "环境保护", "其他"])
    pairs = officer_corrections(progress=lambda _msg: None, config_path=config)
    assert len(pairs) == 1 and pairs[0][1] == "环境保护" and "村口那块空地" in pairs[0][0]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_corrections_table_on_both_workflow_backends(backend, tmp_path):
    from tests.backends import postgres_workflow
    from yuqing.storage.sqlite import SQLiteStore

    wf = SQLiteStore(tmp_path / "c.db") if backend == "sqlite" else postgres_workflow("yqcorr")
    try:
        first = wf.add_correction({"doc_id": "d1", "field": "topic", "old_value": "教育文体", "new_value": "城乡建设",
                                   "text": "小区门口的路灯坏了", "actor": "officer", "created_at": T0})
        wf.add_correction({"doc_id": "d1", "alert_id": "P1", "field": "department", "new_value": "A市城市管理和综合执法局",
                           "text": "小区门口的路灯坏了", "actor": "officer", "created_at": T0 + timedelta(seconds=1)})
        rows = wf.list_corrections()
        assert [r["field"] for r in rows] == ["topic", "department"] and rows[0]["id"] == first
        assert rows[0]["created_at"] == T0 and rows[1]["alert_id"] == "P1" and rows[1]["old_value"] is None
        assert [r["new_value"] for r in wf.list_corrections("department")] == ["A市城市管理和综合执法局"]
    finally:
        if hasattr(wf, "drop_schema"):
            wf.drop_schema()
        wf.close()


def test_an_events_posts_route_it_together(make_app):
    from alerts_testkit import add_event

    from yuqing.model import User

    app = make_app(alerts={"rules": [{"name": "热度", "type": "heat"}], "auto_dispatch_max_level": 2})
    # Auto-dispatch needs someone to receive it (alerts/holds.py): the police have an account here.
    app.store.workflow.add_user(User(name="police", role="department", password_hash="x", department="A市公安局",
                                     created_at=T0))
    posts = [T0 - timedelta(hours=30 + k) for k in range(25)]

    def event_with(event_id, texts, region):
        ev = add_event(app.store, event_id, now=T0, posts=posts, texts=texts, heat=83.5, region=region)
        docs = app.store.documents.get_documents(
            [Document(url=f"http://board.example/{event_id}/{i}", source="a_city_board", title="").id
             for i in range(len(posts))])
        ev.state = {"members": {d.id: {"t": d.published_at.timestamp()} for d in docs}}
        app.store.documents.save_events([ev], T0)
        _analyse(app, docs, T0)

    event_with("ev-fight", ["A5区人民路口夜里有人寻衅滋事，报警后派出所没有处理结果。",
                            "人民路口又有一伙人打人，派出所出警后没有下文。",
                            "最近人民路口天天有人寻衅滋事，居民晚上不敢出门。"], "A5区")
    event_with("ev-vague", ["这个情况不知道该找哪个部门，希望领导关注一下。",
                            "反映的问题到现在也没有人回复，到底归谁管？",
                            "希望有关部门重视，尽快给个说法。"], "A市")
    alerts = {a.event_id: a for a in AlertService.from_config(app.config, app.store).evaluate(T0)}
    fight, vague = alerts["ev-fight"], alerts["ev-vague"]
    assert fight.level == 1 and fight.department == "A市公安局" and fight.status is AlertStatus.DISPATCHED
    assert "25 条帖子" in fight.details["route"] and "派出所" in fight.details["route"]
    assert vague.status is AlertStatus.NEW and vague.department is None
    assert len(vague.details["route_candidates"]) == 3 and "候选部门" in vague.reason
