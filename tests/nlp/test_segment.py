import threading

import pytest

from yuqing.nlp.segment import get_segmenter
from yuqing.nlp.wordlists import STOPWORDS_PATH, USERDICT_PATH, load_wordlist
from yuqing.nlp.segmenter import Segmenter


def test_singleton_is_shared_across_threads():
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(get_segmenter())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(s) for s in seen}) == 1
    assert seen[0] is get_segmenter()


def test_domain_terms_stay_whole():
    seg = get_segmenter()
    tokens = seg.cut("A3区住建局对棚户区改造的物业费问题不作为，打12345热线也没用，公积金和医保也断缴了")
    for term in ("住建局", "棚户区改造", "物业费", "12345热线", "公积金", "医保"):
        assert term in tokens, (term, tokens)


def test_userdict_is_our_own_and_sizeable():
    words = load_wordlist(USERDICT_PATH)
    assert len(words) >= 300
    assert len(set(words)) == len(words)
    assert get_segmenter().userdict_size == len(words)


def test_cut_drops_whitespace_and_keeps_text():
    tokens = get_segmenter().cut("网格员  上门\n\t核查 情况")
    assert all(t.strip() for t in tokens)
    assert "".join(tokens) == "网格员上门核查情况"


def test_content_words_drop_stopwords_punctuation_numbers_but_keep_negation():
    seg = get_segmenter()
    words = seg.content_words(seg.cut("我们小区的路灯已经坏了3个月，一直没有人来修！！"))
    assert "路灯" in words and "没有" in words
    for dropped in ("我们", "的", "已经", "3", "，", "！", "！！"):
        assert dropped not in words


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="字符串"):
        get_segmenter().cut(None)


def test_private_tokenizer_does_not_touch_global_jieba(tmp_path):
    import jieba

    custom = tmp_path / "dict.txt"
    custom.write_text("甲乙丙丁戊\n", encoding="utf-8")
    seg = Segmenter(userdict=custom, stopwords=STOPWORDS_PATH)
    assert "甲乙丙丁戊" in seg.cut("甲乙丙丁戊来了")
    assert "甲乙丙丁戊" not in jieba.lcut("甲乙丙丁戊来了")


def test_fast_cut_equals_jieba_on_real_messages(shared_data):
    # The models were trained on jieba's tokens: our faster cut must give exactly the same ones.
    import csv

    from yuqing.nlp.normalize import normalize

    seg = get_segmenter()
    texts = []
    with open(shared_data / "gov_messages" / "messages_with_replies.csv", encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            if i >= 2000:
                break
            raw = row["留言主题"] + "\n" + row["留言详情"]
            texts += [raw, normalize(raw), row["答复意见"]]
    diffs = [t[:40] for t in texts if seg.cut(t) != seg.cut_jieba(t)]
    assert len(texts) == 6000 and diffs == []


def test_fast_cut_equals_jieba_on_odd_input():
    seg = get_segmenter()
    for text in ("", " ", "\r\n", "abc  def\u3000中文\u00a0x", "𠀀𠀁 ㈠①②", "发(fā)展 C++ 3.14% a-b_c#d&e",
                 "隳朩奣龘靐齉爩", "hello世界2019年12月31日", "魍魉魑魅一二三四五六七八九十", "x" * 300 + "中" * 300):
        assert seg.cut(text) == seg.cut_jieba(text), text


def test_hmm_cut_equals_jieba_finalseg():
    import random

    from jieba import finalseg

    from yuqing.nlp.segmenter import hmm_cut

    rng = random.Random(5)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)] + list("ab1.5%xy ，")
    for _ in range(3000):
        s = "".join(rng.choice(chars) for _ in range(rng.randrange(1, 25)))
        out: list[str] = []
        hmm_cut(s, out)
        assert out == list(finalseg.cut(s)), s
