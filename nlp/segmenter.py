"""The jieba-backed Segmenter (see nlp/segment.py for the process-wide instance and the word lists).

Imports jieba (with pkg_resources, ~80 ms) so that naming the tokenizer component costs nothing until a text is cut.
"""

from __future__ import annotations

import logging
import re
from math import log
from pathlib import Path

import jieba
from jieba import finalseg

from yuqing.nlp.wordlists import STOPWORDS_PATH, USERDICT_PATH, load_wordlist

# jieba's own block patterns (Tokenizer.cut, accurate mode): runs of Han/alnum, and whitespace.
_RE_HAN = jieba.re_han_default
_RE_SKIP = jieba.re_skip_default

# Punctuation, symbols and whitespace: a token made only of these is never a content word.
_PUNCT_RE = re.compile(r"^[\s\W_]+$", re.UNICODE)
# A lone digit or a bare number carries no topic; multi-character codes like 12345 are in the dict.
_NUMBER_RE = re.compile(r"^[0-9０-９.．%％]+$")
_CONTENT_CACHE_MAX = 200_000


class Segmenter:
    """A jieba tokenizer loaded with nlp/data/userdict.txt, plus our stopword list."""

    def __init__(self, userdict: Path | None = USERDICT_PATH, stopwords: Path | None = STOPWORDS_PATH):
        # jieba logs "Building prefix dict..." at DEBUG/INFO; keep CLI output clean.
        jieba.setLogLevel(logging.WARNING)
        self._tok = jieba.Tokenizer()
        self._tok.initialize()
        self.userdict_size = 0
        if userdict is not None:
            for word in load_wordlist(Path(userdict)):
                # freq=None lets jieba pick a frequency just high enough to keep the word whole,
                # without demoting common words it already knows.
                self._tok.add_word(word)
                self.userdict_size += 1
        self.stopwords: frozenset[str] = frozenset(load_wordlist(Path(stopwords))) if stopwords else frozenset()
        # token -> is it a content word? Tokens repeat across documents, so the two regex matches
        # per token are paid once per distinct token. Bounded: cleared when full.
        self._is_content: dict[str, bool] = {}

    def cut(self, text: str) -> list[str]:
        """All tokens of ``text`` in order (accurate mode, HMM on), whitespace tokens dropped.

        Exactly the tokens of ``[t for t in jieba.Tokenizer.cut(text) if not t.isspace()]`` (the
        models were trained on them; tests/nlp/test_segment.py checks real messages against jieba),
        computed by :meth:`_cut_han` instead of jieba's get_DAG + calc.
        """
        if not isinstance(text, str):
            raise TypeError(f"分词输入必须是字符串，收到的是 {type(text).__name__}")
        out: list[str] = []
        han_match = _RE_HAN.match
        for blk in _RE_HAN.split(text):
            if not blk:
                continue
            if han_match(blk):
                self._cut_han(blk, out)
            else:
                # jieba yields whitespace pieces whole (we drop them) and every other char alone.
                for x in _RE_SKIP.split(blk):
                    if not x.isspace():
                        out.extend(c for c in x if not c.isspace())
        return out

    def _cut_han(self, sentence: str, out: list[str]) -> None:
        """jieba's ``Tokenizer.__cut_DAG`` (max-probability path, HMM for unknown runs), appended to ``out``.

        Same arithmetic and tie-break as jieba, so the same tokens: a word's score is
        ``log(freq) - log(total) + best score of the rest``; among equal scores the longer word wins
        (jieba's ``max`` over ``(score, end)`` tuples). Faster because the prefix-dictionary scan
        and the best path are computed in one backwards pass, one FREQ lookup per fragment, with
        no DAG dict, tuples or generator per character.
        """
        get = self._tok.FREQ.get
        logtotal = log(self._tok.total)
        n = len(sentence)
        score = [0.0] * (n + 1)
        route = [0] * n  # route[i]: index of the last char of the best word starting at i
        for idx in range(n - 1, -1, -1):
            best = None
            end = idx
            i = idx
            f = get(sentence[idx])
            while f is not None:  # the fragment is a word or a prefix of one
                if f:
                    s = log(f) - logtotal + score[i + 1]
                    if best is None or s >= best:  # later (longer) wins ties, as in jieba
                        best = s
                        end = i
                i += 1
                if i >= n:
                    break
                f = get(sentence[idx:i + 1])
            if best is None:  # no word starts here: the char alone, freq 0 -> log(1)
                best = log(get(sentence[idx]) or 1) - logtotal + score[idx + 1]
            score[idx] = best
            route[idx] = end
        x = 0
        buf_start = -1  # start of the current run of single-char words
        while x < n:
            y = route[x] + 1
            if y - x == 1:
                if buf_start < 0:
                    buf_start = x
            else:
                if buf_start >= 0:
                    self._flush_singles(sentence[buf_start:x], get, out)
                    buf_start = -1
                out.append(sentence[x:y])
            x = y
        if buf_start >= 0:
            self._flush_singles(sentence[buf_start:], get, out)

    @staticmethod
    def _flush_singles(buf: str, get, out: list[str]) -> None:
        # jieba: one char as is; an unknown run through the HMM; a known word split into chars.
        if len(buf) == 1:
            out.append(buf)
        elif not get(buf):
            hmm_cut(buf, out)
        else:
            out.extend(buf)

    def cut_jieba(self, text: str) -> list[str]:
        """The reference: jieba's own generator, whitespace tokens dropped (what :meth:`cut` equals)."""
        return [t for t in self._tok.cut(text) if not t.isspace()]

    def is_content_word(self, token: str) -> bool:
        return not (
            token in self.stopwords
            or _PUNCT_RE.match(token) is not None
            or _NUMBER_RE.match(token) is not None
        )

    def content_words(self, tokens: list[str]) -> list[str]:
        """Tokens without stopwords, punctuation/symbols and bare numbers."""
        cache = self._is_content
        get = cache.get
        out = []
        for t in tokens:
            ok = get(t)
            if ok is None:
                ok = self.is_content_word(t)
                if len(cache) >= _CONTENT_CACHE_MAX:
                    cache.clear()
                cache[t] = ok
            if ok:
                out.append(t)
        return out


