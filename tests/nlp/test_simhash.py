import os
import subprocess
import sys

import pytest

from yuqing.nlp.segment import get_segmenter
from yuqing.nlp.simhash import from_hex, hamming, simhash, to_hex

POST = "反映A5区东澜湾社区幼儿园一直没开工，小孩上学难，社区医疗卫生服务中心没有动静，希望尽快解决幼儿园和看病问题"
REPOST = "反映A5区东澜湾社区幼儿园一直没有开工，小孩上学难，社区医疗卫生服务中心没动静，希望尽快解决幼儿园问题"
OTHER = "市交通运输局关于公交线路调整的通知，102路公交车因道路施工临时改道运行"


def _tok(text):
    seg = get_segmenter()
    return seg.content_words(seg.cut(text))


def test_near_duplicate_closer_than_unrelated():
    a, b, c = simhash(_tok(POST)), simhash(_tok(REPOST)), simhash(_tok(OTHER))
    assert hamming(a, b) < hamming(a, c)
    assert hamming(a, b) <= 16
    assert hamming(a, c) > 16


def test_stable_across_processes_with_different_hash_seeds():
    tokens = ["幼儿园", "社区", "开工", "幼儿园"]
    code = "from yuqing.nlp.simhash import simhash, to_hex; print(to_hex(simhash(%r)))" % (tokens,)
    outs = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                             cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
        outs.add(out.stdout.strip())
    assert outs == {to_hex(simhash(tokens))}


def test_term_frequency_weighting_matters():
    # Five votes for 供水 outweigh one for 停电 on every bit, so the fingerprint is 供水's own;
    # with equal counts the two disagree on some bits and the result differs.
    assert simhash(["供水"] * 5 + ["停电"]) == simhash(["供水"])
    assert simhash(["供水", "停电"]) != simhash(["供水"])


def test_hex_roundtrip_and_width():
    h = simhash(_tok(POST))
    s = to_hex(h)
    assert len(s) == 16 and from_hex(s) == h
    assert to_hex(1) == "0000000000000001"
    with pytest.raises(ValueError, match="十六进制"):
        from_hex("xyz")


def test_empty_and_bits():
    assert simhash([]) == 0
    assert simhash(["供水"], bits=128) < (1 << 128)
    with pytest.raises(ValueError):
        simhash(["供水"], bits=10)
