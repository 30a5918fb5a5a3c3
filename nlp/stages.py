"""The NLP stages, pluggable Scrapy-style.

A stage is a class with ``from_settings(cls, settings: dict)`` and ``process(doc: dict) -> dict``;
``doc`` is a plain dict and each stage adds keys. nlp.pipeline.Analyzer builds the stages listed
in ``settings["NLP_STAGES"]`` (class path → order number, ``None`` disables) and runs them in order.

Keys added, by stage (default order):
  100 NormalizeStage   text (clean Simplified title + body), _reply_text (clean reply, when given)
  150 PiiMaskStage     text_masked — OFF by default: stored text stays unmasked so officers can
                       act on it; masking happens where text is displayed or exported
                       (nlp.pii.mask_pii). Enable it for a pipeline whose output leaves the office.
  200 SegmentStage     tokens, content_words — segmentation happens ONCE; later stages reuse them
  300 SentimentStage   sentiment {"label", "score"}; emotion {"label", "score"} (anger/fear/sadness/
                       surprise/joy/neutral, nlp.emotion) when the emotion model file is present
  350 GenreStage       genre {"label": notice|thanks|other, "name", "reason"} — 政府发布/通知 and 感谢 are not
                       negative opinion; the alert rules skip them (a minimal mark from the title's form)
  400 TopicStage       topic {"label" (or 「其他」), "score" (calibrated)},
                       topic_detail {"model_label", "candidates", "abstain"?}
  500 DepartmentStage  department (None when unsure), department_reason, department_confidence,
                       department_candidates (top 3 with reasons), problem_region, department_abstain?
  600 KeywordsStage    keywords
  700 SimHashStage     simhash (16 hex digits over the content words)
  800 ReplyQualityStage reply_quality (only when the doc has a reply)
Keys starting with "_" are scratch space between stages and are not part of the output.
"""

from __future__ import annotations

import re
from collections import Counter

from nlp.normalize import html_to_text, normalize


class Stage:
    """Base class: a stage builds itself from the settings dict and transforms one doc."""

    @classmethod
    def from_settings(cls, settings: dict):
        return cls()

    def process(self, doc: dict) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError


def reply_of(doc: dict) -> dict | None:
    """The doc's reply as {"text", "department", "time"}; None when there is no reply text."""
    reply = doc.get("reply")
    if reply is None or reply == "":
        return None
    if isinstance(reply, str):
        return {"text": reply, "department": None, "time": None}
    if isinstance(reply, dict):
        text = reply.get("text")
        if not isinstance(text, str) or not text.strip():
            return None
        return {"text": text, "department": reply.get("department"), "time": reply.get("time")}
    raise ValueError(f"reply 字段应为字符串或含 text 的对象，收到的是 {type(reply).__name__}")


class NormalizeStage(Stage):
    """Clean title + content (or html) into ``text``; the reply into ``_reply_text``."""

    def process(self, doc: dict) -> dict:
        title = normalize(doc.get("title") or "")
        if doc.get("content"):
            body = normalize(doc["content"])
        elif doc.get("html"):
            body = normalize(html_to_text(doc["html"]))
        else:
            body = ""
        # Pages often repeat the title as the body's first line.
        if title and body.startswith(title):
            body = body[len(title):].lstrip("\n")
        doc["text"] = "\n".join(part for part in (title, body) if part)
        reply = reply_of(doc)
        if reply is not None:
            doc["_reply_text"] = normalize(reply["text"])
        return doc


class PiiMaskStage(Stage):
    """Adds ``text_masked`` (phones, IDs, cards, e-mails masked); ``text`` itself is untouched."""

    def process(self, doc: dict) -> dict:
        from nlp.pii import mask_pii

        doc["text_masked"] = mask_pii(doc.get("text", ""))
        return doc


class SegmentStage(Stage):
    def __init__(self):
        from nlp.segment import get_segmenter

        self.seg = get_segmenter()

    def process(self, doc: dict) -> dict:
        tokens = self.seg.cut(doc.get("text", ""))
        doc["tokens"] = tokens
        doc["content_words"] = self.seg.content_words(tokens)
        return doc


