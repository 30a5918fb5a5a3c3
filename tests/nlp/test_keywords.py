from yuqing.nlp.keywords import is_keyword_candidate, keywords
from yuqing.nlp.segment import get_segmenter


def _words(text):
    seg = get_segmenter()
    return seg.content_words(seg.cut(text))


def test_keywords_name_what_the_message_is_about():
    text = (
        "反映A5区东澜湾社区幼儿园一直没开工的问题。小区小孩子特别多，附近的幼儿园一直没开工，"
        "社区医疗卫生服务中心也没有动静，希望领导督促尽快建设幼儿园。"
    )
    kw = keywords(_words(text), k=5)
    assert len(kw) == 5
    assert kw[0] == "幼儿园"
    assert "东澜湾" in kw


def test_place_codes_numbers_and_generic_words_removed():
    tokens = ["A3区", "B市", "C4县", "2019", "12.5", "3月", "问题", "希望", "地铁", "地铁", "施工", "噪音"]
    kw = keywords(tokens, k=8)
    assert set(kw) == {"地铁", "施工", "噪音"}
    assert kw[0] == "地铁"  # the repeated word ranks first


def test_k_and_empty_input():
    assert keywords([], k=8) == []
    assert keywords(["地铁", "噪音"], k=0) == []
    assert len(keywords(_words("地铁施工噪音扰民，夜间施工违反规定，居民无法休息。"), k=2)) == 2


def test_candidate_filter():
    assert is_keyword_candidate("供水")
    assert not is_keyword_candidate("水")
    assert not is_keyword_candidate("A12区")
    assert not is_keyword_candidate("2019年")
