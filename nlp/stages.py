"""The NLP stages, pluggable Scrapy-style.

A stage is a class with ``from_settings(cls, settings: dict)`` and ``process(doc: dict) -> dict``;
``doc`` is a plain dict and each stage adds keys. yuqing.nlp.pipeline.Analyzer builds the stages listed
in ``settings["NLP_STAGES"]`` (class path → order number, ``None`` disables) and runs them in order.

Keys added, by stage (default order):
  100 NormalizeStage   text (clean Simplified title + body), _reply_text (clean reply, when given)
  150 PiiMaskStage     text_masked — OFF by default: stored text stays unmasked so officers can
                       act on it; masking happens where text is displayed or exported
                       (yuqing.privacy.mask_pii). Enable it for a pipeline whose output leaves the office.
  200 SegmentStage     tokens, content_words — segmentation happens ONCE; later stages reuse them
  300 SentimentStage   sentiment {"label", "score"}; emotion {"label", "score"} (anger/fear/sadness/
                       surprise/joy/neutral, yuqing.nlp.emotion) when the emotion model file is present
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

from yuqing.nlp.genre import GenreRules
from yuqing.nlp.normalize import html_to_text, normalize
from yuqing.nlp.routing import DEFAULT_FLOOR, DEFAULT_MARGIN, DepartmentEvidence


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
        from yuqing.privacy import mask_pii

        doc["text_masked"] = mask_pii(doc.get("text", ""))
        return doc


class SegmentStage(Stage):
    def __init__(self):
        from yuqing.nlp.segment import get_segmenter

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
        from yuqing.nlp.emotion import EmotionModel
        from yuqing.nlp.sentiment import SentimentModel

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
    """Calibrated topic with abstention (yuqing.nlp.topic.TopicModel.classify): ``topic`` = {"label" (a category or 「其他」),
    "score" (calibrated probability of the model's top category)} — the two the store keeps in columns — and
    ``topic_detail`` = {"model_label", "candidates" [[category, p]] top 3, "abstain" (why 「其他」, or absent)}, kept
    with the rest of the analysis."""

    def __init__(self, model):
        self.model = model

    @classmethod
    def from_settings(cls, settings: dict):
        from yuqing.nlp.topic import TopicModel

        return cls(TopicModel.load(settings.get("NLP_TOPIC_MODEL")))  # None → shipped model

    def process(self, doc: dict) -> dict:
        from yuqing.nlp.topic import OTHER

        # Content words come from SegmentStage; recomputing them here cost ~5 % of a jieba cut.
        if "content_words" in doc:
            words = doc["content_words"]
        else:
            from yuqing.nlp.segment import get_segmenter

            words = get_segmenter().content_words(doc["tokens"])
        classify = getattr(self.model, "classify", None)
        if classify is None:  # a plugged-in model with only the common interface
            label, prob = self.model.predict_content(words) if hasattr(self.model, "predict_content") else \
                self.model.predict(doc["tokens"], doc.get("text", ""))
            doc["topic"] = {"label": label, "score": round(float(prob), 4)}
            return doc
        from yuqing.nlp.topic import TopicModel, title_content_words

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


class DepartmentStage(DepartmentEvidence, Stage):
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
        from yuqing.nlp.keywords import keywords

        doc["keywords"] = keywords(doc["content_words"], k=self.k)
        return doc


class SimHashStage(Stage):
    """Fingerprint of the content words (function words and punctuation would only add noise)."""

    def process(self, doc: dict) -> dict:
        from yuqing.nlp.simhash import simhash, to_hex

        doc["simhash"] = to_hex(simhash(doc["content_words"]))
        return doc


class ReplyQualityStage(Stage):
    def __init__(self, limit_days: int):
        from yuqing.nlp.segment import get_segmenter

        self.limit_days = limit_days
        self.seg = get_segmenter()

    @classmethod
    def from_settings(cls, settings: dict):
        from yuqing.nlp.reply_quality import DEFAULT_LIMIT_DAYS

        return cls(int(settings.get("REPLY_LIMIT_DAYS", DEFAULT_LIMIT_DAYS)))

    def process(self, doc: dict) -> dict:
        from yuqing.nlp.reply_quality import assess_reply

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


class GenreStage(GenreRules, Stage):
    """A minimal genre mark from the title's form: 政府发布/通知 (``notice``), 感谢 (``thanks``) or ``other``.

    Official notices (「关于…的通知」「A市开展根治欠薪冬季专项行动」「交通运输部：…」, or a body carrying 发文字号/索引号)
    and thank-you letters (「感谢…」「…的感谢信」) are not negative opinion however many sad words they contain; the
    alert rules skip them. A title that also asks, questions or complains (「感谢…，希望…」「关于…是否开展…的质疑」
    「…招生公告要求…，合理吗？」) is a citizen's post and stays ``other``. Deliberately small: the citizen kinds
    (投诉/求助/咨询/建议) are told apart by ``citizen_kind`` for the ``other`` posts, from the cue words citizens put
    in their titles (「咨询…」「投诉…」「建议…」「举报…」「请问…？」), so a deadline policy can follow the kind when
    the board gives no category.
    """

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
