"""Alert rules and sensitive-word lists in readable tables, edited in forms; silences; the configuration history.

A change is checked with the alerts stage's own rule schema and used by the next tick, without a restart."""

import streamlit as st

from yuqing.dashboard import alert_view
from yuqing.dashboard.adminforms import field_error, finish, form_error
from yuqing.dashboard.common import page_context, show_table
from yuqing.dashboard.services import admin, admin_rules, queries
from yuqing.dashboard.textfmt import escape_label
from yuqing.vocab import LEVEL_LABELS, THRESHOLD_LABELS

ctx = page_context(__file__)
alert_view.flash()
rows, error = queries.rules_table(ctx.app)
if error:  # a broken [alerts] section: the checker's message instead of the page
    st.error(escape_label(f"预警规则配置有误：{error}"))
show_table(rows, key="rules")
st.caption("修改后的规则在下一轮预警检查起生效，无需重启；配置文件仍是初始设置，可用 yuqing config export 导出当前配置。")

names = [r["规则"] for r in rows]
if names:
    target = st.selectbox("选择规则", names, key="rule_pick")
    rule = admin_rules.rule(ctx.app, target)
    c1, c2 = st.columns(2)
    if rule.enabled and c1.button("停用该规则", key="rule_disable"):
        finish("rule_toggle", admin_rules.set_rule_enabled(ctx.app, ctx.user, ctx.now, target, False))
    form_error("rule_toggle", set())
    if rule.type_name in admin_rules.TIER_KEYS:
        key = admin_rules.TIER_KEYS[rule.type_name]
        st.subheader("分级阈值")
        st.caption("级别：1 特别重大/重大，2 较大，3 一般，4 提示。" + ("负面占比写小数（0.6 即 60%）。" if key == "min_share" else ""))
        tiers = sorted(rule.thresholds()["tiers"], key=lambda t: t.get("level", 9))
        form = f"tiers_{names.index(target)}"
        share = key == "min_share"
        with st.form(form):
            form_error(form, {"tiers"})
            typed = []
            for i, tier in enumerate([*tiers, {}]):  # one empty row to add a tier
                c_level, c_value, c_docs = st.columns(3)
                level = c_level.selectbox(f"第 {i + 1} 档 · {THRESHOLD_LABELS['level']}", [0, 1, 2, 3, 4],
                                          index=int(tier.get("level", 0)), key=f"{form}_{i}_level",
                                          format_func=lambda v: "（不用此档）" if v == 0 else LEVEL_LABELS[v])
                value = c_value.number_input(THRESHOLD_LABELS[key] + ("（0–1）" if share else ""), min_value=0.0,
                                             value=float(tier.get(key, 0)), step=0.05 if share else 1.0,
                                             key=f"{form}_{i}_value")
                docs = c_docs.number_input(THRESHOLD_LABELS["min_docs"], value=int(tier.get("min_docs", 1)), step=1,
                                           key=f"{form}_{i}_docs", disabled=key == "min_total")
                if level:
                    typed.append({"level": level, "threshold": value, "min_docs": docs})
            field_error(form, "tiers")
            if st.form_submit_button("保存阈值", type="primary"):
                finish(form, admin_rules.save_tiers(ctx.app, ctx.user, ctx.now, target, typed))
    if "lists" in rule.editable:
        st.subheader("敏感词表")
        lists = admin_rules.word_list_rows(rule)
        show_table(lists, key="word_lists")
        choice = st.selectbox("编辑词表", ["（新建词表）", *[r["词表"] for r in lists]], key="word_list_pick")
        spec = rule.thresholds()["lists"].get(choice, {})
        form = f"words_{choice}"
        with st.form(form):
            form_error(form, {"list_name", "words", "lists"})
            list_name = st.text_input("词表名称", value="" if choice == "（新建词表）" else choice, key=f"{form}_name")
            field_error(form, "list_name")
            words = st.text_area("词条（每行一个；排除短语写作：爆炸（排除：信息爆炸、人口爆炸））",
                                 value="\n".join(admin_rules.entry_text(w) for w in spec.get("words", [])), height=200,
                                 key=f"{form}_words")
            field_error(form, "words")
            field_error(form, "lists")
            level = st.selectbox("本表最高级别", [1, 2, 3, 4], index=int(spec.get("level", 3)) - 1,
                                 format_func=LEVEL_LABELS.get, key=f"{form}_level")
            min_docs = st.number_input("至少几篇有效提及才触发", min_value=1, value=int(spec.get("min_docs", 1)),
                                       key=f"{form}_min_docs")
            save, delete = st.columns(2)
            if save.form_submit_button("保存词表", type="primary"):
                finish(form, admin_rules.save_word_list(ctx.app, ctx.user, ctx.now, target, list_name, words,
                                                        level, int(min_docs)))
            if choice != "（新建词表）" and delete.form_submit_button("删除词表"):
                finish(form, admin_rules.save_word_list(ctx.app, ctx.user, ctx.now, target, list_name, words,
                                                        level, int(min_docs), delete=True))
disabled = admin_rules.disabled_rules(ctx.app)
if disabled:
    pick = st.selectbox("已停用的规则", disabled, key="rule_enable_pick")
    if st.button("重新启用", key="rule_enable"):
        finish("rule_toggle", admin_rules.set_rule_enabled(ctx.app, ctx.user, ctx.now, pick, True))

st.subheader("生效中的静默")
show_table(queries.silences_table(ctx.app, ctx.now), key="rules_silences")
st.subheader("配置修改记录")
show_table(admin.config_history_rows(ctx.app), key="config_history")
