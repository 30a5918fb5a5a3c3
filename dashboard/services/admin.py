"""The administrator's changes from the dashboard: sources, departments and accounts.

Configuration changes go through the live configuration (:mod:`yuqing.config_store`): checked like the file at
start-up (the kernel's checker and the stages' own checks), audited with before and after, in force at every
process's next cycle. Each function takes the app, the acting user and ``now`` and returns an :class:`Outcome`
whose ``field`` names the form field the checker's key points at, so the page shows the Chinese message there.
Who may act is decided here, from the account as stored now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from yuqing.model import Role, User

SOURCE_TYPE_LABELS = {"news": "新闻网站", "board": "留言板", "feed": "RSS 订阅"}
# Contact keys of the built-in channels, as the department form offers them.
CONTACT_LABELS = {"email": "通知邮箱", "webhook": "Webhook 地址"}
NO_ACCOUNT = "尚无账号：自动派发已暂停，预警待专员人工派发"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    field: str | None = None  # the form field the error belongs to (None: the whole form)


def stored_admin(app: Any, user: User) -> str | None:
    """None if ``user`` is, as stored now, an active administrator; else the Chinese reason."""
    from yuqing.users import is_system_operator

    if is_system_operator(user):
        return None
    stored = app.store.workflow.get_user(user.name)
    if stored is None or not stored.active:
        return f"账号「{user.name}」不存在或已停用"
    if stored.role is not Role.ADMIN:
        return "只有管理员可以修改系统配置"
    return None


_FIELD = re.compile(r"^(?:sources|departments)\[\d+\]\.(\w+)|^alerts\.rules\[\d+\]\.(\w+)")


def field_of(key: str) -> str | None:
    """The form field a checker key points at: ``sources[5].start_urls[0]`` → ``start_urls``."""
    found = _FIELD.match(key or "")
    return (found.group(1) or found.group(2)) if found else None


def change_config(app: Any, user: User, now: datetime, summary: str, edit: Callable[[dict[str, Any]], None]
                  ) -> Outcome:
    from yuqing import config_store
    from yuqing.config import ConfigError
    from yuqing.storage.base import ConcurrentUpdateError

    refused = stored_admin(app, user)
    if refused:
        return Outcome(False, refused)
    try:
        before = app.config_version
        version = config_store.change(app, user.name, now, summary, edit)
    except ConfigError as exc:
        return Outcome(False, f"{exc.problem}（配置项 {exc.key}）", field_of(exc.key))
    except ConcurrentUpdateError as exc:
        return Outcome(False, str(exc))
    if version == before:
        return Outcome(True, "没有改动")
    return Outcome(True, f"已保存为配置第 {version} 版：{summary}。采集、分析与预警在下一轮起使用新配置，无需重启。")


def effective_section(app: Any, name: str) -> Any:
    """A live section of the configuration in force, as configuration data (what the forms edit)."""
    import copy

    return copy.deepcopy(app.config.raw.get(name))


def config_history_rows(app: Any, limit: int = 20) -> list[dict[str, Any]]:
    """The latest configuration versions, newest first, for the admin pages."""
    from yuqing.dashboard.textfmt import fmt_time

    return [{"版本": f"第 {h['version']} 版", "时间": fmt_time(h["at"]), "修改人": h["actor"], "内容": h["summary"]}
            for h in app.store.workflow.config_history(limit)]


# -- sources ---------------------------------------------------------------------------------------------------------
def lines(text: str | None) -> list[str]:
    """A text area's non-empty lines (also split on the Chinese and ASCII list commas)."""
    return [w.strip() for w in re.split(r"[\n、,，]", text or "") if w.strip()]


def source_entry(app: Any, name: str) -> dict[str, Any]:
    return next((s for s in effective_section(app, "sources") or [] if s.get("name") == name), {})


def save_source(app: Any, user: User, now: datetime, original: str | None, values: dict[str, Any]) -> Outcome:
    """Add a source (``original`` None) or edit one; keys the form does not show (politeness, api, selectors)
    are kept as they were."""
    entry = {k: v for k, v in values.items() if v not in (None, "", [])}
    entry["start_urls"] = lines(values.get("start_urls")) if isinstance(values.get("start_urls"), str) \
        else list(values.get("start_urls") or [])
    if not entry["start_urls"]:
        return Outcome(False, "至少需要一个起始网址", "start_urls")

    def edit(raw: dict[str, Any]) -> None:
        sources = raw.setdefault("sources", [])
        if original is None:
            sources.append(entry)
            return
        item = next(s for s in sources if s.get("name") == original)
        for key in ("region", "title"):
            item.pop(key, None)
        item.update(entry)

    what = f"新增来源「{entry.get('title') or entry.get('name')}」" if original is None else f"修改来源「{original}」"
    if original is not None and not source_entry(app, original):
        return Outcome(False, f"来源「{original}」不存在")
    return change_config(app, user, now, what, edit)


def set_source_enabled(app: Any, user: User, now: datetime, name: str, enabled: bool) -> Outcome:
    if not source_entry(app, name):
        return Outcome(False, f"来源「{name}」不存在")

    def edit(raw: dict[str, Any]) -> None:
        next(s for s in raw["sources"] if s.get("name") == name)["enabled"] = enabled

    return change_config(app, user, now, f"{'恢复' if enabled else '暂停'}采集来源「{name}」", edit)


# -- departments -----------------------------------------------------------------------------------------------------
def active_accounts(app: Any) -> dict[str, list[str]]:
    """Department → names of its active accounts."""
    out: dict[str, list[str]] = {}
    for u in app.store.workflow.list_users():
        if u.active and u.department:
            out.setdefault(u.department, []).append(u.name)
    return out


