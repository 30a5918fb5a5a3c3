"""``yuqing sources test NAME``: fetch the first list page of a JSON API source (and the details of its first few
records), map it with the source's TOML mapping and show the records as documents, personal data masked — so an
officer can check a mapping before the first crawl. Nothing is stored."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any

from yuqing.config import ConfigError
from yuqing.config_api import ApiSpec, api_spec
from yuqing.config_auth import AuthMissing, auth_headers, redact, resolve_key
from yuqing.crawlers.pipelines import item_to_document
from yuqing.crawlers.retry_after import retry_after_seconds
from yuqing.crawlers.spiders.board import with_page
from yuqing.crawlers.spiders.apimap import MappingError, fill, map_record, search
from yuqing.views import DocumentView, build_document_view
from yuqing.vocab import ENGAGEMENT_LABELS


class FetchError(Exception):
    """A page that could not be read; the message says why, in Chinese."""


def fetch_json(url: str, user_agent: str, timeout: float, auth: dict[str, str] | None = None, key: str = "") -> Any:
    """The JSON at ``url``; with ``auth`` and ``key`` (an open API's key, [sources.api.auth]) the key is sent as
    configured. Nothing raised or returned holds the key."""
    # The configured user agent is often Chinese: sent as UTF-8 bytes, as Scrapy sends it.
    headers = {"User-Agent": user_agent.encode("utf-8"), "Accept": "application/json"}
    if auth and key:
        headers.update(auth_headers(auth, key))
        url = with_page(url, auth["param"], key) if auth.get("param") else url
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403) and key:
            raise FetchError(f"HTTP {exc.code}：接口拒绝了配置的密钥（过期、无效或无权限），请检查 [sources.api.auth]") from None
        if exc.code in (401, 403):
            raise FetchError(f"HTTP {exc.code}：接口要求登录（登录墙）") from None
        if exc.code == 429:
            wait = retry_after_seconds(exc.headers.get("Retry-After"))
            raise FetchError("HTTP 429：被限流" + (f"，服务器要求 {wait:g} 秒后再试" if wait is not None else "")) from None
        raise FetchError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(redact(f"无法连接：{getattr(exc, 'reason', exc)}", key)) from None
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise FetchError(redact(f"返回的不是有效 JSON：{exc}", key)[:200]) from None


def try_page(source: Any, spec: ApiSpec, *, user_agent: str, timeout: float, details: int) -> dict[str, Any]:
    """The first page mapped: {"url", "records": [masked document views], "problems": [...], "next": …}."""
    url = source.start_urls[0]
    try:
        key = resolve_key(spec.auth) if spec.auth else ""
    except AuthMissing as exc:
        raise FetchError(str(exc)) from None
    data = fetch_json(url, user_agent, timeout, spec.auth, key)
    if spec.login_wall and search(spec.login_wall, data):
        raise FetchError(f"接口要求登录（login_wall = {spec.login_wall} 为真）")
    records = search(spec.records, data)
    if not isinstance(records, list):
        raise FetchError(f"records（{spec.records}）得到的不是数组，而是 {type(records).__name__}")
    out: list[DocumentView] = []
    problems: list[str] = []
    for i, record in enumerate(records):
        doc_url = fill(spec.item_url, record, url)
        if doc_url is None:
            problems.append(f"第 {i + 1} 条：缺少 item_url（{spec.item_url}）所需的字段")
            continue
        merged = record
        if spec.detail_url and i < details:
            detail_url = fill(spec.detail_url, record, url)
            try:
                detail = search(spec.detail_root, fetch_json(detail_url, user_agent, timeout, spec.auth, key)) if detail_url else None
            except FetchError as exc:
                problems.append(f"第 {i + 1} 条详情 {detail_url}：{exc}")
                detail = None
            merged = {**record, **detail} if isinstance(detail, dict) else record
        try:
            fields = map_record(spec, merged, url)
            doc = item_to_document({"url": doc_url, "source": source.name, "kind": spec.kind,
                                    **{**fields, "region": fields.get("region") or source.region}})
        except (MappingError, ValueError) as exc:
            problems.append(f"第 {i + 1} 条：{exc}")
            continue
        out.append(build_document_view(doc))
    nxt = {"page": "下一页（页码）", "offset": "下一页（偏移）", "none": "不翻页"}.get(spec.paging)
    if spec.paging == "cursor":
        cursor = search(spec.next_cursor, data)
        nxt = f"下一页游标：{cursor}" if cursor not in (None, "") else "没有下一页游标（只有一页）"
    return {"url": url, "records": out, "problems": problems, "next": nxt}


def _show(v: DocumentView) -> str:
    """One mapped record as text, from its (masked) view."""
    L, social = ENGAGEMENT_LABELS, v.social
    account = "，".join(x for x in (
        f"账号 {social.author_id}" if social and social.author_id else "",
        L["verified"] if social and social.verified else "", L["official"] if social and social.official else "",
        f"{L['followers']} {social.followers}" if social and social.followers is not None else "") if x)
    counts = {"likes": v.likes, "reposts": social.reposts if social else 0, "replies": v.replies, "views": v.views}
    when = v.published_at.isoformat() if v.published_at else "（无）"
    lines = [f"- {v.title}", f"  网址：{v.url}", f"  时间：{when}　地区：{v.region or '（无）'}",
             f"  作者：{v.author or '（无）'}" + (f"（{account}）" if account else ""),
             "  " + "　".join(f"{L[k]} {n}" for k, n in counts.items())]
    if social and social.repost_of:
        lines.append(f"  转发自：{social.repost_of}")
    if v.reply:
        lines.append(f"  答复（{v.reply_department or '未注明单位'}）：{v.reply[:60]}")
    lines.append(f"  正文：{v.snippet[:80]}")
    return "\n".join(lines)


def source_test_main(argv: list[str] | None, app: Any) -> int:
    parser = argparse.ArgumentParser(prog="yuqing sources test", description="抓取接口来源的第一页并显示映射结果（已脱敏，不入库）")
    parser.add_argument("name", help="来源名称（type = \"api\"）")
    parser.add_argument("--details", type=int, default=3, help="最多请求几条记录的详情接口（默认 3）")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    args = parser.parse_args(argv)
    try:
        source = app.config.source(args.name)
    except ConfigError as exc:
        print(f"错误：{exc.problem}", file=sys.stderr)
        return 2
    if source.type != "api":
        print(f"错误：来源「{source.name}」的类型是 {source.type}；sources test 只用于 type = \"api\" 的接口来源",
              file=sys.stderr)
        return 2
    spec = api_spec(source.settings["api"])
    try:
        result = try_page(source, spec, user_agent=app.config.crawl["user_agent"],
                           timeout=float(source.settings.get("timeout", 20.0)), details=max(0, args.details))
    except FetchError as exc:
        print(f"错误：{source.start_urls[0]}：{exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({**result, "records": [r.to_dict() for r in result["records"]]}, ensure_ascii=False, indent=2))
        return 0 if result["records"] else 1
    print(f"{source.name}：{result['url']} 得到 {len(result['records'])} 条记录；{result['next']}")
    for r in result["records"]:
        print(_show(r))
    for p in result["problems"]:
        print(f"⚠ {p}")
    if not result["records"]:
        print("没有映射出任何记录：请检查 records 表达式，或该接口此刻为空")
        return 1
    return 0
