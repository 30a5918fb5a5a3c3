"""The shared vocabulary: every name one stage writes and another stage or a screen reads, with its Chinese label.

Stages exchange these names through the store (``Event.heat_parts``, the event log, the audit log, an alert's
``level`` and ``deadlines``); a name written in one place and read in another is defined here once, so a renamed
part cannot leave a screen showing English. Alert statuses and roles live beside the dataclasses that hold them
(:class:`yuqing.model.AlertStatus`, :data:`yuqing.model.STATUS_LABELS`, :class:`yuqing.model.Role`).

Labels are what users read (Simplified Chinese); the enum values are what is stored and must never change. Each
enum names the values; its label table beside it gives their Chinese.
"""

from __future__ import annotations

import enum
from types import MappingProxyType
from typing import Any, Mapping


# -- heat index (written by the events stage, read by the heat rule and the dashboard) -----------------------------
class HeatPart(str, enum.Enum):
    VOLUME = "volume"
    INTERACTION = "interaction"
    AUTHORITY = "authority"
    RECENCY = "recency"
    GROWTH = "growth"


HEAT_PART_LABELS: Mapping[str, str] = MappingProxyType({
    "volume": "声量", "interaction": "互动", "authority": "来源权威度", "recency": "新近度", "growth": "增速"})
#: Every part an event's ``heat_parts`` holds, in display order.
HEAT_PARTS: tuple[str, ...] = tuple(p.value for p in HeatPart)
#: The parts combined by weight (``[events] weights``); recency multiplies the weighted sum instead.
WEIGHTED_HEAT_PARTS: tuple[str, ...] = tuple(p for p in HEAT_PARTS if p != HeatPart.RECENCY.value)


def zero_heat_parts() -> dict[str, float]:
    """The heat parts of an event with nothing in it (a merged-away event, no posts yet)."""
    return {p: 0.0 for p in HEAT_PARTS}


def heat_part_label(name: str) -> str:
    """Chinese label of a heat part; an unknown name is shown as it is rather than hidden."""
    return HEAT_PART_LABELS.get(name, name)


# -- alert levels --------------------------------------------------------------------------------------------------
LEVEL_LABELS: Mapping[int, str] = MappingProxyType(
    {1: "一级（特别重大/重大）", 2: "二级（较大）", 3: "三级（一般）", 4: "四级（提示）"})


# -- workflow actions and the audit log ----------------------------------------------------------------------------
class WorkflowAction(str, enum.Enum):
    """What a user may do to an alert (``yuqing alerts act``, the dashboard's 办理 buttons)."""

    DISPATCH = "dispatch"
    REASSIGN = "reassign"
    ACCEPT = "accept"
    RETURN = "return"
    RESPOND = "respond"
    EVALUATE = "evaluate"
    REOPEN = "reopen"
    CLOSE = "close"
    ESCALATE = "escalate"
    SILENCE = "silence"
    EXTEND = "extend"
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    SUPERVISE = "supervise"  # the supervising office's 督办意见 on an alert escalated to it


#: The action as a verb (a button, 「不能执行「派发」」).
ACTION_LABELS: Mapping[str, str] = MappingProxyType({
    "dispatch": "派发", "reassign": "改派", "accept": "签收", "return": "退单", "respond": "回应", "evaluate": "评价",
    "reopen": "重新打开", "close": "办结", "escalate": "督办", "silence": "静默", "extend": "申请延期",
    "approve_extension": "批准延期", "reject_extension": "驳回延期", "supervise": "督办意见"})

#: Every action the audit log records (the workflow actions and what the system does on its own), as done.
AUDIT_ACTION_LABELS: Mapping[str, str] = MappingProxyType({
    "dispatch": "已派发", "reassign": "已改派", "accept": "已签收", "return": "已退单", "respond": "已提交回应",
    "evaluate": "已评价", "reopen": "已重新打开", "close": "已办结", "escalate": "已督办", "silence": "已静默", "create": "创建",
    "extend": "已提交延期申请", "approve_extension": "已批准延期", "reject_extension": "已驳回延期申请",
    "digest_add": "汇总新增留言", "followup_joined": "后续帖子并入", "level_up": "级别上升", "event_merged": "事件合并，预警随之转移",
    "reveal": "查看原文", "warn": "时限提醒", "overdue": "超时",
    "waiting_remind": "待派发提醒", "waiting_escalate": "久未派发，报督查", "auto_close": "官方已答复，自动办结",
    "digest_answered": "汇总留言已有答复", "correct": "更正分析结果",
    "supervise": "已提出督办意见",
    "dispatch_held": "部门尚无账号，暂停自动派发", "config_change": "修改配置", "account_change": "修改账号角色或部门",
    "account_add": "新建账号", "account_deactivate": "停用账号", "account_activate": "启用账号",
    "account_password": "重置账号密码",
})


def audit_action_label(action: str) -> str:
    return AUDIT_ACTION_LABELS.get(action, action)


# -- the event log (written by the events stage) --------------------------------------------------------------------
class EventChange(str, enum.Enum):
    MERGE = "merge"
    MERGED_INTO = "merged_into"
    SPLIT = "split"
    SPLIT_FROM = "split_from"
    REOPENED = "reopened"


EVENT_CHANGE_LABELS: Mapping[str, str] = MappingProxyType({
    "merge": "事件合并（并入其他事件）", "merged_into": "事件并入其他事件", "split": "事件拆分",
    "split_from": "由事件拆分产生", "reopened": "事件因转载重新活跃"})