def departments_without_accounts(app: Any) -> list[str]:
    """Departments that can receive alerts but have no active account (their auto-dispatch is held)."""
    accounts = active_accounts(app)
    return [d.name for d in app.config.departments if not accounts.get(d.name)]


def department_rows(app: Any) -> list[dict[str, Any]]:
    accounts = active_accounts(app)
    rows = []
    for d in app.config.departments:
        names = accounts.get(d.name, [])
        rows.append({
            "部门": d.name, "账号": "、".join(names) if names else f"⚠ {NO_ACCOUNT}",
            "负责主题": "、".join(d.topics) or "—", "负责地区": "、".join(d.regions) or "—",
            "督办部门": "是" if d.supervisor else "否",
            "联系方式": "；".join(f"{CONTACT_LABELS.get(k, k)}：{v}" for k, v in d.contact.items()) or "—",
            "群众称呼": "、".join(d.aliases) or "—", "主管事项词": "、".join(d.keywords) or "—",
        })
    return rows


def department_entry(app: Any, name: str) -> dict[str, Any]:
    return next((d for d in effective_section(app, "departments") or [] if d.get("name") == name), {})


def save_department(app: Any, user: User, now: datetime, original: str | None, values: dict[str, Any]) -> Outcome:
    """Add or edit a department: lists from text areas (one per line or separated by 、), contacts kept unless
    given (an empty contact field removes it)."""
    entry: dict[str, Any] = {"name": (values.get("name") or "").strip()}
    for key in ("topics", "regions", "aliases", "keywords"):
        words = lines(values.get(key)) if isinstance(values.get(key), str) else list(values.get(key) or [])
        if words:
            entry[key] = words
    if values.get("supervisor"):
        entry["supervisor"] = True
    contacts = {k: (values.get(k) or "").strip() for k in CONTACT_LABELS if k in values}
    if not entry["name"]:
        return Outcome(False, "部门名称不能为空", "name")

    def edit(raw: dict[str, Any]) -> None:
        departments = raw.setdefault("departments", [])
        if original is None:
            departments.append({**entry, **{k: v for k, v in contacts.items() if v}})
            return
        item = next(d for d in departments if d.get("name") == original)
        kept = {k: v for k, v in item.items() if k not in {"name", "topics", "regions", "aliases", "keywords",
                                                             "supervisor", *contacts}}
        item.clear()
        item.update({**entry, **kept, **{k: v for k, v in contacts.items() if v}})

    if original is not None and not department_entry(app, original):
        return Outcome(False, f"部门「{original}」不存在")
    what = f"新增部门「{entry['name']}」" if original is None else f"修改部门「{original}」"
    return change_config(app, user, now, what, edit)


# -- accounts --------------------------------------------------------------------------------------------------------
def update_account(app: Any, admin: User, name: str, role: str, department: str | None, now: datetime) -> Outcome:
    """Change an account's role and department through :func:`yuqing.accounts.change_role` (as the CLI would):
    checked from the stored account, the last active administrator kept, audited ``account_change``."""
    from yuqing import accounts

    try:
        changed = accounts.change_role(app.store.workflow, admin, name, role, department, now=now)
    except accounts.AccountError as exc:
        message = str(exc)
        return Outcome(False, message, "department" if "部门" in message and "角色" not in message else "role")
    if not changed:
        return Outcome(True, "没有改动")
    return Outcome(True, f"已修改账号「{name}」：{accounts.describe(app.store.workflow.get_user(name))}")


# -- 试采: one page through the crawlers' real extractor, in a subprocess ----------------------------------------
@dataclass(frozen=True)
class TrialView:
    """What the crawler would extract from one page (masked: it is crawled text)."""

    url: str
    title: str
    published_at: str
    source: str
    author: str
    content: str
    article_links: tuple[str, ...]
    next_links: tuple[str, ...]


def trial_crawl(url: str, *, timeout: float = 90.0) -> tuple[TrialView | None, str]:
    """Fetch ``url`` once with the crawlers' extractor (``yuqing extract URL --json --links`` in a subprocess: the
    dashboard imports no stage) and return the masked preview, or None and the Chinese reason."""
    import json
    import subprocess
    import sys
    from urllib.parse import urlsplit

    from yuqing.viewparts import masked

    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(ch.isspace() for ch in url):
        return None, f"「{url}」不是有效的 http(s) 网址"
    try:
        done = subprocess.run([sys.executable, "-m", "yuqing.cli", "extract", url, "--json", "--links"],
                              capture_output=True, text=True, timeout=timeout, encoding="utf-8")
    except subprocess.TimeoutExpired:
        return None, f"试采超时（{timeout:g} 秒内没有完成）：请检查网址是否可访问"
    try:
        result = json.loads(done.stdout) if done.stdout.strip() else None
    except ValueError:
        result = None
    if not isinstance(result, dict):
        reason = (done.stderr or "").strip().splitlines()
        return None, reason[-1] if reason else f"试采失败（退出码 {done.returncode}）"
    links = result.get("links") or {}
    published = result.get("published_at") or ""
    try:
        published = datetime.fromisoformat(published).strftime("%Y-%m-%d %H:%M") if published else ""
    except ValueError:
        pass  # shown as the extractor gave it
    return TrialView(url=url, title=masked(result.get("title")) or "", published_at=published,
                     source=masked(result.get("source")) or "", author=masked(result.get("author")) or "",
                     content=masked(result.get("content")) or "",
                     article_links=tuple(links.get("articles") or ()), next_links=tuple(links.get("next") or ())), ""
