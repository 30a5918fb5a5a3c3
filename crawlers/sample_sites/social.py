"""JSON APIs of the sample web (issue 19): a 12345-style portal with cursor paging and official replies
(``/hotline/``) and a 微博-like API with reposts, engagement and verified accounts (``/weibo/``).

Both are made from the sample timeline's board posts, so they move with its clock (new posts, replies given later)
and are deterministic for a seed. With ``--faults`` the same data is also served under ``/faults/weibo/`` and
``/faults/hotline/`` with the faults a real API has: 429 with Retry-After (each page once), a login wall, an empty
page and a body that is not JSON. ``expected_*`` give the ground truth a crawl must match.

``/open/weibo/api/statuses`` is the same 微博-like data behind a key, shaped like 微博开放平台's
``statuses/user_timeline`` (``{"statuses": [...], "total_number", "previous_cursor", "next_cursor"}``, paged by
``page``/``count``, optional ``uid``): it answers 401 with the platform's error JSON unless the request carries
``OPEN_API_TOKEN`` as ``access_token`` (query) or ``Authorization: OAuth2 …``/``Bearer …`` (header).
"""

from __future__ import annotations

import base64
import threading
import zlib
from datetime import datetime, timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from yuqing.samples.posts import Post

from .params import _page_param

if TYPE_CHECKING:  # pragma: no cover
    from .server import Handler, SampleSites

PAGE = 20
WEIBO_TIME = "%a %b %d %H:%M:%S %z %Y"  # how 微博 writes created_at
# Accounts that repost citizens' posts: (uid, name, verified_type, followers, every n-th post, minutes later, text).
# verified_type as 微博 uses it: 1 政府, 3 媒体; -1 not verified.
ACCOUNTS = (
    (1001, "A市发布", 1, 1_250_000, 5, 30, "【关注】已转交相关部门核实处理，处理结果将及时公布。"),
    (1002, "A市日报", 3, 860_000, 7, 90, "【网友反映】"),
)
OPEN_API_TOKEN = "2.00sample_open_api_token_A1b2C3d4"  # the sample 开放平台's only valid access_token
LOGIN_WALL = {"ok": -100, "msg": "请先登录", "url": "https://passport.weibo.example/login"}


def _uid(author: str) -> int:
    return 5_000_000_000 + zlib.crc32(author.encode("utf-8")) % 1_000_000_000