class SentimentStage(Stage):
    def __init__(self, model, emotion=None):
        self.model = model
        self.emotion = emotion

    @classmethod
    def from_settings(cls, settings: dict):
        from nlp.emotion import EmotionModel
        from nlp.sentiment import SentimentModel

        emotion = None
        if settings.get("NLP_EMOTION_MODEL", "") is not None:  # None disables the emotion step
            emotion = EmotionModel.load(settings.get("NLP_EMOTION_MODEL") or None)  # "" / unset → shipped
        return cls(SentimentModel.load(settings.get("NLP_SENTIMENT_MODEL")), emotion)  # None → shipped model

    def process(self, doc: dict) -> dict:
        import numpy as np

        features = None
        spec = getattr(self.model, "feature_spec", None)
        if spec is not None and self.emotion is not None and spec == self.emotion.feature_spec:
            # One hashed feature array (and one np.unique) serves both models: emotion costs a table gather.
            ids = self.model.features(doc["tokens"])
            features = (ids, np.unique(ids, return_counts=True) if len(ids) else None)
            label, score = self.model.predict(doc["tokens"], doc.get("text", ""), features=features)
        else:
            label, score = self.model.predict(doc["tokens"], doc.get("text", ""))
        doc["sentiment"] = {"label": label, "score": round(float(score), 4)}
        thanks = self.thanks_title(doc["text"].split("\n", 1)[0]) if doc.get("title") and doc.get("text") else None
        if thanks and label != "positive":
            # A thank-you letter (GenreStage's rule on the title) is positive whatever the words of its body say:
            # the public head learnt from few thank-you letters and called every one of them neutral or negative.
            doc["sentiment"] = {"label": "positive", "score": round(max(float(score), 0.75), 4), "reason": thanks}
        if self.emotion is not None:
            emo, p = self.emotion.predict(doc["tokens"], features)
            doc["emotion"] = {"label": emo, "score": round(float(p), 4)}
        return doc


    @staticmethod
    def thanks_title(title: str) -> str | None:
        """Why ``title`` (a clean title line) reads as a thank-you letter (GenreStage.classify's 感谢 rule: a thanks
        word and no request, complaint or question), or None."""
        genre = GenreStage.classify(title.strip())
        return f"感谢信：{genre['reason']}" if genre["label"] == "thanks" else None


class TopicStage(Stage):
    """Calibrated topic with abstention (nlp.topic.TopicModel.classify): ``topic`` = {"label" (a category or 「其他」),
    "score" (calibrated probability of the model's top category)} — the two the store keeps in columns — and
    ``topic_detail`` = {"model_label", "candidates" [[category, p]] top 3, "abstain" (why 「其他」, or absent)}, kept
    with the rest of the analysis."""

    def __init__(self, model):
        self.model = model

    @classmethod
    def from_settings(cls, settings: dict):
        from nlp.topic import TopicModel

        return cls(TopicModel.load(settings.get("NLP_TOPIC_MODEL")))  # None → shipped model

    def process(self, doc: dict) -> dict:
        from nlp.topic import OTHER

        # Content words come from SegmentStage; recomputing them here cost ~5 % of a jieba cut.
        if "content_words" in doc:
            words = doc["content_words"]
        else:
            from nlp.segment import get_segmenter

            words = get_segmenter().content_words(doc["tokens"])
        classify = getattr(self.model, "classify", None)
        if classify is None:  # a plugged-in model with only the common interface
            label, prob = self.model.predict_content(words) if hasattr(self.model, "predict_content") else \
                self.model.predict(doc["tokens"], doc.get("text", ""))
            doc["topic"] = {"label": label, "score": round(float(prob), 4)}
            return doc
        from nlp.topic import TopicModel, title_content_words

        if isinstance(self.model, TopicModel):
            # Title block (issue 15): the title's content words, found in the tokens by length (no second cut).
            title = title_content_words(doc["tokens"], doc.get("text", "")) if (doc.get("title") or "").strip() else None
            out = classify(words, doc.get("text", ""), title)
        else:
            out = classify(words, doc.get("text", ""))
        genre = doc.get("genre") if isinstance(doc.get("genre"), dict) else {}
        if genre.get("label") == "notice" and not (out["abstain"] or "").startswith("政府文件"):
            # GenreStage read the title's form (「关于…的通知」, 「…局开展…」): the same verdict, from the title.
            out = {**out, "label": OTHER,
                   "abstain": f"政府文件/通知类文本（体裁：{genre.get('reason') or genre.get('name') or '通知'}），不属于群众诉求分类"}
        doc["topic"] = {"label": out["label"], "score": round(out["score"], 4)}
        detail = {"model_label": out["model_label"], "candidates": [[c, round(p, 4)] for c, p in out["candidates"]]}
        if out["abstain"]:
            detail["abstain"] = out["abstain"]
        doc["topic_detail"] = detail
        return doc


