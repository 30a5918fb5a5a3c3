"""Shares and authors (issue 19): the social fields of a record as ``Document`` takes them, checked once for the
two ways records arrive (``yuqing ingest`` JSON lines and crawled items), and the configured account list
(``[[accounts]]``: 官方账号 / 重点账号 / 媒体) that gives the heat index its authority weights per author.

Kernel module: imports only the kernel (model, checker, vocab).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Mapping

from yuqing.checker import Checker
from yuqing.model import Document
from yuqing.vocab import ACCOUNT_KIND_LABELS, AccountKind

MAX_COUNT = 2_147_483_647  # as ingest caps every count: the stores keep 32-bit integers (Elasticsearch "integer")
_TRUE = {"true", "1", "yes", "y", "是", "已认证"}
_FALSE = {"false", "0", "no", "n", "否", "未认证", ""}


def _count(value: Any, key: str, *, unknown: Any = 0) -> Any:
    if value is None or value == "":
        return unknown
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"字段 {key} 应为非负整数，实际为 {value!r}"[:120])
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        raise ValueError(f"字段 {key} 应为非负整数，实际为 {value!r}"[:120]) from None
    if not number.is_integer() or not 0 <= number <= MAX_COUNT:
        raise ValueError(f"字段 {key} 应为 0 到 {MAX_COUNT} 之间的整数，实际为 {value!r}"[:120])
    return int(number)


def _flag(value: Any, key: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(f"字段 {key} 应为 true 或 false，实际为 {value!r}"[:120])


def _text(value: Any, key: str, limit: int) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"字段 {key} 应为字符串，实际为 {value!r}"[:120])
    text = str(value).strip()
    if len(text) > limit:
        raise ValueError(f"字段 {key} 过长（{len(text)} 个字符，上限 {limit}）")
    return text or None


def social_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """``Document`` keyword arguments for a record's ``reposts``, ``author_id``, ``author_verified``,
    ``author_official``, ``author_followers`` and ``repost_of``; raises ValueError naming the bad field."""
    repost_of = _text(record.get("repost_of"), "repost_of", 2000)
    if repost_of and not repost_of.startswith(("http://", "https://")):
        raise ValueError(f"字段 repost_of 应为 http(s) 网址，实际为 {repost_of[:60]!r}")
    return {"reposts": _count(record.get("reposts"), "reposts"),
            "author_id": _text(record.get("author_id"), "author_id", 200),
            "author_verified": _flag(record.get("author_verified"), "author_verified"),
            "author_official": _flag(record.get("author_official"), "author_official"),
            "author_followers": _count(record.get("author_followers"), "author_followers", unknown=None),
            "repost_of": repost_of}


# -- the account list ------------------------------------------------------------------------------------------
#: Authority weight of an account of each kind when ``[[accounts]]`` does not give one.
DEFAULT_WEIGHTS = {AccountKind.OFFICIAL.value: 3.0, AccountKind.MEDIA.value: 2.0, AccountKind.KEY.value: 1.5}


@dataclass(frozen=True)
class Account:
    kind: str  # AccountKind value
    weight: float
    name: str | None = None
    author_id: str | None = None
    source: str | None = None  # only posts of this source match (ids are per platform)


@dataclass(frozen=True)
class AccountList:
    """``[[accounts]]``: which authors are official, media or key accounts, and their authority weights.
    ``platform_official`` is the weight of an author the platform itself marks official (政务认证) and the list
    does not name (0 turns that off)."""

    accounts: tuple[Account, ...] = ()
    platform_official: float = DEFAULT_WEIGHTS[AccountKind.OFFICIAL.value]
    _by_id: dict = field(default_factory=dict, compare=False, repr=False)
    _by_name: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for a in self.accounts:
            if a.author_id:
                self._by_id[(a.source, a.author_id)] = a
            if a.name:
                self._by_name[(a.source, a.name)] = a

    def match(self, doc: Document) -> Account | None:
        """The listed account that wrote ``doc`` (by id first, then name; a source-specific entry first); else an
        official account when the platform says so; else None."""
        for key, table in ((doc.author_id, self._by_id), (doc.author, self._by_name)):
            if key:
                found = table.get((doc.source, key)) or table.get((None, key))
                if found:
                    return found
        if doc.author_official and self.platform_official > 0:
            return Account(AccountKind.OFFICIAL.value, self.platform_official)
        return None


def account_key(doc: Document) -> str:
    """A short pseudonym of a document's author (to count distinct accounts without keeping names in event state)."""
    who = doc.author_id or doc.author or doc.id
    return hashlib.sha256(f"{doc.source}\x1f{who}".encode("utf-8")).hexdigest()[:12]


def parse_accounts(root: Checker) -> AccountList:
    """``[[accounts]]`` (and ``[account_weights]``) of the configuration file, checked."""
    weights_c = root.section("account_weights")
    weights_c.reject_unknown({*(k.value for k in AccountKind), "platform_official"})
    weights = {k: weights_c.get(k, float, v, minimum=0, maximum=100) for k, v in DEFAULT_WEIGHTS.items()}
    platform = weights_c.get("platform_official", float, weights[AccountKind.OFFICIAL.value], minimum=0, maximum=100)
    kinds = {**{k.value: k.value for k in AccountKind}, **{label: k for k, label in ACCOUNT_KIND_LABELS.items()}}
    out = []
    seen: set[tuple] = set()
    for c in root.items("accounts"):
        c.reject_unknown({"kind", "name", "id", "source", "weight"})
        raw_kind = c.get("kind", str)
        if raw_kind not in kinds:
            raise c.fail("kind", f"「{raw_kind}」不是账号类别，可选：{'、'.join(ACCOUNT_KIND_LABELS.values())}")
        kind = kinds[raw_kind]
        name, author_id = c.get("name", str, None), c.get("id", (str, int), None)
        if not (name or author_id):
            raise c.fail("name", "至少需要 name（账号名称）或 id（平台账号 ID）之一")
        author_id = str(author_id) if author_id is not None else None
        source = c.get("source", str, None)
        key = (source, author_id or "", name or "")
        if key in seen:
            raise c.fail("name", f"账号「{name or author_id}」重复列出")
        seen.add(key)
        out.append(Account(kind, c.get("weight", float, weights[kind], minimum=0, maximum=100), name, author_id, source))
    return AccountList(tuple(out), platform)
