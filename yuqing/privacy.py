"""Personal information masking for everything displayed or exported.

In the kernel because every stage that shows text needs it: alerts (notifications, ``alerts show``), the dashboard
and reports. Stored text stays unmasked (until the retention job masks it, see ``DocumentStore.purge_raw``) so
officers can act on it; anything shown or exported goes through :func:`mask_pii`.

The masker is one table, :data:`RULES`: a name, a compiled pattern, a replacement that may decline a match its
validator rejects (an ID number's province and birth date, a bank card's Luhn sum, a name's surname), and the
substrings a text must hold for the rule to be worth running. Patterns run on a copy of the text in which
full-width letters and digits (``１３８``, ``ｗｘｉｄ``) are folded to ASCII one for one, so positions agree and the
output keeps the writer's own characters around the masked digits; the two copies are edited in step. URLs are
matched first and fenced off: their digits are article ids and dates, not anyone's phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Callable

# -- validators ------------------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# First two digits of a resident ID number: the province (GB/T 2260), 71/81/82/83 for Taiwan, HK, Macao.
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def _valid_date(y: int, m: int, d: int) -> bool:
    try:
        born = date(y, m, d)
    except ValueError:
        return False
    return date(1880, 1, 1) <= born <= date.today()


def is_valid_id18(s: str) -> bool:
    """A well-formed 18-digit ID number: province, birth date and check digit all hold."""
    return _plausible_id18(s) and id_check_digit(s[:17]) == s[17].upper()


def _plausible_id18(s: str) -> bool:
    # The check digit is not required: a number copied with one wrong digit still identifies a person.
    return (len(s) == 18 and s[:17].isdigit() and s[:2] in _PROVINCES
            and _valid_date(int(s[6:10]), int(s[10:12]), int(s[12:14])))


def _plausible_id15(s: str) -> bool:
    # Old IDs have no check digit: province and a real birth date (19yy) must hold.
    return s[:2] in _PROVINCES and _valid_date(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]))


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 独孤 南宫 西门 端木 申屠 轩辕 百里 呼延 万俟 澹台".split()
)
# Common single-character surnames (the 《百家姓》 head plus the most frequent of today's census): a labelled
# name must start with one, so 「我叫不上名字的小区」 is left alone.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
    "金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜"
    "倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房"
    "滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙"
    "荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伏仝区郜"
)


def _is_person_name(name: str) -> bool:
    return name[:2] in _COMPOUND_SURNAMES or name[0] in _SURNAMES


# -- masking helpers -------------------------------------------------------------------------------------------

# Full-width forms (U+FF01–FF5E) and the ideographic space fold to ASCII, one character for one.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20
_CN_DIGITS = frozenset("〇零一二三四五六七八九十百")


def _fold(text: str) -> str:
    return text.translate(_FOLD)


def _star(orig: str, folded: str, head: int, tail: int, *, cn_digits: bool = False) -> str:
    """Replace the significant characters (Latin letters and digits, of any width) of ``orig`` by ``*``, keeping the
    first ``head`` and last ``tail`` of them and every separator (``138-****-5678``)."""
    marks = [ch.isascii() and ch.isalnum() or (cn_digits and ch in _CN_DIGITS) for ch in folded]
    total = sum(marks)
    out, seen = [], 0
    for ch, significant in zip(orig, marks):
        if significant:
            seen += 1
            if head < seen <= total - tail:
                ch = "*"
        out.append(ch)
    return "".join(out)


def _masker(group: str | int, head: int, tail: int, check: Callable[[str], bool] | None = None,
            *, cn_digits: bool = False) -> Callable[[re.Match, str], str | None]:
    """A replacement masking one group of the match; ``check`` (given the group's digits) may decline the match."""

    def replace(m: re.Match, orig: str) -> str | None:
        start, end = m.span(group)
        if start < 0:
            return None
        folded = m.group(group)
        if check is not None and not check(re.sub(r"[^0-9A-Za-z]", "", folded)):
            return None
        base = m.start()
        inner = orig[start - base:end - base]
        return orig[:start - base] + _star(inner, folded, head, tail, cn_digits=cn_digits) + orig[end - base:]

    return replace


def _mask_account(m: re.Match, orig: str) -> str | None:
    """QQ and WeChat accounts: show two characters at each end of long ones, one of short ones."""
    if "公众" in m.string[max(0, m.start() - 8):m.start()]:
        return None  # 「微信公众号（微信号：cssbwg）」 is an office's public account, not a person's
    keep = 2 if len(m.group("id")) >= 8 else 1
    return _masker("id", keep, keep)(m, orig)


def _mask_last4(m: re.Match, orig: str) -> str | None:
    """Landlines: the area code and the exchange stay, the last four digits go (0731-8888****)."""
    return _masker("n", sum(ch.isdigit() for ch in m.group("n")) - 4, 0)(m, orig)


def _mask_email(m: re.Match, orig: str) -> str:
    at = m.start("domain") - m.start() - 1
    return orig[0] + "***" + orig[at:]


_TITLES = ("先生", "女士", "小姐", "老师", "师傅", "同志", "阿姨", "大爷")


def _mask_labelled_name(m: re.Match, orig: str) -> str | None:
    start = m.start("name")
    name = m.group("name")
    around = m.string[start:start + len(name) + 2]
    cuts = [i for i in (around.find(t) for t in _TITLES) if 0 <= i <= len(name)]
    if cuts:
        name = name[:min(cuts)]  # 「联系人：张三先生」 keeps 张三; 「联系人：王先生」 has no name left
    if len(name) == 4 and name[:2] not in _COMPOUND_SURNAMES:
        name = name[:3]  # 「我叫张三丰在…」: after a one-character surname a name is at most three characters
    if len(name) < 2 or not _is_person_name(name) or m.string[start + len(name):start + len(name) + 1] == "*":
        return None  # not a name, or one masked already (欧阳** must not become 欧*)
    offset = start - m.start()
    return orig[:offset] + mask_name(orig[offset:offset + len(name)]) + orig[offset + len(name):]


def _keep(m: re.Match, orig: str) -> str:
    return orig


# -- the table -------------------------------------------------------------------------------------------------

# Digits glued to other digits or Latin letters belong to something else (an order number, a code), and a
# trailing ".5" or a unit makes an amount: every number pattern is fenced by these.
_L = r"(?<![0-9A-Za-z])"
_R = r"(?![0-9A-Za-z]|\.\d)"
_NOT_AMOUNT = r"(?!\s?[元万亿千百%])"
_HAN = r"[\u4e00-\u9fff]"
# Text is folded only when it holds full-width digits or letters (rare); the full-width punctuation of ordinary
# Chinese text (：（）and the ideographic space) is common, so the patterns accept it as written instead.
_SEP = r"[\ \u3000-]"
_SP = r"[\s\u3000]*"
_COLON = r"[:：]?"
_LP, _RP = r"[(（]", r"[)）]"

# A number rule can only match where seven digits stand together (separators allowed): one cheap search decides
# whether the number rules run at all.
_NUMBER = "number"
_NUMBER_RE = re.compile(r"\d(?:[\ \u3000.-]?\d){6}", re.ASCII)


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern
    replace: Callable[[re.Match, str], str | None]  # (match on folded text, original slice) -> masked, or None to keep
    # Run only when the text holds one of these substrings (or a number, for _NUMBER); the common case is skipped.
    needs: tuple[str, ...] | str = ()


def _rx(pattern: str, flags: int = 0) -> re.Pattern:
    return re.compile(pattern, re.ASCII | re.VERBOSE | flags)


_URL_CHARS = r"[-A-Za-z0-9._~:/?\#@!$&*+;=%]"

RULES: tuple[Rule, ...] = (
    # URLs first and kept as they are: their digits are article ids and dates, and spans found here are fenced
    # off from every later rule.
    Rule("url", _rx(r"(?:https?|ftp)://" + _URL_CHARS + r"+|www\.[A-Za-z0-9-]+\." + _URL_CHARS + "+", re.I), _keep,
         ("://", "www.", "WWW.", "Www.")),
    Rule("email", _rx(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"),
         _mask_email, ("@",)),
    # Social-media mentions (//@谢女士: 、@A市发布 ): a handle names a person as much as an author field does. Only
    # where the handle visibly ends (space, colon, punctuation, end of text), so @SUM( and the like stay text.
    Rule("mention", _rx(r"(?<![A-Za-z0-9._%+*-])[@\uff20](?P<name>(?:" + _HAN + r"|[A-Za-z0-9_·-]){2,20})"
                        r"(?=[\s:\uff1a,\uff0c\u3002!\uff01?\uff1f/]|$)"),
         lambda m, orig: orig[0] + mask_name(orig[1:]), ("@", "\uff20")),
    # 18-digit resident ID, spaces allowed anywhere (430102 19900307 1234); province and birth date must hold.
    Rule("id18", _rx(_L + r"(?P<n>\d(?:[\ \u3000]?\d){16}[\ \u3000]?[0-9Xx])" + _R), _masker("n", 3, 2, _plausible_id18),
         _NUMBER),
    Rule("id15", _rx(_L + r"(?P<n>\d{15})" + _R), _masker("n", 3, 2, _plausible_id15), _NUMBER),
    # Bank cards: 16–19 digits, bare or grouped by spaces or dashes, passing Luhn (cards start with 3–6 or 9).
    Rule("bank_card", _rx(_L + r"(?P<n>[3-69](?:" + _SEP + r"?\d){15,18})" + _R),
         _masker("n", 4, 4, lambda d: 16 <= len(d) <= 19 and luhn_ok(d)), _NUMBER),
    # Mobiles, with +86 / 0086 / (+86) and any single separator between digits; 138.1234.5678 in 3-4-4 only.
    Rule("mobile", _rx(_L + r"(?:(?:" + _LP + r"\+?86" + _RP + r"|\+86|0086|86)" + _SEP + r"?)?"
                       r"(?P<n>1[3-9]\d(?:(?:" + _SEP + r"?\d){8}|\.\d{4}\.\d{4}))" + _R + _NOT_AMOUNT),
         _masker("n", 3, 4), _NUMBER),
    # Landlines: area code 010/02x or 0xxx, bracketed or not, separator or not, local number of 7–8 digits
    # (the first is never 0; a real one never starts with 1 either, but 020-12345678 is how people write a number
    # they do not want to give exactly, and a masker that lets a phone-shaped number through is the worse error),
    # an optional extension (kept).
    Rule("landline", _rx(_L + r"(?:" + _LP + r"(?:010|02\d|0[3-9]\d\d)" + _RP + r"|010|02\d|0[3-9]\d\d)" + _SEP + r"?"
                         r"(?P<n>[1-9]\d{2,3}" + _SEP + r"?\d{4})(?:\ ?(?:-|转|ext\.?|分机)\ ?\d{1,5})?" + _R + _NOT_AMOUNT,
                         re.I),
         _mask_last4, _NUMBER),
    # A local number without area code only when labelled (电话：88881234); 5-digit hotlines such as 12345 are not.
    Rule("labelled_phone", _rx(r"(?:电话|座机|固话|联系方式|(?<![A-Za-z])tel)(?:号码|号)?" + _SP + _COLON + _SP + _L
                               + r"(?P<n>[2-8]\d{2,3}-?\d{4})" + _R + _NOT_AMOUNT, re.I),
         _mask_last4, _NUMBER),
    Rule("qq", _rx(r"(?<![A-Za-z])qq(?:号码|号)?" + _SP + _COLON + _SP + _L + r"(?P<id>[1-9]\d{4,11})" + _R, re.I),
         _mask_account, ("q", "Q")),
    Rule("wechat", _rx(r"(?:(?:微信|威信|薇信)(?!公众)(?:号码|号|账号|id)?|(?<![A-Za-z])(?:vx|wx|weixin|wechat)(?:号|id)?)"
                       + _SP + _COLON + _SP + _L + r"(?P<id>[A-Za-z][-_A-Za-z0-9]{5,19}|1[3-9]\d{9})" + _R, re.I),
         _mask_account, ("微信", "威信", "薇信", "x", "X", "chat", "CHAT", "Chat")),
    # Licence plates: province, issuing letter (no I/O), five characters or six for new-energy cars.
    Rule("plate", _rx(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
                      r"(?P<n>[A-HJ-NP-Z][·•\ ]?(?=[A-HJ-NP-Z]{0,2}\d)[A-HJ-NP-Z0-9]{5,6})(?![A-Za-z0-9])"),
         _masker("n", 1, 1)),
    # House numbers: 3栋2单元501室, 3号楼2单元501, 5栋1203, 2单元501室. A building alone (5栋楼下), a floor
    # (10栋1楼) or a building code glued to letters (t1栋6-25层) is not a home.
    Rule("address", _rx(r"(?<![0-9A-Za-z])(?P<n>(?:[0-9〇零一二三四五六七八九十]{1,4}(?:栋|幢|号楼)-?"
                        r"(?:[0-9一二三四五六七八九十]{1,3}(?:单元|门)-?)?"
                        r"|[0-9一二三四五六七八九十]{1,3}单元-?)\d{3,4}(?:室|号|房|户)?)(?![0-9层楼米])"),
         _masker("n", 0, 0, cn_digits=True), ("栋", "幢", "号楼", "单元")),
    # Names after a label: 我叫张三, 姓名：李四, 联系人 王五 (not 联系人：王先生).
    Rule("name", _rx(r"(?:我叫|我的名字是|名叫|本人姓名|姓名|联系人|反映人|投诉人|举报人|来信人|报料人)" + _SP
                     + r"[:：是为]?" + _SP + r"(?P<name>" + _HAN + r"{2,4})"),
         _mask_labelled_name),
)

# Text with none of these cannot hold anything the table masks (plates, cards, IDs and phones have digits;
# labelled names, WeChat ids and Chinese-numeral addresses have their keyword): the common case returns at once.
_HINT_RE = re.compile(r"[0-9０-９@＠]|我叫|名字|名叫|姓名|联系人|反映人|投诉人|举报人|来信人|报料人|微信|威信|薇信"
                      r"|[vVwWｖＶｗＷ][xXｘＸ]|weixin|wechat|栋|幢|号楼|单元", re.I)
# Full-width forms other than the punctuation of ordinary Chinese text (，：；！？（）) make the text worth folding.
_WIDE_RE = re.compile("[" + "".join(re.escape(chr(cp)) for cp in range(0xFF01, 0xFF5F) if chr(cp) not in "，：；！？（）")
                      + "]")


def _needs_fold(text: str) -> bool:
    return _WIDE_RE.search(text) is not None


def _apply(rule: Rule, text: str, folded: str) -> tuple[str, str]:
    pieces, fpieces, last = [], [], 0
    for m in rule.pattern.finditer(folded):
        start, end = m.span()
        replacement = rule.replace(m, text[start:end])
        if replacement is None:
            continue
        pieces += (text[last:start], replacement)
        fpieces += (folded[last:start], "\0" * len(replacement) if rule.replace is _keep else _fold(replacement))
        last = end
    if not pieces:
        return text, folded
    pieces.append(text[last:])
    fpieces.append(folded[last:])
    return "".join(pieces), "".join(fpieces)


def mask_pii(text: str) -> str:
    """Mask every form of personal information in :data:`RULES`, keeping the rest of the text as written.

    138****5678, 0731-8888****, 430*************12, 6222********1234, z***@example.com, QQ：12****78, 湘A****5,
    3号楼*单元***, 我叫张*.
    """
    if not isinstance(text, str):
        raise TypeError(f"mask_pii 需要字符串，收到的是 {type(text).__name__}")
    if not _HINT_RE.search(text):
        return text
    folded = _fold(text) if _needs_fold(text) else text
    has_number = None
    for rule in RULES:
        if rule.needs == _NUMBER:
            if has_number is None:
                has_number = _NUMBER_RE.search(folded) is not None
            if not has_number:
                continue
        elif rule.needs and not any(key in folded for key in rule.needs):
            continue
        text, folded = _apply(rule, text, folded)
    return text


_HAN_NAME_RE = re.compile(r"^[\u4e00-\u9fff·•]{2,}$")


def _stars(n: int) -> str:
    return "*" * n


def mask_name(author: str) -> str:
    """Mask a board author's name: 张三→张*, 张三丰→张**, 欧阳修文→欧阳**, UU008792→UU*****2."""
    if not isinstance(author, str):
        raise TypeError(f"mask_name 需要字符串，收到的是 {type(author).__name__}")
    name = author.strip()
    if not name:
        return name
    if _HAN_NAME_RE.match(name):
        keep = 2 if name[:2] in _COMPOUND_SURNAMES and len(name) >= 3 else 1
        return name[:keep] + _stars(len(name) - keep)
    if len(name) <= 2:
        return name[0] + "*"
    if len(name) <= 4:
        return name[0] + _stars(len(name) - 1)
    # Screen names and user ids: keep a prefix so officers can tell users apart, hide the rest.
    keep = 2
    return name[:keep] + _stars(len(name) - keep - 1) + name[-1]