# --- routing -----------------------------------------------------------------------------------------------------
# Evidence strengths (combined per department as a noisy-or, 1 − Π(1 − e)). A department named in the subject is
# nearly always the one the writer means; named in the body it is often only context (「已向住建局反映」 still says
# whose matter it is). Subject words of a department's cases are weaker, more so in the body. The topic model's
# evidence is its calibrated probability of the department's categories.
ALIAS_TITLE, ALIAS_BODY = 0.85, 0.6
KEYWORD_TITLE, KEYWORD_BODY, KEYWORD_EXTRA, KEYWORD_MAX = 0.6, 0.35, 0.1, 0.75
# A category spans several bureaus (城乡建设: 住建, 城管, 自然资源, 水务 …): however sure the topic, it is capped
# here so that a bureau's own words decide between the bureaus sharing it (config order breaks a tie).
TOPIC_MAX = 0.9
# …and discounted by this share of the evidence for a bureau outside its 7 categories (公安, 纪委, 民政 …).
OUTSIDE_DISCOUNT = 0.5
REGION_ONLY = 0.6  # a district government for anything located in its district (属地管理), at the default floor
REGION_BONUS = 0.05  # a district's own bureau over the city's, at equal evidence
DEFAULT_FLOOR = 0.6  # below this the alert goes to the officer (settings "department_floor")
DEFAULT_MARGIN = 0.1  # …and when a department of another function is within this of the best
# 「家住A3区」「户籍在A5区」「我是A3区居民」: the writer's address, not the place of the problem.
_ADDRESS_BEFORE = re.compile(r"(?:家住|住在|居住在|户籍|老家|原籍|来自|我是|本人是|系)[^，。,；;\n]{0,6}$")


def _noisy_or(values: list[float]) -> float:
    p = 1.0
    for v in values:
        p *= 1.0 - max(0.0, min(1.0, v))
    return 1.0 - p


