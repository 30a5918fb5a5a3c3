"""Sensitive words that read the sentence: words (not substrings), negation, hypotheticals and past mentions.

A list entry matches a document when the word occurs **as a word** — its start and end fall on word boundaries of the
project's jieba segmentation (the ``tokenizer`` component, user dictionary included), where a long token also splits
between two multi-character words (人员伤亡 = 人员|伤亡, 伤亡事故 = 伤亡|事故, but not 反腐败 = 反|腐败 or 爆炸性). Each
occurrence is then read in its clause (the text between two punctuation marks):

* **negated** — a negation word shortly before it (「所幸没有人员伤亡」「并未造成伤亡」「我们并不想上访」);
* **hypothetical** — a condition, fear, question or prevention before it in the clause, or a condition in the clause
  just before (「万一爆炸怎么办」「一旦爆炸，后果不堪设想」「如果…解决不好，要到省政府上访」「是否存在腐败问题」),
  or a risk word just after it (「存在坍塌隐患」);
* **past** — a retrospective word before it in the clause (「前几年…锅炉爆炸事件」「曾经上访」);
* **excluded** — it lies inside one of the entry's exclusion phrases (``{word = "伤亡", exclude = ["无人员伤亡"]}``).

Only affirmative occurrences count. A document whose matches are all negated/hypothetical/past is shown in the reason
as weak (「否定/假设/过去 1 篇」) and does not count toward ``min_docs`` or the level. Official notices and thank-you
letters (the NLP stage's ``genre`` mark) are skipped.

Why the rule tokenises (rather than the NLP stage storing matches): the word lists are alert configuration that an
officer edits; matches stored at analysis time would be stale until every document was re-analysed. The rule loads
the kernel's ``tokenizer`` component by class path (the same one the store's search uses), and tokenises only the
clauses that contain a listed word as a substring, so the cost is a substring scan per document plus a jieba cut of
a few clauses, cached across ticks.

The level comes from :func:`yuqing.alerts.rules.base.compose_level` (volume, sources, engagement, growth; the list's
``level`` is its sensitivity, the most severe level it may give), so one post is never level 1.
"""

from __future__ import annotations

from yuqing.alerts.rules.keyword_words import (
    AFTER_WINDOW, CONDITIONAL_CUES, Entry, HYPOTHETICAL_AFTER, HYPOTHETICAL_BREAKS, HYPOTHETICAL_CUES, Match,
    NEGATION_BREAKS, NEGATION_CUES, NEGATION_WINDOW, PAST_CUES, POLARITY_LABELS, _CLAUSE_END, _SENTENCE_END,
    _Tokens, _find_run, parse_entry,
)
from yuqing.alerts.rules.base import (
    Finding, LevelParts, LevelSettings, Rule, RuleContext, compose_level, growth_ratio,
)
from yuqing.config import Checker, ConfigError
from yuqing.model import Document, Event
from yuqing.vocab import LEVEL_LABELS
from yuqing.plugins import PluginError, load_object
from yuqing.privacy import mask_pii

DEFAULT_LISTS = {
    "群体性事件": {"words": ["聚集（排除：聚集场所、聚集区）", "上访", "堵路（排除：堵路段）", "拉横幅", "罢工", "讨薪", "集体维权", "围堵"], "level": 2, "min_docs": 2},
    "安全事故": {"words": ["爆炸（排除：信息爆炸、人口爆炸）", "坍塌", "伤亡", "死亡", "起火", "中毒", "塌方"], "level": 2, "min_docs": 1},
    "涉腐涉警": {"words": ["贪污", "受贿", "腐败", "暴力执法", "打人", "索贿"], "level": 3, "min_docs": 1},
}
DEFAULT_SKIP_GENRES = ["notice", "thanks"]  # the NLP stage's genre labels: 政府发布/通知, 感谢