# ---------------------------------------------------------------------------------------------
# jieba's HMM for runs of unknown characters (jieba.finalseg.cut), same tokens, less overhead.

_FINAL_HAN = finalseg.re_han
_FINAL_SKIP = finalseg.re_skip
_MIN = finalseg.MIN_FLOAT


def hmm_cut(sentence: str, out: list[str]) -> None:
    """``out.extend(jieba.finalseg.cut(sentence))``, computed by :func:`_viterbi`."""
    force_split = finalseg.Force_Split_Words
    for blk in _FINAL_HAN.split(sentence):
        if _FINAL_HAN.match(blk):
            for word in _hmm_words(blk):
                if word in force_split:
                    out.extend(word)
                else:
                    out.append(word)
        else:
            out.extend(x for x in _FINAL_SKIP.split(blk) if x)


def _hmm_words(sentence: str) -> list[str]:
    # jieba.finalseg.__cut: B begins a word, E ends it, S stands alone; a trailing B/M run is a word.
    words = []
    begin = nexti = 0
    for i, pos in enumerate(_viterbi(sentence)):
        if pos == "B":
            begin = i
        elif pos == "E":
            words.append(sentence[begin:i + 1])
            nexti = i + 1
        elif pos == "S":
            words.append(sentence[i])
            nexti = i + 1
    if nexti < len(sentence):
        words.append(sentence[nexti:])
    return words


def _viterbi(obs: str) -> list[str]:
    """jieba.finalseg.viterbi over states BMES, unrolled: the same sums in the same order and the
    same tie-break (jieba takes ``max`` of ``(prob, state)`` tuples, so on equal probabilities the
    later letter wins: S over E, M over B), returning the best state path."""
    start, trans, emit = finalseg.start_P, finalseg.trans_P, finalseg.emit_P
    eB, eM, eE, eS = emit["B"].get, emit["M"].get, emit["E"].get, emit["S"].get
    tEB, tSB = trans["E"].get("B", _MIN), trans["S"].get("B", _MIN)
    tMM, tBM = trans["M"].get("M", _MIN), trans["B"].get("M", _MIN)
    tSS, tES = trans["S"].get("S", _MIN), trans["E"].get("S", _MIN)
    tBE, tME = trans["B"].get("E", _MIN), trans["M"].get("E", _MIN)
    c = obs[0]
    vB, vM, vE, vS = (start["B"] + eB(c, _MIN), start["M"] + eM(c, _MIN),
                      start["E"] + eE(c, _MIN), start["S"] + eS(c, _MIN))
    back = []  # per step: the previous state chosen for B, M, E, S
    for i in range(1, len(obs)):
        c = obs[i]
        em = eB(c, _MIN)  # B from E or S
        a, b = vE + tEB + em, vS + tSB + em
        nB, pB = (b, "S") if b >= a else (a, "E")
        em = eM(c, _MIN)  # M from M or B
        a, b = vM + tMM + em, vB + tBM + em
        nM, pM = (a, "M") if a >= b else (b, "B")
        em = eS(c, _MIN)  # S from S or E
        a, b = vS + tSS + em, vE + tES + em
        nS, pS = (a, "S") if a >= b else (b, "E")
        em = eE(c, _MIN)  # E from B or M
        a, b = vB + tBE + em, vM + tME + em
        nE, pE = (b, "M") if b >= a else (a, "B")
        back.append({"B": pB, "M": pM, "E": pE, "S": pS})
        vB, vM, vE, vS = nB, nM, nE, nS
    state = "S" if vS >= vE else "E"
    path = [state]
    for step in reversed(back):
        state = step[state]
        path.append(state)
    path.reverse()
    return path