class DepartmentStage(Stage):
    """Topic, region and named agencies → responsible department, a confidence, and the top-3 candidates with reasons.

    ``settings["departments"]``: a list of {"name", "topics", "regions", "aliases", "keywords"} (the config's
    [[departments]]). Evidence per department, each with a Chinese reason: the department is named in the text
    (aliases: 「住建局」「派出所」), words of its cases (keywords: 「寻衅滋事」「欠薪」), the calibrated probability of
    its topics, and the region where the problem is (a department with regions is a candidate only there). The
    region is the configured place named in the subject first, else the one the body names most outside the writer's
    address (「家住A5区」), else the doc's ``region`` (the source's jurisdiction).

    Adds ``department`` (None when abstaining), ``department_reason``, ``department_confidence``,
    ``department_candidates`` [{"department", "confidence", "reasons"}] (top 3), ``problem_region`` and, when
    unsure, ``department_abstain`` (why). Abstains when the topic is 「其他」 for an official document, when the best
    confidence is below ``department_floor`` or a department of another function is within ``department_margin``.
    A confident topic that no department handles goes to the default department (no topics, no regions).
    """

    def __init__(self, departments: list[dict], default: str | None, floor: float = DEFAULT_FLOOR,
                 margin: float = DEFAULT_MARGIN):
        self.departments = []
        for i, d in enumerate(departments or []):
            if not isinstance(d, dict) or not isinstance(d.get("name"), str) or not d["name"].strip():
                raise ValueError(f"departments 第 {i + 1} 项缺少部门名称 name")
            if d.get("supervisor"):
                continue  # the 督办 office receives escalations, not first assignments
            self.departments.append({k: (d["name"] if k == "name" else list(d.get(k) or []))
                                     for k in ("name", "topics", "regions", "aliases", "keywords")})
        self.default = default or next(
            (d["name"] for d in self.departments if not d["topics"] and not d["regions"] and not d["aliases"]
             and not d["keywords"]), None)
        if not 0 <= float(floor) <= 1 or not 0 <= float(margin) <= 1:
            raise ValueError("department_floor 与 department_margin 应在 0–1 之间")
        self.floor, self.margin = float(floor), float(margin)
        regions = {r for d in self.departments for r in d["regions"]}
        # Longest first so 「A3区」 is not also counted as 「A3」.
        self._region_re = (
            re.compile("|".join(re.escape(r) for r in sorted(regions, key=len, reverse=True))) if regions else None
        )

    @classmethod
    def from_settings(cls, settings: dict):
        values = {}
        for key, default in (("department_floor", DEFAULT_FLOOR), ("department_margin", DEFAULT_MARGIN)):
            value = settings.get(key, default)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ValueError(f"[nlp] {key} 应为 0–1 之间的数，收到 {value!r}")
            values[key] = float(value)
        return cls(settings.get("departments") or [], settings.get("default_department"),
                   values["department_floor"], values["department_margin"])

    @staticmethod
    def _title_body(doc: dict) -> tuple[str, str]:
        text = doc.get("text", "") or ""
        title = doc.get("title") if isinstance(doc.get("title"), str) else None
        if title is None:  # NormalizeStage puts the clean title on the first line
            title, _, body = text.partition("\n")
            return title, body
        return title, text

    def problem_region(self, doc: dict) -> tuple[str | None, str]:
        """(region, how it was found): the configured place in the subject, else the body's most-named place outside
        the writer's address, else the doc's region."""
        title, body = self._title_body(doc)
        if self._region_re is not None:
            m = self._region_re.search(title)
            if m:
                return m.group(0), f"标题所述地点“{m.group(0)}”"
            counts: Counter = Counter()
            for m in self._region_re.finditer(body):
                if not _ADDRESS_BEFORE.search(body[max(0, m.start() - 12):m.start()]):
                    counts[m.group(0)] += 1
            if counts:
                region = counts.most_common(1)[0][0]
                return region, f"正文所述地点“{region}”"
        if isinstance(doc.get("region"), str) and doc["region"].strip():
            return doc["region"].strip(), f"来源所属地区“{doc['region'].strip()}”"
        return None, ""

    # kept for callers of the previous interface
    def regions_of(self, doc: dict) -> list[str]:
        region, _ = self.problem_region(doc)
        return [region] if region else []

    @staticmethod
    def _text_evidence(d: dict, title: str, body: str) -> list[tuple[float, str]]:
        """(strength, reason) of the department being named (aliases) and of its case words (keywords)."""
        out = []
        named = [a for a in d["aliases"] if a in title] or [a for a in d["aliases"] if a in body]
        if named:
            where = "标题" if named[0] in title else "正文"
            out.append((ALIAS_TITLE if where == "标题" else ALIAS_BODY, f"{where}点名“{named[0]}”"))
        words = [k for k in d["keywords"] if k in title or k in body]
        if words:
            in_t = [k for k in words if k in title][:3]
            in_b = [k for k in words if k not in title][:3]
            strength = min(KEYWORD_MAX, (KEYWORD_TITLE if in_t else KEYWORD_BODY) + KEYWORD_EXTRA * (len(words) - 1))
            out.append((strength, "，".join(f"{where}提到“{'、'.join(ws)}”"
                                            for where, ws in (("标题", in_t), ("正文", in_b)) if ws)))
        return out

    def candidates(self, doc: dict) -> tuple[list[dict], str | None, str]:
        topic = self._topic_view(doc)
        label = topic.get("label")
        # The calibrated distribution when TopicStage gave one; else the label at its score.
        probs = {c: float(p) for c, p in (topic.get("candidates") or [])}
        if not probs and label:
            probs = {label: float(topic.get("score") or 0.0)}
        if topic.get("abstain") and "政府文件" in topic["abstain"]:
            probs = {}  # an official document is no citizen matter: its topic guess is no routing evidence
        title, body = self._title_body(doc)
        region, region_why = self.problem_region(doc)
        handled = {t for d in self.departments for t in d["topics"]}
        text_evidence = {d["name"]: self._text_evidence(d, title, body) for d in self.departments}
        # The topic model knows 7 categories of citizen messages; a matter of a bureau outside them (公安, 纪委, 民政 …)
        # named in the text makes its guess among the 7 that much less relevant.
        outside = OUTSIDE_DISCOUNT * max((_noisy_or([e for e, _ in text_evidence[d["name"]]]) for d in self.departments
                       if not d["topics"] and (d["aliases"] or d["keywords"]) and text_evidence[d["name"]]), default=0.0)
        out = []
        for d in self.departments:
            if d["regions"] and region not in d["regions"]:
                continue
            evidence = [e for e, _ in text_evidence[d["name"]]]
            reasons = [r for _, r in text_evidence[d["name"]]]
            p_topic = sum(probs.get(t, 0.0) for t in d["topics"])
            if p_topic >= 0.05:  # a category the model all but rules out is no evidence
                evidence.append(min(p_topic, TOPIC_MAX) * (1 - outside))
                reasons.append(f"主题“{'、'.join(t for t in d['topics'] if t in probs)}”概率 {p_topic:.2f}"
                               + (f"（文中涉及分类以外部门的事项，按 {1 - outside:.2f} 折算）" if outside else ""))
            if d["regions"]:
                if not d["topics"] and not d["aliases"] and not d["keywords"]:  # the district's government
                    evidence.append(REGION_ONLY)
                    if label in probs and label not in handled:
                        evidence.append(probs[label])
                        reasons.append(f"主题“{label}”无专门部门，由属地承办")
                reasons.append(f"{region_why}属本部门辖区")
            if not evidence:
                continue
            conf = _noisy_or(evidence)
            if d["regions"] and (d["topics"] or d["aliases"] or d["keywords"]):
                conf = min(1.0, conf + REGION_BONUS)
            out.append({"department": d["name"], "confidence": round(conf, 4), "reasons": reasons,
                        "_function": frozenset(d["topics"]) | frozenset(d["aliases"]), "_local": bool(d["regions"])})
        out.sort(key=lambda c: (-c["confidence"], not c["_local"]))
        return out, region, region_why

    @staticmethod
    def _topic_view(doc: dict) -> dict:
        """The topic with its detail (TopicStage's ``topic`` + ``topic_detail``; a plugged model gives only the first)."""
        return {**(doc.get("topic") or {}), **(doc.get("topic_detail") or {})}

    def process(self, doc: dict) -> dict:
        topic = self._topic_view(doc)
        label = topic.get("label")
        cands, region, region_why = self.candidates(doc)
        doc["problem_region"] = region
        top3 = [{k: v for k, v in c.items() if not k.startswith("_")} for c in cands[:3]]
        doc["department_candidates"] = top3
        abstain = None
        if cands:
            best = cands[0]
            rival = next((c for c in cands[1:] if not (c["_function"] & best["_function"])), None)
            if topic.get("abstain") and "政府文件" in topic["abstain"]:
                abstain = topic["abstain"]
            elif best["confidence"] < self.floor:
                abstain = f"最可能的部门“{best['department']}”置信度 {best['confidence']:.2f} 低于下限 {self.floor:.2f}"
            elif rival is not None and best["confidence"] - rival["confidence"] < self.margin:
                abstain = (f"“{best['department']}”（{best['confidence']:.2f}）与“{rival['department']}”"
                           f"（{rival['confidence']:.2f}）难以区分")
            doc["department_confidence"] = best["confidence"]
            if abstain is None:
                doc["department"] = best["department"]
                doc["department_reason"] = f"{'；'.join(best['reasons'])} → {best['department']}（置信度 {best['confidence']:.2f}）"
            else:
                doc["department"] = None
                doc["department_reason"] = f"待人工确认：{abstain}"
        elif self.default is not None and label and not topic.get("abstain") and float(topic.get("score") or 0) >= self.floor:
            where = f"、地区“{region}”" if region else ""
            doc["department"] = self.default
            doc["department_confidence"] = round(float(topic.get("score") or 0), 4)
            doc["department_reason"] = f"主题“{label}”{where}没有对应的专门部门 → 默认部门 {self.default}"
        elif not self.departments:
            doc["department"] = None
            doc["department_confidence"] = 0.0
            doc["department_reason"] = abstain = "未配置任何匹配的部门（请在配置的 departments 中添加）"
        else:
            doc["department"] = None
            doc["department_confidence"] = 0.0
            abstain = topic.get("abstain") or "文中没有可判断责任部门的依据（未点名部门，主题与地区均无匹配）"
            doc["department_reason"] = f"待人工确认：{abstain}"
        if abstain:
            doc["department_abstain"] = abstain
        return doc


