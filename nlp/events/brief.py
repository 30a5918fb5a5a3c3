"""An event's brief (事件简报), by extraction from its own posts, stored in ``Event.state["brief"]``.

Key sentences are ranked by TextRank over jieba content words (sentences as nodes, word overlap as edge weight);
demands are the sentences that ask for something (「希望/请求/要求/建议/恳请…」); places and organisations come from
the entities and places the events stage already found (:mod:`yuqing.nlp.events.features`); the affected groups
are the people words the posts use most. Every sentence keeps the id of the post it came from.

Text is masked (:func:`yuqing.privacy.mask_pii`) before it is split, so a name after 「我叫」 or a phone number is
gone before any sentence is cut out of it; the view (:mod:`yuqing.eventviews`) masks again when it is built.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from typing import Any, Iterable

from yuqing.model import Document, Event

BRIEF_VERSION = 1
MAX_POSTS = 60  # posts read per event: the earliest 40 and the latest 20 originals
MAX_SENTENCES = 120  # TextRank nodes per event (quadratic)
KEY_SENTENCES = 3
DEMANDS = 3
_SPLIT_RE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
# An asking verb followed by what is asked (「的要求，」 names a demand someone else made: not one).
_DEMAND_RE = re.compile(r"(希望|请求|要求|建议|恳请|恳求|呼吁|强烈要求|盼望|请(?:相关|有关|政府|领导|上级|市|区|县|尽快|督促|核查|"
                        r"彻查|调查|处理|解决|帮助|协调|落实|给予|回复|答复))(?![，,。；;！!？?）)]|$)")
_ORG_SUFFIXES = ("公司", "集团", "平台", "医院", "卫生院", "学校", "小学", "中学", "幼儿园", "大学", "学院", "银行",
                 "厂", "中心", "物业")
_AFFECTED = ("业主", "居民", "住户", "村民", "家长", "学生", "老人", "儿童", "孩子", "患者", "职工", "员工", "工人",
             "农民工", "租户", "商户", "乘客", "司机", "群众", "消费者", "残疾人", "退休人员", "教师", "考生")
_MIN_LEN, _MAX_LEN = 8, 160


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (ends kept), stripped; pieces too short to say anything are dropped."""
    out = []
    for piece in _SPLIT_RE.findall(text or ""):
        s = piece.strip(" \t\u3000，,、")
        if len(s) > _MAX_LEN:
            out += _chunks(s)
        elif len(s) >= _MIN_LEN:
            out.append(s)
    return out


def _chunks(sentence: str) -> list[str]:
    """A run-on sentence cut at commas into pieces of at most ``_MAX_LEN`` (each a substring of the sentence)."""
    out, buf = [], ""
    for clause in re.findall(r"[^，,]+[，,]?", sentence):
        if buf and len(buf) + len(clause) > _MAX_LEN:
            out.append(buf)
            buf = ""
        buf += clause
    out.append(buf)
    return [c.strip(" \t\u3000，,、") for c in out if _MIN_LEN <= len(c.strip(" \t\u3000，,、")) <= _MAX_LEN]


@functools.lru_cache(maxsize=20_000)
def sentence_words(sentence: str) -> tuple[str, ...]:
    """A sentence's jieba content words, for posts stored without theirs (cached: briefs are rebuilt as posts join)."""
    from yuqing.nlp.segment import get_segmenter

    seg = get_segmenter()
    return tuple(seg.content_words(seg.cut(sentence)))


def _post_text(doc: Document) -> str:
    from yuqing.privacy import mask_pii

    a = doc.analysis or {}
    text = a.get("text") or "\n".join(p for p in (doc.title, doc.content) if p)
    return mask_pii(text)


def textrank(token_sets: list[set[str]], *, damping: float = 0.85, iterations: int = 40) -> list[float]:
    """TextRank scores of sentences given their word sets (similarity: shared words over the log lengths)."""
    n = len(token_sets)
    if n == 0:
        return []
    weights: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for i in range(n):
        a = token_sets[i]
        if len(a) < 2:
            continue
        for j in range(i + 1, n):
            b = token_sets[j]
            if len(b) < 2:
                continue
            shared = len(a & b)
            if shared:
                w = shared / (math.log(len(a)) + math.log(len(b)))
                weights[i].append((j, w))
                weights[j].append((i, w))
    out_sum = [sum(w for _, w in row) for row in weights]
    score = [1.0] * n
    for _ in range(iterations):
        new = [(1 - damping) + damping * sum(score[j] * w / out_sum[j] for j, w in weights[i] if out_sum[j])
               for i in range(n)]
        if max(abs(x - y) for x, y in zip(new, score)) < 1e-6:
            score = new
            break
        score = new
    return score


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def pick_posts(event: Event) -> list[str]:
    """The posts a brief reads: original (non-duplicate) members, earliest 40 and latest 20, by time."""
    members = (event.state or {}).get("members") or {}
    originals = sorted(((m.get("t") or 0, mid) for mid, m in members.items() if not m.get("dup")))
    if len(originals) > MAX_POSTS:
        originals = originals[:40] + originals[-(MAX_POSTS - 40):]
    return [mid for _, mid in originals]


