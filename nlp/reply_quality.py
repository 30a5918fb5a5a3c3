"""Judge a department's reply to a citizen's post: relevant, complete, on time, or a template?

Calibrated on 2,748 real post/reply pairs (../shared/data/gov_messages/messages_with_replies.csv);
see ``calibrate()`` and ``python -m yuqing.nlp.reply_quality``. Everything an officer reads (``reasons``)
is Simplified Chinese.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import date, datetime, timedelta

from yuqing.nlp.keywords import is_keyword_candidate, load_idf
from yuqing.nlp.normalize import normalize

DEFAULT_LIMIT_DAYS = 15  # 12345-type 投诉举报 limit; callers pass the local rule's limit

# Each part of a complete reply, with the phrases that show it. Weights sum to 1.
PARTS: dict[str, tuple[str, float, re.Pattern]] = {
    "finding": (
        "核实情况",
        0.30,
        re.compile(
            r"经(过)?(核实|调查|调查核实|了解|查|现场查看|实地查看|现场核查|核查|排查|走访|勘查|检查|检测|研究)|据查|"
            r"情况(基本)?属实|(反映的)?(问题|情况)不属实|核查(发现|情况)|调查(发现|结果)|查明|经与.{1,12}(联系|沟通|核对)|"
            r"现场(查看|核查|调查)|实际情况(是|为)|(进行了?|开展了?|展开了?)(调查|核实|核查|走访|了解|摸排)|调查核实|调查了解|"
            r"核实了解|实地(查看|调查|走访|核实|察看)|(派|安排)(专人|工作人员|人员)|工作人员(到|前往|赴)|(赶赴|前往)现场"
        ),
    ),
    "measure": (
        "处理措施",
        0.30,
        re.compile(
            r"已(责令|安排|整改|要求|督促|协调|处理|完成|落实|解决|下达|修复|清理|拆除|查处|处罚|立案|约谈|组织|启动|"
            r"开展|办理|发放|补发|退还|更换|维修|疏通|关停|制止|纠正|到位)|责令|限期(整改|完成|拆除)|立即(组织|安排|整改|处理)|"
            r"(予以|进行了?)(查处|处罚|整改|清理|拆除|维修|调解|协调|处理|整顿|整治|取缔|劝离|教育|批评|约谈)|处以|罚款|"
            r"下发.{0,6}(通知|整改)|立即(联系|组织|安排|整改|处理|派|赶赴|前往|要求|对|召开)|已(经)?(联系|通知|派|对|将)|"
            r"联合.{0,10}(执法|整治|检查|行动)|召开.{0,12}(会议|协调会|座谈会)|(取缔|查扣|暂扣|没收|关停)了?"
        ),
    ),
    "next_step": (
        "下一步安排或时限",
        0.20,
        re.compile(
            r"将于|下一步|预计|计划(于|在)|拟(于|在|将)|[年月]底前|[月日]前(完成|到位|办结)|争取|尽快|近期|后续|"
            r"将(继续|进一步|加快|加强|督促|协调|安排|组织|按照|依法|及时|会同|对)|待.{1,20}后"
        ),
    ),
    "basis": (
        "政策依据",
        0.10,
        re.compile(r"根据《|依据《|按照《|《[^》]{2,40}(条例|办法|规定|法|通知|意见|细则|标准|规范)》|相关规定|政策规定"),
    ),
    "contact": (
        "联系方式",
        0.10,
        re.compile(
            r"(联系|咨询|服务|投诉|举报|监督)(电话|方式)|联系人|可(致电|来电|拨打|联系|咨询|前往)|请(致电|拨打|联系|前往|携带)|"
            r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)|12345|办公地址|地址[:：]"
        ),
    ),
}

# A 咨询 (question) is answered by explaining the rule and where to go, not by investigating;
# such posts are judged on these parts instead (whichever reading scores higher wins).
CONSULT_RE = re.compile(r"^\s*(咨询|请问|询问|想(了解|问|咨询)|关于.{0,30}的咨询)|咨询[^。！？\n]{0,30}(问题|政策|事宜)|是否(可以|能|符合|需要)|怎么(办|申请|办理)|如何(办理|申请)")
_EXPLAIN_RE = re.compile(
    r"根据|按照|依据|规定|政策|符合|不符合|条件|(可以|可)(申请|办理|享受|领取|报销)|(需|须|应)(提供|携带|满足|到|向|在)|"
    r"办理(流程|程序|地点|时间)|具体(流程|要求)|标准(为|是)"
)
CONSULT_WEIGHTS = {"explanation": 0.6, "contact": 0.2, "next_step": 0.2}

# Phrases every reply wraps around its substance; removed before judging whether anything is left.
_WRAPPER_RE = re.compile(
    r"(尊敬的)?(网友|市民|群众|用户|先生|女士)?[“\"]?[A-Za-z0-9_]*[”\"]?[：:，,]?\s*(您|你)好[！!，,。.]?|"
    r"(您|你)(的|所)?(反映|提出|咨询)?的?(留言|来信|问题|诉求|建议)(我们)?已(经)?收悉[。，,！!]?|留言已收悉[。，,！!]?|已收悉[。，,！!]?|"
    r"现将(有关|相关)?(情况|问题)?(答复|回复)如下[：:]?|(答复|回复)如下[：:]?|"
    r"(非常)?感谢(您|你)(对|的).{0,20}(关心|关注|支持|理解|监督|信任)[^。！!]*[。！!]?|谢谢[！!。]?|"
    r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}[-/]\d{1,2}[-/]\d{1,2}|"
    r"网友|你好|您好"
)
# Forwarding notes and promises of a later answer say nothing yet: 已转交相关部门调查处理,
# 待调查核实后予以回复, 敬请留意近期回复. They are cut before measuring what is left.
_FORWARD_RE = re.compile(
    r"[^。！!；;]*已(经)?(转|转交|转至|转给|转入|交由|批转|转办|交)[^。！!；;]{0,40}(部门|单位|办理|处理|调查|核处|处置|研究|核实|办复|信箱|领导|局|委|办|公司|政府|街道)[^。！!；;]*[。！!；;]?|"
    r"[^。！!；;]*待[^。！!；;]{0,30}(后|再)[^。！!；;]{0,10}(回复|答复|反馈)[^。！!；;]*[。！!；;]?|"
    r"(请|敬请)(耐心)?(等待|留意)[^。！!；;]{0,10}(回复|答复)?[。！!；;]?|"
    r"[^。！!；;]*(有关|相关)?情况将(及时|另行)?(反馈|回复|告知)[。！!；;]?"
)
# A reply whose substance (after wrappers and forwarding notes) is shorter than this is a template.
_MIN_SUBSTANCE = 20

_TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
    "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y年%m月%d日",
)


def parse_time(value) -> datetime | None:
    """A datetime from a datetime/date or the formats seen on boards; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        raise ValueError(f"无法识别的时间：{value!r}")
    s = value.strip()
    try:
        dt = datetime.fromisoformat(s)
        return dt.replace(tzinfo=None) if dt.tzinfo else dt
    except ValueError:
        pass
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    raise ValueError(f"无法识别的时间：{value!r}（应为 2019-01-29 10:53:00 或 2019/1/29 10:53:00 之类）")