class KeywordsStage(Stage):
    def __init__(self, k: int = 8):
        self.k = k

    @classmethod
    def from_settings(cls, settings: dict):
        return cls(int(settings.get("NLP_KEYWORDS", 8)))

    def process(self, doc: dict) -> dict:
        from nlp.keywords import keywords

        doc["keywords"] = keywords(doc["content_words"], k=self.k)
        return doc


class SimHashStage(Stage):
    """Fingerprint of the content words (function words and punctuation would only add noise)."""

    def process(self, doc: dict) -> dict:
        from nlp.simhash import simhash, to_hex

        doc["simhash"] = to_hex(simhash(doc["content_words"]))
        return doc


class ReplyQualityStage(Stage):
    def __init__(self, limit_days: int):
        from nlp.segment import get_segmenter

        self.limit_days = limit_days
        self.seg = get_segmenter()

    @classmethod
    def from_settings(cls, settings: dict):
        from nlp.reply_quality import DEFAULT_LIMIT_DAYS

        return cls(int(settings.get("REPLY_LIMIT_DAYS", DEFAULT_LIMIT_DAYS)))

    def process(self, doc: dict) -> dict:
        from nlp.reply_quality import assess_reply

        reply = reply_of(doc)
        if reply is None:
            return doc
        reply_text = doc.get("_reply_text")
        if reply_text is None:
            reply_text = normalize(reply["text"])
        reply_words = self.seg.content_words(self.seg.cut(reply_text))
        doc["reply_quality"] = assess_reply(
            doc.get("text", ""),
            reply_text,
            doc.get("published_at"),
            reply["time"],
            limit_days=self.limit_days,
            post_words=doc["content_words"],
            reply_words=reply_words,
        )
        return doc


