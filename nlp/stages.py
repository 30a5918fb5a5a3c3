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
  400 TopicStage       topic {"label", "score"}
  500 DepartmentStage  department, department_reason
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
        label, score = self.model.predict(doc["tokens"], doc.get("text", ""))
        doc["sentiment"] = {"label": label, "score": round(float(score), 4)}
        if self.emotion is not None:
            emo, p = self.emotion.predict(doc["tokens"])
            doc["emotion"] = {"label": emo, "score": round(float(p), 4)}
        return doc


class TopicStage(Stage):
    def __init__(self, model):
        self.model = model

    @classmethod
    def from_settings(cls, settings: dict):
        from nlp.topic import TopicModel

        return cls(TopicModel.load(settings.get("NLP_TOPIC_MODEL")))  # None → shipped model

    def process(self, doc: dict) -> dict:
        # Content words come from SegmentStage; recomputing them here cost ~5 % of a jieba cut.
        if "content_words" in doc:
            # Title block (issue 15): the title's content words, found in the tokens by length (no second cut).
            from nlp.topic import title_content_words

            title = title_content_words(doc["tokens"], doc.get("text", "")) if (doc.get("title") or "").strip() else None
            label, prob = self.model.predict_content(doc["content_words"], title)
        else:
            label, prob = self.model.predict(doc["tokens"], doc.get("text", ""))
        doc["topic"] = {"label": label, "score": round(float(prob), 4)}
        return doc


class DepartmentStage(Stage):
    """Topic + region → responsible department, with the reason in Chinese.

    ``settings["departments"]`` is a list of {"name", "topics": [...], "regions": [...]}.
    Preference: topic and region both match > topic only (a department without regions) >
    region only (a department without topics) > the default department (no topics, no regions,
    or ``settings["default_department"]``). Regions are the doc's ``region`` and configured
    region names the text mentions (most-mentioned first), so a city-wide board post about A3区
    reaches A3区's bureau.
    """

    def __init__(self, departments: list[dict], default: str | None):
        self.departments = []
        for i, d in enumerate(departments or []):
            if not isinstance(d, dict) or not isinstance(d.get("name"), str) or not d["name"].strip():
                raise ValueError(f"departments 第 {i + 1} 项缺少部门名称 name")
            if d.get("supervisor"):
                continue  # the 督办 office receives escalations, not first assignments
            self.departments.append(
                {"name": d["name"], "topics": list(d.get("topics") or []), "regions": list(d.get("regions") or [])}
            )
        self.default = default or next(
            (d["name"] for d in self.departments if not d["topics"] and not d["regions"]), None
        )
        regions = {r for d in self.departments for r in d["regions"]}
        # Longest first so 「A3区」 is not also counted as 「A3」.
        self._region_re = (
            re.compile("|".join(re.escape(r) for r in sorted(regions, key=len, reverse=True))) if regions else None
        )

    @classmethod
    def from_settings(cls, settings: dict):
        return cls(settings.get("departments") or [], settings.get("default_department"))

    def regions_of(self, doc: dict) -> list[str]:
        found: list[str] = []
        if isinstance(doc.get("region"), str) and doc["region"].strip():
            found.append(doc["region"].strip())
        if self._region_re is not None:
            counts = Counter(self._region_re.findall(doc.get("text", "")))
            found += [r for r, _ in counts.most_common() if r not in found]
        return found

    def process(self, doc: dict) -> dict:
        topic = (doc.get("topic") or {}).get("label")
        regions = self.regions_of(doc)
        best = None  # (rank, region index, department, region)
        for dept in self.departments:
            topic_ok = topic is not None and topic in dept["topics"]
            region_hit = next((i for i, r in enumerate(regions) if r in dept["regions"]), None)
            if topic_ok and region_hit is not None:
                cand = (0, region_hit, dept, regions[region_hit])
            elif topic_ok and not dept["regions"]:
                cand = (1, 0, dept, None)
            elif region_hit is not None and not dept["topics"]:
                cand = (2, region_hit, dept, regions[region_hit])
            else:
                continue
            if best is None or cand[:2] < best[:2]:
                best = cand
        if best is not None:
            rank, _, dept, region = best
            if rank == 0:
                reason = f"主题“{topic}”且地区“{region}” → {dept['name']}"
            elif rank == 1:
                reason = f"主题“{topic}” → {dept['name']}"
            else:
                reason = f"地区“{region}” → {dept['name']}"
            doc["department"] = dept["name"]
        elif self.default is not None:
            what = f"主题“{topic}”" if topic else "无主题"
            where = f"、地区“{'、'.join(regions)}”" if regions else ""
            reason = f"{what}{where}没有对应的专门部门 → 默认部门 {self.default}"
            doc["department"] = self.default
        else:
            reason = "未配置任何匹配的部门（请在配置的 departments 中添加）"
            doc["department"] = None
        doc["department_reason"] = reason
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
