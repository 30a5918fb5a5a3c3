"""``[sources.api]`` of a ``type = "api"`` source: a JSON API described in the configuration, not in code.

A list endpoint (the source's ``start_urls``) gives records at a JMESPath (``records``); paging is by page number,
offset or cursor; each record's public URL (its identity) comes from a template, and an optional detail endpoint
is fetched for each new record. ``[sources.api.fields]`` maps our document's fields to JMESPath expressions over
the record (merged with its detail). Everything is checked when the configuration loads: a bad expression names
its key path and the error in Chinese, so a broken mapping never reaches a crawl.

Templates (``item_url``, ``detail_url``) are text with ``{expression}`` placeholders, each a JMESPath over the
record: ``"/hotline/case/{id}"``, ``"https://weibo.example/{user.id}/{mid}"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jmespath
from jmespath import exceptions as jp_errors
from jmespath.parser import ParsedResult

from yuqing.checker import Checker, ConfigError
from yuqing.config_auth import parse_auth

PAGING = ("page", "offset", "cursor", "none")
#: ``[sources.api.fields]`` keys → what they fill. ``comments`` is the document's ``replies`` count.
FIELD_KEYS = {
    "title": "标题", "content": "正文", "time": "发布时间", "author": "作者", "author_id": "作者账号 ID",
    "verified": "认证账号（true/false）", "official": "政务/机构账号（true/false）", "followers": "粉丝数",
    "reply": "官方答复正文", "reply_department": "答复单位", "reply_time": "答复时间", "status": "办理状态",
    "category": "分类", "likes": "点赞数", "reposts": "转发数", "comments": "评论数", "views": "阅读数",
    "region": "地区", "repost_of": "转发的原帖（网址或原帖记录）",
}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
API_KEYS = {"records", "paging", "page_param", "first_page", "offset_param", "page_size", "size_param",
            "cursor_param", "next_cursor", "has_more", "item_url", "detail_url", "detail_root", "login_wall",
            "kind", "time_format", "max_retry_after", "fields", "auth"}


def _explain(exc: jp_errors.JMESPathError) -> str:
    """A JMESPath parse error in Chinese: where in the expression and what was found there."""
    if isinstance(exc, jp_errors.IncompleteExpressionError):
        return "表达式不完整"
    if isinstance(exc, jp_errors.LexerError):
        return f"第 {int(getattr(exc, 'lexer_position', 0)) + 1} 个字符「{getattr(exc, 'lexer_value', '')}」无法识别"
    if isinstance(exc, jp_errors.ParseError):
        token = getattr(exc, "token_value", None)
        return f"第 {int(getattr(exc, 'lex_position', 0)) + 1} 个字符附近语法错误（遇到「{token}」）"
    return f"语法错误（{type(exc).__name__}）"


@lru_cache(maxsize=1024)
def compile_path(expression: str) -> ParsedResult:
    return jmespath.compile(expression)


def check_path(c: Checker, name: str, expression: Any, *, key: str | None = None) -> str:
    """A JMESPath expression, compiled to prove it parses; a bad one is a ConfigError naming ``key``."""
    key = key or c.key(name)
    if not isinstance(expression, str) or not expression.strip():
        raise ConfigError(c.file, key, f"应为非空的 JMESPath 表达式（字符串），实际为 {expression!r}")
    try:
        compile_path(expression)
    except jp_errors.JMESPathError as exc:
        raise ConfigError(c.file, key, f"JMESPath 表达式「{expression}」无效：{_explain(exc)}") from None
    return expression


def check_template(c: Checker, name: str, template: Any) -> str:
    """A URL template whose ``{…}`` placeholders are JMESPath expressions (at least one), each checked."""
    if not isinstance(template, str) or not template.strip():
        raise c.fail(name, f"应为网址模板（字符串），实际为 {template!r}")
    found = _PLACEHOLDER.findall(template)
    if not found:
        raise c.fail(name, f"网址模板「{template}」没有 {{…}} 占位符，每条记录会得到同一个网址")
    for expression in found:
        check_path(c, name, expression, key=f"{c.key(name)} 中的 {{{expression}}}")
    return template


@dataclass(frozen=True)
class ApiSpec:
    """A validated ``[sources.api]``: plain strings (the crawler compiles them once, cached)."""

    records: str
    item_url: str
    fields: dict[str, str]
    paging: str = "page"
    page_param: str = "page"
    first_page: int = 1
    offset_param: str = "offset"
    page_size: int = 20
    size_param: str = ""
    cursor_param: str = "cursor"
    next_cursor: str = ""
    has_more: str = ""
    detail_url: str = ""
    detail_root: str = "@"
    login_wall: str = ""
    kind: str = "post"
    time_format: str = ""
    max_retry_after: float = 120.0
    #: ``[sources.api.auth]`` (yuqing.config_auth): the open API's key, from the environment or the configuration.
    auth: dict[str, str] = field(default_factory=dict)

    def as_settings(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def parse_api(c: Checker) -> dict[str, Any]:
    """``[sources.api]`` of a ``type = "api"`` source, checked; returned as the plain settings the spider reads."""
    c.reject_unknown(API_KEYS)
    paging = c.get("paging", str, "page", choices=PAGING)
    fields_c = c.section("fields")
    fields_c.reject_unknown(FIELD_KEYS)
    fields = {k: check_path(fields_c, k, fields_c.data[k]) for k in fields_c.data}
    if not ({"title", "content"} & set(fields)):
        raise fields_c.fail("title", "至少需要映射 title 或 content 之一（文档不能既无标题又无正文）")
    spec = ApiSpec(
        records=check_path(c, "records", c.get("records", str)),
        item_url=check_template(c, "item_url", c.get("item_url", str)),
        fields=fields, paging=paging,
        page_param=c.get("page_param", str, "page"), first_page=c.get("first_page", int, 1, minimum=0),
        offset_param=c.get("offset_param", str, "offset"),
        page_size=c.get("page_size", int, 20, minimum=1, maximum=1000), size_param=c.get("size_param", str, ""),
        cursor_param=c.get("cursor_param", str, "cursor"),
        next_cursor=check_path(c, "next_cursor", c.get("next_cursor", str)) if paging == "cursor"
        else _optional_path(c, "next_cursor"),
        has_more=_optional_path(c, "has_more"),
        detail_url=check_template(c, "detail_url", c.get("detail_url", str)) if "detail_url" in c.data else "",
        detail_root=check_path(c, "detail_root", c.get("detail_root", str, "@")),
        login_wall=_optional_path(c, "login_wall"),
        kind=c.get("kind", str, "post", choices=("post", "article")),
        time_format=_time_format(c),
        max_retry_after=c.get("max_retry_after", float, 120.0, minimum=0, maximum=3600),
        auth=parse_auth(c.section("auth")) if "auth" in c.data else {},
    )
    return spec.as_settings()


def _time_format(c: Checker) -> str:
    """An strptime format (``%Y-%m-%d %H:%M:%S``); one without any % directive cannot read a time."""
    fmt = c.get("time_format", str, "")
    if fmt and "%" not in fmt:
        raise c.fail("time_format", f"「{fmt}」不是 strptime 时间格式（例如 %Y-%m-%d %H:%M:%S）")
    return fmt


def _optional_path(c: Checker, name: str) -> str:
    return check_path(c, name, c.get(name, str)) if name in c.data else ""


def api_spec(settings: dict[str, Any]) -> ApiSpec:
    """The ``ApiSpec`` of a source's validated ``settings["api"]``."""
    known = ApiSpec.__dataclass_fields__
    return ApiSpec(**{k: v for k, v in settings.items() if k in known})
