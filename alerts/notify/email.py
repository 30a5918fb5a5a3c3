"""E-mail over SMTP (plain text, UTF-8), with optional STARTTLS/SSL and login."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from yuqing.alerts.notify.base import Channel, DeliveryError, digest_text, subject_for
from yuqing.config import Checker

if TYPE_CHECKING:  # smtplib and the email package load when a message is built, not when a configuration is checked
    from email.message import EmailMessage


class EmailChannel(Channel):
    type_name = "email"
    contact_keys = ("email",)

    @classmethod
    def parse_options(cls, c: Checker) -> dict[str, Any]:
        c.reject_unknown({"host", "port", "sender", "username", "password", "starttls", "ssl", "timeout"})
        return {
            "host": c.get("host", str, "127.0.0.1"), "port": c.get("port", int, 25, minimum=1, maximum=65535),
            "sender": c.get("sender", str, "yuqing@localhost"), "username": c.get("username", str, ""),
            "password": c.get("password", str, ""), "starttls": c.get("starttls", bool, False),
            "ssl": c.get("ssl", bool, False), "timeout": c.get("timeout", float, 10.0, minimum=0.5)}

    @classmethod
    def parse_contact(cls, c: Checker) -> dict[str, str]:
        contact = super().parse_contact(c)
        if "email" in contact and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", contact["email"]):
            raise c.fail("email", f"「{contact['email']}」不是有效的电子邮件地址")
        return contact

    def build_message(self, target: str, items: list[dict[str, Any]], *, key: str | None = None) -> EmailMessage:
        """The message as sent: subject and plain-text body rendered from the notifications' (masked) views."""
        from email.message import EmailMessage
        from email.utils import formatdate, make_msgid

        o = self.options
        msg = EmailMessage()
        msg["From"] = o.get("sender", "yuqing@localhost")
        msg["To"] = target
        msg["Subject"] = subject_for(items)
        msg["Date"] = formatdate(localtime=True)
        # A stable Message-ID for a message sent again (retry or takeover), so mail clients show it once.
        domain = (o.get("sender") or "").rpartition("@")[2].strip("> ") or "yuqing.local"
        msg["Message-ID"] = f"<{key}@{domain}>" if key else make_msgid(domain=domain)
        msg.set_content(digest_text(items), charset="utf-8")
        return msg

    def send(self, target: str, items: list[dict[str, Any]], fmt: str = "generic", *, key: str | None = None) -> str:
        import smtplib

        o = self.options
        msg = self.build_message(target, items, key=key)
        host, port, timeout = o.get("host", "127.0.0.1"), int(o.get("port", 25)), float(o.get("timeout", 10))
        try:
            cls = smtplib.SMTP_SSL if o.get("ssl") else smtplib.SMTP
            with cls(host, port, timeout=timeout) as smtp:
                if o.get("starttls") and not o.get("ssl"):
                    smtp.starttls()
                if o.get("username"):
                    smtp.login(o["username"], o.get("password", ""))
                refused = smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"邮件发送到 {target} 失败（SMTP {host}:{port}）：{exc}") from exc
        if refused:
            raise DeliveryError(f"SMTP 服务器拒收收件人：{refused}")
        return f"smtp {host}:{port} 已接收 {msg['Message-ID']}"