def _entities(event: Event) -> tuple[list[str], list[str]]:
    """(places, organisations) the events stage found for the event, most named first."""
    state = event.state or {}
    names: list[str] = []
    names += [d for d, _ in Counter(state.get("districts") or {}).most_common(3)]
    names += list(state.get("entities") or [])  # distinctive names, generic ones already left out
    # Other places only when two or more posts name them: one post's pattern match may be a clause, not a name.
    names += [p for p, n in Counter(state.get("places") or {}).most_common(6) if n >= 2]
    names = list(dict.fromkeys(n for n in names if isinstance(n, str) and n))
    orgs = [n for n in names if n.endswith(_ORG_SUFFIXES)]
    places = [n for n in names if n not in orgs]
    if event.region and event.region not in places:
        places.insert(0, event.region)
    return places[:6], orgs[:4]


def _words_in(sentence: str, vocabulary: frozenset[str] | None) -> set[str]:
    """The sentence's words: the post's jieba content words (stored by the NLP stage) that occur in it, or, for a
    post stored without them, the sentence segmented now."""
    if vocabulary:
        return {w for w in vocabulary if w in sentence}
    return set(sentence_words(sentence))


def build_brief(event: Event, docs: Iterable[Document]) -> dict[str, Any]:
    """The extractive brief of ``event`` from ``docs`` (its posts): JSON-ready, every sentence with its post id."""
    docs = sorted(docs, key=lambda d: (d.published_at or d.fetched_at or event.first_seen, d.id))
    sentences: list[tuple[str, str, int]] = []  # (text, doc id, order)
    vocabularies: dict[str, frozenset[str]] = {}
    seen: set[str] = set()
    affected: Counter[str] = Counter()
    for doc in docs:
        text = _post_text(doc)
        vocabularies[doc.id] = frozenset(w for w in (doc.analysis or {}).get("content_words") or ()
                                         if isinstance(w, str) and len(w) > 1)
        for word in _AFFECTED:
            if word in text:
                affected[word] += 1
        for s in split_sentences(text):
            key = re.sub(r"\W", "", s)
            if key in seen:  # a repost's copy of a sentence is the same sentence
                continue
            seen.add(key)
            sentences.append((s, doc.id, len(sentences)))
    demands = [{"text": s, "doc_id": d} for s, d, _ in sentences if _DEMAND_RE.search(s)]
    # One demand per post first, so three posts asking are heard before one post asking three times.
    by_post: dict[str, list[dict[str, str]]] = {}
    for d in demands:
        by_post.setdefault(d["doc_id"], []).append(d)
    firsts = [v[0] for v in by_post.values()]
    chosen_demands = (firsts + [d for d in demands if d not in firsts])[:DEMANDS]
    pool = sentences[:MAX_SENTENCES]
    words = [_words_in(s, vocabularies.get(d)) for s, d, _ in pool]
    scores = textrank(words)
    ranked = sorted(range(len(pool)), key=lambda i: (-scores[i], pool[i][2]))
    demand_texts = {d["text"] for d in chosen_demands}
    picked: list[int] = []
    for i in ranked:
        if len(picked) == KEY_SENTENCES:
            break
        # A sentence told again in other words (a repost edited by hand) is said once.
        if pool[i][0] not in demand_texts and not any(_overlap(words[i], words[j]) >= 0.6 for j in picked):
            picked.append(i)
    key = [pool[i] for i in picked]
    key.sort(key=lambda x: x[2])  # in the order the posts told it
    places, orgs = _entities(event)
    return {
        "v": BRIEF_VERSION,
        "basis": {"doc_count": event.doc_count, "last_seen": event.last_seen.isoformat() if event.last_seen else None},
        "posts_read": len(docs),
        "key_sentences": [{"text": s, "doc_id": d} for s, d, _ in key],
        "demands": chosen_demands,
        "places": places,
        "organisations": orgs,
        "affected": [w for w, _ in affected.most_common(3)],
    }
