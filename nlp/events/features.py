"""What the clusterer compares: a small weighted problem-term vector and the places a post names.

Place names are pulled from the clean text with patterns (an estate, road, school, hospital, company …)
and kept apart from the problem terms: two posts about one estate must share *problem* words to be one
event, so the estate's name must not count as shared wording. Districts (A3区) are kept separately too:
the same problem in two districts is two events.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from yuqing.nlp.keywords import is_keyword_candidate, load_idf

# An anonymised or real district/county code: A3区, B市, C4县.
DISTRICT_RE = re.compile(r"(?<![A-Za-z0-9])([A-Z]\d{1,2}(?:区|县))")
_PLACE_SUFFIXES = (
    "有限公司", "小区", "花园", "华庭", "家园", "名城", "雅居", "国际", "新村", "公馆", "佳园", "雅苑", "苑",
    "社区", "大厦", "公寓", "广场", "大道", "大街", "路", "街道", "小学", "中学", "学校", "幼儿园", "附中", "医院",
    "卫生院", "保健院", "卫生服务中心",
)
# Characters before 路 that make an ordinary word, not a road: 跑路, 走路, 线路, 一路, 套路 …
_NOT_ROAD_BEFORE = set("跑走出思线道马公修一套网让带领铁水电岔半找迷引回进去来后前正弯")
_SUFFIX_RE = "|".join(sorted(map(re.escape, _PLACE_SUFFIXES), key=len, reverse=True))
PLACE_RE = re.compile(rf"([\u4e00-\u9fffA-Za-z0-9]{{2,10}}?)({_SUFFIX_RE})")
# Characters that end a name when read backwards from the suffix ("住在锦绣花园" → 锦绣花园).
_BREAK_CHARS = set("的了在是我们你他她它这那个和与及对把被从到向也都就还要说有等该本此其各每某些为给让里上下去来附近旁边边"
                   "位于家住区市县省镇乡村条座栋所间请将规划进打督促")
# Words that end in a place suffix but name no place.
_NOT_PLACES = {
    "马路", "道路", "公路", "线路", "思路", "出路", "走路", "修路", "过马路", "上学", "学校", "公司", "小区", "社区",
    "医院", "市场", "广场", "公园", "家园", "花园", "工地", "车站", "街道", "中学", "小学", "幼儿园", "附近小区",
    "物业公司", "开发公司", "供热公司", "燃气公司", "自来水公司", "电力公司", "运营公司", "施工单位", "劳务公司",
    "装修公司", "保险公司", "房地产公司", "网络公司", "快递公司", "公交公司",
}


def extract_places(text: str, pattern: re.Pattern[str] | None = None) -> tuple[list[str], list[str]]:
    """(districts, specific places) named in ``text``, each in first-seen order without repeats."""
    districts = list(dict.fromkeys(DISTRICT_RE.findall(text)))
    places: list[str] = []
    for m in (pattern or PLACE_RE).finditer(text):
        name, suffix = m.group(1), m.group(2)
        # Read the name backwards from the suffix until a function character: "我们住在锦绣" → "锦绣".
        i = len(name)
        while i > 0 and name[i - 1] not in _BREAK_CHARS:
            i -= 1
        name = name[i:]
        # Drop a leading district code: "A3区锦绣实验小学" and "锦绣实验小学" are one school.
        name = DISTRICT_RE.sub("", name)
        if len(name) < 2 or not re.search(r"[\u4e00-\u9fff]", name):
            continue
        if suffix == "路" and name[-1] in _NOT_ROAD_BEFORE:
            continue
        if suffix == "村" and name[-1] in _NOT_VILLAGE_BEFORE:
            continue
        if len(name) > (10 if suffix.endswith(("公司", "平台", "集团")) else 5):
            continue  # a long run of characters is a clause, not a name
        place = name + suffix
        if place in _NOT_PLACES or place in _NOT_ENTITIES or place.endswith(("号路", "条路")):
            continue
        places.append(place)
    return districts, list(dict.fromkeys(places))


# -- entities: what links posts about one issue across wording and weeks -------------------------------------------
# Beyond the places above, an entity may be a platform, group, village, bridge, college, factory … (the loan-fraud
# case names its platform in every title; the bridge case names 五一桥), or a proper noun jieba tags ns/nt/nz in the
# title. Person names (nr) are left out on purpose: they are personal data (issue 14), and a surname+given name
# links unrelated posts as often as it links one case.
_ENTITY_SUFFIXES = _PLACE_SUFFIXES + (
    "平台", "集团", "大桥", "桥", "村", "学院", "大学", "工业园", "产业园", "商城", "酒店", "工厂", "厂", "水库", "景区",
)
_ENTITY_SUFFIX_RE = "|".join(sorted(map(re.escape, _ENTITY_SUFFIXES), key=len, reverse=True))
_ENTITY_SUFFIX_AT = re.compile(_ENTITY_SUFFIX_RE)
_NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_NOT_VILLAGE_BEFORE = set("农乡山渔本我该各全邻外")
# Names a kind of thing, not one: they exist in every city, or every post about a topic uses them.
_NOT_ENTITIES = {
    "网络平台", "投资平台", "借贷平台", "理财平台", "网贷平台", "贷款平台", "交易平台", "服务平台", "电商平台", "互联网平台",
    "公共平台", "政务平台", "信息平台", "留言平台", "新农村", "城中村", "美丽乡村", "立交桥", "人行天桥", "过街天桥",
    "高架桥", "有限公司", "责任公司", "股份公司", "集团公司", "分公司", "子公司", "本公司", "该公司", "这家公司",
    "建筑公司", "建设公司", "置业公司", "地产公司", "担保公司", "小额贷款公司", "科技公司", "管理公司", "服务公司",
    "幼儿园", "大学", "学院", "工厂", "水厂", "电厂", "十字路", "交叉路", "水泥路", "必经之路", "泥巴路", "断头路",
    "柏油路", "沙石路", "机耕路", "村道路", "交汇处", "加油站", "镇政府", "乡政府", "村委会", "派出所", "自然村",
    "行政村", "示范村", "重点村", "移民村", "空心村", "公办学校", "公办幼儿园", "民办学校", "私立学校", "培训学校",
}
# Heads that make a name generic whatever its suffix: 「人民医院」, 「中心小学」, 「火车站」, 「第一中学」.
GENERIC_HEADS = frozenset((
    "人民", "中心", "中医", "妇幼", "火车", "汽车", "高铁", "客运", "公交", "自来水", "供水", "供电", "燃气", "有限",
    "职业技术", "村级", "公立", "私立", "民办", "农村", "城市", "城区", "高速", "国道", "省道", "乡村", "本村", "我村",
    "第一", "第二", "第三", "第四", "第五", "第六", "第七", "第八", "实验", "附属", "中等", "高等", "加油", "收费",
    "商业", "步行", "人民路", "解放", "中山", "建设", "发展", "新村", "老", "新", "附近", "周边", "当地", "本地",
))
_ROAD_SUFFIXES = ("路", "街", "大道", "大街")
_ENTITY_POS = ("ns", "nt")  # nz is left out: jieba tags common nouns so (驾驶证, 摩托车)
# Words that end a name when read backwards, beyond _BREAK_CHARS: verbs and quantities that precede names.
_ENTITY_CUT = re.compile("拆除|导致|反对|投诉|举报|反映|关于|请求|希望|要求|咨询|呼吁|一名|部分|一段|多个|附近|居民|贫困|所有|整个|"
                         "通往|前往|经过|位于|沿线|修建|兴建|开通|解决|整治|治理|改造|取消|调整")
_AREA_SUFFIXES = ("省", "市", "县", "区", "街道", "镇", "乡", "新区", "开发区", "高新区")
_AGENCY_SUFFIXES = ("局", "委", "委员会", "政府", "办", "办公室", "厅", "支队", "大队", "中队", "法院", "检察院", "派出所",
                    "管理处", "管理所", "服务站", "居委会", "村委会")
_NOT_AREA = ("小区", "社区", "园区", "校区", "景区", "厂区", "生活区", "住宅区")


def is_generic_entity(name: str, known_places: frozenset[str] | set[str] = frozenset()) -> bool:
    """A name that must not link posts: a district code, a place the config knows (districts, counties), a kind
    of thing (「网贷平台」) or a name built on a generic head (「人民医院」, 「第一中学」)."""
    if len(name) < 3 or name in known_places or name in _NOT_ENTITIES or name in _NOT_PLACES:
        return True
    if DISTRICT_RE.search(name) or name.endswith(_AREA_SUFFIXES) and not name.endswith(_NOT_AREA):
        return True  # an administrative area (district, county, 街道, town) is where many issues happen, not one
    if name.endswith(_AGENCY_SUFFIXES):
        return True  # a government body (公安局, 住建委, 交警支队) is whom many issues go to: routing's evidence
    for suffix in sorted(_ENTITY_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            head = name[:-len(suffix)]
            return (head in GENERIC_HEADS or any(g in head and len(head) - len(g) <= 2 for g in GENERIC_HEADS
                                                 if len(g) >= 2) or _wordy_head(head))
    return False


@functools.lru_cache(maxsize=65536)
def _wordy_head(head: str) -> bool:
    """The head holds an ordinary word, not a name: a verb, adverb, adjective, time, pronoun, conjunction or idiom
    (「目前小区」, 「严重影响小区」, 「修水泥路」, 「走投无路」, 「今年小学」)."""
    return any(w.flag in _WORDY_FLAGS for w in _pseg().cut(head))


_WORDY_FLAGS = frozenset(("v", "vd", "vn", "d", "a", "ad", "an", "t", "r", "c", "p", "i", "l", "u", "y", "q", "f"))
_posseg: Any = None


def _pseg() -> Any:
    global _posseg
    if _posseg is None:
        import jieba.posseg as pseg

        _posseg = pseg
    return _posseg


def _pos_names(title: str) -> list[str]:
    """Proper nouns (ns/nt) of three characters or more that jieba tags in a title."""
    return [w.word for w in _pseg().cut(title) if w.flag in _ENTITY_POS and len(w.word) >= 3
            and re.search(r"[\u4e00-\u9fff]", w.word)]


def _suffixed_names(text: str) -> list[str]:
    """Names ending in an entity suffix, read backwards from each suffix (at most ten characters, up to a function
    character or a district code): 「对A5区佳园星城小区垃圾站」 → 佳园星城小区 (a suffix inside the name, 佳园, does not
    cut it)."""
    out = []
    for m in _ENTITY_SUFFIX_AT.finditer(text):
        end, suffix = m.start(), m.group()
        i = end
        while i > 0 and end - i < 10 and _NAME_CHAR.match(text[i - 1]) and text[i - 1] not in _BREAK_CHARS:
            i -= 1
        name = DISTRICT_RE.sub("", text[i:end])
        if len(name) < 2 or not re.search(r"[\u4e00-\u9fff]", name) or name.endswith(suffix[-1]):
            continue  # (「开元路路面」: the second 路 starts a word, it ends no name)
        if suffix == "路" and name[-1] in _NOT_ROAD_BEFORE or suffix == "村" and name[-1] in _NOT_VILLAGE_BEFORE:
            continue
        if len(name) > (10 if suffix.endswith(("公司", "平台", "集团")) else 6):
            continue  # a long run of characters is a clause, not a name
        place = name + suffix
        if not place.endswith(("号路", "条路")):
            out.append(place)
    return out


def extract_entities(title: str, text: str, known_places: frozenset[str] | set[str] = frozenset(),
                     *, pos: bool = True) -> list[str]:
    """Distinctive names a post gives: suffix patterns over the title and the start of the text, jieba's proper
    nouns in the title, minus generic names (:func:`is_generic_entity`). First-seen order, no repeats; a name
    contained in a longer one found too is dropped (「五一大桥」 and 「一大桥」)."""
    found: list[str] = []
    if title:
        found += _suffixed_names(_ENTITY_CUT.sub("，", title))
    if text:
        # A road named in the text is where a bus route runs or a complainant lives, rarely the issue itself (one
        # post lists ten roads): roads link only from the title.
        found += [n for n in _suffixed_names(_ENTITY_CUT.sub("，", text[:MAX_ENTITY_TEXT]))
                  if not n.endswith(_ROAD_SUFFIXES)]
    if pos and title:
        found += _pos_names(title[:200])
    names = [n for n in dict.fromkeys(found) if not is_generic_entity(n, known_places)]
    return [n for n in names if not any(n != o and n in o for o in names)][:MAX_ENTITIES]


@dataclass
class ClusterDoc:
    """One document as the clusterer sees it (built from the analyze output or a stored analysis)."""

    id: str
    at: float  # POSIX seconds
    title: str = ""
    text: str = ""
    content_words: list[str] = field(default_factory=list)
    simhash: int | None = None
    source: str = ""
    sentiment: str | None = None
    topic: str | None = None
    department: str | None = None
    keywords: list[str] = field(default_factory=list)
    region: str | None = None
    likes: int = 0
    dislikes: int = 0
    replies: int = 0
    reposts: int = 0

    @classmethod
    def from_analysis(cls, doc_id: str, analysis: dict[str, Any], at: datetime, *, title: str = "", source: str = "",
                      region: str | None = None, likes: int = 0, dislikes: int = 0, replies: int = 0,
                      reposts: int = 0) -> "ClusterDoc":
        from yuqing.nlp.simhash import from_hex

        sh = analysis.get("simhash")
        sentiment = analysis.get("sentiment") or {}
        topic = analysis.get("topic") or {}
        return cls(
            id=doc_id, at=at.timestamp(), title=title or "", text=analysis.get("text") or "",
            content_words=list(analysis.get("content_words") or []),
            simhash=from_hex(sh) if isinstance(sh, str) and sh else (sh if isinstance(sh, int) else None),
            source=source or "", sentiment=sentiment.get("label") if isinstance(sentiment, dict) else sentiment,
            topic=topic.get("label") if isinstance(topic, dict) else topic,
            department=analysis.get("department"), keywords=list(analysis.get("keywords") or []),
            region=region, likes=int(likes or 0), dislikes=int(dislikes or 0), replies=int(replies or 0),
            reposts=int(reposts or 0),
        )


@dataclass
class Features:
    vector: dict[str, float]  # problem terms, L2-normalised
    districts: list[str]
    places: list[str]
    entities: list[str] = field(default_factory=list)  # distinctive names that may link posts (see cluster.py)


MAX_PLACE_TEXT = 50_000  # characters read for place names
MAX_PLACES = 64  # distinct places kept per post (a real post names a handful)
MAX_ENTITY_TEXT = 300  # characters of the text (after the title) read for entities: an issue is named early
MAX_ENTITIES = 8


class FeatureExtractor:
    """TF-IDF-ish problem vectors: sublinear term frequency × IDF from jieba's general-corpus table
    (a fixed table, so a vector computed today equals one computed after a restart)."""

    def __init__(self, max_terms: int = 16, known_places: Iterable[str] = ()):
        self.max_terms = max_terms
        self.known_places = frozenset(known_places)  # districts/counties the config names: never entities
        self.idf, self.median_idf = load_idf()
        self._candidate: dict[str, bool] = {}

    def _is_term(self, token: str) -> bool:
        ok = self._candidate.get(token)
        if ok is None:
            ok = self._candidate[token] = is_keyword_candidate(token) and DISTRICT_RE.fullmatch(token) is None
        return ok

    def extract(self, doc: ClusterDoc) -> Features:
        text = f"{doc.title}\n{doc.text}" if doc.title and doc.title not in doc.text[:200] else doc.text
        # Places are read from the start of a long text only, and a post keeps at most MAX_PLACES of them: what an
        # event is about is stated early, and a 10 MB post must not cost minutes (every token used to be searched
        # for in the text of every place the post named).
        districts, places = extract_places(text[:MAX_PLACE_TEXT])
        places = places[:MAX_PLACES]
        if doc.region and DISTRICT_RE.fullmatch(doc.region) and doc.region not in districts:
            districts.append(doc.region)
        place_text = "|".join(places)
        in_place: dict[str, bool] = {}  # per distinct token: long texts repeat their tokens many times
        counts: dict[str, int] = {}
        for token in doc.content_words:
            inside = in_place.get(token)
            if inside is None:
                inside = in_place[token] = not self._is_term(token) or token in place_text
            if not inside:
                counts[token] = counts.get(token, 0) + 1
        if doc.title:
            # Title words count twice: a title states the problem most directly.
            for token in set(doc.content_words):
                if token in counts and token in doc.title:
                    counts[token] += 1
        idf, median = self.idf, self.median_idf
        weights = {t: (1.0 + math.log(c)) * idf.get(t, median) for t, c in counts.items()}
        top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[: self.max_terms]
        norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
        entities = extract_entities(doc.title, doc.text, self.known_places)
        return Features({t: w / norm for t, w in top}, districts, places, entities)
