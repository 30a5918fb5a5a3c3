"""Keyword list entries (a word with its exclusions) and the cue lists and tokens a keyword is read in: negation,
hypothetical and past cues cut by the project's tokenizer. Used by :class:`yuqing.alerts.rules.keywords.KeywordRule`."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from yuqing.config import Checker, ConfigError
from yuqing.plugins import PluginError, load_object

# Cues, as written; each is cut with the same tokenizer and matched as a run of whole tokens, so 若 does not fire
# inside 若干 and 无 not inside 无论.
NEGATION_CUES = ["无", "没", "没有", "未", "未曾", "不曾", "并未", "从未", "从没", "尚未", "未能", "没能", "非", "并非",
                 "不是", "不", "并不", "不想", "不愿", "不会", "毫无", "零", "幸免", "免于"]
HYPOTHETICAL_CUES = ["如果", "如若", "万一", "一旦", "假如", "假若", "假设", "倘若", "要是", "若", "若是", "即使", "即便",
                     "哪怕", "再不", "否则", "不然", "担心", "担忧", "害怕", "生怕", "怕", "恐", "恐怕", "唯恐", "以免",
                     "避免", "防止", "谨防", "预防", "防范", "杜绝", "遏制", "会不会", "是否", "是不是", "有没有", "可能", "可能会",
                     "或将", "随时", "难道", "试想", "设想", "一经", "等到", "以防"]
# A condition governs its consequence: these reach into the next clause of the same sentence.
CONDITIONAL_CUES = ["如果", "如若", "万一", "一旦", "假如", "假若", "倘若", "要是", "若", "若是", "即使", "即便", "再不"]
HYPOTHETICAL_AFTER = ["隐患", "风险", "危险", "之虞", "怎么办", "可能"]
PAST_CUES = ["曾", "曾经", "去年", "前年", "以前", "之前", "此前", "当年", "历史上", "过去", "往年", "前几年", "几年前",
             "早年", "昔日", "多年前", "上次", "那年", "早些年"]
NEGATION_WINDOW = 4  # tokens between a negation and the word (「没有/造成/任何/人员伤亡」)
# A negation does not reach past these: 「不作为的腐败行为」「不正当开支及贪污嫌疑」 say the corruption is there.
NEGATION_BREAKS = {"的", "及", "以及", "和", "与", "或", "而", "并且", "而且", "但", "但是", "就是", "地"}
# Nor does a question or time word past a conjunction: 「当年…是否合法及…过程中的腐败行为」 asserts the corruption.
HYPOTHETICAL_BREAKS = {"及", "以及", "并且", "而且", "同时"}
AFTER_WINDOW = 3

POLARITY_LABELS = {"negated": "否定", "hypothetical": "假设", "past": "过去", "excluded": "排除"}
_CLAUSE_END = re.compile(r"[，,：:；;。！!？?\n…]+")
_SENTENCE_END = set("；;。！!？?\n…")
_BAD_WORD = re.compile(r"[\s，,。！!？?；;：:、（）()\[\]【】「」\"']")
_COMPACT = re.compile(r"^\s*(?P<word>[^（(]+?)\s*[（(]\s*排除\s*[:：]\s*(?P<ex>[^）)]*)[）)]\s*$")
_CACHE_MAX = 50_000


@dataclass
class Entry:
    word: str
    exclude: list[str] = field(default_factory=list)


@dataclass
class Match:
    word: str
    polarity: str  # affirmative | negated | hypothetical | past | excluded
    cue: str = ""
    clause: str = ""


class _Tokens:
    """The tokenizer component, loaded once per class path, with a bounded cache of clause → tokens."""

    _lock = threading.Lock()
    _loaded: dict[str, "_Tokens"] = {}

    def __init__(self, cut: Callable[[str], list[str]]):
        self.cut_raw, self.cache, self.words = cut, {}, {}
        self.cues: dict[str, list[tuple[str, tuple[str, ...]]]] = {}

    @classmethod
    def get(cls, path: str) -> "_Tokens":
        with cls._lock:
            if path not in cls._loaded:
                factory = load_object(path)
                obj = factory()
                cut = getattr(obj, "cut", obj)
                if not callable(cut):
                    raise PluginError(f"分词组件「{path}」既没有 cut 方法也不可调用")
                cls._loaded[path] = cls(cut)
            return cls._loaded[path]

    def cut(self, text: str) -> list[str]:
        tokens = self.cache.get(text)
        if tokens is None:
            tokens = [t for t in self.cut_raw(text) if t.strip()]
            if len(self.cache) >= _CACHE_MAX:
                self.cache.clear()
            self.cache[text] = tokens
        return tokens

    def is_word(self, piece: str) -> bool:
        """A piece of a long token is a word of its own: it cuts into tokens of two or more characters."""
        ok = self.words.get(piece)
        if ok is None:
            ok = len(piece) >= 2 and all(len(t) >= 2 for t in self.cut(piece))
            self.words[piece] = ok
        return ok

    def cue_runs(self, name: str, cues: list[str]) -> list[tuple[str, tuple[str, ...]]]:
        if name not in self.cues:
            self.cues[name] = sorted({(c, tuple(self.cut(c))) for c in cues}, key=lambda cr: -len(cr[0]))
        return self.cues[name]


def _find_run(tokens: list[str], runs: list[tuple[str, tuple[str, ...]]], lo: int, hi: int) -> str:
    """The cue found in ``tokens[lo:hi]`` nearest to ``hi``, else ''. A cue is found when its own tokens occur
    there as a run, or (a cue of two or more characters) when a token begins with it: jieba sometimes glues the next
    character on (「难道真」), but 「若」 never fires inside 「若干」 nor 「过去」 inside 「走过去」."""
    lo = max(lo, 0)
    for end in range(hi, lo, -1):
        for text, run in runs:
            start = end - len(run)
            if start >= lo and tuple(tokens[start:end]) == run:
                return text
        token = tokens[end - 1]
        for text, run in runs:
            if len(text) >= 2 and token.startswith(text):
                return text
    return ""


def parse_entry(c: Checker, key: str, raw: Any) -> Entry:
    """One list entry: ``"伤亡"``, ``"伤亡（排除：无人员伤亡、无伤亡）"`` or ``{word = "伤亡", exclude = [...]}``."""
    if isinstance(raw, str):
        m = _COMPACT.match(raw)
        if m:
            entry = Entry(m.group("word"), [x.strip() for x in re.split(r"[、，,/]", m.group("ex")) if x.strip()])
            if not entry.exclude:
                raise ConfigError(c.file, key, f"「{raw}」写了“排除：”但没有列出要排除的短语")
        else:
            entry = Entry(raw.strip())
    elif isinstance(raw, dict):
        ec = Checker(c.file, raw, key)
        ec.reject_unknown({"word", "exclude"})
        entry = Entry(ec.get("word", str).strip(), [x.strip() for x in ec.strings("exclude", [])])
    else:
        raise ConfigError(c.file, key, f"应为关键词字符串（可写成「伤亡（排除：无人员伤亡、无伤亡）」）"
                                       f"或 {{word = \"…\", exclude = [\"…\"]}}，实际为 {raw!r}")
    if not entry.word:
        raise ConfigError(c.file, key, "关键词不能为空")
    if _BAD_WORD.search(entry.word):
        raise ConfigError(c.file, key, f"关键词「{entry.word}」含空白或标点；一个条目只写一个词"
                                       f"（排除短语写在「排除：」之后或 exclude 中）")
    for phrase in entry.exclude:
        if entry.word not in phrase:
            raise ConfigError(c.file, key, f"排除短语「{phrase}」不含关键词「{entry.word}」，永远不会起作用"
                                           f"（应写包含该词的短语，如「无人员{entry.word}」）")
        if phrase == entry.word:
            raise ConfigError(c.file, key, f"排除短语「{phrase}」就是关键词本身，等于删除该词；请直接从列表中删去")
    return entry