def _local(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def _cursor(post: Post) -> str:
    return base64.urlsafe_b64encode(f"{int(post.published_at.timestamp())}:{post.id}".encode()).decode().rstrip("=")


class SocialSites:
    def __init__(self, app: "SampleSites"):
        self.app = app
        self._limited: set[str] = set()  # fault pages already answered 429 once
        self._lock = threading.Lock()

    # -- 微博-like statuses ----------------------------------------------------------------------------------
    def _status(self, p: Post) -> dict[str, Any]:
        uid = _uid(p.author)
        return {"id": 4_800_000_000_000_000 + p.id * 10, "mid": str(4_800_000_000_000_000 + p.id * 10),
                "created_at": p.published_at.strftime(WEIBO_TIME), "text": f"{p.title}：{p.content}",
                "region_name": p.region, "reposts_count": (p.likes * 7 + p.id) % 50, "comments_count": p.comments,
                "attitudes_count": p.likes * 4 + p.id % 9,
                "user": {"id": uid, "idstr": str(uid), "screen_name": p.author, "verified": False,
                         "verified_type": -1, "followers_count": uid % 3000}}

    def statuses(self, now: datetime) -> list[dict[str, Any]]:
        """Every status published by ``now``, newest first: citizens' posts and the accounts' reposts of them."""
        out: list[tuple[datetime, int, dict]] = []
        for p in self.app.snapshot().posts:
            original = self._status(p)
            out.append((p.published_at, original["id"], original))
            for k, (uid, name, vtype, followers, every, minutes, text) in enumerate(ACCOUNTS, start=1):
                at = p.published_at + timedelta(minutes=minutes)
                if p.id % every or at > now:
                    continue
                sid = original["id"] + k
                out.append((at, sid, {
                    "id": sid, "mid": str(sid), "created_at": at.strftime(WEIBO_TIME),
                    "text": f"{text}//@{p.author}:{p.title}", "region_name": p.region,
                    "reposts_count": (p.id + k) % 300, "comments_count": (p.id * k) % 40,
                    "attitudes_count": (p.likes + 1) * 10 + k,
                    "user": {"id": uid, "idstr": str(uid), "screen_name": name, "verified": True, "verified_type": vtype,
                             "followers_count": followers},
                    "retweeted_status": original}))
        out.sort(key=lambda t: (t[0], t[1]), reverse=True)
        return [s for _, _, s in out]

    def status_url(self, status: dict[str, Any]) -> str:
        return f"{self.app.base_url}/weibo/{status['user']['id']}/{status['mid']}"

    def expected_weibo(self) -> list[dict[str, Any]]:
        """Ground truth of the 微博-like API, in our document's terms."""
        out = []
        for s in self.statuses(self.app.now()):
            u = s["user"]
            rt = s.get("retweeted_status")
            out.append({"url": self.status_url(s), "content": s["text"], "author": u["screen_name"],
                        "author_id": u["idstr"], "verified": u["verified"], "official": u["verified_type"] == 1,
                        "followers": u["followers_count"], "likes": s["attitudes_count"],
                        "reposts": s["reposts_count"], "comments": s["comments_count"], "region": s["region_name"],
                        "published_at": datetime.strptime(s["created_at"], WEIBO_TIME),
                        "repost_of": self.status_url(rt) if rt else None})
        return out

    # -- 12345-style portal ------------------------------------------------------------------------------------
    def case(self, p: Post, now: datetime, *, detail: bool) -> dict[str, Any]:
        rec: dict[str, Any] = {"caseId": p.id, "caseNo": f"GD2024{p.id:07d}", "subject": p.title,
                               "acceptTime": _local(p.published_at), "street": p.region, "state": p.status(now),
                               "category": p.category}
        if detail:
            reply = p.reply(now)
            rec.update(content=p.content, citizen={"name": p.author, "uid": f"U{_uid(p.author)}"},
                       supportCount=p.likes, commentCount=p.replies(now), viewCount=p.views,
                       reply={"text": reply["text"], "unit": reply["department"],
                              "time": _local(p.reply_at)} if reply else None)
        return rec

    def expected_hotline(self) -> list[dict[str, Any]]:
        snap = self.app.snapshot()
        return [{"url": f"{self.app.base_url}/hotline/case/{p.id}", **self.case(p, snap.now, detail=True)}
                for p in snap.posts]

    def _cases_page(self, h: "Handler", query: dict, *, broken_after_first: bool = False) -> None:
        snap = self.app.snapshot()
        limit = _page_param(query, "limit", PAGE, 1, 100)
        posts = snap.posts
        raw = query.get("cursor", [""])[0]
        start = 0
        if raw:
            if broken_after_first:
                return h.send_body(200, b'{"code":200,"data":{"records":[{"caseId":', "application/json; charset=utf-8")
            try:
                ts, pid = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode().split(":")
                key = (int(ts), int(pid))
            except (ValueError, UnicodeDecodeError):
                return h.send_json({"code": 400, "msg": f"游标「{raw}」无效"}, 400)
            start = next((i for i, p in enumerate(posts)
                          if (int(p.published_at.timestamp()), p.id) < key), len(posts))
        page = posts[start:start + limit]
        nxt = _cursor(page[-1]) if page and start + limit < len(posts) else None
        h.send_json({"code": 200, "msg": "成功", "data": {
            "records": [self.case(p, snap.now, detail=False) for p in page], "nextCursor": nxt}})

    # -- serving -----------------------------------------------------------------------------------------------
    def _statuses_page(self, h: "Handler", query: dict, *, faults: bool = False, empty: bool = False) -> None:
        page = _page_param(query)
        count = _page_param(query, "count", PAGE, 1, 100)
        if faults:
            with self._lock:
                first = f"{page}:{count}" not in self._limited
                self._limited.add(f"{page}:{count}")
            if first:  # every page is rate-limited once: a crawler that honours Retry-After gets it next time
                return h.send_body(429, '{"ok":0,"msg":"访问过于频繁"}'.encode(), "application/json; charset=utf-8",
                                   {"Retry-After": "1"})
            if page >= 3:
                return h.send_json(LOGIN_WALL)
        items = [] if empty else self.statuses(self.app.now())[(page - 1) * count: page * count]
        h.send_json({"ok": 1, "data": {"statuses": items, "total_number": 0 if empty else None}})

    def _open_timeline(self, h: "Handler", query: dict) -> None:
        """``statuses/user_timeline`` behind the access token (401 with 微博's error JSON without the right one)."""
        given = query.get("access_token", [""])[0]
        header = h.headers.get("Authorization", "") or ""
        if header.split(" ", 1)[0] in ("OAuth2", "Bearer"):
            given = given or header.split(" ", 1)[-1].strip()
        if given != OPEN_API_TOKEN:
            code, error = (21332, "invalid_access_token") if given else (10006, "source paramter (appkey) is missing")
            return h.send_json({"error": error, "error_code": code, "request": "/2/statuses/user_timeline.json"}, 401)
        page, count = _page_param(query), _page_param(query, "count", PAGE, 1, 100)
        uid = query.get("uid", [""])[0]
        items = [s for s in self.statuses(self.app.now()) if not uid or str(s["user"]["id"]) == uid]
        h.send_json({"statuses": items[(page - 1) * count: page * count], "total_number": len(items),
                     "previous_cursor": 0, "next_cursor": 0})

    def handle(self, h: "Handler", path: str, query: dict) -> None:
        if path == "/open/weibo/api/statuses":
            return self._open_timeline(h, query)
        if path == "/weibo/api/statuses":
            return self._statuses_page(h, query)
        if path == "/hotline/api/cases":
            return self._cases_page(h, query)
        if path.startswith("/hotline/api/cases/") or path.startswith("/hotline/case/"):
            raw = path.rsplit("/", 1)[1]
            snap = self.app.snapshot()
            post = self.app.timeline.post(int(raw), snap.now) if raw.isdigit() else None
            if post is None:
                return h.send_json({"code": 404, "msg": f"工单 {raw} 不存在"}, 404)
            if "/api/" in path:
                return h.send_json({"code": 200, "data": self.case(post, snap.now, detail=True)})
            return h.send_body(200, self.case_page(post, snap.now).encode(), "text/html; charset=utf-8")
        if path.startswith("/weibo/") and path.count("/") == 3:
            mid = path.rsplit("/", 1)[1]
            status = next((s for s in self.statuses(self.app.now()) if s["mid"] == mid), None)
            if status is None:
                return h.send_error_page(404)
            return h.send_body(200, self.status_page(status).encode(), "text/html; charset=utf-8")
        return h.send_error_page(404)

    def handle_fault(self, h: "Handler", path: str, query: dict) -> None:
        if path == "/faults/weibo/api/statuses":
            return self._statuses_page(h, query, faults=True)
        if path == "/faults/weibo/api/empty":
            return self._statuses_page(h, query, empty=True)
        if path == "/faults/hotline/api/cases":
            return self._cases_page(h, query, broken_after_first=True)
        return h.send_error_page(404)

    @staticmethod
    def case_page(p: Post, now: datetime) -> str:
        reply = p.reply(now)
        answer = (f"<div class=\"reply\"><p>答复单位：{escape(reply['department'])}</p><p>{escape(reply['text'])}</p>"
                  f"</div>") if reply else ""
        return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{escape(p.title)}</title></head><body>'
                f"<h1>{escape(p.title)}</h1><p>受理时间：{_local(p.published_at)}　状态：{escape(p.status(now))}</p>"
                f"<div class=\"content\"><p>{escape(p.content)}</p></div>{answer}</body></html>\n")

    @staticmethod
    def status_page(s: dict[str, Any]) -> str:
        return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{escape(s["user"]["screen_name"])}的微博'
                f'</title></head><body><p>{escape(s["user"]["screen_name"])}</p><p>{escape(s["text"])}</p>'
                f"<p>转发 {s['reposts_count']}　评论 {s['comments_count']}　赞 {s['attitudes_count']}</p></body></html>\n")