def _weekend_working_days(start: datetime, end: datetime) -> int:
    # Fallback until yuqing.workdays exists: Saturdays and Sundays are the only rest days.
    d, n = start.date(), 0
    while d < end.date():
        d += timedelta(days=1)
        if d.weekday() < 5:
            n += 1
    return n


def working_days_between(start: datetime, end: datetime) -> tuple[int, str]:
    """Working days after start's day up to end's day, and which calendar counted them."""
    try:
        from yuqing.workdays import working_days_between as kernel_wd
    except ImportError:
        return _weekend_working_days(start, end), "仅按周末计（未找到 yuqing.workdays）"
    return int(kernel_wd(start, end)), "法定工作日（含调休）"


def _segment(text: str) -> list[str]:
    from yuqing.nlp.segment import get_segmenter

    seg = get_segmenter()
    return seg.content_words(seg.cut(text))


def _tfidf(words: list[str]) -> dict[str, float]:
    idf, median = load_idf()
    counts = Counter(w for w in words if is_keyword_candidate(w))
    return {w: c * idf.get(w, median) for w, c in counts.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(w, 0.0) for w, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def substance(reply_text: str) -> str:
    """The reply with greetings, 已收悉, thanks and dates removed (what is actually said)."""
    return re.sub(r"[\s，,。.！!：:；;、“”\"（）()]+", "", _WRAPPER_RE.sub("", reply_text))


def is_template(reply_text: str) -> bool:
    """已收悉 / 已转交相关部门 / a one-liner: nothing the citizen can act on."""
    return len(substance(_FORWARD_RE.sub("", reply_text))) < _MIN_SUBSTANCE


# Cosine of TF-IDF vectors rarely exceeds ~0.5 even for a reply that answers every point (it
# restates, explains and cites rules); RELEVANCE_FULL maps the median of real pairs' cosines
# near 0.6 of the relevance score and saturates above it. Set from the calibration run.
RELEVANCE_FULL = 0.40


def assess_reply(
    post_text: str,
    reply_text: str,
    post_time=None,
    reply_time=None,
    *,
    limit_days: int = DEFAULT_LIMIT_DAYS,
    post_words: list[str] | None = None,
    reply_words: list[str] | None = None,
) -> dict:
    """Score a reply: relevance, completeness, timeliness, template flag, 0–100 score, reasons.

    ``post_words``/``reply_words`` are content words when the caller has already segmented
    (the pipeline segments once); otherwise both texts are normalised and segmented here.
    """
    if not isinstance(post_text, str) or not isinstance(reply_text, str):
        raise TypeError("assess_reply 需要留言和答复两段字符串")
    if reply_words is None:
        reply_text = normalize(reply_text)
        reply_words = _segment(reply_text)
    if post_words is None:
        post_words = _segment(normalize(post_text))
    reasons: list[str] = []

    # Relevance: TF-IDF cosine of content words; name the post's main words the reply never uses.
    post_vec, reply_vec = _tfidf(post_words), _tfidf(reply_words)
    cos = cosine(post_vec, reply_vec)
    relevance = round(min(1.0, cos / RELEVANCE_FULL), 3)
    if relevance < 0.4:
        missing = [w for w, _ in sorted(post_vec.items(), key=lambda kv: -kv[1]) if w not in reply_vec][:3]
        hint = f"，未回应留言中的“{'、'.join(missing)}”" if missing else ""
        reasons.append(f"答复与留言内容关联度低（{relevance:.2f}）{hint}")

    # Completeness.
    found = [key for key, (_, _, rx) in PARTS.items() if rx.search(reply_text)]
    completeness = sum(PARTS[k][1] for k in found)
    missing_parts = [PARTS[k][0] for k in PARTS if k not in found and k in ("finding", "measure", "next_step")]
    consultation = CONSULT_RE.search(post_text) is not None
    explained = _EXPLAIN_RE.search(reply_text) is not None
    if consultation:
        consult_score = CONSULT_WEIGHTS["explanation"] * explained + sum(
            CONSULT_WEIGHTS[k] for k in ("contact", "next_step") if k in found
        )
        if consult_score >= completeness:
            completeness = consult_score
            missing_parts = [] if explained else ["政策解答"]
    completeness = round(min(1.0, completeness), 3)
    if missing_parts:
        reasons.append("答复未说明" + "、".join(missing_parts))

    # Timeliness.
    timeliness = {"working_days": None, "limit_days": limit_days, "on_time": None}
    try:
        pt, rt = parse_time(post_time), parse_time(reply_time)
    except ValueError as exc:
        # One unreadable timestamp must not lose the rest of the assessment.
        pt = rt = None
        reasons.append(f"无法计算答复用时：{exc}")
    if pt is not None and rt is not None:
        if rt < pt:
            reasons.append("答复时间早于留言时间，时间数据可能有误")
        else:
            days, calendar = working_days_between(pt, rt)
            timeliness.update(working_days=days, on_time=days <= limit_days, calendar=calendar)
            if days > limit_days:
                reasons.append(f"答复用时 {days} 个工作日，超过 {limit_days} 个工作日时限")

    template = is_template(reply_text)
    if template:
        reasons.insert(0, "模板化答复：只有“已收悉/已转交”之类的套话，没有实质内容")

    # Score: relevance 30, completeness 50, timeliness 20 (re-weighted when times are unknown).
    parts = [(relevance, 30.0), (completeness, 50.0)]
    if timeliness["on_time"] is not None:
        days = timeliness["working_days"]
        late = max(0, days - limit_days)
        parts.append((max(0.0, 1.0 - late / limit_days), 20.0))
    score = 100.0 * sum(v * w for v, w in parts) / sum(w for _, w in parts)
    if template:
        score = min(score, 20.0)
    shown_parts = [PARTS[k][0] for k in found] + (["政策解答"] if consultation and explained else [])
    if not reasons:
        reasons.append("答复切题，包含" + "、".join(shown_parts) if shown_parts else "答复切题")
    return {
        "relevance": relevance,
        "similarity": round(cos, 3),
        "completeness": completeness,
        "parts_found": shown_parts,
        "consultation": consultation,
        "timeliness": timeliness,
        "template": template,
        "score": round(score, 1),
        "reasons": reasons,
    }


# ---------------------------------------------------------------------------------------------
# Calibration on real pairs


def _quantiles(values: list[float], qs=(0.1, 0.25, 0.5, 0.75, 0.9)) -> dict[str, float]:
    s = sorted(values)
    return {f"p{int(q * 100)}": round(s[min(len(s) - 1, int(q * len(s)))], 3) for q in qs} if s else {}


def calibrate(csv_path, *, sample: int = 20, seed: int = 7, out=print) -> dict:
    """Run assess_reply over a messages_with_replies.csv; report distributions and spot checks.

    Relevance is also computed for each post against a random other reply: a useful relevance
    measure separates the two (reported as AUC, the chance a true pair outranks a random one).
    """
    import csv
    import random

    rows = []
    with open(csv_path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows.append(row)
    rng = random.Random(seed)
    results, true_rel, fake_rel = [], [], []
    post_cache: list[list[str]] = []
    reply_cache: list[list[str]] = []
    texts = []
    for row in rows:
        post = normalize((row["留言主题"] or "") + "\n" + (row["留言详情"] or ""))
        reply = normalize(row["答复意见"] or "")
        texts.append((post, reply))
        post_cache.append(_segment(post))
        reply_cache.append(_segment(reply))
    for i, row in enumerate(rows):
        post, reply = texts[i]
        try:
            res = assess_reply(post, reply, row["留言时间"], row["答复时间"],
                               post_words=post_cache[i], reply_words=reply_cache[i])
        except ValueError as exc:
            out(f"第 {i + 2} 行跳过：{exc}")
            continue
        results.append((i, res))
        true_rel.append(res["similarity"])
        j = rng.randrange(len(rows) - 1)
        j = j + 1 if j >= i else j
        fake_rel.append(cosine(_tfidf(post_cache[i]), _tfidf(reply_cache[j])))
    # AUC by rank comparison (n log n).
    pooled = sorted([(v, 1) for v in true_rel] + [(v, 0) for v in fake_rel])
    rank_sum = 0.0
    k = 0
    while k < len(pooled):
        m = k
        while m < len(pooled) and pooled[m][0] == pooled[k][0]:
            m += 1
        avg = (k + m + 1) / 2
        rank_sum += avg * sum(1 for x in pooled[k:m] if x[1] == 1)
        k = m
    n1, n0 = len(true_rel), len(fake_rel)
    auc = (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0) if n1 and n0 else float("nan")

    scores = [r["score"] for _, r in results]
    templates = [(i, r) for i, r in results if r["template"]]
    late = [r for _, r in results if r["timeliness"]["on_time"] is False]
    hist = Counter(min(9, int(s // 10)) for s in scores)
    part_counts = Counter(p for _, r in results for p in r["parts_found"])
    summary = {
        "pairs": len(results),
        "score_quantiles": _quantiles(scores),
        "score_histogram": {f"{b * 10}-{b * 10 + 9 if b < 9 else 100}": hist.get(b, 0) for b in range(10)},
        "templates": len(templates),
        "late": len(late),
        "similarity_true_quantiles": _quantiles(true_rel),
        "similarity_random_quantiles": _quantiles(fake_rel),
        "relevance_auc": round(auc, 4),
        "parts_found": dict(part_counts),
    }
    out(f"答复质量校准：{summary['pairs']} 对真实留言/答复")
    out(f"得分分位数：{summary['score_quantiles']}")
    out(f"得分分布：{summary['score_histogram']}")
    out(f"判为模板化答复：{summary['templates']} 条；超过 {DEFAULT_LIMIT_DAYS} 个工作日：{summary['late']} 条")
    out(f"相似度（真实配对）：{summary['similarity_true_quantiles']}")
    out(f"相似度（随机配对）：{summary['similarity_random_quantiles']}")
    out(f"关联度区分真实与随机配对的 AUC：{summary['relevance_auc']}")
    out(f"各要素出现次数：{summary['parts_found']}")
    out(f"抽查 {sample} 条（随机种子 {seed}）：")
    for i, res in rng.sample(results, min(sample, len(results))):
        post, reply = texts[i]
        out(f"— 第 {i + 2} 行 得分 {res['score']} 模板={res['template']} 关联 {res['relevance']} "
            f"要素 {res['parts_found']} 用时 {res['timeliness']['working_days']}")
        out(f"  留言：{post[:60]}")
        out(f"  答复：{reply[:120]}")
        out(f"  理由：{'；'.join(res['reasons'])}")
    return summary


if __name__ == "__main__":  # python -m yuqing.nlp.reply_quality [csv]
    import sys

    from yuqing.paths import shared_data_dir

    if len(sys.argv) > 1:
        path = sys.argv[1]
    else:
        base = shared_data_dir()
        if base is None:
            sys.exit("找不到 ../shared/data；请把 messages_with_replies.csv 的路径作为参数传入")
        path = base / "gov_messages" / "messages_with_replies.csv"
    calibrate(path)