class KeywordRule(Rule):
    type_name = "keywords"
    options = {"lists", "levels", "skip_genres", "tokenizer"}

    def configure(self, c: Checker) -> None:
        from yuqing.app import DEFAULT_COMPONENTS  # the kernel's default tokenizer component

        lists = c.section("lists", DEFAULT_LISTS)
        if not lists.data:
            raise c.fail("lists", "至少需要一个敏感词表")
        self.lists: list[tuple[str, list[Entry], int, int]] = []
        for list_name in lists.data:
            lc = lists.section(list_name)
            lc.reject_unknown({"words", "level", "min_docs"})
            raw_words = lc.get("words", list)
            if not raw_words:
                raise lc.fail("words", "关键词列表不能为空")
            entries: list[Entry] = []
            seen: set[str] = set()
            for i, raw in enumerate(raw_words):
                entry = parse_entry(lc, f"{lc.key('words')}[{i}]", raw)
                if entry.word in seen:
                    raise ConfigError(lc.file, f"{lc.key('words')}[{i}]", f"关键词「{entry.word}」在本表中重复")
                seen.add(entry.word)
                entries.append(entry)
            self.lists.append((list_name, entries, lc.get("level", int, self.level, minimum=1, maximum=4),
                               lc.get("min_docs", int, 1, minimum=1)))
        self.lists.sort(key=lambda t: t[2])
        self.levels = LevelSettings.from_config(c, "levels")
        self.skip_genres = set(c.strings("skip_genres", DEFAULT_SKIP_GENRES))
        self.tokenizer_path = c.get("tokenizer", str, DEFAULT_COMPONENTS["tokenizer"])
        try:
            load_object(self.tokenizer_path)
        except PluginError as exc:
            raise c.fail("tokenizer", str(exc)) from exc

    # -- reading the sentence -------------------------------------------------------------------------------
    def _tokens(self) -> _Tokens:
        return _Tokens.get(self.tokenizer_path)

    def matches(self, text: str, entries: list[Entry]) -> list[Match]:
        """Every occurrence of a listed word in ``text`` that is a word, with how it is said."""
        candidates = [e for e in entries if e.word in text]
        if not candidates:
            return []
        tk = self._tokens()
        neg = tk.cue_runs("neg", NEGATION_CUES)
        hyp = tk.cue_runs("hyp", HYPOTHETICAL_CUES)
        cond = tk.cue_runs("cond", CONDITIONAL_CUES)
        after = tk.cue_runs("after", HYPOTHETICAL_AFTER)
        past = tk.cue_runs("past", PAST_CUES)
        out: list[Match] = []
        pos = 0
        prev_cond = ""  # a condition in the previous clause of the same sentence
        for m in list(_CLAUSE_END.finditer(text)) + [None]:
            end = m.start() if m else len(text)
            clause = text[pos:end]
            delim = m.group() if m else "。"
            pos = m.end() if m else len(text)
            here = [e for e in candidates if e.word in clause]
            tokens = tk.cut(clause) if (here or any(c in clause for c in CONDITIONAL_CUES)) else []
            for entry in here:
                for start, token_index in self._word_starts(clause, tokens, entry.word, tk):
                    out.append(self._read(clause, tokens, start, token_index, entry, prev_cond, neg, hyp, after, past))
            cue = _find_run(tokens, cond, 0, len(tokens)) if tokens else ""
            prev_cond = "" if any(ch in _SENTENCE_END for ch in delim) else cue
        return out

    @staticmethod
    def _word_starts(clause: str, tokens: list[str], word: str, tk: _Tokens) -> list[tuple[int, int]]:
        """(char offset, index of the token where it starts) of each occurrence whose both ends are word boundaries."""
        spans, at = [], 0
        for t in tokens:
            spans.append((at, at + len(t)))
            at += len(t)
        if at != len(clause):  # a tokenizer that drops characters: fall back to re-locating each token
            spans, at = [], 0
            for t in tokens:
                i = clause.find(t, at)
                i = at if i < 0 else i
                spans.append((i, i + len(t)))
                at = i + len(t)

        def boundary(offset: int) -> tuple[bool, int]:
            for idx, (s, e) in enumerate(spans):
                if offset == s or offset == e:
                    return True, idx if offset == s else idx + 1
                if s < offset < e:
                    token = clause[s:e]
                    cut = offset - s
                    return tk.is_word(token[:cut]) and tk.is_word(token[cut:]), idx
            return offset == len(clause), len(spans)

        found = []
        i = clause.find(word)
        while i >= 0:
            ok_start, idx = boundary(i)
            ok_end, _ = boundary(i + len(word))
            inside_one = any(s < i and i + len(word) <= e or s <= i and i + len(word) < e for s, e in spans)
            # Inside one token: only where that token splits into words (人员|伤亡, not 反|腐败). Across tokens, one
            # end on a boundary is enough: jieba's own slips (「上/访求」) must not hide a word.
            if (ok_start and ok_end) or (not inside_one and (ok_start or ok_end)):
                found.append((i, idx))
            i = clause.find(word, i + 1)
        return found

    @staticmethod
    def _read(clause: str, tokens: list[str], start: int, k: int, entry: Entry, prev_cond: str, neg, hyp, after,
              past) -> Match:
        word = entry.word
        for phrase in entry.exclude:
            j = clause.find(phrase)
            while j >= 0:
                if j <= start and start + len(word) <= j + len(phrase):
                    return Match(word, "excluded", phrase, clause)
                j = clause.find(phrase, j + 1)
        # The token holding the word's start may hold text before it (「人员伤亡」): cues end before that token.
        lo = k - NEGATION_WINDOW
        for i in range(k - 1, max(lo, 0) - 1, -1):
            if tokens[i] in NEGATION_BREAKS:
                lo = i + 1
                break
        neg_cue = _find_run(tokens, neg, lo, k)
        hyp_lo = 0
        for i in range(k - 1, -1, -1):
            if tokens[i] in HYPOTHETICAL_BREAKS:
                hyp_lo = i + 1
                break
        cue = _find_run(tokens, hyp, hyp_lo, k) or (prev_cond if not hyp_lo else "")
        if neg_cue and not (cue and neg_cue in cue):  # 「会不会中毒」 asks; it does not deny
            return Match(word, "negated", neg_cue, clause)
        if not cue:  # a risk word just after it: 「存在坍塌隐患」
            end_chars, j = start + len(word), 0
            for idx, t in enumerate(tokens):
                j += len(t)
                if j >= end_chars:
                    cue = _find_run(tokens, after, idx + 1, min(len(tokens), idx + 1 + AFTER_WINDOW))
                    break
        if cue:
            return Match(word, "hypothetical", cue, clause)
        cue = _find_run(tokens, past, hyp_lo, k)
        if cue:
            return Match(word, "past", cue, clause)
        return Match(word, "affirmative", "", clause)

    # -- the rule ---------------------------------------------------------------------------------------------
    def check_event(self, event: Event, ctx: RuleContext) -> Finding | None:
        docs: list[Document | None] = list(ctx.documents(event.id)) or [None]
        kept, skipped = [], 0
        for d in docs:
            genre = ((d.analysis or {}).get("genre") or {}).get("label") if d is not None else None
            if genre in self.skip_genres:
                skipped += 1
            else:
                kept.append(d)
        best: tuple[int, int, Finding] | None = None
        for order, (list_name, entries, list_level, min_docs) in enumerate(self.lists):
            f = self._check_list(event, ctx, kept, skipped, list_name, entries, list_level, min_docs)
            if f is not None and (best is None or (f.level, order) < best[:2]):
                best = (f.level, order, f)
        return best[2] if best else None

    def _check_list(self, event: Event, ctx: RuleContext, docs: list[Document | None], skipped: int, list_name: str,
                    entries: list[Entry], list_level: int, min_docs: int) -> Finding | None:
        hits: dict[str, int] = {}
        weak_hits: dict[str, dict[str, int]] = {}
        examples: list[dict[str, str]] = []
        effective: list[Document | None] = []
        weak = 0
        for d in docs:
            text = self._text(d, event)
            found = self.matches(text, entries)
            if not found:
                continue
            good = [m for m in found if m.polarity == "affirmative"]
            if good:
                effective.append(d)
                for w in dict.fromkeys(m.word for m in good):
                    hits[w] = hits.get(w, 0) + 1
            else:
                weak += 1
                for m in found:
                    per = weak_hits.setdefault(m.word, {})
                    per[m.polarity] = per.get(m.polarity, 0) + 1
                if len(examples) < 3:
                    m = found[0]
                    examples.append({"word": m.word, "polarity": m.polarity, "cue": m.cue,
                                     # the citizen's words go into the alert: personal information masked first
                                     "clause": mask_pii(m.clause)[:40],
                                     "doc_id": d.id if d is not None else ""})
        if len(effective) < min_docs:
            return None
        real = [d for d in effective if d is not None]
        sources = len({d.source for d in real}) or 1
        engagement = sum(int(d.likes or 0) + int(d.replies or 0) + int(d.reposts or 0) for d in real)  # 转发 too
        growth = (growth_ratio(ctx.hourly_counts(event.id), ctx.now, self.levels.growth_hours, self.levels.volume[0])
                  if real else None)
        parts = LevelParts(docs=len(effective), weak_docs=weak, sources=sources, engagement=engagement,
                           growth=growth, sensitivity=list_level, label="敏感词")
        level, reason_parts = compose_level(parts, self.levels)
        top = "、".join(f"「{w}」{n} 篇" for w, n in sorted(hits.items(), key=lambda kv: -kv[1])[:5])
        why_weak = "；".join(f"「{e['word']}」{POLARITY_LABELS.get(e['polarity'], e['polarity'])}"
                            f"（{e['cue']}：…{e['clause']}…）" for e in examples)
        reason = (f"命中敏感词表「{list_name}」（{top}；阈值 {min_docs} 篇）：" + "；".join(reason_parts)
                  + (f"。不计入：{why_weak}" if why_weak else "")
                  + (f"。已跳过政府通知/感谢信 {skipped} 篇" if skipped else ""))
        details = {"list": list_name, "matched_docs": len(effective), "weak_docs": weak, "hits": hits,
                   "weak_hits": weak_hits, "weak_examples": examples, "min_docs": min_docs,
                   "skipped_genre_docs": skipped, "level_parts": parts.numbers(),
                   "level_label": LEVEL_LABELS[level]}
        f = self.finding(event, level, reason, details)
        f.keywords = sorted(set(f.keywords) | set(hits))
        return f

    @staticmethod
    def _text(d: Document | None, event: Event) -> str:
        if d is None:
            return event.title or ""
        analysed = (d.analysis or {}).get("text")
        return analysed if isinstance(analysed, str) and analysed else f"{d.title}\n{d.content}"
