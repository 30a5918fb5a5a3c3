"""``[sources.api.auth]``: the key or token of a platform's official open API (微博开放平台's ``access_token``, …).

The key comes from an environment variable (``key_env``, preferred: it never sits in a file or in the stored
configuration) or from the configuration itself (``key``, allowed; docs/deployment.md warns about it). It is sent
as a header (``header`` with ``template``, default ``Authorization: Bearer {key}``) or as a query parameter
(``param``). Everything is checked when the configuration loads; a variable that is missing is found at crawl time
and reported in source health as ``auth_missing``.

The key must never be shown: :func:`mask_secrets` hides it in anything printed from the configuration (``config
export``, the audit note of a dashboard change) and :func:`redact` removes it from any text built from a keyed URL.
"""

from __future__ import annotations

import copy
import os
import re
from typing import Any

from yuqing.checker import Checker

AUTH_KEYS = {"key", "key_env", "header", "template", "param"}
MASK = "******（已隐藏）"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP header name


class AuthMissing(Exception):
    """The environment variable that should hold the key is not set; the message says which, in Chinese."""


def parse_auth(c: Checker) -> dict[str, str]:
    """A checked ``[sources.api.auth]``: exactly one of key/key_env, a header or a query parameter."""
    c.reject_unknown(AUTH_KEYS)
    has_key, has_env = "key" in c.data, "key_env" in c.data
    if has_key and has_env:
        raise c.fail("key_env", "key 与 key_env 只能写一个（推荐 key_env：密钥放在环境变量中，不写进配置文件）")
    if not (has_key or has_env):
        raise c.fail("key_env", "应写 key_env（存放密钥的环境变量名，推荐）或 key（密钥本身）")
    out = {"key_env": "", "key": "", "header": "", "template": "", "param": ""}
    if has_env:
        out["key_env"] = c.get("key_env", str)
        if not _ENV_NAME.match(out["key_env"]):
            raise c.fail("key_env", f"「{out['key_env']}」不是有效的环境变量名（字母、数字、下划线，不以数字开头）")
    else:
        out["key"] = c.get("key", str)
        if not out["key"].strip():
            raise c.fail("key", "密钥为空")
    if "param" in c.data:
        if "header" in c.data or "template" in c.data:
            raise c.fail("param", "密钥放在查询参数（param）或请求头（header/template）中，只能选一种")
        out["param"] = c.get("param", str)
        if not out["param"].strip():
            raise c.fail("param", "查询参数名为空")
        return out
    out["header"] = c.get("header", str, "Authorization")
    if not _TOKEN.match(out["header"]):
        raise c.fail("header", f"「{out['header']}」不是有效的请求头名称")
    out["template"] = c.get("template", str, "Bearer {key}")
    if out["template"].count("{key}") != 1 or re.search(r"\{(?!key\})|(?<!\{key)\}", out["template"]):
        raise c.fail("template", f"「{out['template']}」应包含且只包含一个 {{key}} 占位符，例如 \"Bearer {{key}}\"")
    return out


def resolve_key(auth: dict[str, str], environ: Any = None) -> str:
    """The key itself: from the environment variable, or the configured one. Raises AuthMissing."""
    if auth.get("key"):
        return auth["key"]
    value = (os.environ if environ is None else environ).get(auth["key_env"], "")
    if not value.strip():
        raise AuthMissing(f"环境变量 {auth['key_env']} 未设置或为空：接口需要密钥（[sources.api.auth] key_env），"
                          f"请在运行采集的环境中设置它")
    return value.strip()


def auth_headers(auth: dict[str, str], key: str) -> dict[str, str]:
    return {auth["header"]: auth["template"].replace("{key}", key)} if auth.get("header") else {}


def redact(text: str, key: str | None) -> str:
    """``text`` with every occurrence of the key (as it is, and URL-encoded) replaced by the mask."""
    if not key or not text:
        return text
    from urllib.parse import quote, quote_plus

    for form in {key, quote(key, safe=""), quote_plus(key)}:
        text = text.replace(form, "***")
    return text


def mask_secrets(data: Any) -> Any:
    """A copy of configuration data (a whole file's, a ``[[sources]]`` item, or a list of them) with every
    ``[sources.api.auth]`` ``key`` replaced by the mask; ``key_env`` (a variable's name) is kept."""
    data = copy.deepcopy(data)

    def one(source: Any) -> None:
        auth = source.get("api", {}).get("auth") if isinstance(source, dict) and isinstance(source.get("api"), dict) \
            else None
        if isinstance(auth, dict) and "key" in auth:
            auth["key"] = MASK

    if isinstance(data, dict) and isinstance(data.get("sources"), list):
        for s in data["sources"]:
            one(s)
    elif isinstance(data, list):
        for s in data:
            one(s)
    else:
        one(data)
    return data
