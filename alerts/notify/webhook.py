"""Webhooks: generic JSON, the 企业微信 group robot and the 钉钉 custom robot formats."""

from __future__ import annotations

import json
from typing import Any

from yuqing.alerts.notify.base import Channel, DeliveryError, digest_text, subject_for
from yuqing.config import Checker, check_url

FORMATS = ("generic", "wecom", "dingtalk")


# The robots render their content as Markdown: quoted text (titles, replies, notes) must not become a link, an image
# the client fetches, a heading or emphasis. Markdown's active characters become their full-width look-alikes, which
# read the same to a person and mean nothing to the renderer; URL-, www.- and e-mail-shaped text is broken the same
# way so the client's autolinking leaves it alone. Our own dashboard link stays a link.
_MD_NEUTRAL = str.maketrans({"[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞", "*": "＊", "_": "＿",
                             "`": "｀", "#": "＃", "!": "！", "|": "｜", "~": "～", "\\": "＼", "@": "＠"})


def neutral_markdown(text: str) -> str:
    text = (text or "").translate(_MD_NEUTRAL)
    return text.replace("://", "：//").replace("www.", "www．").replace("WWW.", "WWW．")


def build_body(items: list[dict[str, Any]], fmt: str) -> dict[str, Any]:
    if fmt == "wecom":  # 企业微信群机器人: markdown content up to 4096 bytes
        text = f"### {subject_for(items, neutral_markdown)}\n" + digest_text(items, neutral_markdown)
        return {"msgtype": "markdown", "markdown": {"content": text.encode("utf-8")[:4000].decode("utf-8", "ignore")}}
    if fmt == "dingtalk":  # 钉钉自定义机器人 markdown
        return {"msgtype": "markdown", "markdown": {
            "title": subject_for(items),
            "text": f"### {subject_for(items, neutral_markdown)}\n\n"
                    + digest_text(items, neutral_markdown).replace("\n", "\n\n")}}
    if fmt == "generic":
        from yuqing.views import NotificationView

        return {"subject": subject_for(items), "count": len(items),
                "items": [NotificationView.from_payload(i).to_payload() for i in items]}
    raise DeliveryError(f"不支持的 webhook 格式「{fmt}」（可选：{', '.join(FORMATS)}）")


class WebhookChannel(Channel):
    type_name = "webhook"
    contact_keys = ("webhook", "webhook_format")
    formats = FORMATS

    @classmethod
    def parse_options(cls, c: Checker) -> dict[str, Any]:
        c.reject_unknown({"timeout", "headers"})
        return {"timeout": c.get("timeout", float, 10.0, minimum=0.5), "headers": c.get("headers", dict, {})}

    @classmethod
    def parse_contact(cls, c: Checker) -> dict[str, str]:
        contact = super().parse_contact(c)
        if "webhook" in contact:
            check_url(c, c.key("webhook"), contact["webhook"])
        return contact

    @classmethod
    def targets(cls, contact: dict[str, str]) -> list[dict[str, str]]:
        if not contact.get("webhook"):
            return []
        return [{"channel": cls.type_name, "target": contact["webhook"],
                 "format": contact.get("webhook_format", "generic")}]

    def send(self, target: str, items: list[dict[str, Any]], fmt: str = "generic", *, key: str | None = None) -> str:
        import urllib.error  # loaded when something is sent, not when a configuration is checked
        import urllib.request

        body = json.dumps(build_body(items, fmt), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", **self.options.get("headers", {})}
        if key:  # the same for every resend of this message, so the receiver can drop a repeat
            headers.update({"Idempotency-Key": key, "X-Yuqing-Delivery": key})
        req = urllib.request.Request(target, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=float(self.options.get("timeout", 10))) as resp:
                status, text = resp.status, resp.read(65536).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"webhook {target} 返回 HTTP {exc.code}") from exc
        except (OSError, urllib.error.URLError) as exc:
            raise DeliveryError(f"webhook {target} 无法连接：{exc}") from exc
        if fmt in ("wecom", "dingtalk"):
            # Both robots answer HTTP 200 with {"errcode": 0} on success and a non-zero errcode otherwise.
            try:
                answer = json.loads(text)
            except ValueError as exc:
                raise DeliveryError(f"机器人接口返回了非 JSON 内容：{text[:100]}") from exc
            if answer.get("errcode", 0) != 0:
                raise DeliveryError(f"机器人接口拒绝：errcode={answer.get('errcode')} {answer.get('errmsg', '')}")
        return f"HTTP {status}"