class GenreStage(Stage):
    """A minimal genre mark from the title's form: 政府发布/通知 (``notice``), 感谢 (``thanks``) or ``other``.

    Official notices (「关于…的通知」「A市开展根治欠薪冬季专项行动」「交通运输部：…」, or a body carrying 发文字号/索引号)
    and thank-you letters (「感谢…」「…的感谢信」) are not negative opinion however many sad words they contain; the
    alert rules skip them. A title that also asks, questions or complains (「感谢…，希望…」「关于…是否开展…的质疑」
    「…招生公告要求…，合理吗？」) is a citizen's post and stays ``other``. Deliberately small: the citizen kinds
    (投诉/求助/咨询/建议) are told apart by ``citizen_kind`` for the ``other`` posts, from the cue words citizens put
    in their titles (「咨询…」「投诉…」「建议…」「举报…」「请问…？」), so a deadline policy can follow the kind when
    the board gives no category.
    """

    NAMES = {"notice": "政府发布/通知", "thanks": "感谢", "other": "其他"}
    # A citizen is speaking: asking, proposing, complaining, questioning.
    CITIZEN = re.compile(r"建议|投诉|咨询|反映|请问|质疑|举报|求助|要求|希望|盼|呼吁|恳请|请求|为何|为什么|怎么|何时|能否|是否|"
                         r"吗|？|\?|乱收费|扰民|不作为|但是|可是|然而|还望|依然|仍然")
    DOCUMENT = re.compile(r"关于.+的(通知|公告|通告|决定|决议|意见|批复|通报|办法|规定|细则|实施方案|方案|函|公示|预告)$")
    ORG = (r"(?:市|区|县|省|州|镇|乡|街道|局|委|办|厅|部|院|政府|系统|中心|党工委|委员会|办公室|支队|大队)")
    ACTION = re.compile(r"^[^，,。！!？?：:]{0,16}?" + ORG + r"[^，,。！!？?]{0,24}?"
                        r"(开展|启动|召开|部署|举办|举行|印发|发布|推进|出台|组织|调研|专项行动|专项整治|工作会议)")
    STATEMENT = re.compile(r"^[^，,。！!？?：:]{1,16}?" + ORG + r"[：:]")
    BODY_MARKS = re.compile(r"发文字号|索引号|主送机关|成文日期|发文机关")
    THANKS = re.compile(r"感谢|致谢|谢谢|点赞|表扬|锦旗")
    # A thank-you that still asks or complains (「感谢…，希望…」) is not only thanks; 反映/建议 may be what is thanked for.
    ASKING = re.compile(r"希望|请求|恳请|要求|但|可是|然而|还望|依然|仍然|投诉|举报|质疑|为何|为什么|吗|？|\?")

    def process(self, doc: dict) -> dict:
        text = doc.get("text")
        if not doc.get("title"):
            title = ""
        elif isinstance(text, str):  # NormalizeStage put the clean title on the first line
            title = text.split("\n", 1)[0]
        else:
            title = normalize(doc["title"])
        doc["genre"] = self.classify(title.strip(), text if isinstance(text, str) else "")
        return doc

    @classmethod
    def classify(cls, title: str, text: str = "") -> dict:
        citizen = cls.CITIZEN.search(title)
        label, reason = "other", ""
        if cls.THANKS.search(title) and not cls.ASKING.search(title):
            label, reason = "thanks", f"标题含「{cls.THANKS.search(title).group()}」且没有诉求或质疑"
        elif not citizen:
            for pattern, why in ((cls.DOCUMENT, "公文标题格式「关于…的{}」"), (cls.ACTION, "机关开展工作的标题「…{}…」"),
                                 (cls.STATEMENT, "机关发布的标题「…：」")):
                m = pattern.search(title)
                if m:
                    label, reason = "notice", why.format(m.group(1) if m.groups() else "")
                    break
            if label == "other" and cls.BODY_MARKS.search(text[:600]):
                label, reason = "notice", f"正文含公文要素「{cls.BODY_MARKS.search(text[:600]).group()}」"
        out = {"label": label, "name": cls.NAMES[label], "reason": reason}
        if label == "other":
            kind = cls.citizen_kind(title, text)
            if kind:
                out["kind"], out["kind_reason"] = kind
        return out

    # The kind a citizen names (「咨询…」「…的建议」「投诉…」): the earliest such word in the title decides.
    EXPLICIT = re.compile(r"咨询|请问|投诉|举报|控告|检举|建议|提议|倡议|求助|求救")
    EXPLICIT_KIND = {"咨询": "咨询", "请问": "咨询", "投诉": "投诉", "举报": "投诉", "控告": "投诉", "检举": "投诉",
                     "建议": "建议", "提议": "建议", "倡议": "建议", "求助": "求助", "求救": "求助"}
    # Otherwise the cues of each kind, strongest first: a post that complains and asks is a complaint.
    KINDS = (
        ("投诉", re.compile(r"乱收费|不作为|违规|违法|非法|扰民|欺诈|诈骗|拖欠|克扣|强拆|暴力执法|强制|质疑|反对|反映|问题")),
        ("求助", re.compile(r"救救|帮帮|帮忙|走投无路|生活困难|看不起病|交不起|无处可去")),
        # A wish or a request for something to be built, opened or changed.
        ("建议", re.compile(r"呼吁|希望|请求|恳请|盼望|期盼")),
        ("咨询", re.compile(r"询问|能否|可否|是否|何时|什么时候|如何|怎么|怎样|多久|哪里|吗|[？?]")),
    )

    @classmethod
    def citizen_kind(cls, title: str, text: str = "") -> tuple[str, str] | None:
        """(kind, reason) for a citizen's post — 投诉, 求助, 建议 or 咨询: the kind its title names, else the strongest
        cue in the title, else in the opening of its body; None when nothing says."""
        m = cls.EXPLICIT.search(title)
        if m:
            return cls.EXPLICIT_KIND[m.group()], f"标题含「{m.group()}」"
        body = text.split("\n", 1)[1][:200] if "\n" in text else text[:200]
        for where, part in (("标题", title), ("正文开头", body)):
            if where == "正文开头" and (m := cls.EXPLICIT.search(part)):
                return cls.EXPLICIT_KIND[m.group()], f"正文开头含「{m.group()}」"
            for kind, rx in cls.KINDS:
                m = rx.search(part)
                if m:
                    return kind, f"{where}含「{m.group()}」"
        return None
