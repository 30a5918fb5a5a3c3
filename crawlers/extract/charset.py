"""Decode crawled HTML bytes without trusting the declared charset.

Real pages lie: several declare ``gb2312`` but are UTF-8, some declare nothing,
some really are GBK/GB18030. Strict UTF-8 validity is checked first because a
non-trivial GBK text almost never happens to be valid UTF-8, while UTF-8 decoded
as GBK always "succeeds" and yields mojibake.
"""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)

# Chinese legacy charsets are all subsets of GB18030; decoding with the superset
# avoids losing characters that publishers used beyond the declared set.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
    "hz-gb-2312": "gb18030",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",  # browsers treat latin-1 as windows-1252
    "latin1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
}


def normalise_charset(name: str | None) -> str | None:
    """Map a declared charset to the Python codec we actually use, or None if unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def sniff_declared(body: bytes) -> str | None:
    """Charset declared inside the document (BOM, XML declaration or <meta>)."""
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = body[:4096]
    m = _XML_DECL.search(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "ignore") if m else None


def _cjk_share(text: str) -> float:
    if not text:
        return 0.0
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return cjk / len(text)


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding)`` for an HTML body.

    Order: BOM, strict UTF-8, declared charset (HTTP header ``declared`` first,
    then the document's own meta), charset-normalizer, and finally UTF-8 with
    replacement characters so that the caller always gets text.
    """
    if not body:
        return "", "utf-8"
    if isinstance(body, str):  # tolerate callers passing text
        return body, "unicode"
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace"), "utf-8"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", "replace"), "utf-16"
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        # A page truncated mid-character is still UTF-8: tolerate a bad tail.
        if exc.start >= len(body) - 3 and exc.start > 0:
            return body[: exc.start].decode("utf-8"), "utf-8"
    candidates: list[str] = []
    for name in (declared, sniff_declared(body)):
        codec = normalise_charset(name)
        if codec and codec != "utf-8" and codec not in candidates:
            candidates.append(codec)
    for codec in candidates:
        try:
            return body.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            continue
    guessed = _guess(body)
    if guessed:
        return guessed
    # A declared charset with a few broken bytes beats guessing blindly.
    for codec in candidates:
        text = body.decode(codec, "replace")
        if text.count("\ufffd") < max(5, len(text) // 200):
            return text, codec
    return body.decode("utf-8", "replace"), "utf-8"


def _guess(body: bytes) -> tuple[str, str] | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # optional at import time; GB18030 fallback below still works
        from_bytes = None
    if from_bytes is not None:
        best = from_bytes(body[:200_000]).best()
        if best is not None and best.encoding:
            codec = normalise_charset(best.encoding) or best.encoding
            # charset-normalizer sometimes picks a single-byte codepage for
            # Chinese; prefer GB18030 when it decodes cleanly into CJK text.
            try:
                text = body.decode(codec)
            except (UnicodeDecodeError, LookupError):
                text = None
            if text is not None and _cjk_share(text) > 0.02:
                return text, codec
            alt = _try_gb(body)
            if alt:
                return alt
            if text is not None:
                return text, codec
    return _try_gb(body)


def _try_gb(body: bytes) -> tuple[str, str] | None:
    try:
        text = body.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return (text, "gb18030") if _cjk_share(text) > 0.02 else None