#: The keys of an event-log entry's details.
EVENT_DETAIL_LABELS: Mapping[str, str] = MappingProxyType({
    "merged": "被并入事件", "into": "并入事件", "moved_docs": "移动文档数", "kept_docs": "保留文档数",
    "from": "原事件", "to": "新事件", "similarity": "相似度", "title": "标题", "by": "触发文档",
    "duplicate_of": "原帖", "by_entity": "按名称关联", "idle_days": "沉寂天数", "first_seen": "首次出现",
    "last_seen": "最后出现"})


def describe_event_change(action: str, details: Mapping[str, Any] | None) -> tuple[str, str]:
    """(操作, 说明) for one event-log entry; unknown actions and keys are shown as they are rather than hidden."""
    label = EVENT_CHANGE_LABELS.get(action, f"事件{action}")
    note = "；".join(f"{EVENT_DETAIL_LABELS.get(k, k)}={v}" for k, v in list((details or {}).items())[:4])
    return label, note


# -- deadlines ------------------------------------------------------------------------------------------------------
#: A deadline's label depends on its policy: the same ``response`` is 回应关切 for 政务舆情 (61号文) and 答复 for a
#: 12345 诉求 or 依申请公开, so labels are keyed by (policy, deadline name), never by the name alone.
DEADLINE_LABELS: Mapping[tuple[str, str], str] = MappingProxyType({
    ("level1", "authoritative_info"): "发布权威信息",
    ("level1", "press_conference"): "举行新闻发布会",
    ("level2", "response"): "回应关切",
    ("consult", "response"): "答复",
    ("help", "response"): "答复",
    ("complaint", "response"): "答复",
    ("disclosure", "response"): "答复",
})
#: For a deadline of a policy configured with no label of its own.
DEADLINE_KIND_LABELS: Mapping[str, str] = MappingProxyType({
    "authoritative_info": "发布权威信息", "press_conference": "举行新闻发布会", "response": "答复"})


def deadline_label(policy: str | None, name: str) -> str:
    """The built-in label of deadline ``name`` in ``policy``; a configured policy's own labels take precedence
    (``yuqing.alerts.deadlines.Policy``)."""
    if policy is not None and (policy, name) in DEADLINE_LABELS:
        return DEADLINE_LABELS[(policy, name)]
    return DEADLINE_KIND_LABELS.get(name, name)


# -- emotions (written per post by the sentiment stage, mixed per event in ``Event.state["emotions"]``) ------------
EMOTION_LABELS: Mapping[str, str] = MappingProxyType({
    "anger": "愤怒", "fear": "恐惧", "sadness": "悲伤", "surprise": "惊讶", "joy": "喜悦", "neutral": "中性"})


def emotion_shares(state: Mapping[str, Any] | None) -> dict[str, float]:
    """An event's emotion mix for display: Chinese label → share of its posts (unknown names and values skipped)."""
    mix = (state or {}).get("emotions")
    if not isinstance(mix, Mapping):
        return {}
    return {EMOTION_LABELS[k]: float(v) for k, v in mix.items()
            if k in EMOTION_LABELS and isinstance(v, (int, float)) and not isinstance(v, bool)}


# -- source types (``[[sources]] type``, counted per event by the events stage in ``state["spread"]``) --------------
SOURCE_TYPE_LABELS: Mapping[str, str] = MappingProxyType({
    "news": "新闻网站", "board": "留言板", "feed": "订阅源", "api": "JSON 接口", "other": "其他来源"})


def source_type_label(name: str) -> str:
    return SOURCE_TYPE_LABELS.get(name, name)
# -- alert rules as the administrator sees them (written by the alerts stage's configuration, shown by the admin page)
RULE_TYPE_LABELS: Mapping[str, str] = MappingProxyType({
    "heat": "热度分级", "spike": "声量突增", "keywords": "敏感词", "negative_share": "负面占比",
    "unanswered": "留言超期未答复", "manual": "人工预警", "source_health": "来源异常", "engagement": "单帖高互动",
    "scheme_volume": "方案声量"})
#: The keys of a rule's threshold tiers (``tiers = [{level, min_heat, min_docs}, …]``) and of a word list.
THRESHOLD_LABELS: Mapping[str, str] = MappingProxyType({
    "level": "级别", "min_heat": "热度不低于", "min_docs": "至少篇数", "min_share": "负面占比不低于",
    "min_total": "单帖互动量不低于", "words": "词条", "exclude": "排除"})


def rule_type_label(type_name: str) -> str:
    return RULE_TYPE_LABELS.get(type_name, type_name)
# -- accounts (configured in ``[[accounts]]``, read by the heat index; ``yuqing.social``) ---------------------------
class AccountKind(str, enum.Enum):
    OFFICIAL = "official"
    KEY = "key"
    MEDIA = "media"


ACCOUNT_KIND_LABELS: Mapping[str, str] = MappingProxyType({"official": "官方账号", "key": "重点账号", "media": "媒体"})
#: Chinese labels of a document's engagement counts and account flags as views show them.
ENGAGEMENT_LABELS: Mapping[str, str] = MappingProxyType({
    "likes": "点赞", "reposts": "转发", "replies": "评论", "views": "阅读", "followers": "粉丝",
    "verified": "认证账号", "official": "政务/机构账号"})
