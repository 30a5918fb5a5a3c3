"""The genre of a post from its title's form: 政府发布/通知, 感谢 or a citizen's own post, and for the latter its kind
(投诉/求助/建议/咨询). yuqing.nlp.stages.GenreStage adds the verdict to each document."""

from __future__ import annotations

import re


class GenreRules:
    """The title patterns and the two verdicts (``classify``, ``citizen_kind``) GenreStage applies."""

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
