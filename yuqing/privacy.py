"""Personal information masking for everything displayed or exported (phones, ID and bank numbers, e-mails, names).

In the kernel because every stage that shows text needs it: alerts (notifications, ``alerts show``), the dashboard
and reports. Stored text stays unmasked so officers can act on it and processing can be re-run; anything shown or
exported goes through :func:`mask_pii`. Validation (ID check digit, birth date, Luhn) keeps dates such as 20190907,
amounts and document numbers (国办发〔2016〕80号) untouched.
"""

from __future__ import annotations

import re
from datetime import date

# Digits glued to other digits or Latin letters are part of something else (an order number,
# a URL, a longer code), so every pattern is fenced by these look-arounds.
_L = r"(?<![0-9A-Za-z])"
_R = r"(?![0-9A-Za-z]|[.．]\d)"  # 0731-88881234.59元 is an amount, not a phone

_ID18_RE = re.compile(_L + r"([1-8]\d{5})((?:18|19|20)\d{2})(\d{2})(\d{2})(\d{3})([0-9Xx])" + _R)
_ID15_RE = re.compile(_L + r"([1-8]\d{5})(\d{2})(\d{2})(\d{2})(\d{3})" + _R)
# An 11-digit run followed by a unit (15000000000元) is an amount, not a phone.
_MOBILE_RE = re.compile(_L + r"(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})" + _R + r"(?![元万亿千百%％])")
# Landlines need a visible area-code separator (0731-88881234, (0731)88881234): bare
# 11–12-digit runs starting with 0 are more often codes than phone numbers.
_LANDLINE_RE = re.compile(_L + r"([(（]?0\d{2,3}[)）]?[- ]?|[(（]0\d{2,3}[)）])(\d{3,4})(\d{4})(?:-(\d{1,5}))?" + _R)
_LANDLINE_SEP_RE = re.compile(r"^[(（]?0\d{2,3}(?:[)）][- ]?|[- ])$")
_CARD_RE = re.compile(_L + r"(\d{4}(?:[ -]?\d{4}){2}[ -]?\d{4,7})" + _R)
_EMAIL_RE = re.compile(r"(?<![\w.+-])([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


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
    if len(s) != 18 or not s[:17].isdigit() or s[0] == "0":
        return False
    if not _valid_date(int(s[6:10]), int(s[10:12]), int(s[12:14])):
        return False
    return id_check_digit(s[:17]) == s[17].upper()


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


def _stars(n: int) -> str:
    return "*" * n


def _mask_id18(m: re.Match) -> str:
    s = m.group(0)
    return s[:3] + _stars(13) + s[-2:] if is_valid_id18(s) else s


def _mask_id15(m: re.Match) -> str:
    s = m.group(0)
    # Old IDs have no check digit: the region's first digit and a real birth date (19yy) must hold.
    if not _valid_date(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12])):
        return s
    return s[:3] + _stars(10) + s[-2:]


def _mask_mobile(m: re.Match) -> str:
    # Keep any +86 prefix and the writer's separators: 138-1234-5678 -> 138-****-5678.
    s, base = m.group(0), m.start()
    return s[: m.start(2) - base] + "****" + s[m.end(2) - base :]


def _mask_landline(m: re.Match) -> str:
    area, mid, ext = m.group(1), m.group(2), m.group(4)  # group 3, the last digits, is masked
    if not _LANDLINE_SEP_RE.match(area):
        return m.group(0)
    return f"{area}{mid}****" + (f"-{ext}" if ext else "")


def _mask_card(m: re.Match) -> str:
    s = m.group(0)
    digits = re.sub(r"[ -]", "", s)
    if not 16 <= len(digits) <= 19 or not luhn_ok(digits) or digits[0] == "0":
        return s
    return digits[:4] + _stars(len(digits) - 8) + digits[-4:]


def _mask_email(m: re.Match) -> str:
    user, domain = m.group(1), m.group(2)
    return f"{user[0]}***@{domain}"


def mask_pii(text: str) -> str:
    """Mask mobile/landline numbers, resident ID numbers, bank cards and e-mail addresses.

    138****5678, 0731-8888****, 430*************12, 6222********1234, a***@example.com.
    Order matters: ID numbers before bank cards (an 18-digit ID can pass Luhn), and phones last.
    """
    if not isinstance(text, str):
        raise TypeError(f"mask_pii 需要字符串，收到的是 {type(text).__name__}")
    if not any(ch.isdigit() for ch in text) and "@" not in text:
        return text
    text = _EMAIL_RE.sub(_mask_email, text)
    text = _ID18_RE.sub(_mask_id18, text)
    text = _ID15_RE.sub(_mask_id15, text)
    text = _CARD_RE.sub(_mask_card, text)
    text = _MOBILE_RE.sub(_mask_mobile, text)
    text = _LANDLINE_RE.sub(_mask_landline, text)
    return text


_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 独孤 南宫 西门 端木 申屠 轩辕 百里 呼延 万俟 澹台".split()
)
_HAN_NAME_RE = re.compile(r"^[\u4e00-\u9fff·•]{2,}$")


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
