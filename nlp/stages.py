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
  300 SentimentStage   sentiment {"label", "score"}
  350 GenreStage       genre {"label": notice|thanks|other, "name", "reason"} — 政府发布/通知 and 感谢 are not
                       negative opinion; the alert rules skip them (a minimal mark from the title's form)
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
    def __init__(self, model):
        self.model = model

    @classmethod
    def from_settings(cls, settings: dict):
        from nlp.sentiment import SentimentModel

        return cls(SentimentModel.load(settings.get("NLP_SENTIMENT_MODEL")))  # None → shipped model

    def process(self, doc: dict) -> dict:
        label, score = self.model.predict(doc["tokens"], doc.get("text", ""))
        doc["sentiment"] = {"label": label, "score": round(float(score), 4)}
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
            label, prob = self.model.predict_content(doc["content_words"])
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


class GenreStage(Stage):
    """A minimal genre mark from the title's form: 政府发布/通知 (``notice``), 感谢 (``thanks``) or ``other``.

    Official notices (「关于…的通知」「A市开展根治欠薪冬季专项行动」「交通运输部：…」, or a body carrying 发文字号/索引号)
    and thank-you letters (「感谢…」「…的感谢信」) are not negative opinion however many sad words they contain; the
    alert rules skip them. A title that also asks, questions or complains (「感谢…，希望…」「关于…是否开展…的质疑」
    「…招生公告要求…，合理吗？」) is a citizen's post and stays ``other``. Deliberately small: the citizen kinds
    (投诉/求助/咨询/建议) are not told apart here.
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
        return {"label": label, "name": cls.NAMES[label], "reason": reason}
